"""Route comparison on the Greek residue: levelised cost of Sc2O3 and of all oxides (the basket)
by route, stacked by cost item, with NPV and IRR.

Run: ``redmud study route-comparison`` (or ``python studies/route_comparison.py OUT``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from _common import COST_ITEMS, RED_MUD_ROUTES, cost_stack, first, quiet, write_outputs

NAME = "route-comparison"
FEEDSTOCK = "greece-aog"
#: Columns of each table that must be finite (checked by the tests).
FINITE_COLUMNS = {"": ["levelized_cost_usd_per_kg", *[f"{i.replace(' ', '_')}_usd_per_kg" for i in COST_ITEMS],
                       "npv_usd", "capex_usd", "opex_usd_per_year", "revenue_usd_per_year"]}


def evaluate(routes=RED_MUD_ROUTES, feedstock=FEEDSTOCK):
    """One row per route and product basis (the Sc product and the basket of all oxides)."""
    import pandas as pd

    import redmud

    rows = []
    for route in routes:
        result = redmud.run(route, feedstock)
        sc_products = [n for n, p in result.products.items() if p["product"] == "Sc2O3"]
        for basis, product in (("Sc2O3", sc_products[0] if sc_products else None), ("all oxides", "basket")):
            if product is None:
                continue
            stack = cost_stack(result, product)
            row = {"route": route, "feedstock": feedstock, "basis": basis, "product": product,
                   "levelized_cost_usd_per_kg": first(result.extra["levelized_cost_usd_per_kg"][product])}
            row.update({f"{k.replace(' ', '_')}_usd_per_kg": first(v) for k, v in stack.items()})
            row.update({"npv_usd": first(result.extra["npv_usd"]), "irr": first(result.extra["irr"]),
                        "irr_reason": str(np.asarray(result.extra["irr_reason"]).reshape(-1)[0]),
                        "capex_usd": first(result.extra["capex_usd"]),
                        "opex_usd_per_year": first(result.extra["opex_usd_per_year"]),
                        "revenue_usd_per_year": first(result.extra["revenue_usd_per_year"]),
                        "cost_year": result.extra["cost_year"], "jurisdiction": result.extra["jurisdiction"],
                        "price_scenario": result.extra["price_scenario"]})
            rows.append(row)
    return pd.DataFrame(rows)


def figure(table):
    from redmud import figures

    fig, axes = figures.panels(3, figures.PAGE, 3.4)
    for ax, basis in zip(axes[:2], ("Sc2O3", "all oxides")):
        part = table[table["basis"] == basis]
        stacks = {item: part[f"{item.replace(' ', '_')}_usd_per_kg"].to_numpy() for item in COST_ITEMS}
        figures.stacked_cost_bars(list(part["route"]), stacks, part["levelized_cost_usd_per_kg"].to_numpy(),
                                  ylabel=f"levelised cost [USD/kg {'Sc2O3' if basis == 'Sc2O3' else 'oxide'}]",
                                  title=f"{basis}", ax=ax)
    axes[0].get_legend() and axes[0].get_legend().remove()
    figures.shared_legend(fig, axes[1])
    once = table.drop_duplicates("route")
    figures.npv_irr_bars(list(once["route"]), once["npv_usd"].to_numpy(), once["irr"].to_numpy(), ax=axes[2],
                         title="NPV and IRR")
    return fig


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    table = evaluate()
    caption = f"""Levelised cost by route on the {FEEDSTOCK} bauxite residue (100,000 t/yr dry feed, the routes'
defaults), split into cost items that sum to the levelised cost: capital charge (capital, working capital
and loan terms), acid (HCl, H2SO4, HNO3), other reagents, energy (electricity, heat, fuel), labor,
maintenance and fixed O&M, disposal, overheads, and credits (for Sc2O3: the revenue of the other
products, as a by-product credit). Left: per kg of Sc2O3 in the Sc product; middle: per kg of all
oxides in all products (basket); right: NPV at the route's default discount rate, with the IRR
("no IRR" where the net cash flow never changes sign). Cost year {table['cost_year'].iloc[0]},
jurisdiction {table['jurisdiction'].iloc[0]}, prices {table['price_scenario'].iloc[0]}.
Data: redmud.run (routes in processes/*.toml, feedstock feedstocks/{FEEDSTOCK}.toml); prices
redmud/data/prices.toml; reagents and utilities redmud/data/reagents.toml and jurisdictions.toml;
equipment correlations redmud/data/equipment.toml; financial convention redmud/data/finance.toml
[simple]. Table: {NAME}.csv."""
    return write_outputs(Path(output_dir), NAME, figure(table), {"": table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
