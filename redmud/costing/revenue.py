"""Revenue: product prices at the computed purity, mixed-oxide realisation and the Sc market check.

A product is paid for its contained oxide. When its purity reaches the purity of the price
record (e.g. 99.99 % Sc2O3) it gets the full price; below it, and for a mixed rare-earth oxide
(REO), it gets the pure-oxide value times the realisation factor (NETL/PrOMMiS mixed-product
price realisation 0.65, prices.toml [price_realisation.mixed_REO]):

.. math:: R = \\sum_i m_i \\, P_i \\, \\phi, \\qquad \\phi = 1 \\text{ if } x \\ge x_{spec} \\text{ else } \\phi_{mix}

Scandium has a small market (about 69 t Sc2O3 a year, Sverdrup & Sverdrup 2024): a plant whose
output is a large share of it gets a warning, and optionally a constant-elasticity price-volume
curve :math:`P = P_0 ((W + Q) / W)^{-1/\\varepsilon}`.
"""

from __future__ import annotations

import logging
import re

import numpy as np

from redmud.chemistry import DEFAULT_OXIDES, RARE_EARTHS, oxide_factor
from redmud.costing.equipment import choices
from redmud.costing.prices import DEFAULT_SCENARIO, Price, load_prices
from redmud.errors import unknown
from redmud.streams import COMPONENT_INDEX
from redmud.units import escalate, index_series

log = logging.getLogger(__name__)
MIXED = "REO"


def purity_fraction(text: str) -> float | None:
    """``"99.99%"`` or ``"99.5% min"`` -> 0.9999 / 0.995; None when no percentage is stated."""
    match = re.search(r"(\d+(?:\.\d+)?)\s*%", text or "")
    return float(match.group(1)) / 100.0 if match else None


def scenario_table(scenario: str, price_file=None) -> dict[str, Price]:
    """Prices of a scenario (a ``--prices`` file's scenarios first), baseline-2024 filling gaps."""
    default = load_prices()
    user = load_prices(price_file) if price_file else {}
    if scenario not in user and scenario not in default:
        raise unknown("price.scenario", "price scenario", scenario, [*user, *default])
    return {**default.get(DEFAULT_SCENARIO, {}), **default.get(scenario, {}), **user.get(scenario, {})}


def product_price(oxide: str, table: dict, values: dict, cost_year: int, scenario: str) -> dict:
    """Price of one oxide [USD/kg] in cost-year money, with its date, source and purity."""
    override = values.get(f"price.{oxide}")
    if override is not None:   # the user's price keeps the purity of the scenario's record
        spec = purity_fraction(table[oxide].purity) if oxide in table else None
        return {"usd_per_kg": np.asarray(override, float), "date": "user value", "source": f"--set price.{oxide}",
                "purity": spec, "escalated_from": None, "flags": []}
    if oxide not in table:
        return None
    price = table[oxide]
    year = _year(price.date)
    flags = []
    value = price.usd_per_kg
    if year is not None:
        last = max(index_series("PRICE"))
        if year > last:   # a price newer than the index (2025 quotes, CPI-U ends earlier)
            flags.append(f"price of {year} is newer than the price index (ends {last}): "
                         f"taken as {last} money")
            year = last
        value = escalate(value, year, cost_year, "PRICE")
    else:
        flags.append("price year not read from the date: not escalated")
    if "low" in price.note.lower() and "quality" in price.note.lower():
        flags.append("see the record's note on source quality")
    return {"usd_per_kg": np.asarray(value, float), "date": price.date, "source": price.source,
            "purity": purity_fraction(price.purity), "escalated_from": year, "scenario": scenario,
            "flags": flags}


def _year(date: str) -> int | None:
    match = re.search(r"(19|20)\d\d", date or "")
    return int(match.group(0)) if match else None


