"""The inventory of one route evaluation: what enters and leaves the plant each year.

Read from the streams and the operations' consumption, per sample:

- energy: electricity [kWh/yr] = ``electricity_kW`` x operating hours; fuel [GJ/yr] =
  ``fuel_kW`` x hours x 0.0036 GJ/kWh; heat duty [GJ/yr] from ``heat_kW`` the same way;
- reagents [kg/yr of 100 %], counted from their key element as the cost layer does
  (``costing.operating.pure_reagent_kg_h``); the rest of an added stream is water;
- fresh water [m3/yr] = added ``water`` streams plus the water in reagent solutions, at 1 kg/L;
- every terminal stream by class (products, residues, effluents, emissions, purges): wet and
  dry mass [kg/yr] and its Th, U and Ra;
- process CO2 [kg/yr]: the carbon of every gas phase leaving the plant, as CO2
  (C x M(CO2)/M(C)): calcite and limestone neutralisation, oxalate calcination, bicarbonate
  elution. Carbon leaving in liquids or solids is not emitted and not counted.

The inventory closes with the plant balance: feed + every added stream = the terminal streams
(to the recycle tolerance), which :func:`closure` checks per sample and per element.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redmud.chemistry import ATOMIC_WEIGHTS, molar_mass
from redmud.streams import COMPONENT_INDEX, COMPONENTS, PHASE_INDEX

GJ_PER_KWH = 3.6e-3                  # 1 kWh = 3.6 MJ (definition)
WATER_KG_PER_M3 = 1000.0             # density of water, 1 kg/L (0.3 % at 4-40 degC)
CO2_PER_C = molar_mass("CO2") / ATOMIC_WEIGHTS["C"]
#: Inputs that are not reagents bought: water (reported as water) and air.
NOT_REAGENTS = ("water", "air", "air_O2", "O2")
TERMINAL_CLASSES = ("products", "residues", "effluents", "emissions", "purges")


@dataclass
class Inventory:
    """Yearly flows of one route evaluation (arrays per sample)."""

    hours_per_year: np.ndarray
    electricity_kwh: np.ndarray
    fuel_gj: np.ndarray
    heat_gj: np.ndarray
    other_utilities: dict[str, np.ndarray]
    reagents_kg: dict[str, np.ndarray]            # 100 % reagent, kg/yr
    reagent_operations: dict[str, list[str]]
    water_m3: np.ndarray                          # fresh water (added water + reagent solution water)
    air_kg: np.ndarray
    feed_kg: np.ndarray
    streams: dict[str, dict] = field(default_factory=dict)   # terminal stream -> class, masses, Th/U/Ra
    process_co2_kg: np.ndarray = 0.0
    inputs_kg: np.ndarray = 0.0                   # feed + every added stream, kg/yr
    outputs_kg: np.ndarray = 0.0                  # every terminal stream, kg/yr
    element_in_kg: np.ndarray = 0.0               # (component, sample)
    element_out_kg: dict[str, np.ndarray] = field(default_factory=dict)   # class -> (component, sample)

    def total_by_class(self, cls: str, key: str = "wet_kg") -> np.ndarray:
        return sum((s[key] for s in self.streams.values() if s["class"] == cls), np.zeros_like(self.feed_kg))


def build_inventory(result) -> Inventory:
    """The inventory of a :class:`redmud.api.RunResult` (per year, per sample)."""
    from redmud.costing.equipment import choices
    from redmud.costing.operating import pure_reagent_kg_h

    fs = result.flowsheet
    hours = np.asarray(fs.hours_per_year, dtype=float)
    n = result.n_samples
    zero = np.zeros(n)
    table = choices()["reagents"]
    reagents: dict[str, np.ndarray] = {}
    operations: dict[str, list[str]] = {}
    water_kg, air_kg = zero.copy(), zero.copy()
    inputs = fs.streams[fs.route.feed_stream].components()
    for op_id, op in fs.operations.items():
        for name, stream in op.added.items():
            total = stream.total() * hours
            inputs = inputs + stream.components()
            if name == "water":
                water_kg = water_kg + total
                continue
            if name in NOT_REAGENTS:
                air_kg = air_kg + total
                continue
            rec = table.get(name, {"formula": name, "key": "all"})
            pure = pure_reagent_kg_h(stream, rec["formula"], rec["key"]) * hours
            reagents[name] = reagents.get(name, zero) + pure
            operations.setdefault(name, []).append(op_id)
            water_kg = water_kg + np.maximum(total - pure, 0.0)   # the solution's water
    util = {k: np.broadcast_to(np.asarray(v, float), (n,)) for k, v in result.utilities.items()}
    inv = Inventory(
        hours_per_year=hours,
        electricity_kwh=util.get("electricity_kW", zero) * hours,
        fuel_gj=util.get("fuel_kW", zero) * hours * GJ_PER_KWH,
        heat_gj=util.get("heat_kW", zero) * hours * GJ_PER_KWH,
        other_utilities={k: v * hours for k, v in util.items()
                         if k not in ("electricity_kW", "fuel_kW", "heat_kW")},
        reagents_kg=reagents, reagent_operations=operations,
        water_m3=water_kg / WATER_KG_PER_M3, air_kg=air_kg,
        feed_kg=fs.streams[fs.route.feed_stream].total() * hours,
        element_in_kg=inputs * hours)
    _add_terminals(inv, result)
    return inv


def _add_terminals(inv: Inventory, result) -> None:
    fs = result.flowsheet
    hours = inv.hours_per_year
    gas, solid = PHASE_INDEX["gas"], PHASE_INDEX["solid"]
    inv.element_out_kg = {cls: np.zeros_like(inv.element_in_kg) for cls in TERMINAL_CLASSES}
    process_co2 = np.zeros_like(inv.feed_kg)
    for name, cls in fs.route.terminals.items():
        stream = fs.streams[name]
        comps = stream.components() * hours
        inv.element_out_kg[cls] = inv.element_out_kg[cls] + comps
        wet = stream.total() * hours
        dry = stream.total("solid") * hours
        process_co2 = process_co2 + stream.flows[gas, COMPONENT_INDEX["C"]] * hours * CO2_PER_C
        inv.streams[name] = {"class": cls, "wet_kg": wet, "dry_kg": dry,
                             "solid_phase": bool(np.any(stream.flows[solid] > 0)),
                             **{f"{el}_kg": comps[COMPONENT_INDEX[el]] for el in ("Th", "U", "Ra")}}
    inv.process_co2_kg = process_co2
    inv.inputs_kg = inv.element_in_kg.sum(axis=0)
    inv.outputs_kg = sum(inv.element_out_kg.values()).sum(axis=0)


def closure(inv: Inventory) -> tuple[np.ndarray, np.ndarray]:
    """Relative mismatch of the inventory: total mass per sample, and the worst element per sample.

    ``|in - out| / in`` with ``in`` the feed plus every added stream and ``out`` every terminal
    stream; an element's mismatch is taken relative to the plant's total input (an element with
    no input must leave none).
    """
    total = np.abs(inv.inputs_kg - inv.outputs_kg) / inv.inputs_kg
    out = sum(inv.element_out_kg.values())
    per_element = (np.abs(inv.element_in_kg - out) / inv.inputs_kg).max(axis=0)
    return total, per_element


def element_fate(inv: Inventory, elements=("S", "Cl", "N", "C", "Na", "Ca", "P")) -> dict:
    """Where the reagent elements go: kg/yr in (feed and reagents together) and out by class."""
    return {el: {"in_kg_per_year": inv.element_in_kg[COMPONENT_INDEX[el]],
                 **{f"{cls}_kg_per_year": inv.element_out_kg[cls][COMPONENT_INDEX[el]]
                    for cls in TERMINAL_CLASSES}}
            for el in elements if el in COMPONENTS}
