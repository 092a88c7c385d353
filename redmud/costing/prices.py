"""Product prices by scenario, from ``redmud/data/prices.toml`` (each with its date and source)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from redmud.errors import InputError, unknown
from redmud.paths import DATA_DIR
from redmud.tomlfile import finite_number, load_toml, require
from redmud.units import parse_quantity

DEFAULT_SCENARIO = "baseline-2024"
PRICE_FILE = DATA_DIR / "prices.toml"


@dataclass(frozen=True)
class Price:
    """A product price [USD/kg of the named product] with its date and source."""

    product: str
    usd_per_kg: float
    date: str
    source: str
    purity: str = ""
    low: float | None = None
    high: float | None = None
    note: str = ""


@lru_cache(maxsize=8)
def load_prices(path: Path = PRICE_FILE) -> dict[str, dict[str, Price]]:
    """All price scenarios: ``{scenario: {product: Price}}``."""
    data = load_toml(path)
    scenarios = {}
    for scenario, table in data.items():
        if not isinstance(table, dict):
            continue
        prices = {}
        for product, rec in table.items():
            if not (isinstance(rec, dict) and "value" in rec):
                continue
            where = f"{path}: {scenario}.{product}"
            unit = require(rec, "unit", where, str)
            to_kg = parse_quantity(f"1 {unit}", f"{where}.unit", "USD/kg").to("USD/kg").magnitude
            value = finite_number(rec["value"], f"{where}.value") * to_kg
            bounds = {b: finite_number(rec[b], f"{where}.{b}") * to_kg for b in ("low", "high") if b in rec}
            prices[product] = Price(product, value, str(require(rec, "date", where)),
                                    require(rec, "source", where, str), str(rec.get("purity", "")),
                                    note=str(rec.get("note", "")), **bounds)
        if prices:
            scenarios[scenario] = prices
    if not scenarios:
        raise InputError(str(path), "no price scenario with priced products")
    return scenarios


def scenario_prices(scenario: str = DEFAULT_SCENARIO, path: Path = PRICE_FILE) -> dict[str, Price]:
    """The prices of one scenario, falling back to the baseline for products it does not price."""
    scenarios = load_prices(path)
    if scenario not in scenarios:
        raise unknown("--prices", "price scenario", scenario, scenarios)
    base = scenarios.get(DEFAULT_SCENARIO, {})
    return {**base, **scenarios[scenario]}
