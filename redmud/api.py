"""The Python API: ``redmud.run(route, feedstock, overrides)`` and its result.

>>> import redmud
>>> result = redmud.run("hcl-leach-sx", "greece-aog", {"leach.temperature": "80 degC"})
>>> result.recovery["Sc"]          # fraction of the feed's Sc in the products
>>> result.to_dict()               # the same content as ``redmud run --json``
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redmud.chemistry import DEFAULT_OXIDES, ELEMENTS, RARE_EARTHS, oxide_factor
from redmud.errors import InputError, unknown
from redmud.feedstocks import Feedstock, load_feedstock
from redmud.flowsheet import BALANCE_FLOOR_RELATIVE, FlowsheetResult, evaluate
from redmud.operations.base import Param
from redmud.routes import Route, load_route
from redmud.streams import COMPONENT_INDEX, PHASE_INDEX

FEED_PARAM = Param("ppm", 0.0, "content of an element in the dry feed", "feedstock file",
                   bounds=(0.0, 1e6))
#: Products a route may name: a default oxide (Sc2O3, Nd2O3, ...) or REO, the mixed oxides of all
#: rare earths (Sc, Y and the lanthanides), each as its default oxide.
MIXED_REO = "REO"


def parameter_specs(route: Route, feedstock: Feedstock) -> dict[str, tuple[Param, object]]:
    """The route's parameter paths plus ``feed.<Element>`` for every element (default: the file)."""
    specs = route.parameters()
    for element in ELEMENTS:
        specs[f"feed.{element}"] = (FEED_PARAM, feedstock.ppm(element))
    return specs


#: How the cash flow is read: a simple DCF or the NETL QGESS convention (redmud/data/finance.toml).
CONVENTION_PARAM = Param("", "simple", "cash-flow convention", "redmud/data/finance.toml",
                         kind="choice", choices=("simple", "qgess"))


def all_parameter_specs(route: Route, feedstock: Feedstock) -> dict[str, tuple[Param, object]]:
    """Every parameter path a run accepts: route, feed, cost and finance paths."""
    from redmud.costing.parameters import cost_parameter_specs

    return {**parameter_specs(route, feedstock), **cost_parameter_specs(),
            "finance.convention": (CONVENTION_PARAM, CONVENTION_PARAM.default)}


def split_overrides(route: Route, feedstock: Feedstock, overrides: dict | None) -> tuple[dict, dict]:
    """Overrides of the route and feed paths, and those of the cost layer (checked names)."""
    route_specs = parameter_specs(route, feedstock)
    specs = all_parameter_specs(route, feedstock)
    route_part, cost_part = {}, {}
    for path, value in dict(overrides or {}).items():
        if path not in specs:
            raise unknown(path, "parameter path", path, specs)
        (route_part if path in route_specs else cost_part)[path] = value
    return route_part, cost_part


def resolve(route: Route, feedstock: Feedstock, overrides: dict | None) -> tuple[dict, int]:
    """Parsed values of every route path (defaults, then overrides) and the number of samples."""
    specs = parameter_specs(route, feedstock)
    overrides = dict(overrides or {})
    for path in overrides:
        if path not in specs:
            raise unknown(path, "parameter path", path, specs)
    values = {}
    for path, (param, default) in specs.items():
        if path.startswith("feed.") and path not in overrides:
            continue
        value = param.parse(overrides.get(path, default), path)
        values[path] = value / 1e6 if path.startswith("feed.") else value   # ppm -> mass fraction
    sizes = {np.size(v) for v in values.values() if not isinstance(v, str)}
    n = max(sizes | {1})
    if any(s not in (1, n) for s in sizes):
        raise InputError("overrides", f"sample arrays must all have one length; got lengths {sorted(sizes)}")
    return values, n


