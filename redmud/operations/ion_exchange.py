"""Ion exchange: Sc-selective fixed-bed columns loaded to breakthrough, then eluted.

The SCALE pilot recovered Sc from a dilute-acid bauxite-residue leach liquor with a
Sc-selective resin (Mater. Proc. 5(1):129, 2022; shared/reference/sx.csv); Puromet MTS9580 is
a chelating resin tested on such liquors (UrFU 2024, Metals 14(2):234), eluted with NaHCO3.

Mass balance (per element i, per hour, steady cycling)::

    loaded_i = u_i * feed_i                                   (uptake to breakthrough)
    barren   = feed - loaded + z H+ released by the H-form resin (+ Na2SO4 of the
               re-acidification when a carbonate eluent leaves the resin in Na form)
    eluate   = eluent + water + loaded - (z Na or z H retained by the resin)

so that inlets + added = outlets closes for every element: the resin is a carrier of
exchangeable H+/Na+ only. Design (:func:`resin_volume_m3`): resin volume from the equivalents
loaded per cycle and the working capacity; eluent from bed volumes; resin make-up from a yearly
replacement share.
"""

from __future__ import annotations

import numpy as np

from redmud.chemistry import ATOMIC_WEIGHTS, molar_mass, parse_formula
from redmud.operations.base import Equipment, OperationResult, OperationSpec, Param
from redmud.operations.common import (LIQUOR_CHARGE, MOLAR_MASS, component_rows, formula_kmol_flows,
                                      formula_stream, phase_stream, with_changes)
from redmud.paths import DATA_DIR
from redmud.streams import COMPONENT_INDEX as CI
from redmud.streams import N_COMPONENTS
from redmud.tomlfile import load_toml

_DATA = load_toml(DATA_DIR / "ion_exchange.toml")
_DEF = _DATA["defaults"]
RESINS = tuple(_DATA["resins"])
HOURS_PER_YEAR = 8760.0
#: Eluents: formula, and the cation the resin keeps from it per equivalent loaded.
ELUENTS = {"NaHCO3": ("NaHCO3", "Na", 1), "Na2CO3": ("Na2CO3", "Na", 2),
           "H2SO4": ("H2SO4", "H", 2), "HCl": ("HCl", "H", 1)}


def uptake_fractions(resin: str) -> np.ndarray:
    """Share of each component fed that the resin takes up to breakthrough [-], over components."""
    u = np.zeros(N_COMPONENTS)
    for el, entry in _DATA["resins"][resin]["uptake"].items():
        u[CI[el]] = entry["value"]
    return u


#: Uptake shares of each resin's data entry, over components.
UPTAKE = {resin: uptake_fractions(resin) for resin in RESINS}


def capacity_eq_per_l(capacity_mg_ml):
    """Resin capacity [eq/L] from a Sc capacity [mg Sc per mL resin]: q = c / M_Sc * 3.

    (mg/mL = g/L; Sc3+ carries 3 equivalents per mol.)
    """
    return np.asarray(capacity_mg_ml) / ATOMIC_WEIGHTS["Sc"] * 3.0


def resin_volume_m3(eq_per_h, cycle_time_h, capacity_eq_l, utilisation, elution_efficiency):
    """Resin volume of one column [m^3] that holds one cycle's load at breakthrough.

    .. math:: V = \\frac{\\dot q\\, t_{cycle}}{q_{max}\\, \\phi_{bt}\\, \\eta_{el}}

    with q-dot the equivalents loaded [eq/h], t the loading time [h], q_max the capacity
    [eq/L], phi the share of capacity used at breakthrough and eta the elution efficiency (the
    un-eluted heel occupies the rest). Returns m^3 (1000 L).
    """
    return (np.asarray(eq_per_h) * cycle_time_h
            / (capacity_eq_l * utilisation * elution_efficiency) / 1000.0)


