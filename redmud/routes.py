"""Process routes as data: reading ``processes/*.toml`` and checking how its streams are wired.

A route is an ordered list of unit operations and the named streams that join them. Each
operation's inlets name the route's feed, an outlet of an earlier operation, or a recycle; each
outlet is consumed by a later operation, returned by a recycle, or classified as a product,
residue, effluent or emission. A stream wired to nothing is an error, not a silent loss.
The file format is documented in ``processes/README.md``; :mod:`redmud.flowsheet` evaluates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from redmud.chemistry import DEFAULT_OXIDES
from redmud.errors import InputError, unknown
from redmud.operations import get_spec
from redmud.operations.base import OperationSpec, Param
from redmud.paths import FEEDSTOCK_DIR, PROCESS_DIR, library_file, library_names, looks_like_path
from redmud.tomlfile import check_fields, load_toml, require, string_list

TOP_FIELDS = ("name", "title", "kind", "description", "references", "default_feedstock", "plant",
              "operations", "recycles", "products", "residues", "effluents", "emissions", "notes")
OPERATION_FIELDS = ("id", "type", "inlets", "outlets", "parameters", "note")
RECYCLE_FIELDS = ("stream", "returns", "fraction", "purge", "note")
PRODUCT_FIELDS = ("stream", "product", "note")
ROUTE_KINDS = ("red-mud", "ore", "coal-refuse")
TERMINAL_CLASSES = ("residues", "effluents", "emissions")
#: What a product may be: a default oxide (Sc2O3, Nd2O3, ...) or REO, the mixed rare-earth oxides.
PRODUCT_NAMES = (*dict.fromkeys(DEFAULT_OXIDES.values()), "REO")

#: The plant basis. Availability 0.9 (~7,900 h/yr) is the usual design figure for continuous
#: hydrometallurgical plants (Towler G, Sinnott R (2013) Chemical Engineering Design, 2nd ed.,
#: section 9.2.1: "typically 8,000 h/yr", i.e. 0.91; NETL QGESS capacity factor 0.92 in
#: peer-model-parameters.md).
PLANT_PARAMETERS = {
    "capacity": Param("tonne/year", "100000 t/yr", "dry feed (residue or ore) treated per year",
                      "route file", bounds=(1.0, 1e8)),
    "availability": Param("dimensionless", 0.9, "fraction of the year the plant operates",
                          "Towler & Sinnott (2013) section 9.2.1; NETL QGESS 0.92", bounds=(0.05, 1.0)),
}


@dataclass(frozen=True)
class OperationStep:
    """One operation of a route: its id (the parameter-path prefix), type, wiring and values."""

    id: str
    spec: OperationSpec
    inlets: dict[str, str]       # port -> stream name
    outlets: dict[str, str]      # port -> stream name
    values: dict                 # parameter values as written in the file


@dataclass(frozen=True)
class Recycle:
    """A recycle: ``fraction`` of stream ``stream`` returns as stream ``returns``; the rest purges."""

    stream: str
    returns: str
    fraction: object
    purge: str


@dataclass(frozen=True)
class Product:
    name: str
    stream: str
    product: str                 # a default oxide ("Sc2O3") or "REO" (mixed rare-earth oxide)


@dataclass(frozen=True)
class Route:
    name: str
    title: str
    kind: str
    path: Path
    description: str
    references: list
    steps: list[OperationStep]
    recycles: list[Recycle]
    products: list[Product]
    terminals: dict[str, str]            # stream -> class (residues, effluents, emissions, purge)
    plant: dict
    default_feedstock: str = "greece-aog"
    feed_stream: str = "feed"
    notes: str = ""

    def parameters(self) -> dict[str, tuple[Param, object]]:
        """Every parameter path of the route with its spec and the route's value."""
        paths = {f"plant.{k}": (p, self.plant.get(k, p.default)) for k, p in PLANT_PARAMETERS.items()}
        for step in self.steps:
            for key, param in step.spec.parameters.items():
                paths[f"{step.id}.{key}"] = (param, step.values.get(key, param.default))
        for recycle in self.recycles:
            paths[f"recycle.{recycle.returns}.fraction"] = (RECYCLE_FRACTION, recycle.fraction)
        return paths


