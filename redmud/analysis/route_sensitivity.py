"""Sensitivity of a route's metrics: factors with bounds, the vectorised model, tables with units.

A *factor* is a parameter path with the interval it is varied over: given on the command line
(``--param PATH=low:high``), or the path's published feedstock range (``feed.*``) or its
documented bounds (``--param PATH``); without any ``--param``, every feed content the feedstock
file publishes a range for. The methods of :mod:`redmud.analysis.sensitivity` build the sample
matrix; :class:`RouteFunction` evaluates it in vectorised chunks of :class:`ModelCall` and
returns the chosen metric columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from redmud.errors import InputError, unknown

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"

#: Metric column suffix -> unit (the column names of :func:`redmud.api.metrics` carry their unit).
_METRIC_UNITS = (("_usd_per_kg", "USD/kg"), ("_usd_per_year", "USD/year"), ("_kg_per_year", "kg/year"),
                 ("_usd", "USD"), ("_years", "year"), ("_purity", "fraction"))


def metric_unit(name: str) -> str:
    """The unit of a metric column, read from its name (``npv_usd`` -> ``USD``)."""
    if name == "irr":
        return "1/year"
    if name.startswith("recovery_") or name == "balance_max_relative_error":
        return "fraction"
    for suffix, unit in _METRIC_UNITS:
        if name.endswith(suffix):
            return unit
    return ""


@dataclass(frozen=True)
class Factor:
    """A parameter varied over [low, high] around ``base`` (all in ``unit``)."""

    path: str
    unit: str
    low: float
    high: float
    base: float
    integer: bool = False
    base_note: str = "default"


def resolve_factors(route: str, feedstock: str | None, texts: list[str], fixed: dict) -> list[Factor]:
    """Factors from ``--param`` texts (``PATH``, or ``PATH=low:high`` in the path's unit)."""
    from redmud.api import all_parameter_specs
    from redmud.commands.parameters import display_bounds, display_unit, feed_ranges
    from redmud.feedstocks import load_feedstock
    from redmud.routes import load_route

    route_obj = load_route(route)
    feed = load_feedstock(feedstock or route_obj.default_feedstock)
    specs = all_parameter_specs(route_obj, feed)
    ranges = feed_ranges(feed)
    if not texts:
        texts = list(ranges)
        if not texts:
            raise InputError("--param", f"no --param given and feedstock {feed.name} publishes no ranges")
    factors = []
    for text in texts:
        path, _, spec = (part.strip() for part in text.partition("="))
        where = f"--param {path}"
        if path not in specs:
            raise unknown(path, "parameter path", path, specs)
        if path in fixed:
            raise InputError(path, "is both in --set and in --param; give it once")
        param, default = specs[path]
        if param.kind == "choice":
            raise InputError(path, "a choice cannot be varied; set it with --set")
        unit = display_unit(param)
        documented = display_bounds(param)
        if spec:
            parts = spec.split(":")
            if len(parts) != 2 or not all(re.fullmatch(_NUMBER, p.strip()) for p in parts):
                raise InputError(where, f"expected PATH=low:high with plain numbers in {unit or 'the path unit'}, "
                                        f"got {text!r}")
            low, high = float(parts[0]), float(parts[1])
        elif path in ranges:
            low, high = ranges[path]
        elif documented:
            low, high = documented
        else:
            raise InputError(where, "the path has no documented bounds; give PATH=low:high")
        if not low < high:
            raise InputError(where, f"expected low < high, got {low:g} and {high:g}")
        if documented and (low < documented[0] or high > documented[1]):
            raise InputError(where, f"[{low:g}, {high:g}] leaves the documented bounds "
                                    f"[{documented[0]:g}, {documented[1]:g}] {unit}")
        base, note = _base_value(path, param, default, feed, low, high)
        factors.append(Factor(path, unit, low, high, base, param.kind == "integer", note))
    if len({f.path for f in factors}) != len(factors):
        raise InputError("--param", "a path is given twice")
    return factors


def _base_value(path, param, default, feed, low, high) -> tuple[float, str]:
    """The default value in the display unit; the midpoint where the default comes from data."""
    from redmud.commands.parameters import KELVIN_AT_ZERO_CELSIUS

    if path.startswith("feed."):
        return float(feed.ppm(path[5:])), "feedstock file"
    if default is None:
        return 0.5 * (low + high), "midpoint (the default comes from the price or jurisdiction data)"
    value = float(np.asarray(param.parse(default, path)).reshape(-1)[0])
    if param.unit == "K":
        value -= KELVIN_AT_ZERO_CELSIUS
    return value, "default"


class RouteFunction:
    """``f(X) -> Y``: parameter matrix ``(n, d)`` to metrics ``(k, n)`` of a route, in chunks.

    Integer factors (stage counts) are rounded to whole numbers before evaluation. Samples whose
    recycles fail to converge come back as NaN.
    """

    def __init__(self, model, factors: list[Factor], metrics: list[str], chunk_size: int):
        self.model = model
        self.factors = factors
        self.metrics = metrics
        self.chunk_size = chunk_size

    def frame(self, X: np.ndarray):
        import pandas as pd

        X = np.atleast_2d(np.asarray(X, dtype=float))
        X = np.where([f.integer for f in self.factors], np.round(X), X)
        parts = []
        for start in range(0, len(X), self.chunk_size):
            block = X[start:start + self.chunk_size]
            parts.append(self.model({f.path: block[:, i] for i, f in enumerate(self.factors)}))
        return pd.concat(parts, ignore_index=True)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        table = self.frame(X)
        return np.vstack([table[m].to_numpy(dtype=float) for m in self.metrics])


def check_metrics(available, metrics: list[str]) -> None:
    for name in metrics:
        if name not in available:
            raise unknown("--metric", "metric", name, [c for c in available if c not in ("status", "reason")])


def tornado_rows(f: RouteFunction) -> list[dict]:
    """One row per factor and metric: the metric at the factor's low, base and high values."""
    from redmud.analysis.sensitivity import tornado

    factors = f.factors
    out = tornado(f, [x.base for x in factors], [x.low for x in factors], [x.high for x in factors])
    rows = []
    for k, metric in enumerate(f.metrics):
        for i, x in enumerate(factors):
            at_low, at_high = out["low"][k, i], out["high"][k, i]
            rows.append({"metric": metric, "metric_unit": metric_unit(metric), "parameter": x.path,
                         "unit": x.unit, "low": x.low, "base": x.base, "high": x.high, "base_from": x.base_note,
                         "metric_at_low": at_low, "metric_at_base": out["base"][k],
                         "metric_at_high": at_high, "swing": abs(at_high - at_low)})
    return _ranked(rows, "swing")


def sobol_rows(f: RouteFunction, n: int, seed: int) -> list[dict]:
    """First-order and total Sobol indices of each factor, uniform over [low, high]."""
    from redmud.analysis.sensitivity import sobol

    factors = f.factors
    out = sobol(f, [x.low for x in factors], [x.high for x in factors], n=n, seed=seed)
    shape = (len(f.metrics), len(factors))
    first, total = np.reshape(out["first_order"], shape), np.reshape(out["total_order"], shape)
    rows = [{"metric": metric, "metric_unit": metric_unit(metric), "parameter": x.path, "unit": x.unit,
             "low": x.low, "high": x.high, "first_order": first[k, i], "total_order": total[k, i]}
            for k, metric in enumerate(f.metrics) for i, x in enumerate(factors)]
    return _ranked(rows, "total_order")


def morris_rows(f: RouteFunction, trajectories: int, seed: int) -> list[dict]:
    """Morris mu* (mean absolute elementary effect), mu and sigma, in the metric's unit."""
    from redmud.analysis.sensitivity import morris

    factors = f.factors
    out = morris(f, [x.low for x in factors], [x.high for x in factors], trajectories, seed=seed)
    rows = [{"metric": metric, "metric_unit": metric_unit(metric), "parameter": x.path, "unit": x.unit,
             "low": x.low, "high": x.high, "mu_star": out["mu_star"][k, i], "mu": out["mu"][k, i],
             "sigma": out["sigma"][k, i]} for k, metric in enumerate(f.metrics) for i, x in enumerate(factors)]
    return _ranked(rows, "mu_star")


def spearman_rows(table, inputs: dict[str, str], metrics: list[str]) -> list[dict]:
    """Spearman rank correlation of each sampled input with each metric of a Monte Carlo table."""
    from redmud.analysis.sensitivity import spearman

    check_metrics(table.columns, metrics)
    ok = table["status"] == "ok" if "status" in table else np.ones(len(table), bool)
    X = table.loc[ok, list(inputs)].to_numpy(dtype=float)
    rows = []
    for metric in metrics:
        rho = spearman(X, table.loc[ok, metric].to_numpy(dtype=float))
        rows += [{"metric": metric, "metric_unit": metric_unit(metric), "parameter": path, "unit": unit,
                  "spearman_rho": rho[i], "samples": int(ok.sum())} for i, (path, unit) in enumerate(inputs.items())]
    return _ranked(rows, "spearman_rho")


def _ranked(rows: list[dict], key: str) -> list[dict]:
    """Rows grouped by metric (in the given order), largest |key| first within each."""
    order = {m: i for i, m in enumerate(dict.fromkeys(r["metric"] for r in rows))}
    magnitude = [abs(r[key]) if np.isfinite(r[key]) else -1.0 for r in rows]
    index = sorted(range(len(rows)), key=lambda i: (order[rows[i]["metric"]], -magnitude[i]))
    return [rows[i] for i in index]