def run(inlets: dict, params: dict, context: dict) -> OperationResult:
    """Sc-selective IX on the ``feed`` liquor; outlets ``barren`` and ``eluate``."""
    feed = inlets["feed"]
    numeric = [np.size(v) for v in params.values() if not isinstance(v, str)]
    n = max([feed.n_samples, context.get("n_samples", 1), *numeric])
    p = {k: (v if isinstance(v, str) else np.broadcast_to(np.asarray(v, dtype=float), (n,)))
         for k, v in params.items()}
    formula, keeps, per_unit = ELUENTS[p["eluent"]]
    # the dissolved components the feed holds that the resin takes up: a component the feed
    # does not hold is zero, and one the resin does not take passes to the barren unchanged
    held = feed.held_components("aqueous")
    takes = held[(UPTAKE[p["resin"]][held] > 0) | (held == CI["Sc"])]
    at = component_rows(takes)
    aqueous = np.broadcast_to(feed.phase("aqueous", takes), (takes.size, n))

    u = UPTAKE[p["resin"]][takes, None] * p["uptake_scale"][None, :]
    if "Sc" in at:
        u[at["Sc"]] = p["sc_uptake"]
    u = np.clip(u, 0.0, 1.0)
    loaded_kg = aqueous * u
    loaded_eq = (loaded_kg / MOLAR_MASS[takes, None] * LIQUOR_CHARGE[takes, None]).sum(axis=0)  # keq/h

    # -- design -------------------------------------------------------------------------------------
    cap = capacity_eq_per_l(p["capacity"])
    volume = resin_volume_m3(loaded_eq * 1000.0, p["cycle_time"], cap, p["utilisation"],
                             p["elution_efficiency"])
    columns = p["columns"]
    inventory = volume * columns
    eluent_l_h = p["eluent_bed_volumes"] * volume * 1000.0 / p["cycle_time"]

    # -- eluent and the exchangeable cation the resin keeps ----------------------------------------
    needed = loaded_eq / per_unit                               # kmol/h eluent, stoichiometric
    supplied = p["eluent_concentration"] * eluent_l_h / 1000.0
    eluent_kmol = np.maximum(supplied, needed)
    added = {formula: formula_stream(formula, np.broadcast_to(eluent_kmol, (n,)))}
    water_kg = eluent_l_h * 1.0                                 # eluent made up with water, 1 kg/L
    added["water"] = formula_stream("H2O", np.broadcast_to(water_kg / molar_mass("H2O"), (n,)))

    # eluate = eluent + water + loaded - the cation the resin keeps (z per equivalent loaded)
    comps = np.union1d(takes, [CI[el] for el in (*parse_formula(formula), "H", "O", keeps)])
    eluate = np.zeros((comps.size, n))
    eluate[np.searchsorted(comps, takes)] = loaded_kg
    formula_kmol_flows(formula, eluent_kmol, comps, out=eluate)
    formula_kmol_flows("H2O", water_kg / molar_mass("H2O"), comps, out=eluate)
    eluate[np.searchsorted(comps, CI[keeps])] -= loaded_eq * ATOMIC_WEIGHTS[keeps]

    # barren = feed - loaded + the H+ released on loading
    barren = {el: -loaded_kg[k] for el, k in at.items()}
    barren["H"] = barren.get("H", 0.0) + loaded_eq * ATOMIC_WEIGHTS["H"]
    if keeps == "Na":
        # re-acidify the Na-form resin: Na+ + 1/2 H2SO4 -> H+(resin) + 1/2 Na2SO4, to the barren;
        # the H of the acid is what the resin then releases on loading
        acid = loaded_eq / 2.0
        added["H2SO4"] = formula_stream("H2SO4", np.broadcast_to(acid, (n,)))
        for el, count in (("S", acid), ("O", 4 * acid), ("Na", loaded_eq)):
            barren[el] = barren.get(el, 0.0) + count * ATOMIC_WEIGHTS[el]
    outlets = {"barren": with_changes(feed, {"aqueous": barren}, n),
               "eluate": phase_stream(n, comps, aqueous=np.maximum(eluate, 0.0))}

    equipment = {"ix_columns": Equipment(kind="ix_column", size=volume, size_unit="m^3",
                                         count=columns.astype(int), acid_service=True,
                                         material="rubber_lined",
                                         note="resin volume per column (lead, lag, elution)")}
    consumption = {"ion_exchange_resin_m3_h": inventory * p["resin_replacement"] / HOURS_PER_YEAR}
    with np.errstate(divide="ignore", invalid="ignore"):
        loaded_sc = loaded_kg[at["Sc"]] if "Sc" in at else np.zeros(n)
        info = {"resin_volume_m3": volume, "resin_inventory_m3": inventory,
                "eluent_L_h": eluent_l_h, "loaded_eq_h": loaded_eq * 1000.0,
                "eluent_raised_to_stoichiometric": supplied < needed,
                "sc_share_of_loaded_eq": np.where(loaded_eq > 0, loaded_sc / MOLAR_MASS[CI["Sc"]]
                                                  * 3 / loaded_eq, 0.0)}
        for el in ("Sc", "Y", "La", "Ce", "Nd", "Th", "U", "Ra", "Fe", "Al", "Ti", "Zr", "Ca"):
            if el not in at:                                   # not in the feed, or not taken up
                info[f"to_eluate.{el}"] = np.zeros(n)
                continue
            k = at[el]
            info[f"to_eluate.{el}"] = np.where(aqueous[k] > 0, loaded_kg[k] / aqueous[k], 0.0)
    return OperationResult(outlets=outlets, added=added, equipment=equipment,
                           consumption=consumption, info=info)


