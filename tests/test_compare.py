"""``redmud compare`` and the reference bands of redmud.costing.benchmarks.

Routes are the fast ones (sulfation roast, SCALE IX, bastnasite roast): the pairs evaluate in
well under a second each.
"""

import contextlib
import io
import json
import math
import subprocess
import sys
from types import SimpleNamespace

import pytest

from redmud import cli
from redmud.commands.compare import environment_co2e, plan_pairs
from redmud.costing.benchmarks import (fritz2023_band, fritz2023_stages, fritz2023_total_band,
                                       producer_cost_bands, producer_cost_gaps)
from redmud.errors import InputError
from redmud.feedstocks import load_feedstock
from redmud.routes import load_route
from redmud.units import index_series

ARGS = ["compare", "sulfation-roast-water-leach", "scale-dilute-acid-ix", "bastnasite-roast-hcl",
        "--feedstock", "greece-aog"]


def _strict_json(text):
    def refuse(token):
        raise ValueError(f"non-JSON constant {token}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def compared():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main([*ARGS, "--json"])
    assert code == 0
    return _strict_json(out.getvalue())


def test_json_pairs_and_metadata(compared):
    assert compared["metadata"]["cost_year"] == 2024
    assert compared["metadata"]["command"][:2] == ["redmud", "compare"]
    pairs = {(p["route"], p["feedstock"]): p for p in compared["pairs"]}
    assert set(pairs) == {("sulfation-roast-water-leach", "greece-aog"), ("scale-dilute-acid-ix", "greece-aog"),
                          ("bastnasite-roast-hcl", "mountain-pass-concentrate")}
    ore = pairs["bastnasite-roast-hcl", "mountain-pass-concentrate"]
    assert ore["feedstock_note"].startswith("own default feedstock")
    assert any("bastnasite-roast-hcl runs on mountain-pass-concentrate" in n for n in compared["notes"])
    for p in pairs.values():
        assert p["capex_usd"] > 0 and p["opex_usd_per_year"] > 0
        assert p["levelized_cost_basket_usd_per_kg"] > 0
        assert 0 <= p["recovery_REO"] <= 1
        assert p["npv_usd"] is not None
        for key, value in p.items():          # every null carries its reason
            if value is None and not key.endswith("_reason"):
                assert p.get(f"{key}_reason"), key
    red = pairs["sulfation-roast-water-leach", "greece-aog"]
    assert red["breakeven_price_Sc2O3_usd_per_kg"] > 0 and red["levelized_cost_Sc2O3_usd_per_kg"] > 0
    assert 0 < red["recovery_Sc"] <= 1
    assert red["fritz2023"]["total"]["low"] <= red["fritz2023"]["total"]["central"] <= red["fritz2023"]["total"]["high"]


def test_breakeven_of_route_without_sc_is_null_with_reason(compared):
    ore = next(p for p in compared["pairs"] if p["route"] == "bastnasite-roast-hcl")
    assert ore["breakeven_price_Sc2O3_usd_per_kg"] is None
    assert "no Sc2O3 product" in ore["breakeven_price_Sc2O3_usd_per_kg_reason"]
    assert ore["levelized_cost_Sc2O3_usd_per_kg"] is None
    assert ore["recovery_Sc"] is None and ore["recovery_Sc_reason"]
    assert ore["co2e_kg_per_kg"] is None or isinstance(ore["co2e_kg_per_kg"], dict)


def test_json_reference_bands_have_sources(compared):
    ref = compared["reference_bands"]
    assert ref["cost_year"] == 2024 and "PRICE" in ref["escalation"]
    assert {b["basis"] for b in ref["producer_costs"]} >= {"Sc2O3", "REO", "REO in concentrate", "NdPr oxide"}
    for band in ref["producer_costs"]:
        assert band["source"] and band["cost_year"] == 2024 and band["index"] == "PRICE"
        assert band["low"] <= band["central"] <= band["high"]


def test_text_table(capsys):
    assert cli.main(ARGS) == 0
    out = capsys.readouterr().out
    assert "sulfation-roast-water-leach / greece-aog" in out
    assert "bastnasite-roast-hcl / mountain-pass-concentrate *" in out
    for text in ("capital (TCI), USD", "levelised cost Sc2O3", "break-even Sc2O3", "recovery REO",
                 "the route has no Sc2O3 product", "own default feedstock", "Reference bands", "nyngan_sc2o3",
                 "Fritz et al. 2023"):
        assert text in out, text


@pytest.mark.parametrize("argv", [["compare", "no-such-route", "--feedstock", "greece-aog"],
                                  ["compare", "hcl-leach-sx", "--feedstock", "no-such-feedstock"],
                                  ["compare", "hcl-leach-sx", "--set", "no.such=1"]])
def test_bad_names_exit_2_with_one_line(capsys, argv):
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("error:")


def test_bad_route_by_subprocess():
    proc = subprocess.run([sys.executable, "-m", "redmud", "compare", "hcl-leach-sxx", "--feedstock", "greece-aog"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "hcl-leach-sx" in proc.stderr


def test_plan_pairs_fits_by_kind():
    red, ore = load_route("hcl-leach-sx"), load_route("ion-adsorption-clay")
    greece, mp = load_feedstock("greece-aog"), load_feedstock("mountain-pass-concentrate")
    pairs, notes = plan_pairs([red, ore], [greece, mp])
    assert [(p.route.name, p.feedstock.name) for p in pairs] == [("hcl-leach-sx", "greece-aog"),
                                                                 ("ion-adsorption-clay", "ion-adsorption-clay")]
    assert any("not run on mountain-pass-concentrate" in n for n in notes)
    assert any("ion-adsorption-clay runs on ion-adsorption-clay" in n for n in notes)


def test_environment_entry_is_read_when_present():
    fake = SimpleNamespace(extra={"environment": {"co2e_kg_per_kg": {"scandium_oxide": {"mass": 2.0, "value": 5.0},
                                                                     "mixed_reo": 1.5}}})
    flat, reason = environment_co2e(fake)
    assert flat == {"scandium_oxide (mass)": 2.0, "scandium_oxide (value)": 5.0, "mixed_reo": 1.5} and reason == ""
    flat, reason = environment_co2e(SimpleNamespace(extra={}))
    assert flat is None and reason


# --- bands -------------------------------------------------------------------------------------

def test_producer_bands_escalate_with_price_index():
    cpi = index_series("PRICE")
    nyngan = next(b for b in producer_cost_bands(2024) if b.name == "nyngan_sc2o3")
    assert nyngan.basis == "Sc2O3" and nyngan.source_year == 2016
    assert nyngan.central == pytest.approx(557 * cpi[2024] / cpi[2016], rel=1e-12)
    assert all(b.source for b in producer_cost_bands(2020))
    assert {b.basis for b in producer_cost_bands(2024, basis="Sc2O3")} == {"Sc2O3"}
    assert "ion_adsorption_clays" in producer_cost_gaps()


def test_producer_band_in_other_currency_uses_recorded_rate():
    arafura = next(b for b in producer_cost_bands(2019) if b.name == "arafura_nolans_2019")
    # A$36.85 and A$48.40 at 0.6952 USD/AUD (2019, jurisdictions.toml australia.fx); same year, no escalation
    assert arafura.low == pytest.approx(36.85 * 0.6952) and arafura.central == pytest.approx(48.40 * 0.6952)


# PrOMMiS test_ree_costing.py (test_costing_bounding): 500 short ton/h, 356.64 ppm REE, 8,064 h/yr,
# 20 yr; bounds in USD of "UKy_2019" (CE 609.495), converted by PrOMMiS from USD_2022 (CE 816.0).
PROMMIS_LOW = {"beneficiation": 0.12109, "beneficiation_chemextraction_enrichment_separation": 5.3203,
               "chemical_extraction": 0.062054, "chemextraction_enrichment_separation": 0.0,
               "enrichment_separation": 0.18702, "mining": 0.24696, "total_capital": 0.29132,
               "total_operating": 5.4747}
PROMMIS_HIGH = {"beneficiation": 1.2209, "beneficiation_chemextraction_enrichment_separation": 15.235,
                "chemical_extraction": 1.2373, "chemextraction_enrichment_separation": 55.9608,
                "enrichment_separation": 4.2676, "mining": 2.0840, "total_capital": 1.0861,
                "total_operating": 12.648}


@pytest.mark.parametrize("stage", sorted(PROMMIS_LOW))
def test_fritz2023_reproduces_prommis(stage):
    capacity_t = 500 * 0.90718474 * 8064 * 20          # short ton -> tonne (exact definition)
    band = fritz2023_band(356.64e-6, capacity_t, stage, cost_year=2022)
    to_uky2019 = 609.495 / 816.0
    assert band.low * to_uky2019 == pytest.approx(PROMMIS_LOW[stage], rel=2e-4, abs=1e-4)
    assert band.high * to_uky2019 == pytest.approx(PROMMIS_HIGH[stage], rel=2e-4)
    assert band.source and band.basis == "REE"


def test_fritz2023_indices_and_total():
    assert set(PROMMIS_LOW) == set(fritz2023_stages())
    cepci, cpi = index_series("CEPCI"), index_series("PRICE")
    cap22 = fritz2023_band(1e-3, 2e7, "total_capital", 2022)
    cap24 = fritz2023_band(1e-3, 2e7, "total_capital", 2024)
    op22 = fritz2023_band(1e-3, 2e7, "total_operating", 2022)
    op24 = fritz2023_band(1e-3, 2e7, "total_operating", 2024)
    # mined_ore.toml [fritz2023].example: 0.851 and 11.41 USD2022/kg at 20,000 t REE
    assert cap22.central == pytest.approx(0.851, abs=6e-4) and op22.central == pytest.approx(11.41, abs=6e-3)
    assert cap24.central / cap22.central == pytest.approx(cepci[2024] / cepci[2022])
    assert op24.central / op22.central == pytest.approx(cpi[2024] / cpi[2022])
    total = fritz2023_total_band(1e-3, 2e7, 2024)
    assert total.central == pytest.approx(cap24.central + op24.central)
    assert total.low <= total.central <= total.high


@pytest.mark.parametrize("grade, feed", [(0.0, 1e6), (1.5, 1e6), (1e-3, 0.0), (math.nan, 1e6)])
def test_fritz2023_rejects_bad_input(grade, feed):
    with pytest.raises(InputError):
        fritz2023_band(grade, feed)