def revenue_lines(result, values: dict, cost_year: int, price_file=None) -> list[dict]:
    """One line per product (and per oxide of a mixed product): quantity, price, payability, revenue."""
    scenario = values["price.scenario"]
    table = scenario_table(scenario, price_file)
    realisation = np.asarray(values["price.realisation"], float)
    fs = result.flowsheet
    hours = fs.hours_per_year
    lines = []
    for product in fs.route.products:
        info = result.products[product.name]
        comps = fs.streams[product.stream].components()
        purity = np.asarray(info["purity"], float)
        if product.product == MIXED:
            for element in RARE_EARTHS:
                oxide = DEFAULT_OXIDES[element]
                kg = comps[COMPONENT_INDEX[element]] * oxide_factor(oxide) * hours
                if not np.any(kg > 0):
                    continue
                price = product_price(oxide, table, values, cost_year, scenario)
                lines.append(_line(product.name, oxide, kg, purity, price, realisation, mixed=True))
            continue
        kg = np.asarray(info["contained_oxide_kg_per_year"], float)
        price = product_price(product.product, table, values, cost_year, scenario)
        lines.append(_line(product.name, product.product, kg, purity, price, realisation, mixed=False))
    _market_check(lines, values)
    return lines


def _line(name, oxide, kg, purity, price, realisation, mixed) -> dict:
    if price is None:
        return {"product": name, "oxide": oxide, "contained_kg_per_year": kg, "purity": purity,
                "usd_per_kg": 0.0, "payability": 0.0, "revenue_usd_per_year": np.zeros_like(kg),
                "date": "", "source": "no price in the scenario", "price_purity": None,
                "flags": [f"{oxide} has no price in the scenario: not counted"]}
    spec = price["purity"]
    flags = list(price["flags"])
    if mixed:
        pay = realisation * np.ones_like(purity)
        basis = "mixed oxide: pure-oxide value x realisation"
    elif spec is None:
        pay = np.ones_like(purity)
        basis = "price record states no purity: paid in full"
        flags.append(basis)
    else:
        pay = np.where(purity >= spec, 1.0, realisation)
        basis = f"full price at purity >= {spec:.4%}, else x realisation"
    return {"product": name, "oxide": oxide, "contained_kg_per_year": kg, "purity": purity,
            "usd_per_kg": price["usd_per_kg"], "payability": pay, "payability_basis": basis,
            "revenue_usd_per_year": kg * price["usd_per_kg"] * pay, "date": price["date"],
            "source": price["source"], "price_purity": spec, "flags": flags}


def _market_check(lines: list[dict], values: dict) -> None:
    """Warn when Sc2O3 output is a large share of world supply; apply the price-volume curve if on."""
    sc = [l for l in lines if l["oxide"] == "Sc2O3"]
    if not sc:
        return
    world_t = np.asarray(values["market.sc_world_output"], float)
    output_t = sum(l["contained_kg_per_year"] for l in sc) / 1000.0
    share = output_t / world_t
    threshold = np.asarray(values["market.sc_share_warning"], float)
    rec = choices()["market"]["Sc2O3"]["world_output"]
    if np.any(share > threshold):
        log.warning("Sc2O3 output %.3g t/yr is %.0f %% of world output (%.3g t/yr, %s): the price would not "
                    "hold at this volume (set market.price_volume=1 for a price-volume curve)",
                    float(np.max(output_t)), float(np.max(share)) * 100, float(np.max(world_t)), rec["source"])
    on = np.asarray(values["market.price_volume"], float) >= 0.5
    if np.any(on):
        elasticity = np.asarray(values["market.sc_elasticity"], float)
        factor = np.where(on, (1.0 + share) ** (-1.0 / elasticity), 1.0)
        for l in sc:
            l["usd_per_kg"] = l["usd_per_kg"] * factor
            l["revenue_usd_per_year"] = l["revenue_usd_per_year"] * factor
            l["flags"].append("price-volume curve applied (elasticity flagged: "
                              f"{choices()['market']['Sc2O3']['elasticity']['flag']})")
    for l in sc:
        l["world_share"] = share