def _default(key, unit, description, bounds, kind="quantity") -> Param:
    record = _DEF[key]
    return Param(unit, record["value"], description, record["source"], bounds=bounds, kind=kind,
                 tag=record["tag"])


_MTS = _DATA["resins"]["mts9580"]
PARAMETERS = {
    "resin": Param("", "mts9580", "resin (redmud/data/ion_exchange.toml)", _MTS["source"],
                   kind="choice", choices=RESINS, tag="literature"),
    "capacity": Param("mg/mL", _MTS["capacity"]["value"], "resin Sc capacity (mg Sc per mL resin)",
                      _MTS["source"] + ": " + _MTS["capacity"]["note"], bounds=(0.1, 50.0),
                      tag="literature"),
    "sc_uptake": Param("dimensionless", _MTS["uptake"]["Sc"]["value"], "share of the Sc fed taken "
                       "up to breakthrough", _MTS["uptake"]["Sc"]["note"], bounds=(0.0, 1.0),
                       tag="literature"),
    "uptake_scale": Param("dimensionless", 1.0, "multiplier on the other elements' uptake shares "
                          "(for sensitivity; 1 = data file)", "assumed", bounds=(0.0, 50.0),
                          tag="assumed"),
    "elution_efficiency": Param("dimensionless", _MTS["elution_efficiency"]["value"],
                                "share of the load eluted per cycle", _MTS["source"],
                                bounds=(0.05, 1.0), tag="literature"),
    "eluent": Param("", _MTS["eluent"], "eluent", _MTS["source"], kind="choice",
                    choices=tuple(ELUENTS), tag="literature"),
    "eluent_concentration": Param("mol/L", _MTS["eluent_concentration"]["value"],
                                  "eluent concentration", _MTS["eluent_concentration"]["derivation"],
                                  bounds=(0.01, 12.0), tag="literature"),
    "eluent_bed_volumes": _default("eluent_bed_volumes", "dimensionless",
                                   "eluent volume per resin volume per cycle", (0.5, 20.0)),
    "utilisation": _default("utilisation", "dimensionless",
                            "share of working capacity used at breakthrough", (0.05, 1.0)),
    "cycle_time": _default("cycle_time", "h", "loading time per cycle", (1.0, 720.0)),
    "columns": _default("columns", "dimensionless", "columns (lead, lag, elution)", (1, 10), "integer"),
    "resin_replacement": _default("resin_replacement", "1/yr", "share of the resin inventory "
                                  "replaced per year (attrition)", (0.0, 1.0)),
}

SPECS = {"ion_exchange": OperationSpec(
    name="ion_exchange",
    description="Sc-selective fixed-bed ion exchange to breakthrough, elution (NaHCO3, Na2CO3, "
                "H2SO4 or HCl), resin re-acidification and make-up",
    inlets=("feed",), outlets=("barren", "eluate"), parameters=PARAMETERS, run=run)}