@dataclass
class RunResult:
    """A route evaluated on a feedstock: recoveries, products, consumption and balance."""

    flowsheet: FlowsheetResult
    values: dict
    n_samples: int
    recovery: dict[str, np.ndarray] = field(default_factory=dict)
    products: dict[str, dict] = field(default_factory=dict)
    consumption: dict[str, dict] = field(default_factory=dict)
    utilities: dict[str, np.ndarray] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def route(self) -> Route:
        return self.flowsheet.route

    @property
    def feedstock(self) -> Feedstock:
        return self.flowsheet.feedstock

    @property
    def balance_max_relative_error(self) -> float:
        return float(np.nanmax(self.flowsheet.balance_error)) if self.flowsheet.balance_error.size else 0.0

    def scalar(self, value):
        """A per-sample array as a float for one sample, else the array."""
        value = np.asarray(value, dtype=float)
        return float(value.reshape(-1)[0]) if value.size == 1 else value

    def to_dict(self) -> dict:
        """The documented JSON content of ``redmud run --json`` (without metadata)."""
        s = self.scalar
        fs = self.flowsheet
        return {
            "route": self.route.name, "route_title": self.route.title,
            "feedstock": self.feedstock.name, "n_samples": self.n_samples,
            "plant": {"capacity_t_per_year": s(self.values["plant.capacity"]),
                      "availability": s(self.values["plant.availability"]),
                      "feed_dry_kg_per_h": s(fs.feed_kg_h)},
            "recovery": {el: s(v) for el, v in self.recovery.items()},
            "recovery_reason": {el: "the feedstock gives no value for this element"
                                for el in self.recovery if not self.feedstock.known(el)},
            "products": {name: {k: self._json_ready(v) for k, v in p.items()}
                         for name, p in self.products.items()},
            "consumption": {name: {"kg_per_year": s(c["kg_per_year"]), "kg_per_t_feed": s(c["kg_per_t_feed"]),
                                   "operations": c["operations"]} for name, c in self.consumption.items()},
            "utilities": {k: s(v) for k, v in self.utilities.items()},
            "balance_max_relative_error": self.balance_max_relative_error,
            "recycle_iterations": fs.iterations,
            "failed_samples": int(np.sum(fs.failed)),
            **{k: self._json_ready(v) for k, v in self.extra.items() if k not in ("economics", "metrics")},
        }

    def _json_ready(self, value):
        """Float arrays of one sample become floats, at any depth of nested dicts."""
        if isinstance(value, dict):
            return {k: self._json_ready(v) for k, v in value.items()}
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return self.scalar(value)
        return _plain(value)


def _plain(value):
    """Reason arrays of one sample become strings; other arrays lists."""
    if isinstance(value, np.ndarray):
        return value.reshape(-1)[0] if value.size == 1 else value.tolist()
    return value


def run(route, feedstock=None, overrides: dict | None = None, on_failure: str = "raise",
        economics: bool = True, price_file=None, environment: bool = True) -> RunResult:
    """Evaluate a route (name, path or :class:`Route`) on a feedstock (name, path or object).

    ``overrides`` maps parameter paths (``"leach.temperature"``, ``"plant.capacity"``,
    ``"feed.Sc"``, ``"price.Sc2O3"``, ``"finance.discount_rate"``) to values: strings with units
    (``"80 degC"``), pint Quantities, numbers in the path's unit, or arrays of samples. With
    ``on_failure="nan"`` samples whose recycles do not converge are NaN with the reason recorded,
    and the rest go on. ``economics=False`` skips the cost layer (mass balance only);
    ``environment=False`` skips the environmental footprint (:mod:`redmud.environment`).
    """
    route = route if isinstance(route, Route) else load_route(route)
    feedstock = feedstock if isinstance(feedstock, Feedstock) else load_feedstock(feedstock or route.default_feedstock)
    route_overrides, cost_overrides = split_overrides(route, feedstock, overrides)
    convention = CONVENTION_PARAM.parse(cost_overrides.pop("finance.convention", "simple"), "finance.convention")
    values, n = resolve(route, feedstock, route_overrides)
    if economics:
        from redmud.costing.parameters import parse_cost_values
        cost_values = parse_cost_values(cost_overrides)   # checked before the mass balance runs
        sizes = {np.size(v) for v in cost_values.values() if not isinstance(v, str)} | {n}
        if any(size not in (1, max(sizes)) for size in sizes):
            raise InputError("overrides", f"sample arrays must all have one length; got lengths {sorted(sizes)}")
        n = max(sizes)
    flowsheet = evaluate(route, feedstock, values, n, on_failure=on_failure)
    result = RunResult(flowsheet, values, n)
    _summarise(result)
    if economics:
        _add_economics(result, cost_values, convention, price_file)
    if environment:
        _add_environment(result, result.extra.get("jurisdiction", "united-states"))
    return result


def _add_environment(result: RunResult, jurisdiction: str) -> None:
    """The footprint (inventory and indicators) in ``extra["environment"]``, flat columns in metrics.

    Runs after the economics so that value allocation can read the revenue lines; the grid
    factor is the economics' jurisdiction (``"united-states"`` when the economics did not run).
    """
    from redmud.environment import environment_metrics, evaluate_environment

    env = evaluate_environment(result, jurisdiction)
    result.extra["environment"] = env
    result.extra.setdefault("metrics", {}).update(environment_metrics(env))


