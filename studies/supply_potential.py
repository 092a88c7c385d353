"""Supply potential: how much Sc, Y, La, Ce and Nd the world's yearly red mud, and its stockpile,
could supply at modelled recoveries, against world supply and demand (log axis).

Run: ``redmud study supply-potential``.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import numpy as np

from _common import ELEMENTS, first, quiet, write_outputs

NAME = "supply-potential"
ROUTE = "hcl-leach-sx"
REFERENCES = Path(__file__).with_name("supply_references.toml")
FINITE_COLUMNS = {"": ["recovered_kg_oxide_per_t_p50", "yearly_t_oxide_value", "yearly_t_oxide_low",
                       "yearly_t_oxide_high", "stockpile_t_oxide_value", "stockpile_t_oxide_low",
                       "stockpile_t_oxide_high"],
                  "references": ["value_t_per_year"]}


def recovered_per_tonne(route=ROUTE, elements=ELEMENTS):
    """Oxide recovered per tonne of dry red mud [kg/t] for each red-mud feedstock with a value:
    ppm x 1e-3 kg/t per ppm x recovery to products x oxide factor (redmud.run, route defaults)."""
    import redmud
    from redmud.chemistry import DEFAULT_OXIDES, oxide_factor
    from redmud.feedstocks import list_feedstocks, load_feedstock

    out = {e: [] for e in elements}
    names = []
    for name in list_feedstocks():
        feed = load_feedstock(name)
        if feed.kind != "red-mud" or not any(feed.known(e) for e in elements):
            continue
        result = redmud.run(route, feed, economics=False)
        names.append(name)
        for e in (e for e in elements if feed.known(e)):
            out[e].append(feed.ppm(e) * 1e-3 * first(result.recovery[e]) * oxide_factor(DEFAULT_OXIDES[e]))
    return {e: np.array(v) for e, v in out.items()}, names


def references(elements=ELEMENTS) -> list[dict]:
    """World supply and demand figures [t/yr] placed at the element they compare with."""
    from redmud.paths import DATA_DIR
    from redmud.tomlfile import load_toml

    refs = load_toml(REFERENCES) if REFERENCES.exists() else {}
    rows = []
    sc = load_toml(DATA_DIR / "costing_choices.toml")["market"]["Sc2O3"]["world_output"]
    rows.append({"element": "Sc", "label": "world Sc2O3 output", "value_t_per_year": float(sc["value"]),
                 "basis": "t Sc2O3/yr", "date": sc.get("date", ""), "source": sc["source"]})
    world = load_toml(DATA_DIR / "mined_ore.toml")["context"]["world_mine_production_2024"]
    rows.append({"element": "sum of the five", "label": "world REO mine production", "value_t_per_year": float(world["value"]),
                 "basis": "t REO/yr (all rare earths)", "date": world["date"], "source": world["source"]})
    for key in ("magnet_ree_demand_iea", "magnet_ree_demand_mckinsey"):
        rec = refs.get(key)
        if not rec:
            continue
        for year, value in rec["values"].items():
            rows.append({"element": "Nd", "label": f"magnet REE demand ({'+'.join(rec['elements'])})",
                         "value_t_per_year": float(value), "basis": rec["basis"], "date": year,
                         "source": rec["source"] + (" (low-quality: secondary)" if rec.get("quality") == "low" else "")})
    return rows


def evaluate():
    import pandas as pd

    per_t, names = recovered_per_tonne()
    refs = tomllib.loads(REFERENCES.read_text())
    gen, stock = refs["red_mud_generation"], refs["red_mud_stockpile"]
    rows = []
    totals = {k: 0.0 for k in ("p50", "min", "max")}
    for e, values in per_t.items():
        stats = {"p50": float(np.median(values)), "min": float(values.min()), "max": float(values.max()),
                 "n": len(values)}
        for k in totals:
            totals[k] += stats[k]
        rows.append((e, stats))
    rows.append(("sum of the five", totals))
    table = []
    for element, s in rows:
        table.append({"element": element, "recovered_kg_oxide_per_t_p50": s["p50"],
                      "recovered_kg_oxide_per_t_min": s["min"], "recovered_kg_oxide_per_t_max": s["max"],
                      "yearly_t_oxide_value": s["p50"] * gen["value"] / 1000,
                      "yearly_t_oxide_low": s["min"] * gen["low"] / 1000,
                      "yearly_t_oxide_high": s["max"] * gen["high"] / 1000,
                      "stockpile_t_oxide_value": s["p50"] * stock["value"] / 1000,
                      "stockpile_t_oxide_low": s["min"] * stock["low"] / 1000,
                      "stockpile_t_oxide_high": s["max"] * stock["high"] / 1000,
                      "n_feedstocks": s.get("n", len(names)), "feedstocks": " ".join(names), "route": ROUTE})
    return pd.DataFrame(table), pd.DataFrame(references()), refs


def figure(table, refs):
    from redmud import figures

    labels = list(table["element"])
    yearly = {"world red mud per year (t oxide/yr)": (table["yearly_t_oxide_value"], table["yearly_t_oxide_low"],
                                                      table["yearly_t_oxide_high"]),
              "world stockpile, once (t oxide)": (table["stockpile_t_oxide_value"], table["stockpile_t_oxide_low"],
                                                  table["stockpile_t_oxide_high"])}
    marks = [{"element": r.element, "value": r.value_t_per_year, "label": f"{r.label}"} for r in refs.itertuples()]
    return figures.supply_bars(labels, yearly, marks, ylabel="recoverable oxide [t/yr, or t for the stockpile]",
                               title=f"Rare earths recoverable from red mud ({ROUTE} recoveries)")


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    table, refs, data = evaluate()
    gen, stock = data["red_mud_generation"], data["red_mud_stockpile"]
    ref_text = "; ".join(f"{r.label} {r.date}: {r.value_t_per_year:,.0f} t/yr ({r.basis}; {r.source})"
                         for r in refs.itertuples())
    caption = f"""Oxides of Sc, Y, La, Ce and Nd recoverable from the world's red mud at the recoveries {ROUTE} models
(route defaults), per year from the yearly residue ({gen['low'] / 1e6:.0f}-{gen['high'] / 1e6:.0f} Mt/yr; {gen['source']}) and
once from the stockpile ({stock['low'] / 1e9:.1f}-{stock['high'] / 1e9:.1f} Gt; {stock['source']}), log axis. Bars: the median over
the red-mud feedstock files that give a value for the element ({table['feedstocks'].iloc[0]}; the sum adds
the five medians, minima and maxima) at the central tonnage;
whiskers: the lowest and highest feedstock grade x recovery at the low and high tonnage. Markers: world
supply and demand where a figure by element exists: {ref_text}. Magnet-REE demand covers Nd, Pr, Dy and Tb
together (so it bounds Nd from above); no world figure by element was found for Y, La or Ce. The issue's
quoted demand projection (91 kt in 2024 to 127 kt by 2035 or 150 kt by 2040) was not found in a source
read and is not drawn. Sources: studies/supply_references.toml, redmud/data/mined_ore.toml [context],
redmud/data/costing_choices.toml [market.Sc2O3]. Tables: {NAME}.csv, {NAME}-references.csv."""
    return write_outputs(Path(output_dir), NAME, figure(table, refs), {"": table, "references": refs}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
