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
        if isinstance(value, str):
            value = parse_quantity(value, where, self.unit)
        magnitude = to_magnitude(value, parse_unit(self.unit, where), where)
        if np.any(~np.isfinite(magnitude)):
            raise InputError(where, f"expected a finite number in {self.unit}, got {value!r}")
        if self.kind == "integer":
            if np.any(magnitude != np.round(magnitude)) or np.any(magnitude < 1):
                raise InputError(where, f"expected a whole number >= 1, got {value!r}")
        if self.bounds is not None:
            low, high = self.bounds
            if np.any(magnitude < low) or np.any(magnitude > high):
                raise InputError(where, f"expected a value within [{low:g}, {high:g}] {self.unit}, "
                                        f"got {value!r}")
        return magnitude


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
