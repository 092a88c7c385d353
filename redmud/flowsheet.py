"""Evaluating a route: operations in order, recycles converged on whole sample arrays, balances.

Recycles are solved by tearing: the returned stream is guessed (zero at first), the route is
evaluated, and the guess is updated by Anderson acceleration (:mod:`redmud.acceleration`) until
every component of every sample changes by less than ``RECYCLE_RTOL`` relative. Converged
samples leave the iteration; one closing pass evaluates every sample at its converged tears.
The trial passes evaluate only what the loop needs: an operation upstream of every tear (the
leach before a wash-water return) is evaluated once and its outlets reused, and one whose
outlets never reach a recycled stream (a product's calcination) waits for the closing pass.
The reported streams agree with evaluating every operation on every pass to rounding (an
iterative operation solved once for all samples may stop on another iteration than on a subset;
measured: 3e-12 relative at most, within ``RECYCLE_RTOL``).

A recycle has a purge, but that alone does not make a steady state: operations downstream may
add liquor in proportion to what they receive (scrub and strip liquors at a fixed O/A, a reagent
solution dosed per litre), and if the loop returns more than it is given the returned flow grows
without bound. Per sample, the total mass returned by the last ``GAIN_WINDOW`` passes is fitted
against the total mass assumed, :math:`\\sum g = a + b \\sum x`; a steady state needs
:math:`\\sum x = a / (1 - b) \\ge 0`, so a loop mass gain b above one (with a > 0, the fit linear
and the iterates spread enough to measure it) makes the sample a failed one with that reason
(no steady state), found in a few passes rather than after ``MAX_ITERATIONS``.

The plant balance, checked on every evaluation, is per component

.. math:: \\frac{|in - out - (r_{returned} - r_{assumed})|}{\\max(in, floor)} \\le 10^{-9}

with ``in`` the feed plus every reagent added, ``out`` every terminal stream (products,
residues, effluents, emissions, purges) and the last term the recycle mismatch left at
convergence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redmud.acceleration import Anderson
from redmud.errors import BalanceError, ConvergenceError
from redmud.feedstocks import Feedstock
from redmud.operations.base import OperationResult
from redmud.routes import Route
from redmud.streams import BALANCE_RTOL, COMPONENTS, Stream, mix, split

RECYCLE_RTOL = 1e-11
MAX_ITERATIONS = 200
#: Changes of a tear component below this share of the feed rate [kg/h per kg/h] are rounding,
#: not movement: they neither count in the convergence test nor weigh in the acceleration.
TEAR_FLOOR_RELATIVE = 1e-14
#: Balance floor relative to the feed's total mass flow: a component with no input must leave
#: below 1e-12 of the plant's throughput (rounding of the subtractions that make remainders).
BALANCE_FLOOR_RELATIVE = 1e-12
HOURS_PER_YEAR = 8760.0
#: Passes fitted for the loop mass gain, the least spread of their assumed totals (relative to
#: the largest) and the least coefficient of determination for the fit to count (judgments:
#: a window long enough to average out one accelerated step, a fit that is plainly linear).
GAIN_WINDOW, GAIN_SPREAD, GAIN_R2 = 6, 0.05, 0.99


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
    streams, results, returned, change, iterations, diverged = _converge(
        route, feed, tears, step_params, fractions, context, feed_kg_h)
    failed = ~(change <= RECYCLE_RTOL) | ~np.isfinite(change) | diverged
    reasons = []
    if failed.any():
        reasons = _failure_reasons(route, change, failed, diverged)
        if on_failure == "raise":
            first = next(r for r in reasons if r)
            raise ConvergenceError(f"{first} (in {int(failed.sum())} of {n_samples} samples)")
    for name in tears:
        streams[name] = tears[name]
    if failed.any():    # failed samples carry NaN, never a number from an unconverged loop
        streams = _blank(streams, failed)
    result = FlowsheetResult(route, feedstock, feed_kg_h, np.broadcast_to(hours, (n_samples,)),
                             streams, results, iterations, np.zeros((len(COMPONENTS), n_samples)),
                             change, failed, reasons)
    _mark_operation_failures(result, on_failure)
    _check_plant_balance(result, returned, tears)
    return result


def _mark_operation_failures(fs: FlowsheetResult, on_failure: str) -> None:
    """Samples an operation could not solve become failed samples, as an unconverged recycle does.

    An operation reports them in its ``info``: ``"failed"`` (per sample, > 0 where not solved)
    and ``"failure_reason"`` (text, or text per sample). With ``on_failure="raise"`` the first raises
    :class:`ConvergenceError`; with ``"nan"`` those samples get NaN flows in every stream,
    ``failed`` True and the reason, and the balance check skips them (as for a recycle). A
    sample already failed (a recycle stopped by the operation's NaN) gets the operation's reason
    after its own.
    """
    n = fs.failed.shape[0]
    for op_id, op in fs.operations.items():
        flag = op.info.get("failed")
        if flag is None:
            continue
        flagged = np.broadcast_to(np.asarray(flag, dtype=float) > 0, (n,))
        new = flagged & ~fs.failed
        if not flagged.any():
            continue
        why = np.broadcast_to(np.asarray(op.info.get("failure_reason", "not solved"), dtype=object), (n,))
        messages = [f"route {fs.route.name}, operation {op_id}: {w}" for w in why]
        if on_failure == "raise" and new.any():
            first = messages[int(np.flatnonzero(new)[0])]
            raise ConvergenceError(f"{first} (in {int(new.sum())} of {n} samples)")
        reasons = list(fs.failure_reason) if len(fs.failure_reason) == n else [""] * n
        # a sample failed already (a recycle the operation's NaN stopped) keeps both reasons
        fs.failure_reason = [(f"{r}; {m}" if r else m) if f else r for f, m, r in zip(flagged, messages, reasons)]
        if not new.any():
            continue
        fs.failed = fs.failed | new
        fs.streams = _blank(fs.streams, new)


def _blank(streams: dict, samples: np.ndarray) -> dict:
    """The streams with NaN flows in the ``samples`` (a bool mask) that failed."""
    return {name: Stream(np.where(samples, np.nan, s.flows)) for name, s in streams.items()}


def _failure_reasons(route, change, failed, diverged) -> list[str]:
    """One reason per sample (empty where it did not fail)."""
    names = ", ".join(r.returns for r in route.recycles)
    paths = ", ".join(f"recycle.{r.returns}.fraction" for r in route.recycles)
    no_steady_state = (f"route {route.name}: recycle {names} has no steady state: the loop returns "
                       f"more than it is given, so the recycled flow grows without bound (lower "
                       f"{paths} or the liquor added downstream, e.g. SX O/A ratios or reagent "
                       f"solutions)")
    slow = failed & ~diverged
    worst = float(np.nanmax(np.where(slow, change, -np.inf))) if slow.any() else np.nan
    not_converged = (f"route {route.name}: recycle {names} did not converge to {RECYCLE_RTOL:g} in "
                     f"{MAX_ITERATIONS} iterations (relative change {worst:.3g})")
    return [no_steady_state if d else not_converged if f else "" for f, d in zip(failed, diverged)]


def _converge(route, feed, tears, step_params, fractions, context, feed_kg_h):
    """Iterate the passes until every sample's tears change by at most ``RECYCLE_RTOL``.

    Each pass evaluates only the samples still moving (a sample's operations see nothing of the
    others), the tears move by Anderson acceleration, and a sample whose change is not finite
    stops at once. The result comes from one pass over all samples at their converged tears,
    so every reported stream is the evaluation at the tear it is reported with. Returns the
    streams, results and returned streams of that pass, the last change per sample, the
    number of passes and which samples have no steady state (see the module docstring).
    ``tears`` is updated in place.
    """
    n = feed.n_samples
    diverged = np.zeros(n, dtype=bool)
    if not route.recycles:
        streams, results, returned = _one_pass(route, feed, tears, step_params, fractions, context)
        _check_operations(route, streams, results)
        return streams, results, returned, np.zeros(n), 1, diverged
    names = list(tears)
    independent, needed = _loop_structure(route)
    later = {step.id for step in route.steps} - needed      # evaluated on the closing pass only
    first: dict[str, OperationResult] = {}      # results of the tear-independent operations
    memory: dict[str, dict] = {}                # what each operation keeps across passes
    change, last_change = np.full(n, np.inf), np.full(n, np.inf)
    totals = np.full((n, GAIN_WINDOW, 2), np.nan)     # (sum x, sum g) of the last passes [kg/h]
    active = np.arange(n)
    accelerator = Anderson(len(names) * tears[names[0]].flows[..., 0].size, n)
    iterations, full_pass = 0, None
    while iterations < MAX_ITERATIONS:
        iterations += 1
        everyone = active.size == n
        sub = (lambda value: value) if everyone else (lambda value: _take(value, active, n))
        subset_tears = {k: Stream(sub(t.flows)) for k, t in tears.items()}
        reuse = {i: r if everyone else _subset_result(r, active, n) for i, r in first.items()}
        outcome = _one_pass(route, Stream(sub(feed.flows)), subset_tears,
                            {i: {k: sub(v) for k, v in p.items()} for i, p in step_params.items()},
                            {k: sub(v) for k, v in fractions.items()},
                            {**context, "n_samples": active.size, "samples": active}, skip=later, reuse=reuse,
                            memory=memory)
        if iterations == 1:
            first = {i: outcome[1][i] for i in independent & needed}
        x, g = _stacked(subset_tears, names), _stacked(outcome[2], names, like=subset_tears)
        change[active] = _relative_change(x, g, sub(feed_kg_h))
        full_pass = outcome if everyone else None
        totals[active, (iterations - 1) % GAIN_WINDOW] = np.stack([x.sum(axis=0), g.sum(axis=0)], axis=1)
        diverged[active] |= _loop_gain_above_one(totals[active])
        moving = ~(change[active] <= RECYCLE_RTOL) & np.isfinite(change[active]) & ~diverged[active]
        if not moving.any():
            if full_pass is not None:
                break
            active = np.arange(n)           # the closing pass: every sample at its tears
            continue
        if iterations == MAX_ITERATIONS:    # no more passes: keep the tears just evaluated
            break
        restart = change[active] > last_change[active]
        last_change[active] = change[active]
        scale = np.maximum(np.maximum(np.abs(g), np.abs(x)), TEAR_FLOOR_RELATIVE * sub(feed_kg_h))
        guess = accelerator.step(x, g, scale, active, restart)
        keep = np.flatnonzero(moving)
        _scatter(tears, names, guess[:, keep], active[keep])
        active = active[keep]
    if full_pass is None:       # out of iterations: evaluate everyone where they stand
        full_pass = _one_pass(route, feed, tears, step_params, fractions, {**context, "samples": np.arange(n)},
                              skip=later, reuse=first, memory=memory)
        change = _relative_change(_stacked(tears, names), _stacked(full_pass[2], names, like=tears), feed_kg_h)
    streams, results, returned = full_pass
    _run_steps(route, streams, results, returned, step_params, fractions, context)   # the rest
    _check_operations(route, streams, results)
    return streams, results, returned, change, iterations, diverged


def _loop_gain_above_one(totals: np.ndarray) -> np.ndarray:
    """Samples whose loop returns more mass than it is given (see the module docstring).

    ``totals`` (sample, pass, 2) holds the assumed and returned total mass [kg/h] of the last
    passes; the least-squares line :math:`\\sum g = a + b \\sum x` through them, per sample.
    """
    x, g = totals[..., 0], totals[..., 1]
    full = np.isfinite(x).all(axis=1) & np.isfinite(g).all(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx, dg = x - x.mean(axis=1, keepdims=True), g - g.mean(axis=1, keepdims=True)
        sxx, sgg, sxg = (dx * dx).sum(axis=1), (dg * dg).sum(axis=1), (dx * dg).sum(axis=1)
        slope = sxg / sxx
        intercept = g.mean(axis=1) - slope * x.mean(axis=1)
        r2 = sxg * sxg / (sxx * sgg)
        spread = (x.max(axis=1) - x.min(axis=1)) / x.max(axis=1)
    return full & (spread > GAIN_SPREAD) & (r2 > GAIN_R2) & (slope > 1.0) & (intercept > 0)


def _stacked(streams: dict, names: list, like: dict | None = None) -> np.ndarray:
    """The streams ``names`` as one ``(component row, sample)`` array (broadcast to ``like``)."""
    like = like or streams
    return np.concatenate([np.broadcast_to(streams[k].flows, like[k].flows.shape).reshape(-1, like[k].n_samples)
                           for k in names])


def _scatter(tears: dict, names: list, rows: np.ndarray, samples: np.ndarray) -> None:
    """Write the stacked rows of :func:`_stacked` back into the tears' ``samples``."""
    offset = 0
    for k in names:
        flows = tears[k].flows.copy()
        size = flows[..., 0].size
        flows[..., samples] = rows[offset:offset + size].reshape(flows.shape[:2] + (samples.size,))
        tears[k] = Stream(flows)
        offset += size


def _check_operations(route, streams, results) -> None:
    """Every operation's balance (inlets + added = outlets, per element) in the pass reported.

    Checked once, on the evaluation whose streams are reported, not on the trial passes of
    the recycle iteration (their tears are guesses; nothing of them is kept).
    """
    for step in route.steps:
        inlets = {port: streams[name] for port, name in step.inlets.items()}
        results[step.id].check_balance(inlets, f"operation {step.id} ({step.spec.name})")


def _take(value, index: np.ndarray, n: int):
    """The samples ``index`` of a per-sample array (last axis n); anything else unchanged."""
    if isinstance(value, np.ndarray) and value.ndim and value.shape[-1] == n:
        return value[..., index]
    return value


def _relative_change(x: np.ndarray, g: np.ndarray, feed_kg_h) -> np.ndarray:
    """Largest relative change per sample, ignoring changes below ``1e-14`` of the feed rate."""
    rows = np.flatnonzero((x != 0).any(axis=1) | (g != 0).any(axis=1))     # the rest: no change
    if rows.size == 0:
        return np.zeros(x.shape[1])
    x, g = x[rows], g[rows]
    difference = np.abs(g - x)
    scale = np.maximum(np.maximum(np.abs(g), np.abs(x)), 1e-300)
    return (difference / scale * (difference > TEAR_FLOOR_RELATIVE * feed_kg_h)).max(axis=0)


def _loop_structure(route) -> tuple[set, set]:
    """Ids of the operations no tear reaches, and of those whose outlets reach a recycled stream."""
    purge_of = {r.stream: r.purge for r in route.recycles}
    reached = {r.returns for r in route.recycles}            # streams that depend on a tear
    independent = set()
    for step in route.steps:
        if any(name in reached for name in step.inlets.values()):
            reached.update(step.outlets.values())
            reached.update(purge_of[name] for name in step.outlets.values() if name in purge_of)
        else:
            independent.add(step.id)
    wanted, needed = {r.stream for r in route.recycles}, set()
    for step in reversed(route.steps):
        if any(name in wanted for name in step.outlets.values()):
            needed.add(step.id)
            wanted.update(step.inlets.values())
    return independent, needed


def _subset_result(result: OperationResult, active: np.ndarray, n: int) -> OperationResult:
    """The outlets of ``result`` for the samples ``active`` (all a trial pass reads of it)."""
    return OperationResult(outlets={port: Stream(_take(s.flows, active, n)) for port, s in result.outlets.items()})


def _one_pass(route, feed, tears, step_params, fractions, context, skip=(), reuse=None, memory=None):
    """Evaluate the operations once with the recycle streams fixed at ``tears``.

    Operations in ``skip`` are left out; those in ``reuse`` (id -> result) take that result.
    ``memory`` (id -> dict) is handed to each operation as ``context["memory"]``, with
    ``context["samples"]`` the indices of this pass's samples in the run, so that an iterative
    operation can start from where the previous pass left it (solvent extraction does).
    """
    streams: dict[str, Stream] = {route.feed_stream: feed, **tears}
    results: dict[str, OperationResult] = dict(reuse or {})
    returned: dict[str, Stream] = {}
    _run_steps(route, streams, results, returned, step_params, fractions, context, skip, memory)
    return streams, results, returned


def _run_steps(route, streams, results, returned, step_params, fractions, context, skip=(), memory=None):
    """Evaluate in order every operation not in ``skip`` and not done yet (its outlets in
    ``streams``) into ``streams`` and ``results``; one with a result already passes its outlets
    on. A recycled stream is split as it is made."""
    recycles = {r.stream: r for r in route.recycles}
    for step in route.steps:
        if step.id in skip or all(name in streams for name in step.outlets.values()):
            continue
        result = results.get(step.id)
        if result is None:
            inlets = {port: streams[name] for port, name in step.inlets.items()}
            own = context if memory is None else {**context, "memory": memory.setdefault(step.id, {})}
            results[step.id] = result = step.spec.run(inlets, step_params[step.id], own)
        for port, name in step.outlets.items():
            streams[name] = result.outlets[port]
            if name in recycles:
                recycle = recycles[name]
                back, purge = split(result.outlets[port], [fractions[recycle.returns]])
                returned[recycle.returns] = back
                streams[recycle.purge] = purge


def _check_plant_balance(result: FlowsheetResult, returned: dict, tears: dict) -> None:
    """Inputs = terminal outputs + recycle mismatch, per component, to BALANCE_RTOL."""
    total_in = mix(*result.inputs).components()
    total_out = mix(*result.terminal().values()).components()
    mismatch = sum((returned[n].flows - tears[n].flows).sum(axis=0) for n in tears) if tears else 0.0
    floor = BALANCE_FLOOR_RELATIVE * result.feed_kg_h
    error = np.abs(total_in - total_out - mismatch) / np.maximum(total_in, floor)
    error = np.where(result.failed[None, :], 0.0, error)
    result.balance_error = error
    # a NaN in a sample not marked failed is a flaw, never skipped: it ranks above any number
    ranked = np.where(np.isnan(error), np.inf, error)
    worst = float(ranked.max()) if error.size else 0.0
    if not worst <= BALANCE_RTOL:
        c, s = np.unravel_index(np.argmax(ranked), error.shape)
        raise BalanceError(f"route {result.route.name}: {COMPONENTS[c]} does not balance over the plant "
                           f"(relative error {worst:.3g} in sample {s})")
    negative = [n for n, s in result.streams.items() if np.any(s.flows < -floor)]
    if negative:
        raise BalanceError(f"route {result.route.name}: negative flow in {', '.join(negative)}")
