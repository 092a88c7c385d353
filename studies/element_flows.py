"""Element flows: where the Sc, Y, La, Ce and Nd of the feed go in a route: to each product, to
residues, effluents, emissions and purges (alluvial diagram).

Run: ``redmud study element-flows``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _common import ELEMENTS, element_destinations, quiet, write_outputs

NAME = "element-flows"
ROUTE, FEEDSTOCK = "hcl-leach-sx", "greece-aog"
FINITE_COLUMNS = {"": ["kg_per_year", "share_of_feed"]}


def element_shares(result, elements=ELEMENTS) -> list[dict]:
    """Mass of each element leaving by each terminal stream [kg/yr] and its share of the element's
    feed (:func:`redmud.report.element_destinations`: products by stream, other terminals by
    their class in ``route.terminals``, and "unaccounted" = feed minus outflows)."""
    rows = element_destinations(result, elements)
    for row in rows:
        row.update(route=result.route.name, feedstock=result.feedstock.name)
    return rows


def evaluate(route=ROUTE, feedstock=FEEDSTOCK):
    import pandas as pd

    import redmud

    return pd.DataFrame(element_shares(redmud.run(route, feedstock, economics=False)))


def figure(table, title=""):
    from redmud import figures
    from redmud.report import alluvial_shares

    return figures.element_alluvial(alluvial_shares(table.to_dict("records")), title=title)


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    table = evaluate()
    caption = f"""Fate of Sc, Y, La, Ce and Nd in route {ROUTE} on {FEEDSTOCK} (route defaults): each element's feed
is scaled to 100 % (left) and split by the terminal stream it leaves in (right): each product stream, and
residues, effluents, emissions and purges grouped as route.terminals classes them (processes/{ROUTE}.toml).
"unaccounted" is feed minus all outflows (the plant mass-balance error); flows under 0.01 % of an element's
feed are not drawn, and destinations under 1 % for every element are drawn as one band. Data: redmud.run(..., economics=False), result.flowsheet.streams; feedstock
feedstocks/{FEEDSTOCK}.toml. Table: {NAME}.csv (kg/yr and share of feed per element and destination)."""
    return write_outputs(Path(output_dir), NAME, figure(table, f"{ROUTE} on {FEEDSTOCK}"), {"": table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
