"""Cost versus footprint: levelised cost against kg CO2e per kg of oxide for every red-mud route
on several residues and in three jurisdictions, with the mined-ore routes and the literature
bands where they exist; and the ranking of the routes in each jurisdiction (issue 9's study).

Run: ``redmud study cost-footprint``. Needs the environmental footprint of ``redmud.run``
(``result.extra["environment"]``); without it the study says so and draws cost only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from _common import MINED_ORE_ROUTES, RED_MUD_ROUTES, first, quiet, write_outputs

NAME = "cost-footprint"
FEEDSTOCKS = ("greece-aog", "turkey-seydisehir", "china-guangxi-bayer")
JURISDICTIONS = ("china", "united-states", "european-union")
FINITE_COLUMNS = {"": ["levelized_cost_usd_per_kg", "co2e_kg_per_kg_oxide", "rank_in_jurisdiction"]}


def co2e_per_kg_oxide(result) -> float:
    """kg CO2e per kg of all oxides in the products: the footprint's yearly CO2e / oxide output
    (mass allocation over all products); NaN without a footprint."""
    co2e = result.extra.get("metrics", {}).get("env_co2e_kg_per_year")
    if co2e is None:
        return float("nan")
    oxide = sum(first(p["contained_oxide_kg_per_year"]) for p in result.products.values())
    return first(co2e) / oxide if oxide > 0 else float("nan")


def evaluate(routes=RED_MUD_ROUTES, feedstocks=FEEDSTOCKS, jurisdictions=JURISDICTIONS, mined=MINED_ORE_ROUTES):
    import pandas as pd

    import redmud

    rows = []
    cases = [(r, f) for r in routes for f in feedstocks] + [(r, None) for r in mined]
    for route, feed in cases:
        for place in jurisdictions:
            result = redmud.run(route, feed, {"cost.jurisdiction": place}, on_failure="nan")
            rows.append({"route": route, "feedstock": result.feedstock.name, "jurisdiction": place,
                         "kind": "red mud (model)" if route in RED_MUD_ROUTES else "mined ore (model)",
                         "levelized_cost_usd_per_kg": first(result.extra["levelized_cost_usd_per_kg"]["basket"]),
                         "co2e_kg_per_kg_oxide": co2e_per_kg_oxide(result),
                         "npv_usd": first(result.extra["npv_usd"]),
                         "footprint": "extra['environment']" if "environment" in result.extra else "absent"})
    table = pd.DataFrame(rows)
    table["rank_in_jurisdiction"] = table.groupby("jurisdiction")["levelized_cost_usd_per_kg"].rank(method="min")
    return table


def co2e_bands() -> list[dict]:
    """Literature CO2e bands per kg REO (redmud.environment.factors.reference_bands) that hold a
    value; records marked absent are skipped (and named in the caption)."""
    try:
        from redmud.environment.factors import reference_bands
    except ImportError:
        return []
    bands = []
    for name, rec in reference_bands().items():
        if rec.get("absent") or "CO2e" not in str(rec.get("unit", "")):
            continue
        value = float(rec["value"])
        bands.append({"label": name, "low": float(rec.get("low", value)), "high": float(rec.get("high", value)),
                      "source": rec.get("source", "")})
    return bands


def figure(table, cost_bands, footprint_bands):
    from redmud import figures

    ok = table[np.isfinite(table["co2e_kg_per_kg_oxide"]) & np.isfinite(table["levelized_cost_usd_per_kg"])]
    points = [{"x": r.co2e_kg_per_kg_oxide, "y": r.levelized_cost_usd_per_kg, "group": r.jurisdiction,
               "label": f"{r.route.split('-')[0]}/{r.feedstock.split('-')[0]}" if r.jurisdiction == "united-states" else ""}
              for r in ok.itertuples()]
    return figures.scatter_with_bands(points, cost_bands, xlabel="footprint [kg CO2e/kg oxide]",
                                      ylabel="levelised cost of all oxides [USD/kg oxide]",
                                      title="Cost and footprint by route, residue and jurisdiction",
                                      xbands=footprint_bands)


def main(output_dir, fast: bool = False) -> list[Path]:
    from redmud.report import literature_bands

    quiet()
    table = evaluate(RED_MUD_ROUTES[:2], FEEDSTOCKS[:1], JURISDICTIONS, MINED_ORE_ROUTES[:1]) if fast else evaluate()
    cost_bands = [{"low": b["low"], "high": b["high"], "label": f"{b['label']} [{b['basis']}]"}
                  for b in literature_bands(2024) if b["basis"] == "REO"]
    footprint_bands = co2e_bands()
    present = set(table["footprint"])
    caption = f"""Levelised cost of all oxides against the greenhouse-gas footprint per kg of all oxides (yearly kg CO2e of
the footprint of redmud.run, result.extra["environment"], divided by the oxide in all products: mass
allocation), for the red-mud routes on {', '.join(FEEDSTOCKS)} and the mined-ore routes on their own
feedstocks, each costed in {', '.join(JURISDICTIONS)} (cost.jurisdiction: labor, power, reagents,
compliance, disposal, and the grid factor of the footprint). Labels (US points only): route/feedstock.
Shaded horizontal bands: producer costs per kg REO reported in the literature (redmud/data/mined_ore.toml);
vertical bands: mined-ore CO2e per kg REO from redmud/data/impact_factors.toml where a value exists
({len(footprint_bands)} found; the records for Bayan Obo, ion-adsorption clays, Mountain Pass and Lynas are
marked absent there: no value was reachable). Footprint: {', '.join(sorted(present))}. Table: {NAME}.csv,
with the rank of each case by levelised cost within its jurisdiction."""
    return write_outputs(Path(output_dir), NAME, figure(table, cost_bands, footprint_bands), {"": table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
