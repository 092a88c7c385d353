"""Roasting: sulfation roasting of bauxite residue and oxidative roasting of bastnasite.

``sulfation_roast`` (acid bake, roast, water leach, off-gas scrubbing, in one operation):

1. Bake: concentrated H2SO4 converts a share ``s`` of every acid-soluble metal oxide to sulfate,
   :math:`MO_{z/2} + (z/2) H_2SO_4 \\to M(SO_4)_{z/2} + (z/2) H_2O`, with
   :math:`s = \\eta \\min(1, A/D)` (A the acid, D the stoichiometric demand [kmol/h]); carbonate
   leaves as CO2, chloride and fluoride as HCl and HF, moisture and hydroxyl as steam.
2. Roast at T: the excess acid volatilises (:math:`H_2SO_4 \\to SO_3 + H_2O` above its 337 C
   boiling point) and a share :math:`d_i(T)` of each metal sulfate decomposes,
   :math:`M_2(SO_4)_3 \\to M_2O_3 + 3 SO_3` (SO3 counted as SO2 + 1/2 O2 alike), from its cited
   onset temperature over a cited span. Fe sulfate decomposes from 683 C, Sc sulfate is stable
   to 850 C (JOM 2019), so Fe stays in the residue as hematite. Extraction may *fall* with T.
3. Water leach: the sulfates left dissolve, :math:`E_i = s (1 - d_i)`; CaSO4 only up to gypsum
   saturation, RaSO4 not at all (it stays with the residue).
4. Scrubbing: SO3/SO2, HF and HCl are captured with lime (gypsum and CaF2 solids, CaCl2
   liquor) or caustic soda (Na2SO4, NaF, NaCl brine).

``oxidative_roast``: :math:`REFCO_3 \\to REOF + CO_2` from 377 to 450 C, then Ce(III) to Ce(IV)
(at most 60 %) with oxygen from air; fluorine stays in the calcine unless a release is set.
Th, U and Ra stay in the calcine (an assumption, flagged in the data file: no partition for
this roast was read, and the model forms no volatile species of them).

Heat duties from reaction enthalpies (NBS tables) plus the sensible heat of the solids, over a
kiln efficiency. Data and sources: ``redmud/data/roasting.toml``.
"""

from __future__ import annotations

import numpy as np

from redmud.chemistry import LANTHANIDES_AND_Y, molar_mass, parse_formula
from redmud.operations.base import Equipment, OperationResult, OperationSpec, load_parameters
from redmud.operations.common import (LIQUOR_CHARGE, MOLAR_MASS, agitator_power_kw, clean_rounding,
                                      component_rows, compound_flows, phase_stream, reagent_stream, slurry_volume_m3_h,
                                      tank_train)
from redmud.operations.neutralisation import OXO_OXYGEN, gypsum_dissolved_kmol_h
from redmud.paths import DATA_DIR
from redmud.streams import COMPONENT_INDEX, N_COMPONENTS, Stream
from redmud.tomlfile import load_toml

_DATA_PATH = DATA_DIR / "roasting.toml"
_DATA = load_toml(_DATA_PATH)
_ENTHALPY = {k: v["value"] * 1000.0 for k, v in _DATA["enthalpy"].items()}   # kJ/kmol

#: Reference temperature of the enthalpies [K]; molar volume of an ideal gas at 0 C, 1 atm
#: [m^3/kmol] (CODATA), for the scrubber gas flow in normal m^3.
T_REF = 298.15
NORMAL_M3_PER_KMOL = 22.414
#: Oxygen and nitrogen of air, mol/mol (dry air taken as 21 % O2, 79 % N2 incl. argon).
N2_PER_O2 = 79.0 / 21.0

_I = {e: COMPONENT_INDEX[e] for e in ("H", "O", "S", "C", "N", "F", "Cl", "Ca", "Ra", "Ce")}
_REE = np.array([COMPONENT_INDEX[e] for e in LANTHANIDES_AND_Y])


def _onset_array(table: dict) -> tuple[np.ndarray, np.ndarray]:
    """Decomposition onsets [K] per component (NaN = not sulfated) and the insoluble mask."""
    onset = np.full(N_COMPONENTS, np.nan)
    insoluble = np.zeros(N_COMPONENTS, dtype=bool)
    for key, rec in table.items():
        for element in (LANTHANIDES_AND_Y if key == "REE" else (key,)):
            onset[COMPONENT_INDEX[element]] = rec["value"] + 273.15
            insoluble[COMPONENT_INDEX[element]] = rec.get("insoluble", False)
    return onset, insoluble


