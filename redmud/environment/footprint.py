"""Indicators of a route evaluation: greenhouse gases, reagents, water, wastes, radionuclides.

Scope: cradle-to-gate of the plant's products, per year of steady operation. The feedstock
(bauxite residue, or mined ore) enters without burden (the mining of ore and the Bayer process
are outside the boundary); construction and transport are not counted. Greenhouse gases:

.. math:: G = E f_{grid} + F f_{gas} + \\frac{H}{\\eta_{boiler}} f_{gas}
             + \\sum_r m_r f_r + m_{CO_2,process}   \\quad [\\mathrm{kg\\,CO_2e/yr}]

with E electricity [kWh/yr], F fuel and H heat duty [GJ/yr], m_r reagents [kg/yr of 100 %] and
the process CO2 of the gas phases leaving the plant (:mod:`redmud.environment.inventory`).
Allocation between products (ISO 14044 4.3.4.2: physical first, economic where products differ
greatly in value; both are shown):

- by mass: product p's share is its contained oxide over all products' contained oxide, so every
  product carries ``G / sum(oxide)`` per kg of oxide;
- by value: p's share is its revenue over the plant's revenue (the economics' revenue lines),
  ``G r_p / (R m_p)`` per kg of p's oxide.

The basis "per kg" is a kg of the product's contained oxide (Sc2O3, or total REO for a mixed
oxide), as the levelised cost in :mod:`redmud.costing.economics`. Water, solid waste and reagent
intensities are allocated the same two ways.
"""

from __future__ import annotations

import numpy as np

from redmud.environment import factors as fx
from redmud.environment.inventory import (TERMINAL_CLASSES, Inventory, build_inventory, closure,
                                          element_fate)
from redmud.environment.radioactivity import NUCLIDES, activity_concentration, element_specific_activity

DEFAULT_JURISDICTION = "united-states"
SCOPE = ("cradle-to-gate of the products, per year of operation: grid electricity, fuel and steam "
         "(natural gas), cradle-to-gate reagents and process CO2 of the gas streams leaving the plant; "
         "the feedstock enters without burden; construction, transport and effluent treatment not counted")
BASIS = "per kg of each product's contained oxide (as the levelised cost)"
ALLOCATION = {
    "by_mass": "share of contained oxide mass (ISO 14044 physical allocation): equal per kg for every product",
    "by_value": "share of revenue (economics revenue lines, realised prices): per kg of oxide",
}
_NUCLIDE_ELEMENT = {"Th232": "Th", "U238": "U", "Ra226": "Ra"}


def evaluate_environment(result, jurisdiction: str | None = None) -> dict:
    """The footprint of a :class:`redmud.api.RunResult` as a dict of per-sample arrays.

    ``jurisdiction`` picks the grid factor (default: the economics' jurisdiction, else
    ``"united-states"``). Value allocation needs the economics (``redmud.run(..., economics=True)``);
    without it those entries are NaN with a reason. The studies call this per route, feedstock and
    jurisdiction.
    """
    jurisdiction = jurisdiction or result.extra.get("jurisdiction") or DEFAULT_JURISDICTION
    inv = build_inventory(result)
    flags: list[str] = []
    used: dict[str, fx.Factor] = {}
    ghg = _greenhouse_gases(inv, jurisdiction, used, flags)
    oxide = {p: np.broadcast_to(np.asarray(v["contained_oxide_kg_per_year"], float), (result.n_samples,))
             for p, v in result.products.items()}
    mass_share, value_share, value_reason = _shares(result, oxide)
    reagents_total = sum(inv.reagents_kg.values(), np.zeros(result.n_samples))
    residues_dry = inv.total_by_class("residues", "dry_kg")
    yearly = {"co2e": ghg["total"], "water": inv.water_m3, "solid_waste": residues_dry, "reagent": reagents_total}
    per_kg = {f"{k}_{alloc}": _per_kg(v, share, oxide)
              for k, v in yearly.items() for alloc, share in (("mass", mass_share), ("value", value_share))}
    env = {
        "jurisdiction": jurisdiction, "scope": SCOPE, "basis": BASIS, "allocation": dict(ALLOCATION),
        "co2e_kg_per_kg": per_kg["co2e_mass"], "co2e_kg_per_kg_by_mass": per_kg["co2e_mass"],
        "co2e_kg_per_kg_by_value": per_kg["co2e_value"],
        "water_m3_per_kg": per_kg["water_mass"], "water_m3_per_kg_by_value": per_kg["water_value"],
        "solid_waste_kg_per_kg": per_kg["solid_waste_mass"],
        "solid_waste_kg_per_kg_by_value": per_kg["solid_waste_value"],
        "reagent_kg_per_kg": per_kg["reagent_mass"], "reagent_kg_per_kg_by_value": per_kg["reagent_value"],
        "co2e_kg_per_year": {k: v for k, v in ghg.items() if k != "reagents_by_name"},
        "co2e_reagents_kg_per_year": ghg["reagents_by_name"],
        "inventory": _inventory_dict(inv, oxide),
        **_radionuclide_dicts(inv, result.feedstock),
        "element_fate": element_fate(inv),
        "closure_relative_error": closure(inv)[0],
        "factors": {f.name: f.as_dict() for f in used.values()},
        "flags": flags,
        "reference_bands": fx.reference_bands(),
    }
    reasons = _product_reasons(oxide, value_reason)
    for key in ("co2e_kg_per_kg", "co2e_kg_per_kg_by_mass", "water_m3_per_kg", "solid_waste_kg_per_kg",
                "reagent_kg_per_kg"):
        if reasons["mass"]:
            env[f"{key}_reason"] = reasons["mass"]
    for key in ("co2e_kg_per_kg_by_value", "water_m3_per_kg_by_value", "solid_waste_kg_per_kg_by_value",
                "reagent_kg_per_kg_by_value"):
        if reasons["value"]:
            env[f"{key}_reason"] = reasons["value"]
    return env


