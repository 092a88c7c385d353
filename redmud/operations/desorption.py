"""Ammonium sulfate desorption of ion-adsorption (regolith-hosted) rare-earth clays.

NH4+ exchanges for the rare earths and the aluminium held on the clay's exchange sites:

    2 [clay]3-RE + 3 (NH4)2SO4 -> 2 [clay]3-(NH4)3 + RE2(SO4)3(aq)

(3 NH4+ per RE3+, cjre2024; Al3+ likewise). Only the exchangeable share of the ore's REY can
leach; of it a share ``leaching_efficiency`` reaches the leachate. The ammonium not taken up stays
in the liquor: in the leachate and in the lixiviant the leached ore retains (the residual
ammonium of in-situ and heap leaching). If the lixiviant holds less NH4+ than the exchange
needs, every exchange is scaled down to the NH4+ available. Data and sources:
``redmud/data/desorption.toml``.

In these liquors N is ammonium (+1), not nitrate: :data:`AMMONIUM_LIQUOR_CHARGE` is the charge
vector to use with :func:`redmud.operations.common.free_acid_kmol_h`.
"""

from __future__ import annotations

import numpy as np

from redmud.chemistry import ATOMIC_WEIGHTS, LANTHANIDES_AND_Y, molar_mass
from redmud.operations.base import Equipment, OperationResult, OperationSpec, load_parameters
from redmud.operations.common import LIQUOR_CHARGE, MOLAR_MASS, reagent_stream, with_changes
from redmud.operations.separation import solid_liquid_split
from redmud.paths import DATA_DIR
from redmud.streams import COMPONENT_INDEX, mix
from redmud.tomlfile import load_toml

_DATA_PATH = DATA_DIR / "desorption.toml"
_DATA = load_toml(_DATA_PATH)
_EXCHANGE = {k: v["value"] for k, v in _DATA["ammonium_sulfate_desorption"]["exchange"].items()}

#: Liquor charges with N as ammonium (+1) instead of nitrate (-1).
AMMONIUM_LIQUOR_CHARGE = LIQUOR_CHARGE.copy()
AMMONIUM_LIQUOR_CHARGE[COMPONENT_INDEX["N"]] = 1.0

#: Gravitational acceleration [m/s^2] (standard gravity, exact) and water density [kg/m^3].
G = 9.80665
RHO_WATER = 1000.0

_AL, _N, _H = COMPONENT_INDEX["Al"], COMPONENT_INDEX["N"], COMPONENT_INDEX["H"]


# --- physics ----------------------------------------------------------------------------------

def exchangeable_ree_leached_kmol_h(ree_kmol_h, exchangeable_fraction, leaching_efficiency):
    """REY desorbed per element [kmol/h]: :math:`L_i = \\eta \\, \\varepsilon \\, n_i`, with
    :math:`\\varepsilon` the exchangeable share (SEG review: > ~50 %) and :math:`\\eta` the
    leaching efficiency."""
    return np.asarray(ree_kmol_h) * np.asarray(exchangeable_fraction) * np.asarray(leaching_efficiency)