def _add_economics(result: RunResult, cost_values: dict, convention: str, price_file) -> None:
    """Costs and cash flow in ``extra``; a failed sample's economics are NaN with its reason."""
    from redmud.costing.economics import evaluate_economics

    econ = evaluate_economics(_for_costing(result), cost_values, convention, price_file)
    summary = econ.summary()
    _fail_economics(summary, result.flowsheet)
    result.extra["economics"] = econ
    result.extra.update(summary)
    columns = {k: summary[k] for k in ("capex_usd", "opex_usd_per_year", "revenue_usd_per_year",
                                       "npv_usd", "irr", "payback_years")}
    for product, value in summary["levelized_cost_usd_per_kg"].items():
        columns[f"levelized_cost_{product}_usd_per_kg"] = value
    for product, value in summary["breakeven_price_usd_per_kg"].items():
        columns[f"breakeven_price_{product}_usd_per_kg"] = value
    result.extra["metrics"] = columns


def _for_costing(result: RunResult) -> RunResult:
    """The result the cost layer reads: failed samples' non-finite design quantities set to 0.

    A failed sample (an unconverged recycle, an operation that could not solve it) has NaN flows
    and may have NaN or infinite equipment sizes, which the cost correlations reject for the
    whole array. Its economics are discarded (:func:`_fail_economics`), so the cost layer sees
    zero there; the result itself keeps its true design quantities.
    """
    from dataclasses import replace

    fs = result.flowsheet
    failed = np.asarray(fs.failed, dtype=bool)
    if not failed.any():
        return result

    def clean(value):
        if isinstance(value, str) or value is None:
            return value
        array = np.asarray(value)
        if array.dtype.kind != "f" or array.ndim == 0 or array.shape[-1] != failed.size:
            return value
        return np.where(failed & ~np.isfinite(array), 0.0, array)

    operations = {
        op_id: replace(op, equipment={name: replace(e, size=clean(e.size), count=clean(e.count))
                                      for name, e in op.equipment.items()},
                       info={k: clean(v) for k, v in op.info.items()},
                       consumption={k: clean(v) for k, v in op.consumption.items()})
        for op_id, op in fs.operations.items()}
    return replace(result, flowsheet=replace(fs, operations=operations))


def _fail_economics(summary: dict, fs: FlowsheetResult) -> None:
    """Per-sample economic values of failed samples become NaN, their reasons the failure's."""
    failed = np.asarray(fs.failed, dtype=bool)
    if not failed.any():
        return
    n = failed.size
    why = np.asarray(fs.failure_reason if len(fs.failure_reason) == n else ["sample failed"] * n, dtype=object)

    def nan(value):
        return np.where(failed, np.nan, np.broadcast_to(np.asarray(value, dtype=float), (n,)))

    def reason(value):
        return np.where(failed, why, np.broadcast_to(np.asarray(value, dtype=object), (n,))).astype(object)

    for key in ("capex_usd", "opex_usd_per_year", "revenue_usd_per_year", "npv_usd", "irr", "payback_years"):
        summary[key] = nan(summary[key])
    for key in ("irr_reason", "payback_years_reason"):
        summary[key] = reason(summary[key])
    for key in ("levelized_cost_usd_per_kg", "breakeven_price_usd_per_kg"):
        summary[key] = {k: nan(v) for k, v in summary[key].items()}
        summary[f"{key}_reason"] = {k: reason(v) for k, v in summary[f"{key}_reason"].items()}


def product_content(stream_flows_by_component: np.ndarray, product: str) -> np.ndarray:
    """Mass [kg/h] of the named oxide (or of all rare-earth oxides for REO) in a stream."""
    elements = RARE_EARTHS if product == MIXED_REO else [_product_element(product)]
    return sum(stream_flows_by_component[COMPONENT_INDEX[el]] * oxide_factor(DEFAULT_OXIDES[el]) for el in elements)


def _product_element(product: str) -> str:
    for element, oxide in DEFAULT_OXIDES.items():
        if oxide == product:
            return element
    raise unknown("products", "product", product, [*DEFAULT_OXIDES.values(), MIXED_REO])


#: Why a product's purity is NaN.
NO_PRODUCT = "no product mass"
BELOW_RESOLUTION = ("product mass below the plant balance's resolution (1e-12 of the feed rate, "
                    "flowsheet.BALANCE_FLOOR_RELATIVE): its composition is rounding")


