"""Jurisdiction: one route and feedstock costed under Chinese, US and EU labor, power, reagent,
compliance and disposal costs (``cost.jurisdiction``).

Run: ``redmud study jurisdiction``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from _common import COST_ITEMS, cost_stack, first, quiet, write_outputs

NAME = "jurisdiction"
ROUTE, FEEDSTOCK = "hcl-leach-sx", "greece-aog"
JURISDICTIONS = ("china", "united-states", "european-union")
FINITE_COLUMNS = {"": ["levelized_cost_usd_per_kg", "npv_usd", "capex_usd", "opex_usd_per_year",
                       *[f"{i.replace(' ', '_')}_usd_per_kg" for i in COST_ITEMS]]}


def evaluate(routes=(ROUTE,)):
    import pandas as pd

    import redmud

    rows = []
    for route in routes:
        for place in JURISDICTIONS:
            result = redmud.run(route, FEEDSTOCK, {"cost.jurisdiction": place})
            stack = cost_stack(result, "basket")
            rows.append({"route": route, "feedstock": FEEDSTOCK, "jurisdiction": place,
                         "levelized_cost_usd_per_kg": first(result.extra["levelized_cost_usd_per_kg"]["basket"]),
                         **{f"{k.replace(' ', '_')}_usd_per_kg": first(v) for k, v in stack.items()},
                         "npv_usd": first(result.extra["npv_usd"]), "capex_usd": first(result.extra["capex_usd"]),
                         "opex_usd_per_year": first(result.extra["opex_usd_per_year"]),
                         "substituted": "; ".join(sorted({f for line in result.extra["economics"].costs.opex
                                                          for f in line.get("flags", []) if "default is used" in f
                                                          or "substitute" in f}))})
    return pd.DataFrame(rows)


def figure(table):
    from redmud import figures

    fig, axes = figures.panels(2, figures.PAGE, 3.2, width_ratios=[3, 2])
    labels = list(table["jurisdiction"])
    stacks = {item: table[f"{item.replace(' ', '_')}_usd_per_kg"].to_numpy() for item in COST_ITEMS}
    figures.stacked_cost_bars(labels, stacks, table["levelized_cost_usd_per_kg"].to_numpy(),
                              ylabel="levelised cost [USD/kg oxide]", title=f"{ROUTE} on {FEEDSTOCK}", ax=axes[0])
    axes[0].set_xlabel("jurisdiction")
    figures.npv_irr_bars(labels, table["npv_usd"].to_numpy(), np.full(len(labels), np.nan), ax=axes[1], title="NPV")
    axes[1].set_xlabel("jurisdiction")
    for text in list(axes[1].texts):
        text.remove()                                  # the IRR labels: no IRR in any case here
    figures.shared_legend(fig, axes[0], ncols=5)
    return fig


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    table = evaluate()
    substituted = "; ".join(f"{r.jurisdiction}: {r.substituted}" for r in table.itertuples() if r.substituted)
    caption = f"""{ROUTE} on {FEEDSTOCK} (route defaults) costed in three jurisdictions (cost.jurisdiction): labor rates,
electricity, reagent quotes where the jurisdiction has its own, compliance, residue disposal and corporate tax
from redmud/data/jurisdictions.toml (with its sources). Left: levelised cost of all oxides split by cost item
(capital charge, acid, other reagents, energy, labor, maintenance and fixed O&M, disposal, overheads); right:
NPV. Equipment costs are US correlations escalated by CEPCI in all three (no location factor is in the data).
Where a jurisdiction lacks a record the US value is used and flagged: {substituted or 'none'}. Table: {NAME}.csv."""
    return write_outputs(Path(output_dir), NAME, figure(table), {"": table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
