"""Calcination in air: an oxalate, hydroxide or any other solid (with its entrained liquor) to oxides.

Every metal leaves in the ``product`` as its default oxide (:data:`redmud.chemistry.DEFAULT_OXIDES`:
Sc2O3, CeO2, Pr6O11, Tb4O7, Fe2O3, CaO ...; Ra as RaO); the salts of the entrained liquor stay in
the solid. Carbon burns fully to CO2 (oxalate -> CO + CO2, the CO burnt in air), hydrogen leaves
as water vapour (hydrate, hydroxide and liquor water), nitrogen as N2/NOx. For example

.. math:: Sc_2(C_2O_4)_3{\\cdot}5H_2O + \\tfrac{3}{2} O_2 \\rightarrow Sc_2O_3 + 6\\,CO_2 + 5\\,H_2O

(the PrOMMiS form: RE2(C2O4)3.10H2O + 1.5 O2 -> RE2O3 + 6 CO2 + 10 H2O). The O2 the
reactions need comes from air as the added stream ``air_O2`` (N2 is not tracked).

Sulfate and chloride leave only where the temperature supports it (:func:`anion_retention`);
otherwise S (as SO3) and Cl stay in the product and lower its purity. Heat duty follows the REEPS
approach (sensible heat of the product + heating and evaporation of water, see :func:`heat_duty_kw`);
the exotherm of CO combustion is not credited and the sensible heat of the off-gas is not
charged. Data and sources: ``redmud/data/calcination.toml``.
"""

from __future__ import annotations

import numpy as np

from redmud.chemistry import ATOMIC_WEIGHTS, DEFAULT_OXIDES, KEY_ELEMENTS, RARE_EARTHS, \
    molar_mass, oxide_factor, parse_formula
from redmud.operations.base import Equipment, OperationResult, OperationSpec, Param
from redmud.operations.common import LIQUOR_CHARGE, MOLAR_MASS, component_rows
from redmud.paths import DATA_DIR
from redmud.streams import COMPONENT_INDEX as CI
from redmud.streams import N_COMPONENTS, PHASE_INDEX, Stream
from redmud.tomlfile import load_toml

_DATA = load_toml(DATA_DIR / "calcination.toml")
_DEF, _CONST, _ANIONS = _DATA["defaults"], _DATA["constants"], _DATA["anions"]
ZERO_C = 273.15
AMBIENT_K = _CONST["ambient"]["value"] + ZERO_C
LATENT_HEAT = _CONST["latent_heat_water"]["value"]        # [kJ/kg]
CP_WATER = _CONST["heat_capacity_water"]["value"]         # [kJ/(kg K)]
M_H2O = molar_mass("H2O")
T_SULFATE_RE = _ANIONS["sulfate_rare_earth"]["value"] + ZERO_C
T_SULFATE_FEAL = _ANIONS["sulfate_fe_al"]["value"] + ZERO_C
T_CHLORIDE = _ANIONS["chloride_bound"]["value"] + ZERO_C

#: Oxide oxygen per metal atom of the product [kmol O / kmol metal]; Ra as RaO.
OXIDE_O = np.zeros(N_COMPONENTS)
for _el, _ox in DEFAULT_OXIDES.items():
    if _el != "S":
        _atoms = parse_formula(_ox)
        OXIDE_O[CI[_el]] = _atoms["O"] / _atoms[_el]
OXIDE_O[CI["Ra"]] = 1.0
#: Components that stay in the product (metals, P, Si and the inert remainder ``other``).
TO_PRODUCT = OXIDE_O > 0
TO_PRODUCT[CI["other"]] = True

#: Cation charge that can hold sulfate/chloride, per anion-holding group.
_CHARGE = np.where(LIQUOR_CHARGE > 0, LIQUOR_CHARGE, 0.0)
_STABLE = np.isin(np.arange(N_COMPONENTS), [CI[e] for e in _ANIONS["stable_metals"]])
_FEAL = np.isin(np.arange(N_COMPONENTS), [CI[e] for e in _ANIONS["feal_metals"]])
_OTHER = (_CHARGE > 0) & ~_STABLE & ~_FEAL & TO_PRODUCT
#: Cation equivalents per kmol of each component, one row per group (stable, other, Fe/Al).
_CAPACITY = np.array([_CHARGE * mask for mask in (_STABLE, _OTHER, _FEAL)])
_VOLATILE = ("C", "H", "N", "S", "Cl", "F", "O")


def _fill(demand, capacities):
    """Allocate ``demand`` to ``capacities`` in order; return the takes and what is left."""
    takes = []
    for cap in capacities:
        take = np.minimum(demand, cap)
        takes.append(take)
        demand = demand - take
    return takes, demand