SULFATE_ONSET_K, SULFATE_INSOLUBLE = _onset_array(_DATA["sulfation_roast"]["decomposition_onset"])
#: Sulfate groups per sulfated metal atom, z/2 (z from LIQUOR_CHARGE: TiOSO4, UO2SO4, VOSO4 -> 1).
SULFATE_PER_ATOM = np.where(np.isnan(SULFATE_ONSET_K), 0.0, np.maximum(LIQUOR_CHARGE, 0.0) / 2.0)


# --- physics ----------------------------------------------------------------------------------

def linear_ramp(x, start, end):
    """:math:`\\mathrm{clip}((x - x_0)/(x_1 - x_0), 0, 1)` [-], the shape of every temperature
    window here (0 below the onset, 1 above the completion); x, x_0, x_1 in one unit (K here).
    The linear shape is an assumption; each window's ends and their sources are in
    roasting.toml."""
    x, start, end = np.asarray(x, float), np.asarray(start, float), np.asarray(end, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip((x - start) / np.maximum(end - start, 1e-12), 0.0, 1.0)


def sulfate_decomposed_fraction(temperature_k, span_k, onset_k=SULFATE_ONSET_K):
    """Share of each metal sulfate decomposed at a roast temperature [-], (component, sample).

    .. math:: d_i = \\mathrm{clip}\\left(\\frac{T - T_{on,i}}{\\Delta T}, 0, 1\\right)

    T_on from JOM (2019), Poston et al. (2003) and the sulfate table in roasting.toml; the span
    :math:`\\Delta T` = 150 K from the 810-960 K decomposition of anhydrous Fe2(SO4)3. 0 for
    elements that are not sulfated.
    """
    # the ramp of linear_ramp, written in place: at 1e5 samples its temporaries dominated
    d = np.subtract(np.atleast_1d(np.asarray(temperature_k, float))[None, :], onset_k[:, None])
    d /= np.maximum(np.atleast_1d(np.asarray(span_k, float)), 1e-12)[None, :]
    np.clip(d, 0.0, 1.0, out=d)
    d[np.isnan(onset_k)] = 0.0
    return d


def sulfation_fraction(acid_kmol_h, demand_kmol_h, efficiency):
    """Share of each acid-soluble metal sulfated in the bake [-].

    .. math:: s = \\eta \\, \\min\\left(1, \\frac{A}{D}\\right), \\qquad D = \\sum_i \\frac{z_i}{2} n_i

    with A the acid [kmol/h], D the stoichiometric demand of the sulfatable metals [kmol/h] and
    :math:`\\eta` the bake efficiency (90 %, calibrated on JOM 2019).
    """
    A, D = np.asarray(acid_kmol_h, float), np.asarray(demand_kmol_h, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(D > 0, np.minimum(A / np.where(D > 0, D, 1.0), 1.0), 1.0)
    return np.asarray(efficiency) * ratio


class Charge:
    """The rows a roast works on: the components its feed holds in any phase and those its
    reactions write (``comps``, sorted component indices; ``at``, each component's row). A
    component the feed does not hold is zero, so it neither reacts nor is carried."""

    def __init__(self, components):
        self.comps = np.unique(np.asarray(components, dtype=np.intp))
        self.at = component_rows(self.comps)
        self.molar_mass = MOLAR_MASS[self.comps, None]

    @classmethod
    def of_feed(cls, feed: Stream, reacting) -> "Charge":
        held = [feed.held_components(p) for p in ("solid", "aqueous", "gas")]
        return cls(np.concatenate(held + [[COMPONENT_INDEX[e] for e in reacting]]))

    def rows_of(self, other: "Charge") -> np.ndarray:
        """The rows here of another charge's components (all of them here)."""
        return np.searchsorted(self.comps, other.comps)

    def kmol(self, kg_h, n: int) -> np.ndarray:
        """kg/h ``(row, sample|1)`` to kmol/h, an array of its own ``(row, n)``."""
        return np.broadcast_to(kg_h / self.molar_mass, (self.comps.size, n)).copy()

    def kg(self, kmol_h) -> np.ndarray:
        return kmol_h * self.molar_mass

    def formula(self, formula: str, kmol_h, n: int) -> np.ndarray:
        """Element flows [kmol/h] ``(row, sample)`` of ``kmol_h`` of a compound."""
        out = np.zeros((self.comps.size, n))
        for element, count in parse_formula(formula).items():
            out[self.at[element]] = count * np.asarray(kmol_h, dtype=float)
        return out


#: Elements the roasts' reactions write: volatiles, sulfate, the scrubber reagents and products.
_REACTING = ("H", "O", "S", "C", "N", "F", "Cl", "Ca", "Na", "Ra", "Ce")


def _release_volatiles(solid, gas, at, fluoride_release, chloride_release=1.0):
    """Steam, CO2, N2, HCl and HF leave a solid charge (kmol/h arrays over a :class:`Charge`'s
    rows ``at``, changed in place).

    H -> H2O taking 1/2 O per H from the solid; C (carbonate) -> CO2 taking 2 O per C; N -> N2;
    shares of Cl and F -> HCl/HF with H from 1/2 H2O per halogen (kiln-gas
    moisture), whose O stays in the solid (the oxide that replaces the halide). Returns the water
    [kmol/h] so supplied and the water evaporated [kmol/h].
    """
    h, c = solid[at["H"]].copy(), solid[at["C"]].copy()
    evaporated = h / 2.0
    for row, amount in ((at["H"], h), (at["O"], h / 2.0 + 2.0 * c), (at["C"], c)):
        solid[row] -= amount
        gas[row] += amount
    gas[at["N"]] += solid[at["N"]]
    solid[at["N"]] = 0.0
    cl = chloride_release * solid[at["Cl"]]
    f = fluoride_release * solid[at["F"]]
    halogen = cl + f
    for row, amount in ((at["Cl"], cl), (at["F"], f)):
        solid[row] -= amount
        gas[row] += amount
    gas[at["H"]] += halogen
    solid[at["O"]] += halogen / 2.0
    return halogen / 2.0, evaporated


def scrub(gas, efficiency, reagent, stoichiometric_ratio):
    """Capture SO3 (as SO2 + 1/2 O2 alike), HF and HCl from a gas [kmol/h, ``{element: array}``].

    Lime: :math:`SO_3 + Ca(OH)_2 + H_2O \\to CaSO_4 \\cdot 2H_2O`,
    :math:`2HF + Ca(OH)_2 \\to CaF_2 + 2H_2O`, :math:`2HCl + Ca(OH)_2 \\to CaCl_2(aq) + 2H_2O`.
    Caustic: :math:`SO_3 + 2NaOH \\to Na_2SO_4 + H_2O`, :math:`HX + NaOH \\to NaX + H_2O`.
    Returns (the :class:`Charge` of the scrubber's elements, and over its rows the captured
    gas, then reagent fed [kmol/h], hydration water [kmol/h], then the solid and liquor
    products), element flows in kmol/h; the reagent excess (``stoichiometric_ratio`` - 1)
    leaves with the solid (lime) or the liquor (caustic). ``efficiency`` [-] and
    ``stoichiometric_ratio`` [-]: the stoichiometry of the reactions above, with the capture
    efficiency and reagent excess of roasting.toml (sources there: the Lynas LAMP kiln's
    scrubbed HF and SO3 off-gas, and the flagged reagent excess).
    """
    rows = Charge([COMPONENT_INDEX[e] for e in ("S", "O", "F", "Cl", "H", "Ca", *parse_formula(reagent))])
    n = gas["S"].shape[0]
    s, f, cl = (efficiency * gas[e] for e in ("S", "F", "Cl"))
    captured = np.zeros((rows.comps.size, n))
    for e, amount in (("S", s), ("O", 3 * s), ("F", f), ("Cl", cl), ("H", f + cl)):
        captured[rows.at[e]] = amount
    base_equivalents = 2 * s + f + cl
    if reagent == "Ca(OH)2":
        fed = stoichiometric_ratio * base_equivalents / 2.0
        water = s                                             # hydrate water of gypsum
        solid = (rows.formula("CaSO4(H2O)2", s, n) + rows.formula("CaF2", f / 2.0, n)
                 + rows.formula("Ca(OH)2", fed - base_equivalents / 2.0, n))
    else:
        fed = stoichiometric_ratio * base_equivalents
        water = np.zeros(n)
        solid = np.zeros_like(captured)
    supplied = captured + rows.formula(reagent, fed, n) + rows.formula("H2O", water, n)
    liquor = clean_rounding(supplied - solid, supplied.sum(axis=0))
    return rows, captured, fed, water, solid, liquor


def _gas_normal_m3_h(gas, at):
    """Normal volume [Nm^3/h] of a kiln gas from its elements: SO3, CO2, HF, HCl, N2, and H2O
    for the rest of the H (ideal gas, 22.414 m^3/kmol)."""
    molecules = (gas[at["S"]] + gas[at["C"]] + gas[at["F"]] + gas[at["Cl"]] + gas[at["N"]] / 2.0
                 + np.maximum(gas[at["H"]] - gas[at["F"]] - gas[at["Cl"]], 0.0) / 2.0)
    return molecules * NORMAL_M3_PER_KMOL


# --- sulfation roast --------------------------------------------------------------------------

def run_sulfation_roast(inlets, params, context) -> OperationResult:
    """Acid bake, roast, water leach of the calcine and scrubbing of the off-gas."""
    feed = inlets["feed"]
    n = feed.n_samples
    T = np.broadcast_to(params["temperature"], (n,)).astype(float)
    rows = Charge.of_feed(feed, _REACTING)
    at, comps = rows.at, rows.comps
    charge = feed.phase("solid", comps, out=np.empty((comps.size, n)))        # kg/h
    if feed.held_components("aqueous").size:
        charge += feed.phase("aqueous", comps)                # moisture and its salts join
    solid = charge / rows.molar_mass
    gas = rows.kmol(feed.phase("gas", comps), n) if feed.held_components("gas").size else np.zeros_like(solid)
    dry_feed_kg = np.broadcast_to(feed.total("solid"), (n,))

    kiln_water, evaporated = _release_volatiles(solid, gas, at, params["fluoride_release"])

    # bake: on the rows of the metals that form sulfates
    acid = params["acid_dose"] * dry_feed_kg / 1000.0 / molar_mass("H2SO4")          # kmol/h
    metals = np.flatnonzero(SULFATE_PER_ATOM[comps] > 0)
    per_atom = SULFATE_PER_ATOM[comps[metals]]
    sulfatable = per_atom[:, None] * solid[metals]                                    # kmol SO4/h
    s = sulfation_fraction(acid, sulfatable.sum(axis=0), params["sulfation_efficiency"])
    sulfate = s * sulfatable                                                           # per metal
    consumed = sulfate.sum(axis=0)
    excess = acid - consumed
    solid[at["S"]] += consumed
    solid[at["O"]] += 3 * consumed
    gas[at["H"]] += 2 * acid                       # bake water and the excess acid's water
    gas[at["O"]] += consumed + 4 * excess
    gas[at["S"]] += excess

    # roast: a share d_i of each sulfate decomposes to oxide + SO3
    d = sulfate_decomposed_fraction(T, params["decomposition_span"], SULFATE_ONSET_K[comps[metals]])
    decomposed = (d * sulfate).sum(axis=0)
    for e, amount in (("S", decomposed), ("O", 3 * decomposed)):
        solid[at[e]] -= amount
        gas[at[e]] += amount
    calcine_kg = rows.kg(solid).sum(axis=0)

    # water leach: sulfates left dissolve; CaSO4 to gypsum saturation; RaSO4 stays
    remaining = (1 - d) * sulfate                                                      # kmol SO4/h
    soluble = ~SULFATE_INSOLUBLE[comps[metals]]
    ca = int(np.searchsorted(comps[metals], COMPONENT_INDEX["Ca"]))       # Ca forms a sulfate
    soluble[ca] = False
    metal_dissolved = np.where(soluble[:, None], remaining / per_atom[:, None], 0.0)
    leach_water = params["leach_liquid_solid"] * dry_feed_kg
    metal_dissolved[ca] = gypsum_dissolved_kmol_h(
        remaining[ca], (soluble[:, None] * remaining).sum(axis=0), leach_water, _GYPSUM_KSP)
    dissolved = np.zeros_like(solid)
    dissolved[metals] = metal_dissolved
    sulfate_dissolved = (per_atom[:, None] * metal_dissolved).sum(axis=0)
    dissolved[at["S"]] += sulfate_dissolved
    dissolved[at["O"]] += 4 * sulfate_dissolved + (OXO_OXYGEN[comps[metals], None] * metal_dissolved).sum(axis=0)
    solid -= dissolved

    # off-gas scrubbing
    scrubbed, captured, fed, hydrate, scrub_solid, scrub_liquor = scrub(
        {e: gas[at[e]] for e in ("S", "F", "Cl")}, params["scrubber_efficiency"],
        params["scrub_reagent"], params["scrub_stoichiometric_ratio"])
    offgas_m3 = _gas_normal_m3_h(gas, at)
    gas[rows.rows_of(scrubbed)] -= captured

    water_added = leach_water + (kiln_water + hydrate) * molar_mass("H2O")
    # sulfur added and removed along several paths can leave -1e-15 kg/h where none remains
    scale = feed.total() + acid * molar_mass("H2SO4") + water_added
    liquor = clean_rounding(rows.kg(dissolved), scale)
    for e, kg in compound_flows("H2O", leach_water).items():
        liquor[at[e]] += kg
    solid *= rows.molar_mass                                                   # now kg/h
    slurry = phase_stream(n, comps, solid=clean_rounding(solid, scale), aqueous=liquor)
    offgas = phase_stream(n, comps, gas=clean_rounding(rows.kg(gas), scale))
    product = phase_stream(n, scrubbed.comps, solid=clean_rounding(scrubbed.kg(scrub_solid), scale),
                           aqueous=clean_rounding(scrubbed.kg(scrub_liquor), scale))

    # heat absorbed by the charge [kW]: solids to T, water evaporated, acid volatilised,
    # sulfates decomposed (the exothermic bake is not credited: it happens before the kiln)
    absorbed = (params["solid_heat_capacity"] * calcine_kg * (T - T_REF)
                + _ENTHALPY["water_evaporation"] * (evaporated + consumed)
                + _ENTHALPY["acid_volatilisation"] * excess
                + _ENTHALPY["sulfate_decomposition"] * decomposed) / 3600.0
    fuel = np.maximum(absorbed, 0.0) / params["kiln_efficiency"]
    tanks = tank_train(slurry_volume_m3_h(slurry, params["solid_density"]), params["leach_time"],
                       params["leach_tanks"], acid_service=True, material="rubber_lined")
    reagent = params["scrub_reagent"]
    info = {"sulfation_fraction": np.broadcast_to(s, (n,)), "kiln_heat_absorbed_kW": absorbed,
            "excess_acid_kg_h": excess * molar_mass("H2SO4"),
            "so3_to_scrubber_kg_h": captured[scrubbed.at["S"]] * molar_mass("SO3")}
    for element in ("Sc", "Y", "La", "Ce", "Nd", "Fe", "Al", "Ti", "Ca", "Na", "Th", "U", "Ra"):
        if element not in at:                                   # not in the feed
            info[f"extraction_{element}"] = np.zeros(n)
            continue
        i = at[element]
        with np.errstate(divide="ignore", invalid="ignore"):
            total = charge[i]
            info[f"extraction_{element}"] = np.where(
                total > 0, dissolved[i] * rows.molar_mass[i] / np.where(total > 0, total, 1.0), 0.0)
    return OperationResult(
        outlets={"slurry": slurry, "offgas": offgas, "scrubber_product": product},
        added={"H2SO4": reagent_stream("H2SO4", acid * molar_mass("H2SO4")),
               "water": reagent_stream("H2O", water_added),
               reagent: reagent_stream(reagent, fed * molar_mass(reagent), phase="solid")},
        equipment={"kiln": Equipment(kind="rotary_kiln", size=fuel, size_unit="kW",
                                     acid_service=True, material="refractory_lined",
                                     note="size = fuel heat input"),
                   "leach_tanks": tanks,
                   "scrubber": Equipment(kind="scrubber", size=offgas_m3, size_unit="m^3/h",
                                         acid_service=True, material="frp",
                                         note="normal m^3/h of kiln gas")},
        consumption={"fuel_kW": fuel,
                     "electricity_kW": agitator_power_kw(tanks.size, params["leach_tanks"],
                                                         params["agitator_power"])},
        info=info)


# --- oxidative roast --------------------------------------------------------------------------

def run_oxidative_roast(inlets, params, context) -> OperationResult:
    """Oxidative roasting of a bastnasite concentrate: CO2 off, Ce(III) -> Ce(IV)."""
    feed = inlets["feed"]
    n = feed.n_samples
    T = np.broadcast_to(params["temperature"], (n,)).astype(float)
    rows = Charge.of_feed(feed, _REACTING)
    at, comps = rows.at, rows.comps
    charge_kg = feed.phase("solid", comps) + feed.phase("aqueous", comps)
    solid = rows.kmol(charge_kg, n)
    gas = rows.kmol(feed.phase("gas", comps), n)
    carbon = solid[at["C"]].copy()
    solid[at["C"]] = 0.0                                  # kept aside: only REE-bound CO3 leaves
    X = linear_ramp(T, params["decomposition_onset"], params["decomposition_complete"])
    water_in, evaporated = _release_volatiles(solid, gas, at, X * params["fluoride_release"], 0.0)
    ree = np.flatnonzero(np.isin(comps, _REE))
    co2 = X * np.minimum(carbon, solid[ree].sum(axis=0))
    solid[at["C"]] = carbon - co2
    solid[at["O"]] -= 2 * co2
    gas[at["C"]] += co2
    gas[at["O"]] += 2 * co2
    oxidised = (X * params["ce_oxidation_max"] * solid[at["Ce"]]
                * linear_ramp(T, params["decomposition_complete"], params["ce_oxidation_temperature"]))
    o2 = oxidised / 4.0                                   # 1/2 Ce2O3 + 1/4 O2 -> CeO2
    solid[at["O"]] += 2 * o2
    gas[at["N"]] += 2 * N2_PER_O2 * o2
    calcine_solid = clean_rounding(rows.kg(solid), feed.total())
    calcine = phase_stream(n, comps, solid=calcine_solid)
    offgas = phase_stream(n, comps, gas=clean_rounding(rows.kg(gas), feed.total()))
    air = Stream.from_phases({"gas": {"O": 2 * o2 * MOLAR_MASS[_I["O"]],
                                      "N": 2 * N2_PER_O2 * o2 * MOLAR_MASS[_I["N"]]}}, n)
    calcine_kg = calcine_solid.sum(axis=0)
    absorbed = (params["solid_heat_capacity"] * calcine_kg * (T - T_REF)
                + _ENTHALPY["carbonate_decomposition"] * co2
                + _ENTHALPY["water_evaporation"] * evaporated
                + _ENTHALPY["ce_oxidation"] * oxidised) / 3600.0
    fuel = np.maximum(absorbed, 0.0) / params["kiln_efficiency"]
    ce = feed.component("Ce")
    with np.errstate(divide="ignore", invalid="ignore"):
        ce_iv = np.where(ce > 0, oxidised * MOLAR_MASS[_I["Ce"]] / np.where(ce > 0, ce, 1.0), 0.0)
    return OperationResult(
        outlets={"calcine": calcine, "offgas": offgas},
        added={"air": air, "water": reagent_stream("H2O", water_in * molar_mass("H2O"))},
        equipment={"kiln": Equipment(kind="rotary_kiln", size=fuel, size_unit="kW",
                                     note="size = fuel heat input")},
        consumption={"fuel_kW": fuel},
        info={"decomposed_fraction": X, "ce_iv_fraction": ce_iv, "co2_kg_h": co2 * molar_mass("CO2"),
              "hf_kg_h": gas[at["F"]] * molar_mass("HF"), "kiln_heat_absorbed_kW": absorbed,
              "mass_loss_fraction": 1.0 - calcine_kg / np.maximum(charge_kg.sum(axis=0), 1e-300)})


#: Gypsum conditional solubility product [mol^2/L^2] for the calcine leach (neutralisation.toml).
_GYPSUM_KSP = load_toml(DATA_DIR / "neutralisation.toml")["neutralisation"]["parameters"][
    "gypsum_solubility_product"]["value"]

SPECS = {
    "sulfation_roast": OperationSpec(
        name="sulfation_roast",
        description="Concentrated-H2SO4 bake and roast of bauxite residue (Fe sulfate decomposed, "
                    "Sc/REE sulfates kept), water leach of the calcine, scrubbed off-gas",
        inlets=("feed",), outlets=("slurry", "offgas", "scrubber_product"),
        parameters=load_parameters(_DATA, "sulfation_roast", str(_DATA_PATH)),
        run=run_sulfation_roast),
    "oxidative_roast": OperationSpec(
        name="oxidative_roast",
        description="Oxidative roasting of bastnasite concentrate: REFCO3 -> REOF + CO2, "
                    "Ce(III) -> Ce(IV)",
        inlets=("feed",), outlets=("calcine", "offgas"),
        parameters=load_parameters(_DATA, "oxidative_roast", str(_DATA_PATH)),
        run=run_oxidative_roast),
}
