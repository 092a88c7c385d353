"""Red mud versus mined ore: cost per kg of oxide of the red-mud routes against the mined-ore
routes and the producer costs reported in the literature, as ranked bars on a log axis.

Run: ``redmud study red-mud-vs-mined-ore``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _common import MINED_ORE_ROUTES, RED_MUD_ROUTES, first, quiet, write_outputs

NAME = "red-mud-vs-mined-ore"
FEEDSTOCK = "greece-aog"
FINITE_COLUMNS = {"": ["value_usd_per_kg", "low_usd_per_kg", "high_usd_per_kg"]}


def literature_bands(cost_year: int) -> list[dict]:
    """Producer-cost bands [USD/kg]: redmud.costing.benchmarks when present (escalated to the
    cost year with the price index), else the USD records of mined_ore.toml as reported."""
    try:
        from redmud.costing.benchmarks import producer_cost_bands
    except ImportError:
        producer_cost_bands = None
    if producer_cost_bands is not None:
        return [{"label": b.name, "basis": b.basis, "value": b.central, "low": b.low, "high": b.high,
                 "money": f"USD {b.cost_year} ({b.index} index from {b.source_year})", "source": b.source,
                 "flags": "; ".join(b.flags)} for b in producer_cost_bands(cost_year)]
    from redmud.paths import DATA_DIR
    from redmud.tomlfile import load_toml

    rows = []
    for name, rec in load_toml(DATA_DIR / "mined_ore.toml")["producer_costs"].items():
        if rec.get("absent") or not str(rec.get("unit", "")).startswith("USD"):
            continue
        value = float(rec["value"])
        basis = "Sc2O3" if "Sc2O3" in rec.get("basis", "") else ("NdPr oxide" if "NdPr" in rec.get("basis", "") else "REO")
        rows.append({"label": name, "basis": basis, "value": value, "low": float(rec.get("low", value)),
                     "high": float(rec.get("high", value)), "money": f"USD {rec['price_year']} (as reported)",
                     "source": rec["source"], "flags": rec.get("quality", "")})
    return rows


def evaluate():
    import pandas as pd

    import redmud
    from redmud.costing.prices import scenario_prices

    rows = []
    cost_year = 2024
    for route in RED_MUD_ROUTES + MINED_ORE_ROUTES:
        result = redmud.run(route, FEEDSTOCK if route in RED_MUD_ROUTES else None)
        cost_year = result.extra["cost_year"]
        group = "red mud (model)" if route in RED_MUD_ROUTES else "mined ore (model)"
        for name, product in result.products.items():
            oxide = product["product"]
            if oxide not in ("Sc2O3", "REO"):
                continue
            value = first(result.extra["levelized_cost_usd_per_kg"][name])
            rows.append({"panel": oxide, "label": f"{route} ({result.feedstock.name})", "group": group,
                         "basis": oxide, "value_usd_per_kg": value, "low_usd_per_kg": value, "high_usd_per_kg": value,
                         "money": f"USD {cost_year}", "source": "redmud.run, levelised cost of the product"})
    for band in literature_bands(cost_year):
        panel = "Sc2O3" if band["basis"] == "Sc2O3" else "REO"
        rows.append({"panel": panel, "label": f"{band['label']} [{band['basis']}]", "group": "producer cost (literature)",
                     "basis": band["basis"], "value_usd_per_kg": band["value"], "low_usd_per_kg": band["low"],
                     "high_usd_per_kg": band["high"], "money": band["money"],
                     "source": band["source"] + (f" ({band['flags']})" if band["flags"] else "")})
    sc = scenario_prices("baseline-2024")["Sc2O3"]
    rows.append({"panel": "Sc2O3", "label": "Sc2O3 price range", "group": "price range", "basis": "Sc2O3",
                 "value_usd_per_kg": sc.usd_per_kg, "low_usd_per_kg": sc.low, "high_usd_per_kg": sc.high,
                 "money": "nominal, as quoted", "source": "redmud/data/prices.toml [baseline-2024].Sc2O3 low/high"})
    return pd.DataFrame(rows)


def figure(table):
    from redmud import figures

    fig, axes = figures.panels(2, figures.PAGE, 6.0, vertical=True, height_ratios=[2, 3])
    for ax, panel in zip(axes, ("Sc2O3", "REO")):
        part = table[table["panel"] == panel]
        rows = [{"label": r.label, "value": r.value_usd_per_kg, "low": r.low_usd_per_kg, "high": r.high_usd_per_kg,
                 "group": r.group} for r in part.itertuples()]
        figures.ranked_bars_with_bands(rows, xlabel=f"cost [USD/kg {'Sc2O3' if panel == 'Sc2O3' else 'oxide'}]",
                                       title="scandium oxide" if panel == "Sc2O3" else "rare-earth oxides (all kg bases)",
                                       ax=ax)
    figures.shared_legend(fig, axes[1], ncols=4)
    return fig


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    table = evaluate()
    caption = f"""Cost per kg of oxide, ranked (log axis). Model bars: levelised cost of each route's Sc2O3 product
(left) or mixed-REO product (right), red-mud routes on {FEEDSTOCK} and the mined-ore routes on their default
feedstocks (route defaults, 100,000 t/yr unless the route says otherwise). Literature bars: producer and
project costs with their reported ranges (whiskers) from redmud/data/mined_ore.toml [producer_costs]
(shared/reference/mined_ore.csv, ore_costs.csv, tea_studies.csv), in USD of the model's cost year where
redmud.costing.benchmarks is available (price index), else as reported. The kg basis differs between
records and is named in brackets: REO in a mineral concentrate, separated REO, NdPr oxide, Sc2O3; only
like bases compare. The shaded band is the quoted Sc2O3 price range (prices.toml). No cost per kg was
found for Bayan Obo or the ion-adsorption clays (mined_ore.toml). Table: {NAME}.csv with each row's source."""
    return write_outputs(Path(output_dir), NAME, figure(table), {"": table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