def anion_retention(n_kmol, temperature_k, components=None):
    """Sulfur, chlorine and fluorine kept in the calcined product [kmol/h].

    Sulfate (2 eq per S), then chloride, then fluoride are bound to the cation equivalents
    :math:`\\sum z_i n_i` of three groups in turn: alkali/alkaline-earth metals (Na, K, Ca, Mg,
    Ra; their salts stay), the rare earths and other metals (sulfate leaves at or above
    1100 C, La2O2SO4 -> La2O3, Poston et al. 2003), and Fe/Al (sulfate leaves at or above
    830 C, Al2(SO4)3, Nippon Kagaku Kaishi 2000). Chloride bound to the last two groups leaves at
    or above 900 C (assumed); bound fluoride stays; unbound (free-acid) anions volatilise.
    ``n_kmol`` is ``(component, sample)`` over every component, or over ``components`` (their
    indices, S, Cl and F among them); returns (S, Cl, F) retained, each ``(sample,)``.
    """
    comps = np.arange(N_COMPONENTS) if components is None else np.asarray(components)
    s_n, cl_n, f_n = (n_kmol[np.searchsorted(comps, CI[el])] for el in ("S", "Cl", "F"))
    caps = list(_CAPACITY[:, comps] @ n_kmol)
    t = np.asarray(temperature_k)
    s_takes, _ = _fill(2 * s_n, caps)
    caps = [c - s for c, s in zip(caps, s_takes)]
    cl_takes, _ = _fill(cl_n, caps)
    caps = [c - s for c, s in zip(caps, cl_takes)]
    f_takes, _ = _fill(f_n, caps)
    s_kept = (s_takes[0] + s_takes[1] * (t < T_SULFATE_RE) + s_takes[2] * (t < T_SULFATE_FEAL)) / 2
    cl_kept = cl_takes[0] + (cl_takes[1] + cl_takes[2]) * (t < T_CHLORIDE)
    f_kept = f_takes[0] + f_takes[1] + f_takes[2]
    return np.minimum(s_kept, s_n), np.minimum(cl_kept, cl_n), np.minimum(f_kept, f_n)


def heat_duty_kw(water_kg_h, product_kg_h, temperature_k, cp_oxide_kj_kg_k):
    """Heat duty of a calciner [kW] (REEPS approach: sensible heat + water evaporation).

    .. math:: Q = \\frac{m_w\\,[c_{p,w}(373.15 - T_0) + \\Delta h_{vap}] + m_p\\,c_{p,ox}(T - T_0)}{3600}

    m_w water driven off (free, hydrate and hydroxide water) and m_p product [kg/h];
    c_p,w = 4.18 kJ/(kg K), Delta h_vap = 2257 kJ/kg (IAPWS-IF97 steam tables);
    c_p,ox [kJ/(kg K)] (0.640, Sc2O3); T0 = 298.15 K. The CO-combustion exotherm is not
    credited and the off-gas sensible heat not charged (Qi 2018 via REEPS).
    """
    water = np.asarray(water_kg_h) * (CP_WATER * (373.15 - AMBIENT_K) + LATENT_HEAT)
    solid = np.asarray(product_kg_h) * cp_oxide_kj_kg_k * (np.asarray(temperature_k) - AMBIENT_K)
    return (water + solid) / 3600.0


