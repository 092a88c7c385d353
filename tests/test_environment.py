"""Environmental footprint: factors with sources, radionuclide activities, hand-checked indicators,
inventory closure, null-with-reason for unknown Th/U, and the ``redmud run --json`` keys."""

import json
import math

import numpy as np
import pytest

import redmud
from redmud.chemistry import ATOMIC_WEIGHTS, molar_mass
from redmud.environment import environment_metrics, evaluate_environment
from redmud.environment.factors import FACTORS_FILE, factor_data
from redmud.environment.footprint import _per_kg
from redmud.environment.inventory import build_inventory, closure, element_fate
from redmud.environment.radioactivity import activity_concentration, element_specific_activity, specific_activity
from redmud.errors import InputError
from redmud.streams import COMPONENT_INDEX, PHASE_INDEX



@pytest.fixture(scope="module")
def hcl_run():
    return redmud.run("hcl-leach-sx")


@pytest.fixture(scope="module")
def clay_run():
    return redmud.run("ion-adsorption-clay", economics=False)


# --- data ------------------------------------------------------------------------------------
def test_every_factor_has_source_and_year():
    data = factor_data()
    missing = []
    for table, records in data.items():
        for key, rec in records.items():
            where = f"[{table}.{key}]"
            if not rec.get("source"):
                missing.append(f"{where} source")
            if rec.get("absent"):
                if not rec.get("note"):
                    missing.append(f"{where} note (why absent)")
                continue
            if rec.get("counted", True) is False:
                continue
            if "year" not in rec:
                missing.append(f"{where} year")
            if table != "radionuclide" and ("value" not in rec or "unit" not in rec):
                missing.append(f"{where} value/unit")
    assert not missing, f"{FACTORS_FILE.name}: " + ", ".join(missing)


def test_grid_factor_for_every_jurisdiction():
    from redmud.costing.jurisdictions import jurisdiction_data
    assert set(jurisdiction_data()) <= set(factor_data()["electricity"])


def test_every_reagent_an_operation_can_add_has_a_record():
    from redmud.costing.equipment import choices
    assert set(choices()["reagents"]) <= set(factor_data()["reagent"])


# --- radionuclides ---------------------------------------------------------------------------
def test_specific_activities_from_half_lives():
    # ln2 N_A / (t1/2 M): Th-232 4.06-4.07 Bq/mg, U-238 12.4 Bq/mg, Ra-226 3.66e10 Bq/g
    assert specific_activity(1.40e10, 232.0381) / 1000 == pytest.approx(4.07, rel=2e-3)
    assert specific_activity(4.468e9, 238.0508) / 1000 == pytest.approx(12.44, rel=2e-3)
    assert specific_activity(1600.0, 226.0254) == pytest.approx(3.66e10, rel=2e-3)
    # 1 Bq/g ~ 246 ppm Th or 81 ppm U (issue 9)
    assert 1e6 / element_specific_activity("Th232") == pytest.approx(246, rel=0.01)
    assert 1e6 / element_specific_activity("U238") == pytest.approx(81, rel=0.01)
    assert activity_concentration(111.0, "Th232") == pytest.approx(111e-6 * 4.07e3, rel=3e-3)


def test_residue_concentrations_from_streams(hcl_run):
    env = hcl_run.extra["environment"]
    fs = hcl_run.flowsheet
    stream = fs.streams["leached_residue"]
    dry = stream.total("solid")
    th_ppm = stream.component("Th") / dry * 1e6
    row = env["residues"]["leached_residue"]
    assert row["Th_ppm"] == pytest.approx(th_ppm, rel=1e-12)
    assert row["Th232_Bq_per_g"] == pytest.approx(th_ppm * 1e-6 * element_specific_activity("Th232"))
    assert set(env["residues"]) == {n for n, c in fs.route.terminals.items() if c == "residues"}
    # the shares of the feed's Th over every non-gaseous terminal stream add up to 1
    shares = sum(r["Th_share_of_input"] for r in env["radionuclides"]["streams"].values())
    assert shares == pytest.approx(1.0, rel=1e-9)


