"""Refinery comparison: the best red-mud route on every red-mud feedstock, with the value of the
rare earths in the residue (in situ), the value recovered, and the cost, per tonne of dry residue.

Run: ``redmud study refinery-comparison``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from _common import RED_MUD_ROUTES, first, quiet, write_outputs

NAME = "refinery-comparison"
FINITE_COLUMNS = {"": ["in_situ_value_usd_per_t", "recovered_value_usd_per_t", "cost_usd_per_t",
                       "levelized_cost_usd_per_kg", "npv_usd"],
                  "all-routes": ["recovered_value_usd_per_t", "cost_usd_per_t", "npv_usd"]}


def in_situ_value(feedstock, prices) -> float:
    """Value of the rare earths in one tonne of dry residue [USD/t]:
    sum_e ppm_e x 1e-3 kg/t/ppm x (oxide/element mass ratio) x price_oxide [USD/kg oxide],
    over the elements whose default oxide has a price (redmud/data/prices.toml)."""
    from redmud.chemistry import DEFAULT_OXIDES, RARE_EARTHS, oxide_factor

    total = 0.0
    for element in RARE_EARTHS:
        oxide = DEFAULT_OXIDES[element]
        if feedstock.known(element) and oxide in prices:
            total += feedstock.ppm(element) * 1e-3 * oxide_factor(oxide) * prices[oxide].usd_per_kg
    return total


def evaluate(routes=RED_MUD_ROUTES, feedstocks=None):
    """All routes on all red-mud feedstocks (those with rare-earth values); the best by NPV."""
    import pandas as pd

    import redmud
    from redmud.costing.prices import scenario_prices
    from redmud.feedstocks import list_feedstocks, load_feedstock

    prices = scenario_prices("baseline-2024")
    names = feedstocks or [f for f in list_feedstocks() if load_feedstock(f).kind == "red-mud"]
    rows = []
    for name in names:
        feed = load_feedstock(name)
        if not feed.known("Sc"):
            continue                                   # no scandium value in the file: nothing to recover
        for route in routes:
            result = redmud.run(route, feed, on_failure="nan")
            feed_t = first(result.flowsheet.feed_kg_h * result.flowsheet.hours_per_year) / 1000.0   # t/yr
            basket_kg = sum(first(p["contained_oxide_kg_per_year"]) for p in result.products.values())
            lc = first(result.extra["levelized_cost_usd_per_kg"]["basket"])
            rows.append({"feedstock": name, "country": feed.country, "route": route, "feed_Sc_ppm": feed.ppm("Sc"),
                         "in_situ_value_usd_per_t": in_situ_value(feed, prices),
                         "recovered_value_usd_per_t": first(result.extra["revenue_usd_per_year"]) / feed_t,
                         "cost_usd_per_t": lc * basket_kg / feed_t,
                         "levelized_cost_usd_per_kg": lc, "npv_usd": first(result.extra["npv_usd"]),
                         "recovery_Sc": first(result.recovery["Sc"])})
    table = pd.DataFrame(rows)
    table = table[np.isfinite(table["cost_usd_per_t"])]
    best = table.loc[table.groupby("feedstock")["npv_usd"].idxmax()].reset_index(drop=True)
    return best, table.reset_index(drop=True)


def figure(best):
    from redmud import figures

    labels = [f"{f}\n({r})" for f, r in zip(best["feedstock"], best["route"])]
    return figures.grouped_bars(
        labels, {"rare earths in the residue (in situ)": best["in_situ_value_usd_per_t"].to_numpy(),
                 "value recovered (revenue)": best["recovered_value_usd_per_t"].to_numpy(),
                 "cost (levelised)": best["cost_usd_per_t"].to_numpy()},
        ylabel="value or cost [USD/t dry residue]", xlabel="feedstock (best route by NPV)", log=True,
        title="Red-mud refineries: value and cost per tonne of residue")


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    best, table = evaluate(routes=RED_MUD_ROUTES[:2], feedstocks=["greece-aog", "turkey-seydisehir"]) if fast \
        else evaluate()
    caption = f"""Every red-mud feedstock with a scandium value (feedstocks/*.toml, kind red-mud) under its best
route by NPV among {', '.join(RED_MUD_ROUTES)} (100,000 t/yr dry feed, route defaults). Bars, per tonne of
dry residue: the value of the rare-earth oxides it contains at baseline-2024 prices (sum of ppm x oxide
factor x price over the oxides priced in redmud/data/prices.toml: a ceiling no process reaches), the
revenue the route earns (recovered, with the mixed-product realisation of prices.toml), and the cost
(levelised cost of all oxides x oxide output / residue treated, i.e. PV of costs per PV of tonnes).
Feedstocks without rare-earth values (e.g. hungary-ajka) are left out. Data: redmud.run; feedstock
compositions feedstocks/*.toml with their sources; prices redmud/data/prices.toml [baseline-2024].
Tables: {NAME}.csv (best route per feedstock), {NAME}-all-routes.csv (every route)."""
    return write_outputs(Path(output_dir), NAME, figure(best), {"": best, "all-routes": table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
