"""Break-even map: the Sc2O3 price at which a red-mud route's NPV is zero, over plant capacity
and scandium grade (contours), with the recent quoted price range marked.

Run: ``redmud study breakeven-map``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from _common import quiet, write_outputs

NAME = "breakeven-map"
ROUTE, FEEDSTOCK = "hcl-leach-sx", "greece-aog"
#: Capacity axis [t/yr dry residue]: from a 10,000 t/yr demonstration scale to the largest
#: residue output of one refinery in the reference material, NALCO Damanjodi 3.10 Mt/yr
#: (Chemical Weekly, Aug 2025, p. 169, Table 5; shared/reference/quantities_pilots.csv).
CAPACITY_RANGE = (1.0e4, 3.10e6)
FINITE_COLUMNS = {"": ["capacity_t_per_year", "feed_Sc_ppm", "breakeven_price_usd_per_kg",
                       "levelized_cost_usd_per_kg"]}


def grade_range() -> tuple[float, float]:
    """Lowest and highest Sc grade [ppm] of the red-mud feedstock files."""
    from redmud.feedstocks import list_feedstocks, load_feedstock

    grades = [f.ppm("Sc") for f in map(load_feedstock, list_feedstocks()) if f.kind == "red-mud" and f.known("Sc")]
    return min(grades), max(grades)


def evaluate(fast: bool = False):
    import pandas as pd

    import redmud

    n_cap, n_grade = (4, 3) if fast else (24, 16)
    capacity = np.geomspace(*CAPACITY_RANGE, n_cap)
    grade = np.linspace(*grade_range(), n_grade)
    C, G = np.meshgrid(capacity, grade)            # (n_grade, n_cap)
    result = redmud.run(ROUTE, FEEDSTOCK, {"plant.capacity": C.ravel(), "feed.Sc": G.ravel()}, on_failure="nan")
    product = next(n for n, p in result.products.items() if p["product"] == "Sc2O3")
    n = C.size
    breakeven = np.broadcast_to(result.extra["breakeven_price_usd_per_kg"][product], (n,))
    payability = next(np.broadcast_to(line["payability"], (n,)) for line in result.extra["economics"].costs.revenue
                      if line["product"] == product and line["oxide"] == "Sc2O3")
    return pd.DataFrame({"route": ROUTE, "feedstock": FEEDSTOCK, "product": product,
                         "capacity_t_per_year": C.ravel(), "feed_Sc_ppm": G.ravel(),
                         "breakeven_price_usd_per_kg": breakeven,
                         "payability": payability,
                         "breakeven_market_price_usd_per_kg": breakeven / payability,
                         "levelized_cost_usd_per_kg": np.broadcast_to(
                             result.extra["levelized_cost_usd_per_kg"][product], (n,)),
                         "npv_usd": np.broadcast_to(result.extra["npv_usd"], (n,))})


def figure(table):
    from redmud import figures
    from redmud.costing.prices import scenario_prices

    capacity = np.unique(table["capacity_t_per_year"])
    grade = np.unique(table["feed_Sc_ppm"])
    z = table.sort_values(["feed_Sc_ppm", "capacity_t_per_year"])["breakeven_market_price_usd_per_kg"]
    sc = scenario_prices("baseline-2024")["Sc2O3"]
    return figures.contour_map(capacity, grade, z.to_numpy().reshape(len(grade), len(capacity)),
                               xlabel="plant capacity [t/yr dry residue]", ylabel="Sc grade of the residue [ppm]",
                               zlabel="break-even Sc2O3 price [USD/kg]", band=(sc.low, sc.high),
                               band_label="quoted Sc2O3 prices", title=f"{ROUTE}: break-even Sc2O3 price")


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    table = evaluate(fast)
    lo, hi = grade_range()
    best = table["breakeven_market_price_usd_per_kg"].min()
    from redmud.costing.prices import scenario_prices

    sc = scenario_prices("baseline-2024")["Sc2O3"]
    caption = f"""Break-even Sc2O3 market price (the price that makes the NPV zero, with the other products sold at
baseline-2024 prices; the model's break-even revenue per kg divided by the product's payability, i.e. the
realisation of a mixed or sub-99.99 % product) of {ROUTE}, composition of {FEEDSTOCK} with its Sc grade
varied, over plant capacity {CAPACITY_RANGE[0]:,.0f}-{CAPACITY_RANGE[1]:,.0f} t/yr dry residue (upper end: NALCO
Damanjodi residue output, Chemical Weekly Aug 2025, in shared/reference/quantities_pilots.csv) and Sc grade
{lo:g}-{hi:g} ppm (the red-mud feedstock files). One vectorised redmud.run call evaluates the whole grid of
{len(table)} points. The red line marks the quoted Sc2O3 price range {sc.low:,.0f}-{sc.high:,.0f} USD/kg (redmud/data/prices.toml [baseline-2024].Sc2O3 low/high) where the surface
reaches it; the lowest break-even on this grid is {best:,.0f} USD/kg. Table: {NAME}.csv."""
    return write_outputs(Path(output_dir), NAME, figure(table), {"": table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
