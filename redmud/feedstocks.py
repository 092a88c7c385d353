"""Feedstocks: reading and checking ``feedstocks/*.toml`` (see ``feedstocks/README.md``).

A feedstock is a dry-basis composition with a source and an evidence level for every value.
Its mass fractions become the solid phase of a feed :class:`~redmud.streams.Stream`: each element
as element mass, the oxygen of its oxide as O, loss on ignition as water (H, O) and carbonate
(C, O), and the unanalysed remainder to 100 wt% as ``other``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from redmud.chemistry import (ATOMIC_WEIGHTS, DEFAULT_OXIDES, mass_fractions as formula_fractions,
                              oxide_factor, resolve_species)
from redmud.errors import InputError, unknown
from redmud.paths import FEEDSTOCK_DIR, library_file, library_names
from redmud.streams import COMPONENT_INDEX, N_COMPONENTS, Stream
from redmud.tomlfile import check_fields, finite_number, load_toml, require
from redmud.units import parse_unit, ureg

log = logging.getLogger(__name__)

KINDS = ("red-mud", "ore", "concentrate", "coal-refuse")
EVIDENCE_LEVELS = ("measured", "quoted", "typical", "derived")
TOP_FIELDS = ("name", "title", "kind", "country", "process", "description", "sources", "moisture",
              "composition", "mineralogy", "notes")
RECORD_FIELDS = ("value", "unit", "source", "evidence", "low", "high", "derivation", "note")
SOURCE_FIELDS = ("citation", "doi", "seen", "url", "note")
#: Keys of a composition that are not elements or oxides.
LOSS_KEYS = ("LOI", "CO2")
#: A dry-basis total above this is an error; between 100 and this, the normal spread of an XRF
#: analysis, it is a warning (and the composition is normalised to 100 wt%).
MAX_TOTAL_WT_PERCENT = 102.0
#: Phases a mineralogy may name, with the formulas by which leaching dissolves them:
#: sodalite, the usual Bayer desilication product (Whittington BI (1996) Hydrometallurgy
#: 43:13-35, doi:10.1016/0304-386X(96)00009-5), cancrinite (the carbonate form) and calcite.
MINERALS = {
    "sodalite": "Na8Al6Si6O24Cl2",
    "cancrinite": "Na6Ca2Al6Si6O24(CO3)2",
    "calcite": "CaCO3",
    "hematite": "Fe2O3", "goethite": "FeOOH", "gibbsite": "Al(OH)3", "boehmite": "AlOOH",
    "perovskite": "CaTiO3", "anatase": "TiO2", "rutile": "TiO2", "quartz": "SiO2",
    "katoite": "Ca3Al2(SiO4)(OH)8", "bastnasite": "CeCO3F", "monazite": "CePO4",
}


@dataclass(frozen=True)
class Record:
    """One composition value: the key as written, its element, and where the value came from."""

    key: str
    element: str
    fraction: float            # mass fraction of the key's species [kg/kg dry]
    unit: str
    value: float
    source: str
    evidence: str
    low: float | None = None
    high: float | None = None
    derivation: str | None = None
    note: str | None = None

    @property
    def element_fraction(self) -> float:
        """Mass fraction of the element [kg element / kg dry solid]."""
        return self.fraction * resolve_species(self.key)[1] if self.key not in LOSS_KEYS else self.fraction


@dataclass(frozen=True)
class Feedstock:
    """A feedstock composition with its sources (see ``feedstocks/README.md``)."""

    name: str
    title: str
    kind: str
    path: Path
    sources: dict
    records: dict[str, Record]          # element (or LOI, CO2) -> record
    country: str = ""
    process: str = ""
    description: str = ""
    moisture: Record | None = None
    mineralogy: dict[str, Record] = field(default_factory=dict)

    @property
    def elements(self) -> list[str]:
        return [k for k in self.records if k not in LOSS_KEYS]

    def known(self, element: str) -> bool:
        """Whether the file gives a value for an element (Th and U are often unknown)."""
        return element in self.records

    def ppm(self, element: str) -> float:
        """Element content [mg/kg dry], 0 when not given."""
        rec = self.records.get(element)
        return rec.element_fraction * 1e6 if rec else 0.0

    def mass_fractions(self, overrides: dict[str, object] | None = None) -> np.ndarray:
        """Dry-basis mass fraction of every stream component, shaped ``(component, sample)``.

        ``overrides`` maps an element to its content as a mass fraction (scalar or per-sample
        array); the element's oxide oxygen follows it and ``other`` absorbs the difference.
        """
        base = self._base_fractions()
        overrides = overrides or {}
        n = max([np.size(v) for v in overrides.values()] + [1])
        fractions = np.repeat(base[:, None], n, axis=1)
        for element, value in overrides.items():
            if element not in ATOMIC_WEIGHTS:
                raise unknown(f"feed.{element}", "element", element, ATOMIC_WEIGHTS)
            new = np.broadcast_to(np.asarray(value, dtype=float), (n,))
            if np.any(~np.isfinite(new) | (new < 0)):
                raise InputError(f"feed.{element}", "expected a finite, non-negative content")
            old = fractions[COMPONENT_INDEX[element]].copy()
            oxygen = _oxide_oxygen_per_element(element)
            fractions[COMPONENT_INDEX[element]] = new
            fractions[COMPONENT_INDEX["O"]] += (new - old) * oxygen
            fractions[COMPONENT_INDEX["other"]] -= (new - old) * (1 + oxygen)
        other = fractions[COMPONENT_INDEX["other"]]
        if np.any(other < -1e-12):
            worst = int(np.argmin(other))
            paths = ", ".join(f"feed.{element}" for element in overrides)
            raise InputError(paths, f"these contents raise the dry total of feedstock {self.name} to "
                                    f"{100 * (1 - other[worst]):.1f} wt% (sample {worst}), each element "
                                    "counted as its oxide; expected at most 100 wt%")
        fractions[COMPONENT_INDEX["other"]] = np.maximum(fractions[COMPONENT_INDEX["other"]], 0.0)
        return fractions

    def _base_fractions(self) -> np.ndarray:
        fractions = np.zeros(N_COMPONENTS)
        for key, rec in self.records.items():
            if key in LOSS_KEYS:
                continue
            element = rec.element
            fractions[COMPONENT_INDEX[element]] += rec.element_fraction
            oxygen = rec.fraction - rec.element_fraction if rec.key != element else \
                rec.element_fraction * _oxide_oxygen_per_element(element)
            fractions[COMPONENT_INDEX["O"]] += oxygen
        co2, water = self._volatiles()
        for formula, mass in (("CO2", co2), ("H2O", water)):
            for element, share in formula_fractions(formula).items():
                fractions[COMPONENT_INDEX[element]] += mass * share
        total = fractions.sum()
        if total > 1.0:
            fractions /= total          # 100-102 wt%: the analysis' spread, normalised away
        fractions[COMPONENT_INDEX["other"]] = 1.0 - fractions.sum()
        return fractions

    def _volatiles(self) -> tuple[float, float]:
        """Carbonate CO2 and water [kg/kg dry] from LOI and CO2 (LOI includes the CO2)."""
        loi = self.records["LOI"].fraction if "LOI" in self.records else 0.0
        co2 = self.records["CO2"].fraction if "CO2" in self.records else 0.0
        return co2, max(loi - co2, 0.0)

    def dry_total_wt_percent(self) -> float:
        """Sum of the composition on a dry basis, each element as its oxide, plus LOI [wt%]."""
        total = 0.0
        for key, rec in self.records.items():
            if key in LOSS_KEYS:
                continue
            total += rec.element_fraction * (1 + _oxide_oxygen_per_element(rec.element)) \
                if rec.key == rec.element else rec.fraction
        co2, water = self._volatiles()
        return 100.0 * (total + co2 + water)

    def stream(self, dry_rate_kg_h, overrides: dict[str, object] | None = None) -> Stream:
        """The feed as a stream: dry solids at ``dry_rate_kg_h`` [kg/h] plus its moisture as water."""
        fractions = self.mass_fractions(overrides)
        rate = np.asarray(dry_rate_kg_h, dtype=float)
        solid = fractions * rate
        n = solid.shape[1]
        flows = np.zeros((4, N_COMPONENTS, n))
        flows[0] = solid
        if self.moisture is not None:
            water = rate * self.moisture.fraction / (1.0 - self.moisture.fraction)
            for element, share in formula_fractions("H2O").items():
                flows[1, COMPONENT_INDEX[element]] = np.broadcast_to(water * share, (n,))
        return Stream(flows)


def _oxide_oxygen_per_element(element: str) -> float:
    """kg of oxygen bound per kg of element in its default oxide (0 where it has none)."""
    oxide = DEFAULT_OXIDES.get(element)
    return oxide_factor(oxide) - 1.0 if oxide else 0.0


# --- reading ----------------------------------------------------------------------------------

def feedstock_path(name_or_path: str | Path) -> Path:
    """The file of a feedstock given by library name or by path to a TOML file."""
    return library_file(name_or_path, FEEDSTOCK_DIR, "feedstock", "--feedstock")


def list_feedstocks() -> list[str]:
    return library_names(FEEDSTOCK_DIR)


def load_feedstock(name_or_path: str | Path) -> Feedstock:
    """Read and check a feedstock by library name or path; raise InputError on any flaw."""
    path = feedstock_path(name_or_path)
    data = load_toml(path)
    where = str(path)
    check_fields(data, TOP_FIELDS, where)
    name = require(data, "name", where, str)
    if path.parent.resolve() == FEEDSTOCK_DIR.resolve() and name != path.stem:
        raise InputError(f"{where}: name", f"expected {path.stem!r} (the file name), got {name!r}")
    kind = require(data, "kind", where, str)
    if kind not in KINDS:
        raise unknown(f"{where}: kind", "feedstock kind", kind, KINDS)
    sources = require(data, "sources", where, dict)
    for key, source in sources.items():
        if not isinstance(source, dict):
            raise InputError(f"{where}: sources.{key}", "expected a table with a citation")
        check_fields(source, SOURCE_FIELDS, f"{where}: sources.{key}")
        require(source, "citation", f"{where}: sources.{key}", str)
    composition = require(data, "composition", where, dict)
    records: dict[str, Record] = {}
    for key, raw in composition.items():
        rec = _read_record(key, raw, f"{where}: composition.{key}", sources, fraction_unit=True)
        if rec.element in records:
            raise InputError(f"{where}: composition.{key}",
                             f"{rec.element} is given twice (also as {records[rec.element].key})")
        records[rec.element] = rec
    if not any(k not in LOSS_KEYS for k in records):
        raise InputError(f"{where}: composition", "expected at least one element or oxide")
    moisture = None
    if "moisture" in data:
        moisture = _read_record("H2O", data["moisture"], f"{where}: moisture", sources, fraction_unit=True)
        if not moisture.fraction < 1.0:
            raise InputError(f"{where}: moisture", f"expected below 100 wt%, got {moisture.value:g}")
    mineralogy = {}
    for mineral, raw in data.get("mineralogy", {}).items():
        if mineral not in MINERALS:
            raise unknown(f"{where}: mineralogy", "mineral", mineral, MINERALS)
        mineralogy[mineral] = _read_record(mineral, raw, f"{where}: mineralogy.{mineral}", sources, True)
    feedstock = Feedstock(name=name, title=require(data, "title", where, str), kind=kind, path=path,
                          sources=sources, records=records, country=data.get("country", ""),
                          process=data.get("process", ""), description=data.get("description", ""),
                          moisture=moisture, mineralogy=mineralogy)
    total = feedstock.dry_total_wt_percent()
    if total > MAX_TOTAL_WT_PERCENT:
        raise InputError(f"{where}: composition", f"dry total including LOI is {total:.1f} wt%; "
                                                  f"expected at most {MAX_TOTAL_WT_PERCENT:g} wt%")
    if total > 100.0:
        log.warning("%s: dry total %.1f wt%% is above 100 wt%% (within XRF spread); normalised",
                    where, total)
    return feedstock


_FRACTION_UNITS = ("ppm", "wt%", "mg/kg", "g/t", "percent", "ppb")


def _read_record(key: str, raw, where: str, sources: dict, fraction_unit: bool) -> Record:
    if key in LOSS_KEYS or key in MINERALS or key == "H2O":
        element = key
    else:
        element, _ = resolve_species(key, where)
    if not isinstance(raw, dict):
        raise InputError(where, f"expected a table {{ value, unit, source, evidence }}, got {raw!r}")
    check_fields(raw, RECORD_FIELDS, where)
    value = finite_number(require(raw, "value", where), f"{where}.value")
    unit_text = require(raw, "unit", where, str)
    unit = parse_unit(unit_text, f"{where}.unit")
    if unit.dimensionality != ureg.dimensionless.dimensionality:
        raise InputError(f"{where}.unit", f"{unit_text!r} is not a mass fraction; expected one of "
                                          f"{', '.join(_FRACTION_UNITS)}")
    fraction = float(ureg.Quantity(value, unit).to("dimensionless").magnitude)
    if fraction > 1.0:
        raise InputError(f"{where}.value", f"{value:g} {unit_text} is more than 100 wt%")
    source = require(raw, "source", where, str)
    if source not in sources:
        raise unknown(f"{where}.source", "source", source, sources)
    evidence = require(raw, "evidence", where, str)
    if evidence not in EVIDENCE_LEVELS:
        raise unknown(f"{where}.evidence", "evidence level", evidence, EVIDENCE_LEVELS)
    if evidence == "derived" and not raw.get("derivation"):
        raise InputError(where, "evidence 'derived' needs a 'derivation' showing the arithmetic")
    bounds = {}
    for bound in ("low", "high"):
        if bound in raw:
            bounds[bound] = finite_number(raw[bound], f"{where}.{bound}")
    if "low" in bounds and "high" in bounds and bounds["low"] > bounds["high"]:
        raise InputError(where, f"low {bounds['low']:g} is above high {bounds['high']:g}")
    return Record(key=key, element=element, fraction=fraction, unit=unit_text, value=value,
                  source=source, evidence=evidence, derivation=raw.get("derivation"),
                  note=raw.get("note"), **bounds)
