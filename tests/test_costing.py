"""The cost layer: traceable data, equipment cost and scale, materials, installation, opex, revenue."""

import json
import logging
import math
import tomllib

import numpy as np
import pytest

from costing_toy import lookup, toy_route
from redmud import api, routes
from redmud.cli import main
from redmud.costing import capital, equipment as eq
from redmud.costing.estimate import estimate_costs
from redmud.costing.jurisdictions import reagent_quote
from redmud.costing.parameters import cost_parameter_specs, parse_cost_values
from redmud.errors import InputError
from redmud.operations.base import Equipment
from redmud.paths import DATA_DIR, PROCESS_DIR
from redmud.units import escalate, index_series

SOURCE_KEYS = ("source", "sources", "derivation", "flag", "absent")


def _unsourced(node, path, sourced, out):
    if isinstance(node, dict):
        here = sourced or any(k in node for k in SOURCE_KEYS)
        for key, value in node.items():
            _unsourced(value, [*path, key], here, out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _unsourced(value, [*path, str(i)], sourced, out)
    elif isinstance(node, (int, float)) and not isinstance(node, bool) and not sourced:
        out.append(".".join(path))


@pytest.mark.parametrize("name", sorted(p.name for p in DATA_DIR.glob("*.toml")))
def test_every_number_in_the_data_names_its_source(name):
    data = tomllib.loads((DATA_DIR / name).read_text())
    missing = []
    _unsourced(data, [], False, missing)
    assert not missing, f"{name}: numbers without a source: {missing[:10]}"


def test_every_correlation_and_factor_has_its_own_source():
    for name, rec in eq.correlations().items():
        assert rec.get("source"), name
        assert rec["cost_basis"] in ("purchased", "bare_erected", "installed", "total_capital"), name
    for name, rec in tomllib.loads((DATA_DIR / "installation.toml").read_text()).items():
        assert rec.get("source") or all(isinstance(v, dict) and v.get("source") for v in rec.values()
                                        if isinstance(v, dict)), name


def test_chosen_correlations_exist_and_are_priced_records():
    for kind, rec in eq.choices()["equipment"].items():
        for method in eq.INSTALLATION_METHODS:
            for name in rec.get(method, []):
                record = eq.correlations()[name]
                assert record["cost_basis"] in eq.METHOD_OF_BASIS, (kind, name)
                assert eq.METHOD_OF_BASIS[record["cost_basis"]] == method, (kind, name)
                assert record["form"] in eq.FORMS, (kind, name)


def test_purchased_and_bare_erected_records_never_share_installation_factors():
    installation = tomllib.loads((DATA_DIR / "installation.toml").read_text())
    assert installation["netl_qgess"]["applies_to"] == "bare_erected"
    assert installation["lang_peters"]["applies_to"] == "purchased"
    assert sum(capital.qgess_percentages().values()) == installation["netl_qgess"]["total"]
    lang = 3.63
    f_p, how_p = capital.installation_factor("purchased", lang)
    f_b, how_b = capital.installation_factor("bare_erected", lang)
    assert f_p == lang and f_b == pytest.approx(2.97) and how_p != how_b
    # A plant with one record of each basis: the purchased item gets Lang, the BEC item QGESS only.
    op = _op({"tank": Equipment("autoclave", np.array([5.0]), "m^3"),
              "thickener": Equipment("thickener", np.array([20000.0]), "ft^2")})
    cap = capital.capital_cost({"x": op}, 1, "qgess", 2024, lang, "rubber_lined", 0.0, 0.05)
    rows = {r["item"]: r for r in cap.rows}
    assert rows["tank"]["cost_basis"] == "purchased"         # no BEC autoclave: Turton, purchased
    assert rows["thickener"]["cost_basis"] == "bare_erected"
    assert rows["tank"]["installed_cost_usd"] == pytest.approx(lang * rows["tank"]["escalated_cost_usd"])
    assert rows["thickener"]["installed_cost_usd"] == pytest.approx(2.97 * rows["thickener"]["escalated_cost_usd"])
    tpc = cap.breakdown["total_plant_cost"]
    assert tpc == pytest.approx(rows["tank"]["installed_cost_usd"] + rows["thickener"]["installed_cost_usd"])


class _op:
    def __init__(self, equipment):
        self.equipment = equipment


def test_turton_correlation_by_hand():
    # Turton jacketed agitated reactor, 10 m^3: log10 Cp = 4.1052 + 0.532*1 - 0.0005*1 = 4.6367
    # (CEPCI 397, 2001); to 2024: x 798.8 / 397.
    item = eq.price_item("leach", "tank", Equipment("agitated_tank", np.array([10.0]), "m^3"), "lang",
                         2024, "rubber_lined", 1)
    expected = 10 ** 4.6367 * 798.8 / 397
    assert item.cost[0] == pytest.approx(expected, rel=1e-9)
    assert item.correlation == "turton_reactor_jacketed_agitated"


def test_units_in_parallel_and_economy_of_scale():
    # 35 m^3 is the top of the Turton range: 70 m^3 -> 2 units, 71 -> 3 units, per sample.
    sizes = np.array([10.0, 35.0, 36.0, 70.0, 71.0, 350.0])
    item = eq.price_item("leach", "tank", Equipment("agitated_tank", sizes, "m^3"), "lang", 2024,
                         "rubber_lined", sizes.size)
    assert item.units_in_parallel.tolist() == [1, 1, 2, 2, 3, 10]
    assert np.allclose(item.size * item.units_in_parallel, sizes)
    per_size = item.cost / sizes
    # within one unit count, cost per m^3 falls with size
    assert per_size[1] < per_size[0] and per_size[3] < per_size[2]
    # across a split it may rise (2 a (S/2)^n > a S^n): not monotone
    assert per_size[2] > per_size[1]
    # 10x capacity costs less than 10x
    assert item.cost[5] < 10 * item.cost[1] * 1.0001


def test_capital_per_tonne_falls_with_capacity_through_the_route(tmp_path):
    route = toy_route(tmp_path)
    capacities = np.array([2e4, 1e5, 2e5, 1e6])
    result = api.run(route, "greece-aog", {"plant.capacity": capacities})
    costs = estimate_costs(result, parse_cost_values({}))
    per_t = costs.capex_usd / capacities
    assert per_t[3] < per_t[1] < per_t[0]          # 10x capacity and the trend
    tanks = next(r for r in costs.equipment if r["item"] == "leach_tanks")
    assert len(set(tanks["units_in_parallel"].tolist())) > 1    # unit counts differ per sample
    # one vectorised pass equals separate runs
    single = estimate_costs(api.run(route, "greece-aog", {"plant.capacity": 2e5}), parse_cost_values({}))
    assert costs.capex_usd[2] == pytest.approx(single.capex_usd[0], rel=1e-12)
    assert costs.opex_usd_per_year[2] == pytest.approx(single.opex_usd_per_year[0], rel=1e-12)


def test_materials_factor_only_in_acid_service(tmp_path):
    route = toy_route(tmp_path)
    on = estimate_costs(api.run(route, "greece-aog", {"leach.acid_service": 1}), parse_cost_values({}))
    off = estimate_costs(api.run(route, "greece-aog", {"leach.acid_service": 0}), parse_cost_values({}))
    rows_on = {r["item"]: r for r in on.equipment}
    rows_off = {r["item"]: r for r in off.equipment}
    factor = eq.choices()["materials"]["turton"]["rubber_lined"]["value"]
    assert rows_on["leach_tanks"]["escalated_cost_usd"] == pytest.approx(factor * rows_off["leach_tanks"]["escalated_cost_usd"])
    assert rows_off["leach_tanks"]["materials_factor"] == 1.0
    for item in ("filter", "pump", "tank"):
        assert rows_on[item]["materials_factor"] == 1.0
        assert rows_on[item]["escalated_cost_usd"] == pytest.approx(rows_off[item]["escalated_cost_usd"])
    ti = parse_cost_values({"cost.acid_material": "titanium"})
    assert estimate_costs(api.run(route, "greece-aog", {}), ti).equipment[0]["materials_factor"] == 9.43
    # a material named on equipment NOT in acid service is ignored
    item = eq.price_item("x", "t", Equipment("agitated_tank", np.array([10.0]), "m^3", material="titanium"),
                         "lang", 2024, "rubber_lined", 1)
    assert item.materials_factor == 1.0


def test_unknown_equipment_kind_is_a_clear_error():
    with pytest.raises(InputError, match="flotation_cell"):
        eq.price_item("float", "cells", Equipment("flotation_cell", np.array([1.0]), "m^3"), "lang", 2024,
                      "rubber_lined", 1)
    with pytest.raises(InputError, match="agitated_tank sized in 'kg/hour'"):
        eq.price_item("x", "t", Equipment("agitated_tank", np.array([1.0]), "kg/hour"), "lang", 2024,
                      "rubber_lined", 1)


def test_hcl_priced_per_tonne_of_100_percent_acid(tmp_path):
    quote = reagent_quote("HCl", "united-states")
    assert quote.value == pytest.approx(168 / 0.36)
    route = toy_route(tmp_path)
    result = api.run(route, "greece-aog", {"leach.acid_dose": 0.3})
    costs = estimate_costs(result, parse_cost_values({}))
    hcl = next(l for l in costs.opex if l["item"] == "HCl")
    # 0.3 kg HCl (100 %) per kg dry feed, 100,000 t/yr -> 30,000 t/yr, whatever water came with it
    assert hcl["quantity"][0] == pytest.approx(30000.0, rel=1e-9)
    assert hcl["annual_cost_usd"][0] == pytest.approx(30000.0 * 168 / 0.36, rel=1e-9)
    assert result.consumption["HCl"]["kg_per_year"][0] == pytest.approx(30000e3 / 0.36, rel=1e-9)
    assert "2024" in hcl["date"] and "ChemAnalyst" in hcl["source"]


def test_prices_move_with_the_price_index_not_cepci(tmp_path):
    route = toy_route(tmp_path)
    costs = estimate_costs(api.run(route, "greece-aog", {}), parse_cost_values({}))
    lime = next(l for l in costs.opex if l["item"] == "CaO")
    cpi = index_series("PRICE")
    assert lime["unit_price"] == pytest.approx(136.69 * cpi[2024] / cpi[2019])
    assert lime["price_year"] == 2019
    assert escalate(1.0, 2019, 2024, "CEPCI") != pytest.approx(cpi[2024] / cpi[2019], rel=1e-3)


def test_jurisdictions_change_labor_power_and_reagents(tmp_path, caplog):
    route = toy_route(tmp_path)
    result = api.run(route, "greece-aog", {})
    us = estimate_costs(result, parse_cost_values({}))
    cn = estimate_costs(result, parse_cost_values({"cost.jurisdiction": "china"}))
    eu = estimate_costs(result, parse_cost_values({"cost.jurisdiction": "european-union"}))
    line = {name: {l["item"]: l for l in c.opex} for name, c in (("us", us), ("cn", cn), ("eu", eu))}
    assert line["cn"]["HCl"]["unit_price"] < line["us"]["HCl"]["unit_price"]
    assert any("concentration" in f for f in line["cn"]["HCl"]["flags"])
    assert line["us"]["operating labor"]["unit_price"] == pytest.approx(24.98 * 1.25 * index_series("PRICE")[2024] / index_series("PRICE")[2019])
    assert any("no burden" in f for f in line["eu"]["operating labor"]["flags"])
    assert line["eu"]["electricity_kW"]["unit_price"] > line["us"]["electricity_kW"]["unit_price"]
    # the EU has no residue-disposal record: the US proxy is used and flagged
    assert any("United States" in f for f in line["eu"]["leached_residue (residues)"]["flags"])
    india = estimate_costs(result, parse_cost_values({"cost.jurisdiction": "india"}))
    labor = next(l for l in india.opex if l["item"] == "operating labor")
    assert any("United States" in f for f in labor["flags"])
    assert cn.values["finance.tax_rate"] == pytest.approx(0.25)
    assert us.values["finance.tax_rate"] == pytest.approx(0.26)


def test_disposal_of_every_terminal_stream(tmp_path):
    route = toy_route(tmp_path)
    result = api.run(route, "greece-aog", {})
    costs = estimate_costs(result, parse_cost_values({"disposal.effluents": "2 USD/t"}))
    disposal = {l["item"]: l for l in costs.opex if l["category"] == "disposal"}
    assert set(disposal) == {"leached_residue (residues)", "barren (effluents)"}
    fs = result.flowsheet
    residue_t = fs.streams["leached_residue"].total() * fs.hours_per_year / 1000
    assert disposal["leached_residue (residues)"]["quantity"] == pytest.approx(residue_t)
    assert disposal["barren (effluents)"]["annual_cost_usd"] == pytest.approx(
        2 * fs.streams["barren"].total() * fs.hours_per_year / 1000)


def test_credits_are_off_by_default_and_count_named_streams_only(tmp_path):
    route = toy_route(tmp_path)
    result = api.run(route, "greece-aog", {})
    base = estimate_costs(result, parse_cost_values({}))
    assert not [l for l in base.opex if l["category"] == "credit"]
    on = estimate_costs(result, parse_cost_values({"credit.gypsum": 1, "credit.residue_use": 1}))
    assert not [l for l in on.opex if l["category"] == "credit"]     # no stream named for a use


def test_revenue_pays_less_below_the_price_purity(tmp_path, caplog):
    route = toy_route(tmp_path)
    pure = estimate_costs(api.run(route, "greece-aog", {}), parse_cost_values({"price.Sc2O3": "2000 USD/kg"}))
    impure = estimate_costs(api.run(route, "greece-aog", {"precip.impurity": 3.0}),
                            parse_cost_values({"price.Sc2O3": "2000 USD/kg"}))
    p, i = pure.revenue[0], impure.revenue[0]
    assert p["payability"][0] == 1.0 and i["payability"][0] == 0.65
    assert i["purity"][0] < 0.5
    assert i["revenue_usd_per_year"][0] == pytest.approx(0.65 * 2000 * i["contained_kg_per_year"][0])
    assert pure.revenue_usd_per_year[0] == pytest.approx(2000 * p["contained_kg_per_year"][0])


def test_scandium_market_share_warning_and_price_volume_curve(tmp_path, caplog):
    route = toy_route(tmp_path)
    result = api.run(route, "greece-aog", {"plant.capacity": "1000000 t/yr"})
    with caplog.at_level(logging.WARNING):
        flat = estimate_costs(result, parse_cost_values({}))
    assert "world output" in caplog.text
    curve = estimate_costs(result, parse_cost_values({"market.price_volume": 1}))
    share = flat.revenue[0]["world_share"][0]
    assert share > 0.5
    assert curve.revenue_usd_per_year[0] == pytest.approx(flat.revenue_usd_per_year[0] / (1 + share))


def test_price_scenarios_and_a_user_price_file(tmp_path):
    route = toy_route(tmp_path)
    result = api.run(route, "greece-aog", {})
    base = estimate_costs(result, parse_cost_values({}))
    high = estimate_costs(result, parse_cost_values({"price.scenario": "high-sc"}))
    assert high.revenue[0]["usd_per_kg"] > base.revenue[0]["usd_per_kg"]
    prices = tmp_path / "my-prices.toml"
    prices.write_text('[my-case]\nSc2O3 = { value = 1000, unit = "USD/kg", purity = "99%", date = "2024", '
                      'price_year = 2024, source = "my quote" }\n')
    from redmud.costing.prices import load_prices
    values = parse_cost_values({"price.scenario": "my-case"}, {**load_prices(), **load_prices(prices)})
    mine = estimate_costs(result, values, prices)
    assert mine.revenue[0]["usd_per_kg"] == pytest.approx(1000.0)
    assert mine.revenue[0]["source"] == "my quote"


def test_cost_parameter_specs_have_units_sources_and_defaults():
    specs = cost_parameter_specs()
    for path in ("price.Sc2O3", "price.scenario", "cost.year", "cost.installation", "cost.jurisdiction",
                 "cost.maintenance_fraction", "reagent.HCl", "disposal.residues", "credit.gypsum",
                 "finance.discount_rate", "finance.plant_life", "finance.tax_rate"):
        param, default = specs[path]
        assert param.source, path
    values = parse_cost_values({"price.Sc2O3": "3000 USD/kg", "cost.year": 2020})
    assert float(values["price.Sc2O3"]) == 3000.0 and "reagent.HCl" not in values
    with pytest.raises(InputError):
        parse_cost_values({"cost.year": 1980})
    with pytest.raises(InputError):
        parse_cost_values({"cost.jurisdiction": "mars"})


def test_cost_year_moves_capital_by_cepci(tmp_path):
    route = toy_route(tmp_path)
    result = api.run(route, "greece-aog", {})
    a = estimate_costs(result, parse_cost_values({"cost.year": 2020}))
    b = estimate_costs(result, parse_cost_values({"cost.year": 2024}))
    cepci = index_series("CEPCI")
    assert b.capex["purchased_equipment"][0] == pytest.approx(a.capex["purchased_equipment"][0] * cepci[2024] / cepci[2020])


def test_json_output_is_valid(tmp_path):
    from redmud.output import dumps
    route = toy_route(tmp_path)
    costs = estimate_costs(api.run(route, "greece-aog", {}), parse_cost_values({}))
    data = json.loads(dumps(costs.to_dict()))
    assert data["totals"]["capex_usd"] > 0 and data["equipment"][0]["source"]


def test_costs_show_command_traces_every_number(tmp_path, monkeypatch, capsys):
    route_path = tmp_path / "toy-costs.toml"
    toy_route(tmp_path)
    monkeypatch.setattr(api, "load_route", lambda name: routes.load_route(name, lookup))
    assert main(["costs", "show", str(route_path), "--feedstock", "greece-aog",
                 "--set", "price.Sc2O3=3000USD/kg", "--set", "leach.acid_dose=0.2"]) == 0
    out = capsys.readouterr().out
    for text in ("turton_reactor_jacketed_agitated", "Turton R. et al.", "purchased", "2001->2024",
                 "ChemAnalyst", "Q2 2024", "--set price.Sc2O3", "m^3"):
        assert text in out, text
    assert main(["costs", "show", str(route_path), "--feedstock", "greece-aog", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metadata"]["cost_year"] == 2024
    for row in data["equipment"]:
        assert row["correlation"] and row["source"] and row["cost_basis"] and row["base_cost_year"]
    for line in data["opex"]:
        if line["category"] in ("reagent", "utility", "labor", "disposal"):
            assert line["source"], line["item"]
    assert main(["costs", "show", str(route_path), "--set", "cost.jurisdiction=mars"]) == 2


ROUTES = sorted(PROCESS_DIR.glob("*.toml"))


@pytest.mark.skipif(not ROUTES, reason="no route files in processes/ yet")
@pytest.mark.parametrize("route", [p.stem for p in ROUTES])
def test_costs_of_the_shipped_routes(route):
    result = api.run(route)
    costs = estimate_costs(result, parse_cost_values({}))
    assert np.all(costs.capex_usd > 0) and np.all(np.isfinite(costs.opex_usd_per_year))
    for row in costs.equipment:
        assert row["source"] and math.isfinite(float(np.asarray(row["installed_cost_usd"]).reshape(-1)[0]))


def test_a_calciner_sized_by_feed_is_priced_by_its_reported_duty():
    op = _op({"calciner": Equipment("calciner", np.array([500.0]), "kg/h")})
    op.info = {"heat_duty_kW": np.array([800.0])}
    cap = capital.capital_cost({"calc": op}, 1, "lang", 2024, 3.63, "rubber_lined", 0.0, 0.05)
    row = cap.rows[0]
    assert row["correlation"] == "towler_furnace_cylindrical" and row["size_unit"] == "kW"
    assert any("heat_duty_kW" in f for f in row["flags"])
    # Towler: 68,500 + 93,000 * 0.8^0.8 (MW), CEPCI 509.7 -> 2024
    assert row["escalated_cost_usd"][0] == pytest.approx((68500 + 93000 * 0.8 ** 0.8) * 798.8 / 509.7)
    with pytest.raises(InputError, match="calciner sized in 'kg/h'"):
        capital.capital_cost({"calc": _op({"c": Equipment("calciner", np.array([500.0]), "kg/h")})}, 1,
                             "lang", 2024, 3.63, "rubber_lined", 0.0, 0.05)


def test_reagents_without_a_price_are_zero_and_flagged():
    from redmud.costing.operating import _absent_price
    table = eq.choices()["reagents"]
    assert _absent_price(table["TBP"]) and _absent_price(table["iron_powder"]) and _absent_price(table["SO2"])
    assert not _absent_price(table["HCl"])
    assert "reagent.TBP" in cost_parameter_specs()