def _greenhouse_gases(inv: Inventory, jurisdiction: str, used: dict, flags: list) -> dict:
    """kg CO2e/yr by source (see the module equation)."""
    grid, gas, boiler = fx.electricity_factor(jurisdiction), fx.fuel_factor("natural_gas"), fx.boiler_efficiency()
    used.update({f.name: f for f in (grid, gas, boiler)})
    reagents = {}
    for name, kg in inv.reagents_kg.items():
        f = fx.reagent_factor(name)
        used[f.name] = f
        if f.absent and np.any(kg > 0):
            flags.append(f"no cradle-to-gate factor for reagent {name}: counted as 0 kg CO2e "
                         f"({fx.FACTORS_FILE.name} [{f.name}])")
        reagents[name] = kg * (f.value or 0.0)
    for key in inv.other_utilities:
        flags.append(f"utility {key} has no impact factor: not counted")
    out = {"electricity": inv.electricity_kwh * grid.value, "fuel": inv.fuel_gj * gas.value,
           "steam": inv.heat_gj / boiler.value * gas.value,
           "reagents": sum(reagents.values(), np.zeros_like(inv.feed_kg)),
           "process_co2": inv.process_co2_kg}
    out["total"] = sum(out.values())
    out["reagents_by_name"] = reagents
    return out