def _run(inlets, params, context) -> OperationResult:
    feed = inlets["feed"]
    sizes = [feed.n_samples] + [np.size(v) for v in params.values() if not isinstance(v, str)]
    n = max(sizes)
    # every phase (entrained liquor salts stay), over the components the feed holds and the
    # volatile ones (a component it does not hold is zero: nothing to calcine)
    comps = np.union1d(feed.rows % N_COMPONENTS, [CI[el] for el in _VOLATILE])
    at = component_rows(comps)
    total = np.broadcast_to(feed.components(comps), (comps.size, n))
    kmol = {el: total[at[el]] / ATOMIC_WEIGHTS[el] for el in _VOLATILE}
    t = np.broadcast_to(params["temperature"], (n,)).astype(float)

    s_kept, cl_kept, f_kept = anion_retention(total / MOLAR_MASS[comps, None], t, comps)
    product = np.empty((comps.size, n))
    np.multiply(total, TO_PRODUCT[comps, None], out=product)
    product[at["S"]] = s_kept * ATOMIC_WEIGHTS["S"]
    product[at["Cl"]] = cl_kept * ATOMIC_WEIGHTS["Cl"]
    product[at["F"]] = f_kept * ATOMIC_WEIGHTS["F"]
    # oxide O, plus SO3 per retained S; each retained halide replaces half an oxide O
    o_product = (OXIDE_O / MOLAR_MASS)[comps] @ total + 3 * s_kept - 0.5 * (cl_kept + f_kept)
    product[at["O"]] = np.maximum(o_product, 0.0) * ATOMIC_WEIGHTS["O"]

    gas = {el: total[at[el]] for el in ("C", "H", "N")}
    for el in ("S", "Cl", "F"):
        gas[el] = np.maximum(total[at[el]] - product[at[el]], 0.0)
    # least O the gas needs: CO2, H2O (H not leaving as HCl/HF), SO2; N as N2
    h_water = np.maximum(kmol["H"] - gas["Cl"] / ATOMIC_WEIGHTS["Cl"] - gas["F"] / ATOMIC_WEIGHTS["F"], 0.0)
    o_gas_min = 2 * kmol["C"] + 0.5 * h_water + 2 * gas["S"] / ATOMIC_WEIGHTS["S"]
    o_air = np.maximum(np.maximum(o_product, 0.0) + o_gas_min - kmol["O"], 0.0)
    o_air_kg = o_air * (1 + params["excess_oxygen"]) * ATOMIC_WEIGHTS["O"]
    gas["O"] = np.maximum(total[at["O"]] + o_air_kg - product[at["O"]], 0.0)

    air = Stream.from_phases({"gas": {"O": o_air_kg}}, n)

    product_kg = product.sum(axis=0)
    water_kg = h_water / 2 * M_H2O
    duty = heat_duty_kw(water_kg, product_kg, t, params["heat_capacity_oxide"])
    energy_key = "fuel_kW" if params["heating"] == "fuel" else "electricity_kW"
    feed_solids = np.broadcast_to(feed.total("solid"), (n,))
    calciner = Equipment(kind="calciner", size=feed_solids, size_unit="kg/h",
                         note="sized by dry solids feed; heat duty in info['heat_duty_kW']")

    with np.errstate(divide="ignore", invalid="ignore"):
        def share(x):
            return np.where(product_kg > 0, x / product_kg, np.nan)
        def oxide(el):                   # kg/h of an element's oxide in the product
            return product[at[el]] * oxide_factor(DEFAULT_OXIDES[el]) if el in at else np.zeros(n)
        info = {f"purity_{DEFAULT_OXIDES[el]}": share(oxide(el)) for el in KEY_ELEMENTS + ("Th", "U")}
        info["purity_TREO"] = share(sum(oxide(el) for el in RARE_EARTHS))
        info["heat_duty_kW"] = duty
        info["product_per_feed_solids"] = np.where(feed_solids > 0, product_kg / feed_solids, np.nan)
        for el in ("S", "Cl"):
            fed = total[at[el]]
            info[f"{el}_retained_fraction"] = np.where(fed > 0, product[at[el]] / fed, 0.0)
        info["O2_from_air_kg_h"] = o_air_kg
    outlets = {"product": Stream.from_rows(PHASE_INDEX["solid"] * N_COMPONENTS + comps, product),
               "offgas": Stream.from_phases({"gas": gas}, n)}
    return OperationResult(outlets=outlets,
                           added={"air_O2": air}, equipment={"calciner": calciner},
                           consumption={energy_key: duty / params["efficiency"]}, info=info)


def _p(key, description, bounds, unit=None):
    record = _DEF[key]
    return Param(unit or record["unit"], record["value"] if record["unit"] != "degC"
                 else f"{record['value']} degC", f"{description} ({record['note']})",
                 _DATA["sources"].get(record.get("source", ""), "see redmud/data/calcination.toml"),
                 bounds, tag=record["tag"])


PARAMS = {
    "temperature": _p("temperature", "calcination temperature", (573.15, 1573.15), unit="K"),
    "efficiency": _p("efficiency", "thermal efficiency of the calciner", (0.1, 1.0)),
    "excess_oxygen": _p("excess_oxygen", "O2 from air beyond the stoichiometric demand", (0, 5)),
    "heat_capacity_oxide": _p("heat_capacity_oxide", "heat capacity of the oxide product",
                              (0.3, 1.5)),
    "heating": Param("", "fuel", "'fuel' (fired calciner: consumption fuel_kW) or 'electric' "
                     "(electricity_kW)", _DATA["sources"]["reeps"], kind="choice",
                     choices=("fuel", "electric"), tag="literature"),
}

SPECS = {
    "calcination": OperationSpec(
        name="calcination",
        description="Calcination in air of a precipitate (oxalate, hydroxide or any solid) to "
                    "oxides; off-gas CO2, H2O and volatilised S/Cl",
        inlets=("feed",), outlets=("product", "offgas"), parameters=PARAMS, run=_run),
}