def ammonium_limited_scale(ammonium_kmol_h, ammonium_needed_kmol_h):
    """Scale on every exchange when the lixiviant is short of NH4+ [-]:
    :math:`\\min(1, n_{NH_4}/n_{needed})`, both [kmol/h]. Stoichiometry: every exchange
    shrinks alike to the NH4+ supplied, the needs from desorption.toml's NH4+ per RE3+ and per
    Al3+ (sources there)."""
    a, need = np.asarray(ammonium_kmol_h, float), np.asarray(ammonium_needed_kmol_h, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(need > a, a / np.where(need > 0, need, 1.0), 1.0)


def pump_power_kw(flow_m3_h, head_m, efficiency):
    """Pump shaft power [kW]: :math:`P = \\rho g H Q / \\eta` with Q [m^3/h], H [m], eta [-]:
    the hydraulic power rho g H Q over the pump's efficiency (the definition of pump efficiency,
    e.g. Perry's Chemical Engineers' Handbook, 8th ed., section 10)."""
    return RHO_WATER * G * np.asarray(head_m) * np.asarray(flow_m3_h) / 3600.0 / np.asarray(efficiency) / 1000.0


# --- operation --------------------------------------------------------------------------------

def run_desorption(inlets, params, context) -> OperationResult:
    """Heap or in-situ leaching of an ion-adsorption clay with (NH4)2SO4."""
    ore = inlets["ore"]
    dry_ore = ore.total("solid")
    water = params["liquid_solid"] * dry_ore                            # kg/h (1 kg/L)
    salt = params["lixiviant_concentration"] * water / 1000.0           # kg/h (NH4)2SO4
    added = {"(NH4)2SO4": reagent_stream("(NH4)2SO4", salt), "water": reagent_stream("H2O", water)}
    lixiviant = mix(*added.values())
    feed = mix(ore, lixiviant)
    n = feed.n_samples

    # the REY and Al the ore holds (a row a stream does not keep is zero: nothing to exchange)
    elements = [el for el in LANTHANIDES_AND_Y if feed.holds(el, "solid")]
    ree_ore = np.array([feed.component(el, "solid") / ATOMIC_WEIGHTS[el] for el in elements]).reshape(-1, n)
    ree = exchangeable_ree_leached_kmol_h(ree_ore, params["exchangeable_fraction"],
                                          params["leaching_efficiency"])
    al = np.minimum(params["al_per_ree"] * ree.sum(axis=0), feed.component("Al", "solid") / MOLAR_MASS[_AL])
    needed = _EXCHANGE["nh4_per_ree"] * ree.sum(axis=0) + _EXCHANGE["nh4_per_al"] * al
    ammonium = feed.component("N", "aqueous") / MOLAR_MASS[_N]          # all liquor N as NH4+
    scale = ammonium_limited_scale(ammonium, needed)
    ree, al, taken_up = ree * scale, al * scale, needed * scale

    moved_kg = {el: kmol * ATOMIC_WEIGHTS[el] for el, kmol in zip(elements, ree)}
    if feed.holds("Al", "solid"):
        moved_kg["Al"] = al * MOLAR_MASS[_AL]
    # RE3+ and Al3+ into the liquor, NH4+ (as N and 4 H) onto the clay
    exchanged = {"N": 1.0 * taken_up * MOLAR_MASS[_N], "H": 4.0 * taken_up * MOLAR_MASS[_H]}
    changes = {"solid": {**{el: -kg for el, kg in moved_kg.items()}, **exchanged},
               "aqueous": {**moved_kg, **{el: -kg for el, kg in exchanged.items()}}}
    # where all Al or all NH4+ is exchanged, kmol/kg round trips can leave -1e-16 kg/h
    slurry = with_changes(feed, changes, n)
    tailings, leachate, _ = solid_liquid_split(slurry, 1.0 / (1.0 + params["retained_liquor"]))

    lix_m3 = lixiviant.total() / RHO_WATER
    leach_m3 = leachate.total("aqueous") / RHO_WATER
    hold = params["pond_residence_time"]
    litres = np.maximum(leachate.total("aqueous"), 1e-300)
    info = {"ammonium_scale": scale,
            "nh4_taken_up_kg_h": taken_up * molar_mass("NH4"),
            "nh4_n_leachate_mg_L": leachate.component("N", "aqueous") * 1e6 / litres,
            "ammonium_excess": np.where(needed > 0, ammonium / np.where(needed > 0, needed, 1.0), np.inf)}
    # desorbed: share of the ore's element moved into the liquor; recovery: share in the leachate
    # (the rest of the desorbed metal leaves in the liquor the tailings retain)
    for element in ("Y", "La", "Ce", "Nd", "Dy", "Al", "Sc", "Th", "U"):
        total = np.broadcast_to(ore.component(element), (n,))
        safe = np.where(total > 0, total, 1.0)
        desorbed = moved_kg.get(element, np.zeros(n))
        info[f"desorbed_{element}"] = np.where(total > 0, desorbed / safe, 0.0)
        info[f"recovery_{element}"] = np.where(total > 0, leachate.component(element, "aqueous") / safe, 0.0)
    return OperationResult(
        outlets={"leachate": leachate, "tailings": tailings},
        added=added,
        equipment={"lixiviant_tank": Equipment(kind="storage_tank", size=lix_m3 * hold, size_unit="m^3"),
                   "leachate_pond": Equipment(kind="storage_tank", size=leach_m3 * hold, size_unit="m^3"),
                   "pumps": Equipment(kind="pump", size=lix_m3 + leach_m3, size_unit="m^3/h", count=2)},
        consumption={"electricity_kW": pump_power_kw(lix_m3 + leach_m3, params["pumping_head"],
                                                     params["pump_efficiency"])},
        info=info)


SPECS = {
    "ammonium_sulfate_desorption": OperationSpec(
        name="ammonium_sulfate_desorption",
        description="(NH4)2SO4 heap/in-situ leaching of an ion-adsorption clay: NH4+ exchanges "
                    "for RE3+ and Al3+",
        inlets=("ore",), outlets=("leachate", "tailings"),
        parameters=load_parameters(_DATA, "ammonium_sulfate_desorption", str(_DATA_PATH)),
        run=run_desorption),
}
