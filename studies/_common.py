"""Helpers shared by the study scripts: writing outputs, the route lists, sampling the cited
ranges of uncertain inputs (the cost split and the ranges themselves live in :mod:`redmud.report`,
which the HTML report shares).

Every study writes into one folder: ``<name>.png`` and ``<name>.svg`` (figures), ``<name>*.csv``
(the tables behind them, one canonical unit per column, named in the column) and
``<name>.txt`` (the caption, with the data sources).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

# The cost split, the cited input ranges and the element flows are shared with the HTML report.
from redmud.report import COST_ITEMS, cost_stack, element_destinations, first

__all__ = ["COST_ITEMS", "cost_stack", "element_destinations", "first", "RED_MUD_ROUTES", "MINED_ORE_ROUTES",
           "ELEMENTS", "quiet", "write_outputs", "uncertain_inputs", "sample_inputs", "overrides_from"]

#: The red-mud routes (``redmud list routes``, kind red-mud) and the mined-ore routes.
RED_MUD_ROUTES = ("hcl-leach-sx", "h2so4-leach-sx", "sulfation-roast-water-leach", "scale-dilute-acid-ix",
                  "hpal-sx")
MINED_ORE_ROUTES = ("bastnasite-roast-hcl", "ion-adsorption-clay")
ELEMENTS = ("Sc", "Y", "La", "Ce", "Nd")


def quiet():
    """Silence the model's warnings (they repeat for every run of a study)."""
    logging.getLogger("redmud").setLevel(logging.ERROR)


def write_outputs(folder: Path, name: str, figure, tables: dict, caption: str) -> list[Path]:
    """Write the figure (PNG, SVG), the tables (CSV) and the caption into ``folder``."""
    from redmud.figures import save

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = save(figure, folder, name) if figure is not None else []
    for suffix, table in tables.items():
        path = folder / f"{name}{'-' + suffix if suffix else ''}.csv"
        table.to_csv(path, index=False, float_format="%.6g")
        paths.append(path)
    text = caption.strip() + "\n"
    (folder / f"{name}.txt").write_text(text)
    paths.append(folder / f"{name}.txt")
    return paths


def uncertain_inputs(result) -> list[dict]:
    """Inputs with a cited range in the data files (see :func:`redmud.report.cited_ranges`)."""
    from redmud.report import cited_ranges

    return cited_ranges(result)


def sample_inputs(entries: list[dict], n: int, seed: int) -> dict[str, np.ndarray]:
    """Triangular(low, mode=base, high) samples of every entry (the base clipped into the range;
    a constant where low == high), from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    out = {}
    for e in entries:
        low, base, high = e["low"], e["base"], e["high"]
        base = min(max(base, low), high)
        out[e["path"]] = rng.triangular(low, base, high, n) if high > low else np.full(n, base)
    return out


def overrides_from(entries: list[dict], columns: dict[str, np.ndarray]) -> dict:
    """Overrides for :func:`redmud.run` from sampled columns (see :func:`redmud.report.range_overrides`)."""
    from redmud.report import range_overrides

    return range_overrides(entries, columns)