def test_unknown_th_u_are_null_with_reason(clay_run):
    assert not clay_run.feedstock.known("Th")
    env = clay_run.extra["environment"]
    for row in env["residues"].values():
        assert row["Th_ppm"] is None and row["Th232_Bq_per_g"] is None
        assert "feedstock gives no Th" in row["Th_reason"]
    from redmud.output import dumps
    content = json.loads(dumps(clay_run.to_dict()))
    first = next(iter(content["environment"]["residues"].values()))
    assert first["Th_ppm"] is None and first["U_ppm"] is None and first["Th_reason"]
    assert math.isnan(environment_metrics(env)[f"env_Th_ppm_{next(iter(env['residues']))}"])


# --- indicators, checked by hand -------------------------------------------------------------
def test_per_kg_allocation_small_case():
    yearly = np.array([100.0])
    oxide = {"a": np.array([1.0]), "b": np.array([4.0])}
    by_mass = _per_kg(yearly, {"a": np.array([0.2]), "b": np.array([0.8])}, oxide)
    assert by_mass["a"] == pytest.approx(20.0) and by_mass["b"] == pytest.approx(20.0)   # 100/5 each
    by_value = _per_kg(yearly, {"a": np.array([0.9]), "b": np.array([0.1])}, oxide)
    assert by_value["a"] == pytest.approx(90.0) and by_value["b"] == pytest.approx(2.5)  # 90/1, 10/4
    assert np.isnan(_per_kg(yearly, {"a": np.array([1.0])}, {"a": np.array([0.0])})["a"])


def test_co2e_hand_computed(hcl_run):
    """kWh x 0.390 + fuel GJ x 51.53 + steam GJ/0.75 x 51.53 + reagents x factors + gas-phase C as CO2."""
    r, env = hcl_run, hcl_run.extra["environment"]
    assert env["jurisdiction"] == "united-states"
    hours = r.flowsheet.hours_per_year
    util = r.utilities
    expected = (util["electricity_kW"] * hours * 0.390 + util["fuel_kW"] * hours * 3.6e-3 * 51.53
                + util["heat_kW"] * hours * 3.6e-3 / 0.75 * 51.53)
    factors = {"HCl": 1.96, "NaOH": 2.01, "H2SO4": 0.04447, "Ca(OH)2": 0.976,
               "D2EHPA": 0.0, "TBP": 0.0, "kerosene": 0.6608, "H2C2O4": 0.0}   # absent: 0, flagged
    for name, c in r.consumption.items():
        if name in ("water", "air_O2"):
            continue
        expected = expected + c["kg_per_year"] * factors[name]    # these added streams are 100 % reagent
    gas = PHASE_INDEX["gas"]
    for name in ("sc_offgas", "reo_offgas", "leach_offgas"):
        expected = expected + (r.flowsheet.streams[name].flows[gas, COMPONENT_INDEX["C"]] * hours
                               * molar_mass("CO2") / ATOMIC_WEIGHTS["C"])
    assert env["co2e_kg_per_year"]["total"] == pytest.approx(expected, rel=1e-9)
    oxide = {p: v["contained_oxide_kg_per_year"] for p, v in r.products.items()}
    total_oxide = sum(oxide.values())
    for p in oxide:
        assert env["co2e_kg_per_kg"][p] == pytest.approx(expected / total_oxide, rel=1e-9)
    revenue = {p: 0.0 for p in oxide}
    for line in r.extra["economics"].costs.revenue:
        revenue[line["product"]] = revenue[line["product"]] + line["revenue_usd_per_year"]
    total_revenue = sum(revenue.values())
    for p in oxide:
        assert env["co2e_kg_per_kg_by_value"][p] == pytest.approx(
            expected * revenue[p] / total_revenue / oxide[p], rel=1e-9)
    assert any("H2C2O4" in f for f in env["flags"])
    water = r.consumption["water"]["kg_per_year"] / 1000.0
    assert env["water_m3_per_kg"]["mixed_reo"] == pytest.approx(water / total_oxide, rel=1e-9)


