"""Jurisdiction data and dated price quotes: labor, power, reagents, disposal, tax.

A :class:`Quote` is one price with its unit, date, price year, source and flags, already
converted to USD and to the basis the cost layer uses (reagents per tonne of 100 % substance).
The jurisdiction's record (``redmud/data/jurisdictions.toml``) wins where it exists; reagent and
utility defaults are the US quotes of ``reagents.toml``. Where a jurisdiction has no record, the
United States record is used and the quote is flagged as a substitute (never a guess).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from redmud.errors import InputError, unknown
from redmud.paths import DATA_DIR
from redmud.tomlfile import load_toml
from redmud.units import parse_unit

JURISDICTIONS = ("united-states", "china", "european-union", "australia", "brazil", "india")
DEFAULT_JURISDICTION = "united-states"


@dataclass(frozen=True)
class Quote:
    """A price in ``unit`` (USD per something) with its date, price year, source and flags."""

    value: float
    unit: str
    date: str
    price_year: int | None
    source: str
    basis: str = ""
    flags: tuple = field(default_factory=tuple)

    def flagged(self, *notes: str) -> "Quote":
        return replace(self, flags=self.flags + tuple(n for n in notes if n))


@lru_cache(maxsize=1)
def jurisdiction_data() -> dict:
    return load_toml(DATA_DIR / "jurisdictions.toml")


@lru_cache(maxsize=1)
def reagent_data() -> dict:
    return load_toml(DATA_DIR / "reagents.toml")


def check_jurisdiction(name: str) -> str:
    if name not in jurisdiction_data():
        raise unknown("cost.jurisdiction", "jurisdiction", name, JURISDICTIONS)
    return name


def _record(jurisdiction: str, key: str) -> dict | None:
    rec = jurisdiction_data()[check_jurisdiction(jurisdiction)].get(key)
    if not isinstance(rec, dict) or rec.get("absent") or ("value" not in rec and "usd" not in rec):
        return None
    return rec


def _usd(rec: dict, where: str) -> tuple[float, str, int | None, str]:
    """(value, unit, price_year, basis) of a record in USD (its ``usd`` conversion if not USD)."""
    unit = str(rec.get("unit", ""))
    if "USD" in unit:
        return float(rec["value"]), unit, _year(rec), str(rec.get("basis", ""))
    usd = rec.get("usd")
    if not isinstance(usd, dict):
        raise InputError(where, f"value in {unit!r} has no USD conversion (no 'usd' field)")
    return float(usd["value"]), str(usd["unit"]), _year(usd), str(usd.get("basis", rec.get("basis", "")))


def _year(rec: dict) -> int | None:
    year = rec.get("price_year")
    return int(year) if year is not None else None


def _quote_from(rec: dict, where: str, *flags: str) -> Quote:
    value, unit, year, basis = _usd(rec, where)
    date = str(rec.get("date", "not stated"))
    return Quote(value, unit, date, year, str(rec.get("source", "")), basis,
                 tuple(f for f in (*flags, "verify" if rec.get("verify") else "",
                                   "low-quality source" if rec.get("quality") == "low" else "") if f))


def jurisdiction_quote(jurisdiction: str, key: str) -> Quote | None:
    """The jurisdiction's record ``key`` as a Quote, the US one flagged as a substitute, or None."""
    rec = _record(jurisdiction, key)
    if rec is not None:
        return _quote_from(rec, f"jurisdictions.toml: [{jurisdiction}.{key}]")
    rec = _record(DEFAULT_JURISDICTION, key)
    if rec is None:
        return None
    return _quote_from(rec, f"jurisdictions.toml: [{DEFAULT_JURISDICTION}.{key}]",
                       f"no {key} record for {jurisdiction}: the United States value is used")


def labor_rate(jurisdiction: str, hours_per_operator: float) -> tuple[Quote, bool]:
    """Operator labor [USD/h] and whether the labor burden must still be added.

    A yearly wage is turned into an hourly one with the Seider hours per operator. The burden is
    added when the record's basis says the wage excludes employer contributions or is "before"
    the burden; a labour COST (EU) already holds them.
    """
    quote = jurisdiction_quote(jurisdiction, "labor")
    if quote is None:
        raise InputError("cost.jurisdiction", f"no labor rate for {jurisdiction} or the United States")
    value, unit = quote.value, quote.unit
    if unit.replace(" ", "") in ("USD/year", "USD/yr", "USD/a"):    # a yearly wage per person
        quote = replace(quote, value=value / hours_per_operator, unit="USD/hour",
                        basis=f"{quote.basis}; per hour = per year / {hours_per_operator:g} h per operator")
    else:
        hourly = float((value * parse_unit(unit, "labor")).to(parse_unit("USD/hour")).magnitude)
        quote = replace(quote, value=hourly, unit="USD/hour")
    basis = quote.basis.lower()
    burden = ("before" in basis and "burden" in basis) or "excludes employer" in basis
    return quote, burden