def product_purity(flows: np.ndarray, product: str, feed_kg_h) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mass [kg/h], purity [-] and the reason where the purity is NaN, of a product stream.

    .. math:: purity = \\frac{\\sum_{e} m_e f_e}{\\sum_c m_c}

    over the product's phase: the solid where the stream carries solid (a cake's entrained
    liquor is neither product nor impurity), else the whole stream; m_e [kg/h] the product's
    elements in it and f_e their oxide factors (:func:`product_content`), m_c every component.
    Numerator and denominator come from the same phase, so the purity is at most 1 whenever
    that phase holds at least the oxygen of the product's oxides (a calcined product does).

    NaN where there is no product mass, and where the mass is at or below the plant balance's
    resolution, ``BALANCE_FLOOR_RELATIVE`` x the dry feed rate [kg/h] (the floor below which
    :func:`redmud.flowsheet.evaluate` cannot tell a flow from the rounding of the remainders
    that make its streams): there the stored component flows, often subnormal floats with a
    few significant bits, no longer hold the product's composition (a vanishing oxalate
    precipitate, 1e-322 kg/h, gave purities of 1.013).
    """
    solid = flows[PHASE_INDEX["solid"]]
    solid_mass = solid.sum(axis=0)
    has_solid = solid_mass > 0
    comps = np.where(has_solid, solid, flows.sum(axis=0))
    mass = np.where(has_solid, solid_mass, comps.sum(axis=0))
    contained = product_content(comps, product)
    resolved = mass > BALANCE_FLOOR_RELATIVE * np.asarray(feed_kg_h, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        purity = np.where(resolved, contained / np.where(resolved, mass, 1.0), np.nan)
    reason = np.where(resolved | np.isnan(mass), "", np.where(mass > 0, BELOW_RESOLUTION, NO_PRODUCT))
    return mass, purity, reason.astype(object)


def _summarise(result: RunResult) -> None:
    fs = result.flowsheet
    hours = fs.hours_per_year
    feed = fs.streams[fs.route.feed_stream].components()
    product_total = np.zeros_like(feed)
    for product in fs.route.products:
        stream = fs.streams[product.stream]
        comps = stream.components()
        product_total = product_total + comps
        contained = product_content(comps, product.product)
        mass, purity, reason = product_purity(stream.flows, product.product, fs.feed_kg_h)
        result.products[product.name] = {
            "product": product.product, "stream": product.stream,
            "kg_per_year": mass * hours, "contained_oxide_kg_per_year": contained * hours,
            "purity": purity, "purity_reason": reason,
        }
    with np.errstate(divide="ignore", invalid="ignore"):
        for element in ELEMENTS:
            if element in ("H", "O"):
                continue
            i = COMPONENT_INDEX[element]
            result.recovery[element] = np.where(feed[i] > 0, product_total[i] / feed[i], np.nan)
    feed_t_h = fs.feed_kg_h / 1000.0
    for op_id, op in fs.operations.items():
        for name, stream in op.added.items():
            entry = result.consumption.setdefault(name, {"kg_per_year": 0.0, "kg_per_t_feed": 0.0, "operations": []})
            entry["kg_per_year"] = entry["kg_per_year"] + stream.total() * hours
            entry["kg_per_t_feed"] = entry["kg_per_t_feed"] + stream.total() / feed_t_h
            entry["operations"].append(op_id)
        for key, value in op.consumption.items():
            result.utilities[key] = result.utilities.get(key, 0.0) + np.asarray(value, dtype=float)


def metrics(result: RunResult) -> dict[str, np.ndarray]:
    """Per-sample metrics as flat float columns (for sweeps and Monte Carlo tables).

    Column names carry their unit: ``recovery_Sc`` (fraction), ``product_<name>_kg_per_year``,
    ``product_<name>_purity`` (fraction), ``balance_max_relative_error``; economic and
    environmental metrics are added by those layers in ``result.extra_metrics``.
    """
    n = result.n_samples
    columns: dict[str, np.ndarray] = {}
    for element in ("Sc", "Y", "La", "Ce", "Pr", "Nd", "Dy", "Th", "U"):
        columns[f"recovery_{element}"] = np.broadcast_to(result.recovery[element], (n,)).astype(float)
    for name, p in result.products.items():
        columns[f"product_{name}_kg_per_year"] = np.broadcast_to(p["kg_per_year"], (n,)).astype(float)
        columns[f"product_{name}_contained_oxide_kg_per_year"] = np.broadcast_to(
            p["contained_oxide_kg_per_year"], (n,)).astype(float)
        columns[f"product_{name}_purity"] = np.broadcast_to(p["purity"], (n,)).astype(float)
    columns["balance_max_relative_error"] = np.nanmax(result.flowsheet.balance_error, axis=0)
    for key, value in result.extra.get("metrics", {}).items():
        columns[key] = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    # a failed sample has no figures: NaN in every column (its reason is in the flowsheet), even
    # where a layer computed a number from its NaN streams (a nansum, a ratio of zeros)
    failed = np.broadcast_to(result.flowsheet.failed, (n,))
    if failed.any():
        columns = {key: np.where(failed, np.nan, value) for key, value in columns.items()}
    return columns
