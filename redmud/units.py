"""Units: the one pint registry of redmud, safe parsing of unit strings, and cost escalation.

There is exactly one registry, :data:`ureg`; never create another (Quantities from two
registries cannot be combined, and unpickled Quantities attach to the application registry).
Inside the model, numbers are plain float arrays in fixed internal units (kg/h for flows, K for
temperatures, USD for money); Quantities appear only at public boundaries.

Money has a single unit, ``USD``. The year a cost refers to is a field of each cost record, and
:func:`escalate` moves amounts between years with a named index (CEPCI for capital, a price
index for reagents, power, labor and products).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pint

from redmud.errors import InputError, closest

ureg = pint.UnitRegistry()
# Mass-fraction units that pint does not ship: wt% is not a pint unit, so it gets a name.
ureg.define("wt_percent = 0.01 = wtpct")
ureg.define("ppb = 1e-9")
# Money: one currency dimension. The cost year is data, not a unit.
ureg.define("USD = [currency] = usd = dollar")
ureg.define("kUSD = 1000 USD")
ureg.define("MUSD = 1e6 USD")
ureg.define("tpy = tonne / year")
# Unpickled Quantities (e.g. on Dask workers) attach to the application registry.
pint.set_application_registry(ureg)

Q_ = ureg.Quantity

# Spellings users write that pint cannot parse as is (the key is matched case-sensitively).
_UNIT_ALIASES = {
    "wt%": "wt_percent",
    "wt.%": "wt_percent",
    "%": "percent",
    "mass%": "wt_percent",
    "t/yr": "tonne/year",
    "t/y": "tonne/year",
    "t/a": "tonne/year",
    "t": "tonne",
    "$": "USD",
    "US$": "USD",
    "M$": "MUSD",
    "degC": "degC",
}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)"
_QUANTITY_RE = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>.*?)\s*$", re.IGNORECASE)

# Internal units, built once (string units cost up to 60 us a call in hot code).
KG_PER_H = ureg.kg / ureg.hour
KELVIN = ureg.kelvin
DIMENSIONLESS = ureg.dimensionless


#: Unit spellings to suggest when a unit is misspelt (besides the registry's own names).
COMMON_UNITS = ("ppm", "ppb", "wt%", "percent", "mg/kg", "g/t", "mol/L", "g/L", "L/kg", "kg/t", "kg/h",
                "t/yr", "tonne/year", "kg", "t", "g", "L", "mL", "m^3", "degC", "K", "h", "min", "s", "day",
                "year", "kW", "kWh", "MJ", "bar", "kPa", "USD", "USD/kg", "USD/t", "MUSD", "1/year", "m", "mm")


def parse_unit(text: str, where: str = "unit") -> pint.Unit:
    """Parse a unit string (``"mol/L"``, ``"wt%"``, ``"t/yr"``) into a pint Unit, or raise InputError.

    A misspelt unit name gets a suggestion of the closest known names.
    """
    text = text.strip()
    text = _UNIT_ALIASES.get(text, text)
    text = text.replace("wt%", "wt_percent")
    if text in ("", "1", "-"):
        return ureg.dimensionless
    try:
        return ureg.Unit(text)
    except pint.errors.UndefinedUnitError as err:
        names = getattr(err, "unit_names", None) or (text,)
        name = names[0] if isinstance(names, (tuple, list)) else str(names)
        part = f" in {text!r}" if name != text else ""
        hint = closest(name, dict.fromkeys([*COMMON_UNITS, *_UNIT_ALIASES])) or closest(name, _registry_names())
        raise InputError(where, f"unknown unit {name!r}{part}{hint or ' (expected e.g. mol/L, wt%, t/yr, degC)'}") from None
    except Exception:  # pint's parser raises many types (TokenError, AssertionError, ...)
        raise InputError(where, f"cannot read the unit {text!r} (expected e.g. mol/L, wt%, t/yr, degC)") from None


@lru_cache(maxsize=1)
def _registry_names() -> tuple[str, ...]:
    """Unit names the registry knows (for suggestions only)."""
    return tuple(name for name in dir(ureg) if not name.startswith("_"))


def parse_quantity(text, where: str = "value", expected: str | None = None) -> pint.Quantity:
    """Parse ``"3 mol/L"``, ``"80 degC"``, ``"120 ppm"``, ``"5 wt%"`` into a Quantity.

    The number and the unit are split by a regular expression, then given to pint as
    ``Quantity(value, unit)``; nothing is evaluated. A bare number takes the unit ``expected``.

    Parameters
    ----------
    text : str or number
        The text to parse.
    where : str
        Where the text came from (file and field, or parameter path), for error messages.
    expected : str, optional
        The unit the quantity must be convertible to; also the unit of a bare number.
    """
    if isinstance(text, pint.Quantity):
        quantity = text
    elif isinstance(text, (int, float, np.number)) and not isinstance(text, bool):
        quantity = Q_(float(text), parse_unit(expected, where) if expected else ureg.dimensionless)
    elif isinstance(text, str):
        match = _QUANTITY_RE.match(text)
        if not match:
            plain = expected in (None, "", "1", "dimensionless")
            raise InputError(where, f"cannot read {text!r} as a number" + (
                " (expected e.g. '0.5')" if plain else f" with a unit (expected e.g. '3 {expected}')"))
        value = float(match["num"])
        unit_text = match["unit"]
        unit = parse_unit(unit_text, where) if unit_text else (
            parse_unit(expected, where) if expected else ureg.dimensionless)
        quantity = Q_(value, unit)
    else:
        raise InputError(where, f"expected a number with a unit as text, got {type(text).__name__} {text!r}")
    if expected is not None:
        target = parse_unit(expected, where)
        if quantity.dimensionality != target.dimensionality:
            raise InputError(where, f"{text!r} has the wrong unit: expected a quantity in {expected} "
                                    f"(dimension {target.dimensionality}), got {quantity.units:~}")
    return quantity


def to_magnitude(quantity, unit, where: str = "value") -> np.ndarray:
    """Magnitude of ``quantity`` in ``unit`` as a float array; temperatures become kelvin safely.

    Raises InputError when the dimensions differ. A plain number is taken to be in ``unit``.
    """
    if isinstance(unit, str):
        unit = parse_unit(unit, where)
    if not isinstance(quantity, pint.Quantity):
        return np.asarray(quantity, dtype=float)
    try:
        return np.asarray(quantity.to(unit).magnitude, dtype=float)
    except pint.errors.DimensionalityError:
        raise InputError(where, f"wrong unit {quantity.units}: expected a quantity convertible to {unit}") from None


def to_kelvin(temperature, where: str = "temperature") -> np.ndarray:
    """Temperature in kelvin as a float array (offset units such as degC converted first)."""
    return to_magnitude(temperature, KELVIN, where)


# --- escalation between cost years ------------------------------------------------------------

DATA_DIR = Path(__file__).parent / "data"

#: Named cost indices and the data file that holds each series.
INDEX_FILES = {"CEPCI": "cepci.toml", "PRICE": "price_index.toml"}


@lru_cache(maxsize=None)
def index_series(index: str) -> dict[int, float]:
    """The yearly values of a named cost index (``"CEPCI"`` or ``"PRICE"``), from redmud/data."""
    key = index.upper()
    if key not in INDEX_FILES:
        raise InputError("index", f"unknown cost index {index!r}; expected one of {sorted(INDEX_FILES)}")
    path = DATA_DIR / INDEX_FILES[key]
    with open(path, "rb") as handle:
        table = tomllib.load(handle)["index"]
    return {int(year): float(value) for year, value in table["values"].items()}


def escalate(amount, from_year: int, to_year: int, index: str = "CEPCI"):
    """Move an amount of money from one cost year to another.

    .. math:: C_{to} = C_{from} \\, I(y_{to}) / I(y_{from})

    Parameters
    ----------
    amount : float, array or Quantity [USD]
        The amount in ``from_year`` money.
    from_year, to_year : int
        Cost years; both must be in the index series.
    index : {"CEPCI", "PRICE"}
        CEPCI (Chemical Engineering Plant Cost Index) for capital; PRICE, the price index in
        ``redmud/data/price_index.toml``, for reagents, utilities, labor and products.

    References
    ----------
    Towler G, Sinnott R (2013) Chemical Engineering Design, 2nd ed., section 7.4 (cost indices).
    """
    series = index_series(index)
    for year in (from_year, to_year):
        if int(year) not in series:
            raise InputError(f"{index} index", f"no value for year {year}; "
                                               f"available {min(series)}-{max(series)}")
    return amount * (series[int(to_year)] / series[int(from_year)])
