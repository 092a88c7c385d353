"""Streams: component mass flows by phase, for one plant or many samples at once.

A :class:`Stream` holds mass flows in kg/h by phase, component and sample, keeping only the
(phase, component) rows that are not zero. The sample axis has length 1 (one plant) or N (a
sweep or a Monte Carlo): every operation works on the whole array in one pass. Components are
elements (and ``other``, the unanalysed remainder of a solid), so that every balance is a
balance of elements: water is H and O, sulfate is S and O, an extractant is C, H, O and P.
Quantities with units appear only at the boundary (:meth:`Stream.quantity`, :func:`assay`).

Splits compute the last outlet as the remainder (inlet minus the others), because
``x*f + x*(1-f)`` need not equal ``x`` in floating point.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
import numpy as np

from redmud.chemistry import ELEMENTS, oxide_factor, DEFAULT_OXIDES
from redmud.errors import BalanceError, InputError, unknown
from redmud.units import KG_PER_H, parse_unit, ureg

PHASES = ("solid", "aqueous", "organic", "gas")
#: Tracked components: every element of :mod:`redmud.chemistry`, then ``other`` (inert,
#: unanalysed solid) so that a solid's mass closes to its dry mass.
COMPONENTS = ELEMENTS + ("other",)
PHASE_INDEX = {p: i for i, p in enumerate(PHASES)}
COMPONENT_INDEX = {c: i for i, c in enumerate(COMPONENTS)}
N_PHASES, N_COMPONENTS = len(PHASES), len(COMPONENTS)
N_ROWS = N_PHASES * N_COMPONENTS
#: First flat row of each phase, and the end of the last.
_PHASE_STARTS = np.arange(N_PHASES + 1) * N_COMPONENTS

#: Relative tolerance of every mass balance check.
BALANCE_RTOL = 1e-9


def phase_index(phase: str) -> int:
    try:
        return PHASE_INDEX[phase]
    except KeyError:
        raise unknown("stream", "phase", phase, PHASES) from None


def component_index(component: str) -> int:
    try:
        return COMPONENT_INDEX[component]
    except KeyError:
        raise unknown("stream", "component", component, COMPONENTS) from None


class Stream:
    """Mass flows [kg/h] by phase, component and sample, held as the rows that are not zero.

    A red-mud liquor uses ~20 of the 4 x 39 (phase, component) rows, a slurry ~35: so a stream
    keeps ``rows`` (sorted flat indices ``phase * N_COMPONENTS + component``) and ``data``
    shaped ``(row, sample)``, and a row not listed is zero. Mixing, splitting and summing then
    touch only the rows in use, which at 1e5 samples is most of an operation's cost.
    ``flows`` gives the dense ``(phase, component, sample)`` array (built once, read-only) for
    the physics that indexes every component.

    Build streams with ``Stream(dense_flows)``, :meth:`zeros` or :meth:`from_phases`; read
    them with :meth:`phase`, :meth:`component`, :meth:`total`, :meth:`components`, or
    :meth:`quantity` for a pint Quantity.
    """

    def __init__(self, flows):
        flows = np.asarray(flows, dtype=float)
        if flows.ndim != 3 or flows.shape[:2] != (N_PHASES, N_COMPONENTS):
            raise ValueError(f"stream flows must be shaped ({N_PHASES}, {N_COMPONENTS}, samples), "
                             f"got {flows.shape}")
        flat = flows.reshape(N_ROWS, flows.shape[2])
        live = np.flatnonzero((flat != 0).any(axis=1))          # NaN counts as a flow
        self._set(live, flat[live])

    def _set(self, rows: np.ndarray, data: np.ndarray) -> None:
        self.rows, self.data, self._dense = rows, data, None
        # where each phase's rows start and end in ``rows``
        self._bounds = np.searchsorted(rows, _PHASE_STARTS)

    @classmethod
    def from_rows(cls, rows, data) -> "Stream":
        """A stream from its rows (sorted, distinct flat indices) and their ``(row, sample)`` data."""
        stream = cls.__new__(cls)
        stream._set(np.asarray(rows, dtype=np.intp), np.asarray(data, dtype=float))
        return stream

    def __getstate__(self):               # the dense copy is a cache: not pickled
        return {"rows": self.rows, "data": self.data}

    def __setstate__(self, state):
        self._set(state["rows"], state["data"])

    # --- construction -----------------------------------------------------------------------
    @classmethod
    def zeros(cls, n_samples: int = 1) -> "Stream":
        return cls.from_rows(np.zeros(0, dtype=np.intp), np.zeros((0, n_samples)))

    @classmethod
    def from_phases(cls, phases: Mapping[str, Mapping[str, object]], n_samples: int | None = None) -> "Stream":
        """A stream from ``{phase: {component: kg/h (number or array)}}``."""
        entries = [(phase_index(phase) * N_COMPONENTS + component_index(component), np.asarray(value, dtype=float))
                   for phase, components in phases.items() for component, value in components.items()]
        n = n_samples or max([v.size for _, v in entries] + [1])
        rows = sorted({row for row, _ in entries})
        data = np.zeros((len(rows), n))
        position = {row: i for i, row in enumerate(rows)}
        for row, value in entries:                       # written in place: no copies to stack
            np.add(data[position[row]], value, out=data[position[row]])
        return cls.from_rows(rows, data)

    # --- reading ----------------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return self.data.shape[1]

    @property
    def flows(self) -> np.ndarray:
        """The dense flows [kg/h] ``(phase, component, sample)`` (read-only)."""
        if self._dense is None:
            dense = np.zeros((N_ROWS, self.n_samples))
            dense[self.rows] = self.data
            dense = dense.reshape(N_PHASES, N_COMPONENTS, self.n_samples)
            dense.flags.writeable = False
            self._dense = dense
        return self._dense

    def _phase_rows(self, p: int) -> slice:
        return slice(self._bounds[p], self._bounds[p + 1])

    def phase(self, phase: str, components: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """Component flows of one phase [kg/h], shaped ``(component, sample)``: of every
        component, or of ``components`` (sorted component indices; a held one not listed is left
        out); written into ``out`` (its sample axis may be longer: a stream of one sample
        broadcasts) when it is given."""
        p = phase_index(phase)
        if components is None and self._dense is not None and out is None:
            return self._dense[p]
        comps = np.arange(N_COMPONENTS) if components is None else np.asarray(components)
        rows = self._phase_rows(p)
        out = np.empty((comps.size, self.n_samples)) if out is None else out
        at, listed = _positions(comps, self.rows[rows] - p * N_COMPONENTS)
        held = self.data[rows]
        out[at[listed]] = held if listed.all() else held[listed]
        unheld = np.ones(comps.size, dtype=bool)          # each row is written once
        unheld[at[listed]] = False
        out[unheld] = 0.0
        return out

    def held_components(self, phase: str) -> np.ndarray:
        """Indices of the components the stream keeps a row for in ``phase`` (sorted)."""
        p = phase_index(phase)
        return self.rows[self._phase_rows(p)] - p * N_COMPONENTS

    def component(self, component: str, phase: str | None = None) -> np.ndarray:
        """Flow of one component [kg/h], in one phase or summed over phases; shape ``(sample,)``."""
        c = component_index(component)
        phases = range(N_PHASES) if phase is None else (phase_index(phase),)
        wanted = [p * N_COMPONENTS + c for p in phases]
        found = np.searchsorted(self.rows, wanted)
        present = [i for i, r in zip(found, wanted) if i < self.rows.size and self.rows[i] == r]
        if not present:
            return np.zeros(self.n_samples)
        if phase is not None:
            return self.data[present[0]]
        total = self.data[present[0]].copy()
        for i in present[1:]:
            total += self.data[i]
        return total

    def holds(self, component: str, phase: str) -> bool:
        """Whether the stream keeps a row for ``component`` in ``phase`` (a row not kept is zero)."""
        row = phase_index(phase) * N_COMPONENTS + component_index(component)
        i = np.searchsorted(self.rows, row)
        return bool(i < self.rows.size and self.rows[i] == row)

    def total(self, phase: str | None = None) -> np.ndarray:
        """Total mass flow [kg/h] of one phase or of the stream; shape ``(sample,)``."""
        data = self.data if phase is None else self.data[self._phase_rows(phase_index(phase))]
        return data.sum(axis=0) if data.shape[0] else np.zeros(self.n_samples)

    def components(self, components: np.ndarray | None = None) -> np.ndarray:
        """Component flows summed over phases [kg/h], shaped ``(component, sample)``: of every
        component, or of ``components`` (sorted component indices; a held one not listed is left out)."""
        comps = np.arange(N_COMPONENTS) if components is None else np.asarray(components)
        out = np.zeros((comps.size, self.n_samples))
        for p in range(N_PHASES):
            rows = self._phase_rows(p)
            at, listed = _positions(comps, self.rows[rows] - p * N_COMPONENTS)
            out[at[listed]] += self.data[rows][listed]
        return out

    def quantity(self):
        """The flows as a pint Quantity in kg/h (the public boundary)."""
        return ureg.Quantity(self.flows.copy(), KG_PER_H)

    def any_below(self, threshold: float) -> bool:
        """Whether any flow is below ``threshold`` [kg/h] (NaN is not)."""
        return bool(np.any(self.data < threshold))

    # --- arithmetic -------------------------------------------------------------------------
    def take(self, samples: np.ndarray) -> "Stream":
        """The stream of the ``samples`` (an index array); a one-sample stream stays as it is."""
        if self.n_samples == 1:
            return self
        return Stream.from_rows(self.rows, self.data[:, samples])

    def broadcast(self, n_samples: int) -> "Stream":
        """The stream with its sample axis (1 or ``n_samples``) made ``n_samples`` long."""
        if self.n_samples == n_samples:
            return self
        return Stream.from_rows(self.rows, np.broadcast_to(self.data, (self.rows.size, n_samples)).copy())

    def with_phase(self, phase: str, flows: np.ndarray) -> "Stream":
        """A copy with one phase's ``(component, sample)`` flows replaced."""
        p = phase_index(phase)
        flows = np.asarray(flows, dtype=float)
        n = max(self.n_samples, flows.shape[-1])
        flows = np.broadcast_to(flows, (N_COMPONENTS, n))
        live = np.flatnonzero((flows != 0).any(axis=1))
        here = self._phase_rows(p)
        data = np.broadcast_to(self.data, (self.rows.size, n))
        return Stream.from_rows(
            np.concatenate([self.rows[:here.start], p * N_COMPONENTS + live, self.rows[here.stop:]]),
            np.concatenate([data[:here.start], flows[live], data[here.stop:]]))

    def scaled(self, factor) -> "Stream":
        """The stream times a factor (scalar or per sample)."""
        factor = np.asarray(factor, dtype=float)
        if factor.ndim > 1:
            return Stream(self.flows * factor)
        return Stream.from_rows(self.rows, self.data * factor)

    def __add__(self, other: "Stream") -> "Stream":
        return mix(self, other)