def _shares(result, oxide: dict) -> tuple[dict, dict, str]:
    """Mass and value allocation shares per product (value NaN without economics)."""
    n = result.n_samples
    total = sum(oxide.values(), np.zeros(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        mass = {p: np.where(total > 0, m / total, np.nan) for p, m in oxide.items()}
    econ = result.extra.get("economics")
    if econ is None:
        return mass, {p: np.full(n, np.nan) for p in oxide}, "no economics in this run: value allocation needs revenue"
    revenue = {p: np.zeros(n) for p in oxide}
    for line in econ.costs.revenue:
        if line["product"] in revenue:
            revenue[line["product"]] = revenue[line["product"]] + np.asarray(line["revenue_usd_per_year"], float)
    r_total = sum(revenue.values(), np.zeros(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = {p: np.where(r_total > 0, r / r_total, np.nan) for p, r in revenue.items()}
    return mass, value, "" if np.all(r_total > 0) else "no revenue: value allocation undefined"


def _per_kg(yearly: np.ndarray, share: dict, oxide: dict) -> dict:
    """``yearly x share_p / oxide_p`` per product (NaN where the product has no oxide)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {p: np.where(oxide[p] > 0, yearly * share[p] / oxide[p], np.nan) for p in oxide}


def _product_reasons(oxide: dict, value_reason: str) -> dict:
    mass = {p: "the product holds no oxide in this run" for p, m in oxide.items() if np.all(m <= 0)}
    value = dict(mass)
    if value_reason:
        value.update({p: value_reason for p in oxide if p not in value})
    return {"mass": mass, "value": value}


def _inventory_dict(inv: Inventory, oxide: dict) -> dict:
    per_year = {"electricity_kwh": inv.electricity_kwh, "fuel_gj": inv.fuel_gj, "heat_duty_gj": inv.heat_gj,
                "reagents_kg": dict(inv.reagents_kg), "fresh_water_m3": inv.water_m3, "air_kg": inv.air_kg,
                "feed_dry_kg": inv.feed_kg, "process_co2_kg": inv.process_co2_kg,
                **{f"{cls}_wet_kg": inv.total_by_class(cls) for cls in TERMINAL_CLASSES},
                "residues_dry_kg": inv.total_by_class("residues", "dry_kg"),
                **{f"{k}_per_year": v for k, v in inv.other_utilities.items()}}
    total_oxide = sum(oxide.values(), np.zeros_like(inv.feed_kg))
    with np.errstate(divide="ignore", invalid="ignore"):
        def per(v):
            return {k: per(x) for k, x in v.items()} if isinstance(v, dict) else np.where(total_oxide > 0, v / total_oxide, np.nan)
        per_kg = {k: per(v) for k, v in per_year.items()}
    return {"per_year": per_year, "per_kg_oxide": per_kg,
            "per_kg_oxide_basis": "per kg of all products' contained oxide (mass allocation: the same for every product)",
            "reagent_operations": inv.reagent_operations}


def _radionuclide_dicts(inv: Inventory, feedstock) -> dict:
    """Th, U (and Ra) in every residue, product, effluent and purge: ppm, Bq/g, shares of input."""
    level = fx.exemption_level()
    activity = {nuc: element_specific_activity(nuc) for nuc in NUCLIDES}
    streams, residues = {}, {}
    for name, s in inv.streams.items():
        if s["class"] == "emissions":
            continue
        basis = np.where(s["dry_kg"] > 0, s["dry_kg"], s["wet_kg"])
        row = {"class": s["class"], "wet_kg_per_year": s["wet_kg"], "dry_kg_per_year": s["dry_kg"],
               "concentration_basis": "dry solids (with the Th, U, Ra of the entrained liquor)"
               if s["solid_phase"] else "whole stream"}
        above = np.zeros_like(basis, dtype=bool)
        for nuc in NUCLIDES:
            el = _NUCLIDE_ELEMENT[nuc]
            if not feedstock.known(el):
                row[f"{el}_ppm"] = None
                row[f"{nuc}_Bq_per_g"] = None
                row[f"{el}_reason"] = (f"the feedstock gives no {el} value (feedstock.known('{el}') is false)"
                                       + ("; Ra-226 is modelled only where the feedstock gives Ra" if el == "Ra" else ""))
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                ppm = np.where(basis > 0, s[f"{el}_kg"] / basis * 1e6, 0.0)
                share = np.where(inv.element_in_kg[_index(el)] > 0, s[f"{el}_kg"] / inv.element_in_kg[_index(el)], np.nan)
            bq = activity_concentration(ppm, nuc)
            row.update({f"{el}_ppm": ppm, f"{nuc}_Bq_per_g": bq, f"{el}_share_of_input": share})
            above = above | (bq > level.value)
        row["above_exemption_level"] = above
        streams[name] = row
        if s["class"] == "residues":
            residues[name] = row
    return {"residues": residues,
            "radionuclides": {"exemption_level_Bq_per_g": level.value, "exemption_source": level.source,
                              "specific_activity_Bq_per_g_of_element": activity, "streams": streams}}


def _index(element: str) -> int:
    from redmud.streams import COMPONENT_INDEX
    return COMPONENT_INDEX[element]


def environment_metrics(env: dict) -> dict[str, np.ndarray]:
    """Flat per-sample columns (units in the names) for sweeps and Monte Carlo tables."""
    cols = {"env_co2e_kg_per_year": env["co2e_kg_per_year"]["total"],
            "env_process_co2_kg_per_year": env["co2e_kg_per_year"]["process_co2"],
            "env_fresh_water_m3_per_year": env["inventory"]["per_year"]["fresh_water_m3"]}
    for p in env["co2e_kg_per_kg"]:
        cols[f"env_co2e_kg_per_kg_{p}_mass"] = env["co2e_kg_per_kg_by_mass"][p]
        cols[f"env_co2e_kg_per_kg_{p}_value"] = env["co2e_kg_per_kg_by_value"][p]
        cols[f"env_water_m3_per_kg_{p}"] = env["water_m3_per_kg"][p]
        cols[f"env_solid_waste_kg_per_kg_{p}"] = env["solid_waste_kg_per_kg"][p]
        cols[f"env_reagent_kg_per_kg_{p}"] = env["reagent_kg_per_kg"][p]
    for name, row in env["residues"].items():
        for key in ("Th_ppm", "U_ppm", "Th232_Bq_per_g", "U238_Bq_per_g"):
            value = row.get(key)
            cols[f"env_{key}_{name}"] = np.nan if value is None else value
    return cols