def test_grid_factor_follows_the_jurisdiction(hcl_run):
    us = hcl_run.extra["environment"]["co2e_kg_per_year"]["electricity"]
    china = evaluate_environment(hcl_run, "china")["co2e_kg_per_year"]["electricity"]
    assert china / us == pytest.approx(0.5366 / 0.390, rel=1e-12)
    with pytest.raises(InputError):
        evaluate_environment(hcl_run, "atlantis")


# --- inventory closure -----------------------------------------------------------------------
@pytest.mark.parametrize("route", ["hcl-leach-sx", "sulfation-roast-water-leach", "bastnasite-roast-hcl"])
def test_inventory_closes_with_the_mass_balance(route, hcl_run):
    r = hcl_run if route == "hcl-leach-sx" else redmud.run(route, economics=False)
    inv = build_inventory(r)
    total, per_element = closure(inv)
    assert np.all(total < 1e-9) and np.all(per_element < 1e-9)
    # every kg of the elements reagents bring is in a product, residue, effluent, emission or purge
    for element, fate in element_fate(inv).items():
        out = sum(v for k, v in fate.items() if k != "in_kg_per_year")
        assert out == pytest.approx(fate["in_kg_per_year"], rel=1e-9, abs=1e-9 * inv.inputs_kg[0]), element
    # reagents in = the added streams the route reports
    for name, kg in inv.reagents_kg.items():
        assert kg == pytest.approx(r.consumption[name]["kg_per_year"], rel=1e-12)


# --- samples and output ----------------------------------------------------------------------
def test_metrics_carry_per_sample_columns():
    r = redmud.run("hcl-leach-sx", overrides={"leach.temperature": np.array([343.15, 353.15, 363.15])},
                   economics=False)
    from redmud.api import metrics
    columns = metrics(r)
    for key in ("env_co2e_kg_per_kg_mixed_reo_mass", "env_co2e_kg_per_kg_mixed_reo_value",
                "env_water_m3_per_kg_mixed_reo", "env_solid_waste_kg_per_kg_mixed_reo",
                "env_Th_ppm_leached_residue", "env_U238_Bq_per_g_leached_residue"):
        assert columns[key].shape == (3,), key
    assert np.all(np.isfinite(columns["env_co2e_kg_per_kg_mixed_reo_mass"]))
    assert np.all(np.isnan(columns["env_co2e_kg_per_kg_mixed_reo_value"]))   # no economics: no revenue
    assert "no economics" in r.extra["environment"]["co2e_kg_per_kg_by_value_reason"]["mixed_reo"]


def test_run_json_has_environment_keys(capsys):
    from redmud.cli import main
    assert main(["run", "--json"]) == 0
    content = json.loads(capsys.readouterr().out)
    env = content["environment"]
    for key in ("co2e_kg_per_kg", "co2e_kg_per_kg_by_mass", "co2e_kg_per_kg_by_value", "water_m3_per_kg",
                "solid_waste_kg_per_kg", "residues", "radionuclides", "inventory", "factors", "allocation"):
        assert key in env, key
    assert isinstance(env["co2e_kg_per_kg"]["mixed_reo"], float)
    residue = env["residues"]["leached_residue"]
    assert residue["Th_ppm"] > 0 and residue["U_ppm"] > 0 and residue["Th232_Bq_per_g"] > 0
    assert env["radionuclides"]["exemption_level_Bq_per_g"] == 1.0


def test_run_table_prints_environment(capsys):
    from redmud.cli import main
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "environment (grid: united-states" in out and "Th-232 Bq/g" in out
