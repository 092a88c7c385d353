"""Impact factors as data: grid electricity by jurisdiction, fuels, steam, reagents, radionuclides.

Every factor is a record in ``redmud/data/impact_factors.toml`` with its value, unit, year and
source; a record with ``absent = true`` was searched for and not found (counted as 0 and flagged),
one with ``counted = false`` is an input with no burden by convention (water, air).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from redmud.errors import InputError, unknown
from redmud.paths import DATA_DIR
from redmud.tomlfile import load_toml

FACTORS_FILE = DATA_DIR / "impact_factors.toml"


@dataclass(frozen=True)
class Factor:
    """One impact factor: ``value`` in ``unit`` (None when absent or not counted)."""

    name: str
    value: float | None
    unit: str
    year: int | None
    source: str
    absent: bool = False
    counted: bool = True
    note: str = ""

    def as_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "year": self.year, "source": self.source,
                **({"absent": True} if self.absent else {}), **({"note": self.note} if self.note else {})}


@lru_cache(maxsize=1)
def factor_data() -> dict:
    """The parsed data file (read once; the dict is never changed)."""
    return load_toml(FACTORS_FILE)


def _factor(table: str, key: str) -> Factor:
    records = factor_data()[table]
    if key not in records:
        raise unknown(f"{FACTORS_FILE.name} [{table}]", "record", key, records)
    rec = records[key]
    where = f"{FACTORS_FILE.name} [{table}.{key}]"
    absent, counted = bool(rec.get("absent", False)), bool(rec.get("counted", True))
    if not absent and counted and ("value" not in rec or "source" not in rec or "year" not in rec):
        raise InputError(where, "a factor needs value, source and year (or absent = true)")
    value = None if absent or not counted else float(rec["value"])
    return Factor(f"{table}.{key}", value, rec.get("unit", ""), rec.get("year"), rec.get("source", ""),
                  absent, counted, rec.get("note", rec.get("flag", "")))


def electricity_factor(jurisdiction: str) -> Factor:
    """Grid electricity [kg CO2e/kWh] of a jurisdiction (a key of jurisdictions.toml)."""
    return _factor("electricity", jurisdiction)


def fuel_factor(fuel: str = "natural_gas") -> Factor:
    """Combustion factor of a fuel [kg CO2e/GJ]."""
    return _factor("fuel", fuel)


def boiler_efficiency() -> Factor:
    """Fuel-to-steam efficiency of the boiler that supplies heat duty [-]."""
    return _factor("steam", "boiler_efficiency")


def reagent_factor(name: str) -> Factor:
    """Cradle-to-gate factor [kg CO2e/kg of 100 % reagent] of an added stream's reagent name."""
    return _factor("reagent", name)


def exemption_level() -> Factor:
    """IAEA exemption level [Bq/g] per radionuclide of the natural decay series."""
    return _factor("radionuclide", "exemption")


def reference_bands() -> dict:
    """Published footprints of rare-earth oxide production (records as in the data file)."""
    return dict(factor_data().get("reference_band", {}))
