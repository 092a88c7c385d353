"""Evaluating a route: operations in order, recycles converged on whole sample arrays, balances.

Recycles are solved by tearing: the returned stream is guessed (zero at first), the route is
evaluated, and the guess is updated by bounded Wegstein acceleration (Wegstein JH (1958)
Accelerating convergence of iterative processes, Commun. ACM 1(6):9-13,
doi:10.1145/368861.368871) until every component of every sample changes by less than
``RECYCLE_RTOL`` relative. A recycle always has a purge, so the loop gain is below one and the
iteration contracts.

The plant balance, checked on every evaluation, is per component

.. math:: \\frac{|in - out - (r_{returned} - r_{assumed})|}{\\max(in, floor)} \\le 10^{-9}

with ``in`` the feed plus every reagent added, ``out`` every terminal stream (products,
residues, effluents, emissions, purges) and the last term the recycle mismatch left at
convergence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redmud.errors import BalanceError, ConvergenceError
from redmud.feedstocks import Feedstock
from redmud.operations.base import OperationResult
from redmud.routes import Route
from redmud.streams import BALANCE_RTOL, COMPONENTS, Stream, mix, split

RECYCLE_RTOL = 1e-11
MAX_ITERATIONS = 200
#: Wegstein's q is bounded to [-20, 0]: acceleration only, never damping past direct
#: substitution. A recycle returning a share f of a stream that passes through has slope f and
#: wants q = f/(f-1) (-9 for f = 0.9); -20 keeps f up to 0.95 exact and faster ones contracting,
#: while an unlucky secant cannot throw the guess far. Where a sample's change grows, that sample
#: falls back to direct substitution for the step.
WEGSTEIN_BOUNDS = (-20.0, 0.0)
#: Balance floor relative to the feed's total mass flow: a component with no input must leave
#: below 1e-12 of the plant's throughput (rounding of the subtractions that make remainders).
BALANCE_FLOOR_RELATIVE = 1e-12
HOURS_PER_YEAR = 8760.0


@dataclass
class FlowsheetResult:
    """Streams, operation results and balance of one route evaluation (for N samples)."""

    route: Route
    feedstock: Feedstock
    feed_kg_h: np.ndarray
    hours_per_year: np.ndarray
    streams: dict[str, Stream]
    operations: dict[str, OperationResult]
    iterations: int
    balance_error: np.ndarray            # (component, sample)
    recycle_mismatch: np.ndarray         # (sample,) max relative change at the last iteration
    failed: np.ndarray                   # (sample,) bool
    failure_reason: list = field(default_factory=list)

    @property
    def inputs(self) -> list[Stream]:
        return [self.streams[self.route.feed_stream]] + [s for r in self.operations.values() for s in r.added.values()]

    def terminal(self, cls: str | None = None) -> dict[str, Stream]:
        return {name: self.streams[name] for name, c in self.route.terminals.items() if cls in (None, c)}


def evaluate(route: Route, feedstock: Feedstock, values: dict, n_samples: int,
             on_failure: str = "raise") -> FlowsheetResult:
    """Run ``route`` on ``feedstock`` with parsed parameter ``values`` (path -> array or choice).

    ``on_failure="raise"`` raises :class:`ConvergenceError` when a recycle does not converge;
    ``"nan"`` marks the samples that did not as failed (their flows NaN) and goes on.
    """
    capacity_t_yr = np.asarray(values["plant.capacity"], dtype=float)
    hours = HOURS_PER_YEAR * np.asarray(values["plant.availability"], dtype=float)
    feed_kg_h = np.broadcast_to(capacity_t_yr * 1000.0 / hours, (n_samples,)).astype(float)
    feed_overrides = {path[5:]: v for path, v in values.items() if path.startswith("feed.")}
    feed = feedstock.stream(feed_kg_h, feed_overrides)
    if feed.n_samples != n_samples:
        feed = Stream(np.broadcast_to(feed.flows, feed.flows.shape[:2] + (n_samples,)).copy())
    context = {"feedstock": feedstock, "n_samples": n_samples}
    step_params = {step.id: {k: values[f"{step.id}.{k}"] for k in step.spec.parameters} for step in route.steps}
    fractions = {r.returns: np.asarray(values[f"recycle.{r.returns}.fraction"], dtype=float) for r in route.recycles}

    tears = {r.returns: Stream.zeros(n_samples) for r in route.recycles}
    previous: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    change = np.zeros(n_samples)
    iterations = 0
    for iterations in range(1, MAX_ITERATIONS + 1):
        streams, results, returned = _one_pass(route, feed, tears, step_params, fractions, context)
        if not route.recycles:
            break
        last_change = change
        change = np.zeros(n_samples)
        for name, tear in tears.items():
            g, x = returned[name].flows, tear.flows
            scale = np.maximum(np.maximum(np.abs(g), np.abs(x)), 1e-300)
            change = np.maximum(change, (np.abs(g - x) / scale * (np.abs(g - x) > 1e-14 * feed_kg_h)).max(axis=(0, 1)))
        if np.all(change <= RECYCLE_RTOL):
            break
        accelerate = ~(change > last_change) if iterations > 2 else np.ones(n_samples, bool)
        new_tears = {}
        for name, tear in tears.items():
            g, x = returned[name].flows, tear.flows
            new_tears[name] = Stream(np.where(accelerate, _wegstein(x, g, previous.get(name)), g))
            previous[name] = (x, g)
        tears = new_tears
    failed = ~(change <= RECYCLE_RTOL) | ~np.isfinite(change)
    reasons = []
    if failed.any():
        names = ", ".join(r.returns for r in route.recycles)
        message = (f"route {route.name}: recycle {names} did not converge to {RECYCLE_RTOL:g} in "
                   f"{MAX_ITERATIONS} iterations (relative change {np.nanmax(change):.3g})")
        if on_failure == "raise":
            raise ConvergenceError(message)
        reasons = [message if f else "" for f in failed]
    for name in tears:
        streams[name] = tears[name]
    if failed.any():    # failed samples carry NaN, never a number from an unconverged loop
        streams = {n: Stream(np.where(failed, np.nan, s.flows)) for n, s in streams.items()}
    result = FlowsheetResult(route, feedstock, feed_kg_h, np.broadcast_to(hours, (n_samples,)),
                             streams, results, iterations, np.zeros((len(COMPONENTS), n_samples)),
                             change, failed, reasons)
    _check_plant_balance(result, returned, tears)
    return result


def _one_pass(route, feed, tears, step_params, fractions, context):
    """Evaluate every operation once with the recycle streams fixed at ``tears``."""
    streams: dict[str, Stream] = {route.feed_stream: feed, **tears}
    results: dict[str, OperationResult] = {}
    returned: dict[str, Stream] = {}
    recycles = {r.stream: r for r in route.recycles}
    for step in route.steps:
        inlets = {port: streams[name] for port, name in step.inlets.items()}
        result = step.spec.run(inlets, step_params[step.id], context)
        result.check_balance(inlets, f"operation {step.id} ({step.spec.name})")
        results[step.id] = result
        for port, name in step.outlets.items():
            streams[name] = result.outlets[port]
            if name in recycles:
                recycle = recycles[name]
                back, purge = split(result.outlets[port], [fractions[recycle.returns]])
                returned[recycle.returns] = back
                streams[recycle.purge] = purge
    return streams, results, returned


def _wegstein(x: np.ndarray, g: np.ndarray, previous) -> np.ndarray:
    """Next tear estimate: direct substitution, then bounded Wegstein per element and sample."""
    if previous is None:
        return g
    x0, g0 = previous
    dx = x - x0
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(np.abs(dx) > 0, (g - g0) / dx, 0.0)
        q = np.where(slope != 1.0, slope / (slope - 1.0), 0.0)
    q = np.clip(np.nan_to_num(q), *WEGSTEIN_BOUNDS)
    return np.maximum((1 - q) * g + q * x, 0.0)


def _check_plant_balance(result: FlowsheetResult, returned: dict, tears: dict) -> None:
    """Inputs = terminal outputs + recycle mismatch, per component, to BALANCE_RTOL."""
    total_in = mix(*result.inputs).components()
    total_out = mix(*result.terminal().values()).components()
    mismatch = sum((returned[n].flows - tears[n].flows).sum(axis=0) for n in tears) if tears else 0.0
    floor = BALANCE_FLOOR_RELATIVE * result.feed_kg_h
    error = np.abs(total_in - total_out - mismatch) / np.maximum(total_in, floor)
    error = np.where(result.failed[None, :], 0.0, error)
    result.balance_error = error
    worst = float(np.nanmax(error)) if error.size else 0.0
    if not worst <= BALANCE_RTOL:
        c, s = np.unravel_index(np.nanargmax(error), error.shape)
        raise BalanceError(f"route {result.route.name}: {COMPONENTS[c]} does not balance over the plant "
                           f"(relative error {worst:.3g} in sample {s})")
    negative = [n for n, s in result.streams.items() if np.any(s.flows < -floor)]
    if negative:
        raise BalanceError(f"route {result.route.name}: negative flow in {', '.join(negative)}")
