"""Equipment purchase cost: cited correlations, parallel units, materials and CEPCI escalation.

Each :class:`~redmud.operations.base.Equipment` item an operation reports is priced by a
correlation of ``redmud/data/equipment.toml``, chosen per kind in
``redmud/data/costing_choices.toml`` (with the reason). For a size S above the correlation's
range, the item is split into ``n = ceil(S / S_max)`` equal parallel units, each of size S/n:

.. math:: C = N_{count} \\, n \\, f(S / n) \\, F_M \\, \\frac{CEPCI(y)}{I_0}

with f the correlation, F_M the materials factor (acid service only), I_0 the correlation's
stated index (or the CEPCI of its cost year). Below the range a unit is priced at the range's
minimum size (flagged). Sizes are arrays of samples; n may differ per sample.

References: Towler G, Sinnott R (2013) Chemical Engineering Design, 2nd ed., ch. 7; Turton R et
al. (2012) Analysis, Synthesis and Design of Chemical Processes, 4th ed., app. A; Seider WD et
al. (2017) Product and Process Design Principles, 4th ed., ch. 16.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from redmud.errors import InputError, unknown
from redmud.paths import DATA_DIR
from redmud.tomlfile import load_toml
from redmud.units import index_series, parse_unit

EQUIPMENT_FILE = DATA_DIR / "equipment.toml"
CHOICES_FILE = DATA_DIR / "costing_choices.toml"
INSTALLATION_METHODS = ("lang", "qgess")
#: Which installation method belongs to a cost basis (installation.toml ``applies_to``).
METHOD_OF_BASIS = {"purchased": "lang", "bare_erected": "qgess"}
ACID_MATERIALS = ("rubber_lined", "frp", "ss316", "titanium")
#: Correlation forms as equipment.toml writes them.
FORMS = (
    "Cp = a * S^b",
    "Cp = exp(a + b*ln(S) + c*ln(S)^2)",
    "Cp = exp(a + b*ln(S))",
    "Ce = a + b * S^n",
    "Cp = a + b * S",
    "log10(Cp0) = K1 + K2 * log10(S) + K3 * (log10(S))^2",
    "C = n_units * ref_cost * (S / ref_size)^exponent",
    "C = ref_cost * (S / ref_size)^exponent",
    "C = A * S^b",
)


@lru_cache(maxsize=1)
def correlations() -> dict[str, dict]:
    """Every correlation record of equipment.toml (name -> table)."""
    data = load_toml(EQUIPMENT_FILE)
    return {k: v for k, v in data.items() if k not in ("index_by_service", "materials_factors")}


@lru_cache(maxsize=1)
def choices() -> dict:
    """The cost layer's choices (redmud/data/costing_choices.toml)."""
    return load_toml(CHOICES_FILE)


def correlation_method(name: str) -> str:
    """The method a correlation belongs to, from its record name: turton, towler, seider, ..."""
    return name.split("_", 1)[0]


@dataclass(frozen=True)
class Correlation:
    """A priced correlation: its record, the factor from the item's size unit, and the method."""

    name: str
    record: dict
    to_correlation_unit: float

    @property
    def cost_basis(self) -> str:
        return self.record["cost_basis"]

    @property
    def size_min(self) -> float | None:
        return self.record.get("size_min")

    @property
    def size_max(self) -> float | None:
        return self.record.get("size_max")

    def cost(self, size: np.ndarray) -> np.ndarray:
        """Cost of one unit of ``size`` [correlation unit], in the record's cost-year USD."""
        return evaluate_form(self.record, size, self.name)