RECYCLE_FRACTION = Param("dimensionless", 0.9, "share of the stream returned; the rest is purged",
                         "route file", bounds=(0.0, 0.999))


def file_value(value, where: str):
    """A parameter value as a file may write it: a number or a string (``"80 degC"``).

    Arrays and tables are not values of one plant (samples come from ``--grid``/``--dist``).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(where, f"expected a number or a string with a unit such as \"3 mol/L\", "
                                f"got {value!r}")
    return value


def route_path(name_or_path: str | Path) -> Path:
    """The file of a route given by library name or by path to a TOML file."""
    return library_file(name_or_path, PROCESS_DIR, "route", "route")


def list_routes() -> list[str]:
    return library_names(PROCESS_DIR)


def load_route(name_or_path: str | Path, spec_lookup=get_spec) -> Route:
    """Read a route file and check its wiring; raise InputError naming the file and field.

    ``spec_lookup(name, where)`` finds an operation type (tests pass their own).
    """
    path = route_path(name_or_path)
    data = load_toml(path)
    where = str(path)
    check_fields(data, TOP_FIELDS, where)
    kind = require(data, "kind", where, str)
    if kind not in ROUTE_KINDS:
        raise unknown(f"{where}: kind", "route kind", kind, ROUTE_KINDS)
    plant = require(data, "plant", where, dict)
    check_fields(plant, (*PLANT_PARAMETERS, "feed_stream"), f"{where}: plant")
    for key, param in PLANT_PARAMETERS.items():
        here = f"{where}: plant.{key}"
        param.parse(file_value(plant.get(key, param.default), here), here)
    feed_stream = require(plant, "feed_stream", f"{where}: plant", str) if "feed_stream" in plant else "feed"
    steps = [_read_step(raw, i, where, spec_lookup)
             for i, raw in enumerate(require(data, "operations", where, list))]
    if not steps:
        raise InputError(f"{where}: operations", "expected at least one operation")
    seen: set[str] = set()
    for step in steps:
        if step.id in seen:
            raise InputError(f"{where}: operations.{step.id}", f"operation id {step.id!r} is used twice; "
                                                               "expected a unique id per operation")
        seen.add(step.id)
    recycles = [_read_recycle(raw, i, where)
                for i, raw in enumerate(require(data, "recycles", where, list) if "recycles" in data else [])]
    products = []
    for name, raw in require(data, "products", where, dict).items():
        here = f"{where}: products.{name}"
        if not isinstance(raw, dict):
            raise InputError(here, "expected a table { stream, product }")
        check_fields(raw, PRODUCT_FIELDS, here)
        product = require(raw, "product", here, str)
        if product not in PRODUCT_NAMES:
            raise unknown(f"{here}.product", "product", product, PRODUCT_NAMES)
        products.append(Product(name, require(raw, "stream", here, str), product))
    terminals = {p.stream: "products" for p in products}
    for cls in TERMINAL_CLASSES:
        for stream in string_list(data, cls, where):
            terminals[stream] = cls
    default_feedstock = require(data, "default_feedstock", where, str) if "default_feedstock" in data else "greece-aog"
    if not looks_like_path(default_feedstock) and default_feedstock not in library_names(FEEDSTOCK_DIR):
        raise unknown(f"{where}: default_feedstock", "feedstock", default_feedstock, library_names(FEEDSTOCK_DIR))
    route = Route(name=require(data, "name", where, str), title=require(data, "title", where, str),
                  kind=kind, path=path, description=data.get("description", ""),
                  references=string_list(data, "references", where), steps=steps, recycles=recycles,
                  products=products, terminals=terminals, plant=plant,
                  default_feedstock=default_feedstock,
                  feed_stream=feed_stream, notes=data.get("notes", ""))
    check_wiring(route, where)
    return route


def _read_step(raw, index: int, where: str, spec_lookup) -> OperationStep:
    here = f"{where}: operations[{index}]"
    if not isinstance(raw, dict):
        raise InputError(here, "expected a table with id, type, inlets, outlets")
    check_fields(raw, OPERATION_FIELDS, here)
    op_id = require(raw, "id", here, str)
    here = f"{where}: operations.{op_id}"
    spec = spec_lookup(require(raw, "type", here, str), f"{here}.type")
    inlets = require(raw, "inlets", here, dict)
    outlets = require(raw, "outlets", here, dict)
    for port in inlets:
        if port not in spec.inlets + spec.optional_inlets:
            raise unknown(f"{here}.inlets", f"inlet of {spec.name}", port, spec.inlets + spec.optional_inlets)
    for port in spec.inlets:
        if port not in inlets:
            raise InputError(f"{here}.inlets", f"missing inlet {port!r} of {spec.name}")
    for port in outlets:
        if port not in spec.outlets:
            raise unknown(f"{here}.outlets", f"outlet of {spec.name}", port, spec.outlets)
    for ports in (inlets, outlets):
        for port, stream in ports.items():
            if not isinstance(stream, str):
                raise InputError(f"{here}.{'inlets' if ports is inlets else 'outlets'}.{port}",
                                 f"expected a stream name (a string), got {stream!r}")
    values = require(raw, "parameters", here, dict) if "parameters" in raw else {}
    for key, value in values.items():
        file_value(value, f"{here}.parameters.{key}")
    spec.parse_parameters(values, f"{here}.parameters")      # check now, fail before any work
    return OperationStep(op_id, spec, dict(inlets), dict(outlets), dict(values))


def _read_recycle(raw, index: int, where: str) -> Recycle:
    here = f"{where}: recycles[{index}]"
    if not isinstance(raw, dict):
        raise InputError(here, "expected a table with stream, returns, fraction, purge")
    check_fields(raw, RECYCLE_FIELDS, here)
    fraction = file_value(raw.get("fraction", RECYCLE_FRACTION.default), f"{here}.fraction")
    RECYCLE_FRACTION.parse(fraction, f"{here}.fraction")
    return Recycle(require(raw, "stream", here, str), require(raw, "returns", here, str),
                   fraction, require(raw, "purge", here, str))


def check_wiring(route: Route, where: str) -> None:
    """Every inlet is fed, every outlet goes somewhere, and each stream has one source.

    A recycle's purge becomes available after the operation that makes the recycled stream;
    a purge that no later operation treats is an effluent of the plant (class ``purges``).
    """
    produced: dict[str, str] = {route.feed_stream: "the feed"}
    recycled = {r.returns: r for r in route.recycles}
    sources = {r.stream: r for r in route.recycles}
    consumed: set[str] = set()

    def add(stream: str, source: str, here: str) -> None:
        if stream in produced or stream in recycled:
            raise InputError(here, f"stream {stream!r} already has a source "
                                   f"({produced.get(stream, 'a recycle')})")
        produced[stream] = source

    for step in route.steps:
        for port, stream in step.inlets.items():
            if stream not in produced and stream not in recycled:
                raise InputError(f"{where}: operations.{step.id}.inlets.{port}",
                                 f"stream {stream!r} is not the feed, an earlier outlet or a recycle")
            consumed.add(stream)
        for port, stream in step.outlets.items():
            add(stream, f"operations.{step.id}", f"{where}: operations.{step.id}.outlets.{port}")
            if stream in sources:
                consumed.add(stream)
                add(sources[stream].purge, f"the purge of {stream!r}", f"{where}: recycles")
    for recycle in route.recycles:
        if recycle.stream not in produced:
            raise InputError(f"{where}: recycles", f"recycled stream {recycle.stream!r} is produced by no operation")
        if recycle.returns not in consumed:
            raise InputError(f"{where}: recycles", f"returned stream {recycle.returns!r} feeds no operation")
        if recycle.purge not in consumed:
            route.terminals.setdefault(recycle.purge, "purges")
    for stream, source in produced.items():
        if stream not in consumed and stream not in route.terminals:
            raise InputError(f"{where}: {source}", f"stream {stream!r} is wired to nothing: feed it to an "
                                                   f"operation or list it as a product, residue, effluent or emission")
    for stream, cls in route.terminals.items():
        if stream not in produced:
            raise InputError(f"{where}: {cls}", f"stream {stream!r} is produced by no operation")
        if cls != "purges" and stream in consumed:
            raise InputError(f"{where}: {cls}", f"stream {stream!r} is both consumed and listed as {cls}")