def _positions(comps: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of the ``held`` component indices stands in the sorted ``comps``, and
    whether it is listed there at all."""
    if comps.size == 0:
        return np.zeros(held.size, dtype=np.intp), np.zeros(held.size, dtype=bool)
    at = np.minimum(np.searchsorted(comps, held), comps.size - 1)
    return at, comps[at] == held


def mix(*streams: Stream) -> Stream:
    """The sum of streams (sample axes of length 1 broadcast against N).

    Each row is the sum of the streams that carry it, added in the order given: the same bits
    as adding the dense arrays in that order, since adding an exact zero changes nothing.
    """
    if not streams:
        raise ValueError("mix needs at least one stream")
    n = np.broadcast_shapes(*((s.n_samples,) for s in streams))[0]
    rows = streams[0].rows
    if any(s.rows.size != rows.size or not np.array_equal(s.rows, rows) for s in streams[1:]):
        rows = np.unique(np.concatenate([s.rows for s in streams]))
    total = np.zeros((rows.size, n))
    for s in streams:
        if s.rows.size == rows.size:
            np.add(total, s.data, out=total)
        elif s.rows.size:
            total[np.searchsorted(rows, s.rows)] += s.data
    return Stream.from_rows(rows, total)


def _sum_flows(arrays: list[np.ndarray]) -> np.ndarray:
    """``np.sum(np.broadcast_arrays(*arrays), axis=0)`` without stacking a copy of every input.

    A reduction over the leading axis adds the arrays one after another in order, so adding them
    in place in the same order gives the same bits, at a quarter of the time and memory.
    """
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    total = np.array(np.broadcast_to(arrays[0], shape), dtype=float)
    for flows in arrays[1:]:
        np.add(total, flows, out=total)
    return total


def split(stream: Stream, fractions: Sequence[object]) -> list[Stream]:
    """Split a stream into ``len(fractions) + 1`` outlets.

    Each fraction (scalar, per-sample ``(sample,)``, per-component-and-sample ``(component,
    sample)`` or full ``(phase, component, sample)`` array in [0, 1]) gives the share of the inlet
    sent to one outlet; the last outlet is the remainder, inlet minus the others, so the split
    conserves mass exactly up to rounding of the subtraction. A row whose fraction is 0 in
    every sample is left out of that outlet (and one whose only fraction is 1, of the remainder).
    """
    fractions = [_broadcastable(np.asarray(f, dtype=float)) for f in fractions]
    for f in fractions:
        # two reductions, no temporaries: a NaN makes min and max NaN, which fails both tests
        if f.size and not (f.min() >= 0 and f.max() <= 1):
            raise InputError("split", "fractions must be finite and within [0, 1]")
    if all(f.shape[1] == 1 for f in fractions):
        return _split_by_phase(stream, fractions)
    phase_of, component_of = np.divmod(stream.rows, N_COMPONENTS)
    data = stream.data
    outlets, parts = [], []
    for f in fractions:
        part = data * _per_row(f, phase_of, component_of)
        parts.append(part)
        outlets.append(_without(stream.rows, part, ~(f != 0).any(axis=-1), phase_of, component_of))
    remainder = data - parts[0] if parts else data.copy()
    for part in parts[1:]:
        remainder = remainder - part
    # One fraction f <= 1 cannot overdraw: fl(x f) <= x for x >= 0. Several may add up past 1.
    if len(parts) > 1:
        if np.any(remainder < -1e-12 * np.maximum(data, 1e-300)):
            raise InputError("split", "fractions add up to more than 1")
        np.maximum(remainder, 0.0, out=remainder)        # the rounding of several subtractions
    # x - x * 1 = 0 exactly: with one fraction, rows sent whole to the first outlet are empty
    whole = (fractions[0] == 1).all(axis=-1) if len(fractions) == 1 else np.zeros((1, 1), dtype=bool)
    return outlets + [_without(stream.rows, remainder, whole, phase_of, component_of)]


def _split_by_phase(stream: Stream, fractions: list[np.ndarray]) -> list[Stream]:
    """:func:`split` for fractions the same for every component of a phase (``(phase|1, 1,
    sample|1)``): each outlet is written once, phase block by phase block (a stream's rows are
    sorted by phase), and a block an outlet does not receive is neither computed nor held.
    The same arithmetic as the general case, so the same bits.
    """
    data, bounds = stream.data, stream._bounds
    n = np.broadcast_shapes((stream.n_samples,), *((f.shape[2],) for f in fractions))[0]
    blocks = [slice(bounds[p], bounds[p + 1]) for p in range(N_PHASES)]
    held = [b.stop > b.start for b in blocks]
    shares = [[f[p if f.shape[0] > 1 else 0, 0] for p in range(N_PHASES)] for f in fractions]
    sent = [[h and bool(share.any()) for share, h in zip(f_shares, held)] for f_shares in shares]
    whole = [[h and bool((share == 1).all()) for share, h in zip(f_shares, held)] for f_shares in shares]
    # x - x * 1 = 0 exactly: with one fraction, a block sent whole leaves nothing behind
    left = [h and not (len(fractions) == 1 and whole[0][p]) for p, h in enumerate(held)]
    outlets = [_blocks_of(stream, blocks, flags, n) for flags in sent + [left]]
    for p, block in enumerate(blocks):
        if not held[p]:
            continue
        remainder = outlets[-1][1].get(p)
        written = False
        for j, f_shares in enumerate(shares):
            if not sent[j][p]:
                continue
            part = outlets[j][1][p]
            if whole[j][p]:                # x * 1 = x: a copy reads one array, not two
                np.copyto(part, data[block])
            else:
                np.multiply(data[block], f_shares[p], out=part)
            if remainder is not None:
                np.subtract(remainder if written else data[block], part, out=remainder)
                written = True
        if remainder is not None:
            if not written:
                remainder[...] = data[block]
            elif len(fractions) > 1:
                if np.any(remainder < -1e-12 * np.maximum(data[block], 1e-300)):
                    raise InputError("split", "fractions add up to more than 1")
                np.maximum(remainder, 0.0, out=remainder)
    return [Stream.from_rows(rows, out) for rows, _, out in outlets]


def _blocks_of(stream: Stream, blocks: list, flags: list, n: int):
    """An outlet of :func:`_split_by_phase`: its rows, its data array's view per phase block
    (phase -> view) and the data array, for the phase blocks ``flags`` marks."""
    rows = np.concatenate([stream.rows[b] for b, flag in zip(blocks, flags) if flag] or [stream.rows[:0]])
    out = np.empty((rows.size, n))
    views, start = {}, 0
    for p, (b, flag) in enumerate(zip(blocks, flags)):
        if flag:
            views[p] = out[start:start + b.stop - b.start]
            start += b.stop - b.start
    return rows, views, out


def _per_row(f: np.ndarray, phase_of: np.ndarray, component_of: np.ndarray) -> np.ndarray:
    """A ``(phase|1, component|1, ...)`` array taken at each row's phase and component: shaped
    ``(row, ...)``, or ``(1, ...)`` when it is the same for every row."""
    if f.shape[0] == 1 and f.shape[1] == 1:
        return f[0]
    return f[phase_of if f.shape[0] > 1 else 0, component_of if f.shape[1] > 1 else 0]


def _without(rows: np.ndarray, data: np.ndarray, empty: np.ndarray, phase_of, component_of) -> Stream:
    """The stream of ``rows`` and ``data`` less the rows that ``empty`` ``(phase|1, component|1)``
    marks as zero in every sample."""
    if not empty.any():
        return Stream.from_rows(rows, data)
    marked = _per_row(empty, phase_of, component_of)
    if marked.shape != rows.shape:          # one mark for every row, and it is set
        return Stream.from_rows(rows[:0], data[:0])
    return Stream.from_rows(rows[~marked], data[~marked])


def _broadcastable(f: np.ndarray) -> np.ndarray:
    """Reshape a fraction so it broadcasts over ``(phase, component, sample)``."""
    if f.ndim == 0:
        return f.reshape(1, 1, 1)
    if f.ndim == 1:
        return f[None, None, :]
    if f.ndim == 2:
        return f[None, :, :]
    return f


# --- assays -----------------------------------------------------------------------------------

_ASSAY_UNITS = ("ppm", "wt%", "g/L", "kg/h")


def assay(stream: Stream, component: str, phase: str = "solid", unit: str = "ppm",
          as_oxide: bool = False, density_kg_per_l: float = 1.0):
    """Concentration of a component in one phase of a stream, as a Quantity.

    ``ppm`` and ``wt%`` are mass fractions of the phase; ``g/L`` is mass per volume of the
    (aqueous) phase, with volume = phase mass / density; ``as_oxide`` reports the element as its
    default oxide (Sc as Sc2O3 ...), with the factor computed from atomic weights.
    """
    flow = stream.component(component, phase)
    if as_oxide:
        flow = flow * oxide_factor(DEFAULT_OXIDES[component])
    phase_mass = stream.total(phase)
    with np.errstate(divide="ignore", invalid="ignore"):
        if unit in ("ppm", "wt%"):
            fraction = np.where(phase_mass > 0, flow / phase_mass, np.nan)
            return ureg.Quantity(fraction, "dimensionless").to(parse_unit(unit))
        if unit == "g/L":
            litres = phase_mass / density_kg_per_l
            return ureg.Quantity(np.where(litres > 0, flow * 1000 / litres, np.nan), "g/L")
    if unit == "kg/h":
        return ureg.Quantity(flow, KG_PER_H)
    raise InputError("assay", f"unknown assay unit {unit!r}; expected one of {_ASSAY_UNITS}")


# --- balances ---------------------------------------------------------------------------------

def balance_error(inputs: Iterable[Stream], outputs: Iterable[Stream], floor: float = 1e-9) -> np.ndarray:
    """Relative imbalance of every component: ``|in - out| / max(in, floor)``.

    Returns an array shaped ``(component, sample)``. ``floor`` [kg/h] keeps a component with no
    input from dividing by zero: an output of that component must then be below ``floor * rtol``.
    """
    total_in, total_out = np.broadcast_arrays(mix(*inputs).components(), mix(*outputs).components())
    return np.abs(total_in - total_out) / np.maximum(total_in, floor)


def check_balance(inputs: Iterable[Stream], outputs: Iterable[Stream], where: str,
                  rtol: float = BALANCE_RTOL, floor: float = 1e-9) -> float:
    """Raise :class:`BalanceError` unless every component balances to ``rtol``; return the max error.

    Samples whose inputs are not finite (failed samples) are skipped.
    """
    outputs = list(outputs)
    # component totals (summed over phases) of each stream, then of all: (component, sample)
    total_in = _sum_flows([s.components() for s in inputs])
    total_out = _sum_flows([s.components() for s in outputs])
    total_in, total_out = np.broadcast_arrays(total_in, total_out)
    error = np.abs(total_in - total_out) / np.maximum(total_in, floor)
    finite = np.isfinite(total_in).all(axis=0) & np.isfinite(total_out).all(axis=0)
    error = np.where(finite[None, :], error, 0.0)
    worst = float(np.max(error)) if error.size else 0.0
    if not worst <= rtol:
        c, s = np.unravel_index(np.argmax(error), error.shape)
        raise BalanceError(f"{where}: {COMPONENTS[c]} does not balance (relative error {worst:.3g} "
                           f"in sample {s}; tolerance {rtol:g})")
    if any(s.any_below(-floor * rtol) for s in outputs):
        raise BalanceError(f"{where}: negative flow in an outlet")
    return worst