def evaluate_form(record: dict, size, name: str = "correlation") -> np.ndarray:
    """Evaluate a correlation form of equipment.toml at ``size`` (its size unit)."""
    s = np.asarray(size, dtype=float)
    form = record.get("form", "")
    g = record.get
    with np.errstate(divide="ignore", invalid="ignore"):
        if form == "Cp = a * S^b":
            return g("a") * s ** g("b")
        if form == "Cp = exp(a + b*ln(S) + c*ln(S)^2)":
            ln = np.log(s)
            return np.exp(g("a") + g("b") * ln + g("c") * ln ** 2)
        if form == "Cp = exp(a + b*ln(S))":
            return np.exp(g("a") + g("b") * np.log(s))
        if form == "Ce = a + b * S^n":
            return g("a") + g("b") * s ** g("n")
        if form == "Cp = a + b * S":
            return g("a") + g("b") * s
        if form == "log10(Cp0) = K1 + K2 * log10(S) + K3 * (log10(S))^2":
            lg = np.log10(s)
            return 10.0 ** (g("K1") + g("K2") * lg + g("K3") * lg ** 2)
        if form in ("C = n_units * ref_cost * (S / ref_size)^exponent", "C = ref_cost * (S / ref_size)^exponent"):
            return g("ref_cost") * (s / g("ref_size")) ** g("exponent")
        if form == "C = A * S^b":
            return g("A") * s ** g("b")
    raise InputError(f"equipment.toml: {name}.form", f"form {form!r} is not one the cost layer evaluates; "
                                                     f"expected one of {', '.join(FORMS)}")


def _unit_factor(from_unit: str, to_unit: str) -> float | None:
    """Multiplier from ``from_unit`` to ``to_unit``, or None when the dimensions differ."""
    try:
        return float((1.0 * parse_unit(from_unit, "size_unit")).to(parse_unit(to_unit, "size_unit")).magnitude)
    except Exception:  # DimensionalityError or an unparsable unit: this candidate does not fit
        return None


def choose_correlation(kind: str, size_unit: str, method: str, where: str = "equipment") -> Correlation:
    """The first candidate correlation for ``kind`` whose size unit fits ``size_unit``.

    Candidates of ``method`` come first, then those of the other method; raises InputError for
    an unknown kind or when no candidate has the dimension of ``size_unit``.
    """
    table = choices()["equipment"]
    if kind not in table:
        raise unknown(f"{where}.kind", "equipment kind (no cost correlation chosen for it in "
                                       "redmud/data/costing_choices.toml)", kind, table)
    other = [m for m in INSTALLATION_METHODS if m != method]
    names = [*table[kind].get(method, []), *(n for m in other for n in table[kind].get(m, []))]
    records = correlations()
    for name in names:
        record = records[name]
        factor = _unit_factor(size_unit, record["size_unit"])
        if factor is not None:
            return Correlation(name, record, factor)
    units = sorted({records[n]["size_unit"] for n in names})
    raise InputError(f"{where}.size_unit", f"no correlation for a {kind} sized in {size_unit!r}; the "
                                           f"candidates are sized in {', '.join(units)}")


def parallel_units(size, size_max: float | None) -> np.ndarray:
    """Units in parallel so that each is within the range: ``ceil(S / S_max)`` (at least 1)."""
    s = np.asarray(size, dtype=float)
    if size_max is None:
        return np.ones_like(s)
    return np.maximum(np.ceil(s / size_max * (1 - 1e-12)), 1.0)


def escalation_factor(record: dict, cost_year: int, name: str = "correlation") -> float:
    """CEPCI(cost_year) / I_0, with I_0 the record's stated index or the CEPCI of its year."""
    series = index_series("CEPCI")
    if cost_year not in series:
        raise InputError("cost.year", f"no CEPCI for {cost_year}; available {min(series)}-{max(series)}")
    base = record.get("cost_index")
    if base is None:
        year = record.get("cost_year")
        if year is None or int(year) not in series:
            raise InputError(f"equipment.toml: {name}", "no cost year with a CEPCI value to escalate from")
        base = series[int(year)]
    return series[cost_year] / float(base)


def materials_factor(correlation_name: str, material: str) -> tuple[float, str]:
    """Factor on the carbon-steel cost for ``material`` in the correlation's method, and its note.

    A method without a factor for the material uses the Turton factor, and says so.
    """
    table = choices()["materials"]
    method = correlation_method(correlation_name)
    if material not in ACID_MATERIALS:
        raise unknown("material", "acid-service material", material, ACID_MATERIALS)
    own = table.get(method, {})
    if "any" in own:
        return float(own["any"]["value"]), f"{method} Fm {own['any']['value']:g} ({own['any']['source']})"
    if material in own:
        rec = own[material]
        return float(rec["value"]), f"{method} {material} {rec['value']:g} ({rec['source']})"
    rec = table["turton"][material]
    return float(rec["value"]), (f"turton {material} {rec['value']:g} ({rec['source']}); "
                                 f"no {material} factor in the {method} method")


