"""Export-control scenario: route economics under the 2024 prices and under the 2025 prices
outside China (after China's export licensing of Sc, Y, Dy, Tb and others from April 2025).

Run: ``redmud study export-controls``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _common import RED_MUD_ROUTES, first, quiet, write_outputs

NAME = "export-controls"
FEEDSTOCK = "greece-aog"
SCENARIOS = ("baseline-2024", "export-controls-2025")
FINITE_COLUMNS = {"": ["revenue_usd_per_year", "npv_usd", "opex_usd_per_year", "capex_usd"]}


def scenario_run(route: str, scenario: str):
    """redmud.run under a price scenario, and how the scenario was applied.

    A scenario whose prices are dated after the last year of the price index (2025 quotes with a
    2024 index) cannot be escalated to the cost year; then its products that differ from
    baseline-2024 are set explicitly (``price.<product>``: user values, taken as cost-year money,
    not escalated) on top of baseline-2024.
    """
    import redmud
    from redmud.costing.prices import scenario_prices
    from redmud.errors import InputError

    try:
        return redmud.run(route, FEEDSTOCK, {"price.scenario": scenario}), "price.scenario"
    except InputError as err:
        if "index" not in str(err):
            raise
        base, prices = scenario_prices("baseline-2024"), scenario_prices(scenario)
        overrides = {f"price.{k}": p.usd_per_kg for k, p in prices.items()
                     if k not in base or base[k].usd_per_kg != p.usd_per_kg}
        note = f"explicit price.* overrides, not escalated ({err})"
        return redmud.run(route, FEEDSTOCK, overrides), note


def evaluate(routes=RED_MUD_ROUTES):
    import pandas as pd

    rows = []
    for route in routes:
        for scenario in SCENARIOS:
            result, applied = scenario_run(route, scenario)
            rows.append({"route": route, "feedstock": FEEDSTOCK, "price_scenario": scenario, "applied_as": applied,
                         "revenue_usd_per_year": first(result.extra["revenue_usd_per_year"]),
                         "npv_usd": first(result.extra["npv_usd"]), "capex_usd": first(result.extra["capex_usd"]),
                         "opex_usd_per_year": first(result.extra["opex_usd_per_year"]),
                         **{f"revenue_{line['product']}_{line['oxide']}_usd_per_year": first(line["revenue_usd_per_year"])
                            for line in result.extra["economics"].costs.revenue}})
    return pd.DataFrame(rows)


def figure(table):
    from redmud import figures

    fig, axes = figures.panels(2, figures.PAGE, 3.2)
    routes = list(dict.fromkeys(table["route"]))
    pick = {s: table[table["price_scenario"] == s].set_index("route").loc[routes] for s in SCENARIOS}
    figures.grouped_bars(routes, {s: pick[s]["revenue_usd_per_year"].to_numpy() / 1e6 for s in SCENARIOS},
                         ylabel="revenue [million USD/yr]", xlabel="route", title="revenue", ax=axes[0])
    figures.grouped_bars(routes, {s: pick[s]["npv_usd"].to_numpy() / 1e6 for s in SCENARIOS},
                         ylabel="NPV [million USD]", xlabel="route", title="NPV", ax=axes[1])
    figures.shared_legend(fig, axes[0], ncols=2, only_ax=True)
    return fig


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    table = evaluate(RED_MUD_ROUTES[:2] if fast else RED_MUD_ROUTES)
    fallback = sorted(set(a for a in table["applied_as"] if a != "price.scenario"))
    notes = (f"The 2025 scenario was applied as {fallback[0]}. " if fallback else "")
    caption = f"""Revenue and NPV of the red-mud routes on {FEEDSTOCK} under two price scenarios of redmud/data/prices.toml
(set with price.scenario): baseline-2024 (USGS MCS 2025 annual US averages and 2022-2023 quotes for Sc2O3
and Y2O3) and export-controls-2025 (prices outside China after the April 2025 export licensing, where a
quote exists: Dy2O3 and Tb4O7 Benchmark CIF Europe, Y2O3 Asian Metal ex-China, Sc2O3 Europe spot from a
low-quality source, NdPr; other products keep their 2024 values). The scenario changes revenue only;
capital and operating costs are the same. {notes}Table: {NAME}.csv (with revenue by product and oxide)."""
    return write_outputs(Path(output_dir), NAME, figure(table), {"": table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
