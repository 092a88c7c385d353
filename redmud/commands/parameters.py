"""``redmud list parameters [--route R] [--feedstock F]``: every parameter path a run accepts.

Each path is listed with the unit bare numbers take (``--grid``, ``--dist``, ``--param``), its
default, its documented bounds (the values the model accepts), the published range of a feed
content where the feedstock file gives one, and the source of the default.
"""

from __future__ import annotations

from redmud.output import dumps, format_table, metadata

#: Offset between kelvin and degree Celsius (definition of the Celsius scale, SI Brochure 2019).
KELVIN_AT_ZERO_CELSIUS = 273.15
#: Text-table width of the source column (the full source is in --json).
SOURCE_WIDTH = 60


def display_unit(param) -> str:
    """The unit users write: temperatures in degC (the physics receives K)."""
    return "degC" if param.unit == "K" else param.unit


def display_bounds(param) -> list[float] | None:
    """Documented bounds in :func:`display_unit`."""
    if param.bounds is None:
        return None
    low, high = (float(b) for b in param.bounds)
    if param.unit == "K":
        return [low - KELVIN_AT_ZERO_CELSIUS, high - KELVIN_AT_ZERO_CELSIUS]
    return [low, high]


def feed_ranges(feedstock) -> dict[str, tuple[float, float]]:
    """Published ranges of the feed contents ``{"feed.Sc": (low, high)}`` in ppm of the element.

    A record's ``low``/``high`` are in the record's own unit (ppm, or wt% of an oxide); they are
    converted like its value: ppm element = value x (fraction / value) x 1e6 x (element
    fraction / fraction). LOI and CO2 are not elements and have no feed path.
    """
    ranges = {}
    for element, rec in feedstock.records.items():
        if rec.low is None or rec.high is None or not rec.high > rec.low or element in ("LOI", "CO2"):
            continue
        scale = rec.fraction / rec.value if rec.value else 0.0
        to_ppm = scale * 1e6 * (rec.element_fraction / rec.fraction if rec.fraction else 1.0)
        ranges[f"feed.{element}"] = (rec.low * to_ppm, rec.high * to_ppm)
    return ranges


def parameter_rows(route_name: str, feedstock_name: str | None) -> tuple[list[dict], list]:
    """One row per parameter path, and the files they come from."""
    from redmud.api import all_parameter_specs
    from redmud.feedstocks import load_feedstock
    from redmud.routes import load_route

    route = load_route(route_name)
    feedstock = load_feedstock(feedstock_name or route.default_feedstock)
    ranges = feed_ranges(feedstock)
    rows = []
    for path, (param, default) in all_parameter_specs(route, feedstock).items():
        if path.startswith("feed.") and not feedstock.known(path[5:]):
            default = "absent from the feedstock file (0)"
        rows.append({
            "path": path, "unit": display_unit(param), "kind": param.kind,
            "default": "from the data (scenario or jurisdiction)" if default is None else default,
            "bounds": display_bounds(param), "choices": list(param.choices) or None,
            "published_range": list(ranges[path]) if path in ranges else None,
            "tag": param.tag, "source": param.source, "description": param.description,
        })
    return rows, [route.path, feedstock.path]


def list_all(args) -> int:
    from redmud.commands.run import DEFAULT_ROUTE

    rows, files = parameter_rows(args.route or DEFAULT_ROUTE, getattr(args, "feedstock", None))
    if args.json:
        print(dumps({"metadata": metadata(args.argv, files), "parameters": rows}))
        return 0
    table = []
    for row in rows:
        bounds = "|".join(row["choices"]) if row["choices"] else (
            f"{row['bounds'][0]:g} .. {row['bounds'][1]:g}" if row["bounds"] else "")
        if row["published_range"]:
            bounds += f" (published {row['published_range'][0]:.4g} .. {row['published_range'][1]:.4g})"
        source = row["source"]
        table.append({"path": row["path"], "unit": row["unit"], "default": _short(row["default"]),
                      "bounds": bounds, "source": source if len(source) <= SOURCE_WIDTH
                      else source[:SOURCE_WIDTH - 3] + "..."})
    print(format_table(table))
    return 0


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
