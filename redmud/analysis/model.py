"""The model as the analyses see it: parameter columns in, metric columns out.

:class:`ModelCall` holds only plain data (names, strings, floats), so it pickles to Dask workers;
each worker loads the route and feedstock itself and evaluates its chunk in one vectorised call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redmud.errors import InputError


@dataclass(frozen=True)
class ModelCall:
    """Route, feedstock and fixed overrides; ``sampled`` paths with the unit of their columns."""

    route: str
    feedstock: str | None
    fixed: dict = field(default_factory=dict)
    sampled: tuple[tuple[str, str], ...] = ()

    def __call__(self, columns: dict[str, np.ndarray]):
        """Evaluate all samples at once; return a DataFrame of inputs and metrics."""
        import pandas as pd

        from redmud.api import metrics, run
        from redmud.units import ureg

        overrides = dict(self.fixed)
        for path, unit in self.sampled:
            overrides[path] = ureg.Quantity(np.asarray(columns[path], dtype=float), unit) if unit else columns[path]
        result = run(self.route, self.feedstock, overrides, on_failure="nan")
        table = {path: np.asarray(columns[path], dtype=float) for path, _ in self.sampled}
        table.update(metrics(result))
        failed = result.flowsheet.failed
        table["status"] = np.where(failed, "failed", "ok")
        reasons = result.flowsheet.failure_reason or [""] * result.n_samples
        table["reason"] = np.asarray(reasons if len(reasons) == result.n_samples else [""] * result.n_samples)
        return pd.DataFrame(table)


def path_units(route: str, feedstock: str | None, paths: list[str]) -> dict[str, str]:
    """The unit of each parameter path (bare numbers in --grid/--dist take it)."""
    from redmud.api import all_parameter_specs
    from redmud.errors import unknown
    from redmud.feedstocks import load_feedstock
    from redmud.routes import load_route

    route_obj = load_route(route)
    feed = load_feedstock(feedstock or route_obj.default_feedstock)
    specs = all_parameter_specs(route_obj, feed)
    units = {}
    for path in paths:
        if path not in specs:
            raise unknown(path, "parameter path", path, specs)
        param = specs[path][0]
        if param.kind == "choice":
            raise InputError(path, "a choice cannot be swept or sampled; set it with --set")
        units[path] = "degC" if param.unit == "K" else param.unit
    return units
