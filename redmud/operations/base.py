"""What every unit operation shares: parameter specifications, equipment items and results.

An operation is written like a textbook section: the physics as small pure functions on plain
float arrays (each with its equation, units and reference), then one ``run`` function that applies
them to streams. ``run`` receives its inlet streams and its parameters as float arrays already in
the units its :class:`Param` specifications name, and returns an :class:`OperationResult`:
its outlet streams, the reagents and utilities that entered (as streams, so that the balance
closes), its design quantities as :class:`Equipment` items, and its consumption. An operation
knows nothing of prices.

Every parameter may be an array of samples: broadcast against the sample axis of the streams;
branch with ``np.where``, never with a Python ``if`` on sample values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pint

from redmud.errors import InputError, unknown
from redmud.streams import Stream, check_balance
from redmud.units import parse_quantity, parse_unit, to_magnitude


@dataclass(frozen=True)
class Param:
    """A parameter of an operation: its unit, default, documented bounds and source.

    ``unit`` is the unit of the float the physics receives (temperatures: ``"K"``; a user may
    write ``"80 degC"``). ``kind`` is ``"quantity"`` (a number with a unit, may be an array of
    samples), ``"integer"`` (e.g. a number of stages) or ``"choice"`` (a name from ``choices``).
    """

    unit: str
    default: object
    description: str
    source: str
    bounds: tuple[float, float] | None = None
    kind: str = "quantity"
    choices: tuple[str, ...] = ()
    tag: str = "assumed"          # measured | calibrated | assumed | literature

    def parse(self, value, where: str):
        """The value as a float array in ``unit`` (or a string for a choice), checked."""
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise unknown(where, "choice", str(value), self.choices)
            return value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMERIC_TYPES):
            raise InputError(where, f"expected a number with a unit such as '{_example(self.unit)}', "
                                    f"got {type(value).__name__} {value!r}")
        written = value
        if isinstance(value, str):
            value = parse_quantity(value, where, self.unit)
        try:
            magnitude = to_magnitude(value, parse_unit(self.unit, where), where)
        except (TypeError, ValueError) as err:
            if isinstance(err, InputError):
                raise
            raise InputError(where, f"expected numbers in {self.unit}, got {value!r}") from None
        unit = _unit_text(self.unit)
        if magnitude.dtype.kind not in "biuf":
            raise InputError(where, f"expected numbers in {self.unit}, got {value!r}")
        if np.any(~np.isfinite(magnitude)):
            raise InputError(where, f"expected a finite number{' in' + unit if unit else ''}, got {_shown(written, value, ~np.isfinite(magnitude))}")
        if self.kind == "integer":
            bad = (magnitude != np.round(magnitude)) | (magnitude < 1)
            if np.any(bad):
                raise InputError(where, f"expected a whole number >= 1, got {_shown(written, value, bad)}")
        if self.bounds is not None:
            low, high = self.bounds
            bad = (magnitude < low) | (magnitude > high)
            if np.any(bad):
                raise InputError(where, f"expected a value within [{low:g}, {high:g}]{unit}, "
                                        f"got {_shown(written, value, bad)}")
        return magnitude


#: What a parameter value may be: text with a unit, a number, a Quantity or an array of samples.
_NUMERIC_TYPES = (str, int, float, np.number, np.ndarray, list, tuple, pint.Quantity)


def _unit_text(unit: str) -> str:
    """`` in mol/L`` for messages, or nothing for a dimensionless parameter."""
    return "" if unit in ("", "dimensionless", "1") else f" {unit}"


def _example(unit: str) -> str:
    return "0.5" if unit in ("", "dimensionless", "1") else f"1 {unit}"


def _shown(written, value, bad) -> str:
    """A value for an error message: the text as written, or the first offending sample."""
    if isinstance(written, str):
        return repr(written)
    magnitudes = np.asarray(value.magnitude if isinstance(value, pint.Quantity) else value, dtype=float)
    units = f" {value.units}" if isinstance(value, pint.Quantity) else ""
    flat_bad = np.asarray(bad).reshape(-1)
    magnitudes = np.broadcast_to(magnitudes, np.shape(bad)).reshape(-1)
    index = int(np.argmax(flat_bad))
    if flat_bad.size == 1:
        return f"{magnitudes[0]:g}{units}"
    return f"{magnitudes[index]:g}{units} (sample {index} of {flat_bad.size}; {int(flat_bad.sum())} out of range)"


@dataclass(frozen=True)
class Equipment:
    """A piece of equipment an operation needs, sized for the cost layer.

    ``kind`` names a cost correlation family (``agitated_tank``, ``thickener``, ``filter``,
    ``mixer_settler``, ``pump``, ``rotary_kiln``, ``storage_tank``, ``scrubber``,
    ``ix_column``, ...); ``size`` is per sample in ``size_unit``; ``count`` is the number of
    identical units (a tank train); ``acid_service`` marks hot-acid equipment that needs an
    acid-resistant material of construction.
    """

    kind: str
    size: np.ndarray
    size_unit: str
    count: np.ndarray | int = 1
    acid_service: bool = False
    material: str = "carbon_steel"
    note: str = ""


@dataclass(frozen=True)
class OperationResult:
    """What an operation returns.

    outlets : named outlet streams [kg/h]
    added : reagents, water and air that entered the operation, as streams keyed by reagent
        name (``"HCl"``, ``"H2SO4"``, ``"NaOH"``, ``"CaO"``, ``"water"``, ...), so that
        inlets + added = outlets closes per element
    equipment : named :class:`Equipment` items (design quantities)
    consumption : non-material utilities per sample, keys with units: ``electricity_kW``,
        ``heat_kW`` (heat duty supplied), ``fuel_kW``, ...
    info : anything else worth reporting (extractions, stage counts, pH, loading), per sample
    """

    outlets: dict[str, Stream]
    added: dict[str, Stream] = field(default_factory=dict)
    equipment: dict[str, Equipment] = field(default_factory=dict)
    consumption: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, np.ndarray] = field(default_factory=dict)

    def check_balance(self, inlets: Mapping[str, Stream], where: str) -> float:
        """Inlets + added = outlets for every element, to 1e-9 relative (see streams)."""
        return check_balance([*inlets.values(), *self.added.values()], self.outlets.values(), where)


@dataclass(frozen=True)
class OperationSpec:
    """An operation type as route files name it: its ports, parameters and the ``run`` function.

    ``run(inlets: dict[str, Stream], params: dict[str, array|str], context: dict) ->
    OperationResult``; ``context`` carries the feedstock (for its mineralogy) and the number of
    samples.
    """

    name: str
    description: str
    inlets: tuple[str, ...]
    outlets: tuple[str, ...]
    parameters: Mapping[str, Param]
    run: Callable[..., OperationResult]
    optional_inlets: tuple[str, ...] = ()

    def parse_parameters(self, values: Mapping[str, object], where: str) -> dict:
        """Defaults updated with ``values``, each parsed and checked; unknown names rejected."""
        for key in values:
            if key not in self.parameters:
                raise unknown(where, f"parameter of {self.name}", key, self.parameters)
        parsed = {}
        for key, spec in self.parameters.items():
            parsed[key] = spec.parse(values.get(key, spec.default), f"{where}.{key}")
        return parsed


def load_parameters(data: dict, operation: str, path: str) -> dict[str, Param]:
    """:class:`Param` specifications from the ``[operation.parameters.*]`` tables of a data file.

    Each record gives ``value`` and ``unit`` (the unit it is written in), ``bounds`` (in that
    unit), ``description``, ``source`` (a key of ``[sources]`` or a citation), ``tag`` and
    optionally ``kind``, ``choices`` and ``param_unit`` (the unit the physics receives, e.g.
    ``K`` for a value written in ``degC``).
    """
    sources = data.get("sources", {})
    params = {}
    for name, rec in data[operation]["parameters"].items():
        where = f"{path}:{operation}.parameters.{name}"
        kind = rec.get("kind", "quantity")
        unit = rec.get("param_unit", rec.get("unit", "dimensionless"))
        source = sources.get(rec["source"], rec["source"])
        if "derivation" in rec:
            source = f"{source} [{rec['derivation']}]"
        bounds = None
        if "bounds" in rec:
            bounds = tuple(float(parse_quantity(f"{b} {rec['unit']}", where, unit).to(unit).magnitude)
                           for b in rec["bounds"])
        if kind == "choice":
            default = rec["value"]
        elif rec.get("unit", unit) == unit:
            default = rec["value"]
        else:
            default = f"{rec['value']} {rec['unit']}"
        params[name] = Param(unit=unit, default=default, description=rec["description"],
                             source=source, bounds=bounds, kind=kind,
                             choices=tuple(rec.get("choices", ())), tag=rec["tag"])
    return params