@dataclass
class PricedItem:
    """One equipment item priced: cost arrays [USD of the cost year] and what made them."""

    operation: str
    item: str
    kind: str
    correlation: str
    size: np.ndarray                # per unit in parallel, in the correlation's unit
    size_reported: np.ndarray       # as the operation reported it
    size_unit: str
    correlation_unit: str
    units_in_parallel: np.ndarray   # count x parallel split
    cost_basis: str
    cost_year: int
    base_year: object
    escalation: float
    material: str
    materials_factor: float
    materials_note: str
    source: str
    cost: np.ndarray                # purchased or bare erected cost, escalated, with materials
    flags: list


def price_item(operation: str, item: str, equipment, method: str, cost_year: int,
               acid_material: str, n_samples: int, info: dict | None = None) -> PricedItem:
    """Purchased (or bare erected) cost of one Equipment item, escalated to ``cost_year``.

    When no candidate fits the reported size unit and costing_choices.toml names another size
    the operation reports in its ``info`` (``size_from_info``), that size is used instead.
    """
    where = f"operations.{operation}.equipment.{item}"
    alternative = choices()["equipment"].get(equipment.kind, {}).get("size_from_info")
    sized_by = ""
    try:
        corr = choose_correlation(equipment.kind, equipment.size_unit, method, where)
    except InputError:
        if not alternative or alternative["key"] not in (info or {}):
            raise
        equipment = replace(equipment, size=np.asarray(info[alternative["key"]], dtype=float),
                            size_unit=alternative["unit"])
        sized_by = f"sized by info['{alternative['key']}'] ({alternative['reason']})"
        corr = choose_correlation(equipment.kind, equipment.size_unit, method, where)
    size = np.broadcast_to(np.asarray(equipment.size, dtype=float) * corr.to_correlation_unit, (n_samples,))
    if np.any(size < 0) or np.any(~np.isfinite(size)):
        raise InputError(f"{where}.size", f"expected finite sizes >= 0, got {equipment.size!r}")
    count = np.broadcast_to(np.asarray(equipment.count, dtype=float), (n_samples,))
    flags = [sized_by] if sized_by else []
    split = parallel_units(size, corr.size_max)
    unit_size = np.where(split > 0, size / split, 0.0)
    low = corr.size_min
    if low is not None and np.any((unit_size < low) & (size > 0)):
        flags.append(f"below the range ({low:g} {corr.record['size_unit']}): priced at the minimum size")
        unit_size = np.where(size > 0, np.maximum(unit_size, low), 0.0)
    if corr.size_max is None:
        flags.append("no size range in the source: not split into parallel units")
    units = count * split
    unit_cost = np.where(unit_size > 0, corr.cost(np.where(unit_size > 0, unit_size, 1.0)), 0.0)
    escalation = escalation_factor(corr.record, cost_year, corr.name)
    material = "carbon_steel"
    factor, note = 1.0, "carbon steel (not in acid service)"
    if equipment.acid_service:
        material = equipment.material if equipment.material in ACID_MATERIALS else acid_material
        factor, note = materials_factor(corr.name, material)
    if corr.record.get("verify"):
        flags.append("correlation flagged verify in equipment.toml")
    if corr.record.get("quality") == "low":
        flags.append("low-quality correlation")
    kind_flag = choices()["equipment"][equipment.kind].get("flag")
    if kind_flag:
        flags.append(kind_flag)
    return PricedItem(operation=operation, item=item, kind=equipment.kind, correlation=corr.name,
                      size=unit_size, size_reported=np.broadcast_to(np.asarray(equipment.size, float), (n_samples,)),
                      size_unit=equipment.size_unit, correlation_unit=corr.record["size_unit"],
                      units_in_parallel=units, cost_basis=corr.cost_basis,
                      cost_year=cost_year, base_year=corr.record.get("cost_year"), escalation=escalation,
                      material=material, materials_factor=factor, materials_note=note,
                      source=corr.record["source"], cost=units * unit_cost * factor * escalation, flags=flags)


def check_basis(item: PricedItem) -> None:
    """Only purchased and bare erected records can take installation factors."""
    if item.cost_basis not in METHOD_OF_BASIS:
        raise InputError(f"equipment.toml: {item.correlation}.cost_basis",
                         f"cost basis {item.cost_basis!r} cannot take installation factors; "
                         f"expected one of {sorted(METHOD_OF_BASIS)}")