def reagent_record(price_key: str) -> dict:
    """A reagents.toml record by key; ``"steam.alternatives.turton_cooling_water"`` reaches alternatives."""
    parts = price_key.split(".")
    rec = reagent_data()
    for part in parts:
        if not isinstance(rec, dict) or part not in rec:
            raise unknown("reagents.toml", "price record", price_key, reagent_data())
        rec = rec[part]
    if rec.get("absent"):
        raise InputError(f"reagents.toml: [{price_key}]", f"no price: {rec.get('note', 'absent')}")
    return rec


def reagent_quote(price_key: str, jurisdiction: str, concentration: float | None = None,
                  density_kg_per_l: float | None = None) -> Quote:
    """Price [USD/t of 100 % substance] of a reagent for a jurisdiction, with basis conversion.

    ``concentration`` (mass fraction) overrides the record's ``concentration_wt``; a price per
    volume needs ``density_kg_per_l``.
    """
    base = reagent_record(price_key)
    rec, flags = base, []
    own = _record(jurisdiction, price_key) if "." not in price_key else None
    if own is not None:
        rec = own
    value, unit, year, basis = _usd(rec, f"[{price_key}]")
    per_kg = _per_kg(value, unit, density_kg_per_l, price_key)
    conc = concentration if concentration is not None else rec.get("concentration_wt")
    if rec is own and "100%" in basis.replace(" ", ""):
        conc = 1.0
    elif rec is own and conc is None and base.get("concentration_wt"):
        conc = base["concentration_wt"]
        flags.append(f"{jurisdiction} quote states no concentration: the default's {conc:g} is assumed")
    conc = float(conc) if conc else 1.0
    quote = _quote_from(rec, f"[{price_key}]", *flags)
    note = f"per t of 100 %: {per_kg * 1000:.4g} / {conc:g}" if conc != 1.0 else ""
    return replace(quote, value=per_kg * 1000.0 / conc, unit="USD/t",
                   basis="; ".join(b for b in (basis, note) if b))


def _per_kg(value: float, unit: str, density_kg_per_l: float | None, where: str) -> float:
    u = parse_unit(unit, where)
    per_mass = parse_unit("USD/kg")
    if u.dimensionality == per_mass.dimensionality:
        return float((value * u).to(per_mass).magnitude)
    if u.dimensionality == parse_unit("USD/L").dimensionality:
        if density_kg_per_l is None:
            raise InputError(f"reagents.toml: [{where}]", f"a price per volume ({unit}) needs a density")
        return float((value * u).to(parse_unit("USD/L")).magnitude) / density_kg_per_l
    raise InputError(f"reagents.toml: [{where}].unit", f"expected a price per mass or volume, got {unit!r}")


def utility_quote(price_key: str, jurisdiction: str, per: str) -> Quote:
    """Price of a utility in USD per ``per`` (kWh or GJ), the jurisdiction's record first."""
    rec = reagent_record(price_key)
    flags = []
    own = _record(jurisdiction, price_key) if "." not in price_key else None
    if own is not None:
        rec = own
    elif jurisdiction != DEFAULT_JURISDICTION and "." not in price_key:
        flags.append(f"no {price_key} price for {jurisdiction}: the US default is used")
    value, unit, _, _ = _usd(rec, f"[{price_key}]")
    target = parse_unit(f"USD/{per}")
    try:
        converted = float((value * parse_unit(unit)).to(target).magnitude)
    except Exception:
        raise InputError(f"[{price_key}].unit", f"cannot convert {unit!r} to USD/{per}") from None
    return replace(_quote_from(rec, f"[{price_key}]", *flags), value=converted, unit=f"USD/{per}")


def corporate_tax(jurisdiction: str) -> Quote | None:
    rec = _record(jurisdiction, "corporate_tax")
    if rec is None:
        return None
    return Quote(float(rec["value"]), "1", str(rec.get("date", "not stated")), None, str(rec.get("source", "")),
                 str(rec.get("basis", "")))
