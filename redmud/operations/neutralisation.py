"""Neutralisation of an acidic effluent or residue slurry with lime or limestone.

The reagent neutralises the free acid down to the target pH and the acid that hydrolysis
releases as metals precipitate as hydroxides (each in its cited pH window); then calcium sulfate
beyond gypsum saturation precipitates as CaSO4.2H2O, Ra co-precipitating with it; Th and U
follow the hydroxide sludge. Salts that lime does not remove (Na2SO4, NaCl, CaCl2, the
remaining gypsum) stay in the treated effluent. A thickener sends every solid (feed solids,
hydroxides, gypsum, unreacted reagent) with its entrained liquor to ``sludge``; the rest is
``effluent``. Data and sources: ``redmud/data/neutralisation.toml``.

Reactions per precipitated metal M (charge z in the liquor convention of
:data:`redmud.operations.common.LIQUOR_CHARGE`, ``oxo`` oxygen atoms for TiO2+, VO2+ and
UO2 2+):

    M(O_oxo)^{z+} + z H2O -> M(O_oxo)(OH)_z(s) + z H+      (hydrolysis)
    2 H+ + CaO -> Ca2+ + H2O;  2 H+ + Ca(OH)2 -> Ca2+ + 2 H2O;  2 H+ + CaCO3 -> Ca2+ + H2O + CO2(g)
    Ca2+ + SO4 2- + 2 H2O -> CaSO4.2H2O(s)
"""

from __future__ import annotations

import numpy as np

from redmud.chemistry import LANTHANIDES_AND_Y, molar_mass
from redmud.operations.base import Equipment, OperationResult, OperationSpec, load_parameters
from redmud.operations.common import (LIQUOR_CHARGE, MOLAR_MASS, agitator_power_kw, component_rows,
                                      compound_flows, free_acid_kmol_h, reagent_stream, slurry_volume_m3_h,
                                      tank_train, water_kg_h, with_changes)
from redmud.operations.separation import solid_liquid_split, thickener_area_m2, thickener_drive_kw
from redmud.paths import DATA_DIR
from redmud.streams import COMPONENT_INDEX, COMPONENTS, N_COMPONENTS
from redmud.tomlfile import load_toml

_DATA_PATH = DATA_DIR / "neutralisation.toml"
_DATA = load_toml(_DATA_PATH)

#: Oxo oxygen atoms carried by a dissolved metal atom in the liquor convention of
#: LIQUOR_CHARGE (TiO2+, VO2+, UO2 2+); they move with the metal into a hydroxide or sulfate.
OXO_OXYGEN = np.zeros(N_COMPONENTS)
for _el, _n in {"Ti": 1, "V": 1, "U": 2}.items():
    OXO_OXYGEN[COMPONENT_INDEX[_el]] = _n

_O, _C = COMPONENT_INDEX["O"], COMPONENT_INDEX["C"]
#: Dissolved components the reactions write, whether or not the liquor holds them.
_REACTING = np.array(sorted(COMPONENT_INDEX[e] for e in ("Ca", "S", "O", "H", "Ra")))
#: Atoms per Ca that a reacted reagent adds to the liquor (O, H) and to the gas (C, O).
_REAGENT_ATOMS = {"CaO": {"O": 1, "H": 0, "C": 0}, "Ca(OH)2": {"O": 2, "H": 2, "C": 0},
                  "CaCO3": {"O": 1, "H": 0, "C": 1}}


def _window_arrays(table: dict) -> tuple[np.ndarray, np.ndarray]:
    """Start and completion pH per component (NaN where an element does not precipitate)."""
    start = np.full(N_COMPONENTS, np.nan)
    complete = np.full(N_COMPONENTS, np.nan)
    for key, rec in table.items():
        for element in (LANTHANIDES_AND_Y if key == "REE" else (key,)):
            start[COMPONENT_INDEX[element]] = rec["start"]
            complete[COMPONENT_INDEX[element]] = rec["complete"]
    return start, complete


HYDROXIDE_START_PH, HYDROXIDE_COMPLETE_PH = _window_arrays(_DATA["neutralisation"]["hydroxide_pH"])


# --- physics ----------------------------------------------------------------------------------

def hydroxide_fraction(pH, start_pH=HYDROXIDE_START_PH, complete_pH=HYDROXIDE_COMPLETE_PH):
    """Share of each dissolved metal precipitated as hydroxide at a pH [-], shaped (component, sample).

    .. math:: f_i = \\mathrm{clip}\\left(\\frac{pH - pH_{s,i}}{pH_{c,i} - pH_{s,i}}, 0, 1\\right)

    a linear rise between the onset pH (0.01 mol/L of metal) and the pH of complete
    precipitation (< 1e-5 mol/L left) of the handbook table in neutralisation.toml; 0 for
    elements without a window.
    """
    pH = np.atleast_1d(np.asarray(pH, dtype=float))[None, :]
    start, complete = start_pH[:, None], complete_pH[:, None]
    with np.errstate(invalid="ignore"):
        f = np.clip((pH - start) / (complete - start), 0.0, 1.0)
    return np.where(np.isnan(start), 0.0, f)


def residual_acid_kmol_h(pH, water_kg_h):
    """Free H+ left in the liquor at a pH [kmol/h]: :math:`10^{-pH}` [mol/L] x water [L/h] / 1000
    (water at 1 kg/L; activity taken as concentration): the definition pH = -log10 a(H+)
    (IUPAC Gold Book, "pH")."""
    return 10.0 ** (-np.asarray(pH, dtype=float)) * np.asarray(water_kg_h) / 1000.0


def gypsum_precipitated_kmol_h(calcium_kmol_h, sulfate_kmol_h, water_kg_h, solubility_product):
    """Gypsum that precipitates from a liquor supersaturated in CaSO4 [kmol/h].

    Solves :math:`(a - x)(b - x) = K'` for the precipitated concentration x [mol/L], with
    a, b the total Ca and SO4 concentrations and K' the conditional solubility product
    [mol^2/L^2] (aqion.de, gypsum at 25 C); the stable root is

    .. math:: x = \\frac{2 (ab - K')}{a + b + \\sqrt{(a - b)^2 + 4K'}}, \\quad x \\ge 0
    """
    litres = np.maximum(np.asarray(water_kg_h, dtype=float), 1e-300)
    a = np.asarray(calcium_kmol_h) * 1000.0 / litres
    b = np.asarray(sulfate_kmol_h) * 1000.0 / litres
    k = np.asarray(solubility_product)
    x = 2.0 * (a * b - k) / (a + b + np.sqrt((a - b) ** 2 + 4.0 * k))
    return np.clip(x * litres / 1000.0, 0.0, np.minimum(calcium_kmol_h, sulfate_kmol_h))


def gypsum_dissolved_kmol_h(caso4_kmol_h, sulfate_kmol_h, water_kg_h, solubility_product):
    """Calcium sulfate that dissolves into a Ca-free liquor holding other sulfate [kmol/h].

    Solves :math:`x (b + x) = K'` for the dissolved concentration x [mol/L], b the sulfate
    already in solution [mol/L]: :math:`x = 2K' / (b + \\sqrt{b^2 + 4K'})`, at most the CaSO4
    available (aqion.de gypsum solubility, see neutralisation.toml).
    """
    litres = np.maximum(np.asarray(water_kg_h, dtype=float), 0.0)
    b = np.asarray(sulfate_kmol_h) * 1000.0 / np.maximum(litres, 1e-300)
    k = np.asarray(solubility_product)
    x = 2.0 * k / (b + np.sqrt(b * b + 4.0 * k))
    return np.minimum(x * litres / 1000.0, caso4_kmol_h)


def radium_to_gypsum_fraction(gypsum_ca_kmol_h, liquor_ca_kmol_h, partition):
    """Share of the dissolved Ra that co-precipitates with gypsum [-].

    Homogeneous distribution :math:`(Ra/Ca)_s = D (Ra/Ca)_l` at the end of precipitation gives

    .. math:: f_{Ra} = \\frac{D \\, n_{Ca,s}}{D \\, n_{Ca,s} + n_{Ca,l}}

    with D = 0.32 for Ra in gypsum (J. Radioanal. Nucl. Chem. 2009, see neutralisation.toml).
    """
    solid = np.asarray(partition) * np.asarray(gypsum_ca_kmol_h)
    total = solid + np.asarray(liquor_ca_kmol_h)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, solid / np.where(total > 0, total, 1.0), 0.0)


# --- operation --------------------------------------------------------------------------------

def run_neutralisation(inlets, params, context) -> OperationResult:
    """Lime or limestone neutralisation to a target pH, then a sludge thickener."""
    feed = inlets["feed"]
    n = feed.n_samples
    reagent = params["reagent"]
    # the dissolved components the liquor holds and those the reactions write: a component it
    # does not hold is zero, so it neither precipitates nor carries charge
    comps = np.union1d(feed.held_components("aqueous"), _REACTING)
    at = component_rows(comps)
    aq = feed.phase("aqueous", comps)
    mol = aq / MOLAR_MASS[comps, None]
    pH = np.broadcast_to(params["target_pH"], (n,)).astype(float)
    if reagent == "CaCO3":                       # limestone cannot lift the pH above its CO2 buffer
        pH = np.minimum(pH, params["limestone_max_pH"])
    acid = free_acid_kmol_h(aq, components=comps)
    water = water_kg_h(aq, components=comps, free_acid=acid)

    z = np.maximum(LIQUOR_CHARGE[comps], 0.0)[:, None]
    fraction = hydroxide_fraction(pH, HYDROXIDE_START_PH[comps], HYDROXIDE_COMPLETE_PH[comps])
    precipitated = fraction * mol                                     # kmol/h per metal
    hydrolysis_h = (z * precipitated).sum(axis=0)                     # H+ released
    base = np.maximum(acid - residual_acid_kmol_h(pH, water)
                      + hydrolysis_h, 0.0)
    ca_reacted = base / 2.0
    utilisation = params["limestone_utilisation"] if reagent == "CaCO3" else params["lime_utilisation"]
    ca_fed = ca_reacted / utilisation

    d_aq = np.zeros((comps.size, n))
    d_solid = np.zeros((comps.size, n))
    # hydrolysis: metal, its oxo O and z OH leave the liquor for the hydroxide
    oxo = (OXO_OXYGEN[comps, None] * precipitated).sum(axis=0)
    d_aq -= precipitated
    d_aq[at["O"]] -= oxo + hydrolysis_h
    d_aq[at["H"]] -= hydrolysis_h
    d_solid += precipitated
    d_solid[at["O"]] += oxo + hydrolysis_h
    d_solid[at["H"]] += hydrolysis_h
    # neutralisation: the reacted reagent's Ca, O, H to the liquor, its carbonate to CO2 gas
    atoms = _REAGENT_ATOMS[reagent]
    d_aq[at["Ca"]] += ca_reacted
    d_aq[at["O"]] += atoms["O"] * ca_reacted
    d_aq[at["H"]] += atoms["H"] * ca_reacted
    d_gas = {"C": atoms["C"] * ca_reacted * MOLAR_MASS[_C], "O": 2 * atoms["C"] * ca_reacted * MOLAR_MASS[_O]}
    # gypsum beyond saturation, Ra co-precipitating with it
    ca_liquor = mol[at["Ca"]] + d_aq[at["Ca"]]
    gypsum = gypsum_precipitated_kmol_h(ca_liquor, mol[at["S"]], water, params["gypsum_solubility_product"])
    ra = (mol[at["Ra"]] + d_aq[at["Ra"]]) * radium_to_gypsum_fraction(gypsum, ca_liquor - gypsum,
                                                                      params["ra_gypsum_partition"])
    ra_sulfate = np.minimum(ra, mol[at["S"]] - gypsum)
    for el, count in (("Ca", gypsum), ("S", gypsum + ra_sulfate), ("O", 6 * gypsum + 4 * ra_sulfate),
                      ("H", 4 * gypsum), ("Ra", ra)):
        d_aq[at[el]] -= count
        d_solid[at[el]] += count

    # the precipitated metals leave in exact kg (kmol round trips would leave -1e-16 kg/h)
    d_aq = d_aq * MOLAR_MASS[comps, None]
    d_aq = np.where(fraction > 0, d_aq + precipitated * MOLAR_MASS[comps, None] - fraction * aq, d_aq)
    d_solid = d_solid * MOLAR_MASS[comps, None]
    # the rows that change: metals with a hydroxide window, and the elements of the reactions
    changing = np.isfinite(HYDROXIDE_START_PH[comps]) | np.isin(comps, _REACTING)
    solid = {COMPONENTS[c]: d_solid[k] for k, c in enumerate(comps) if changing[k]}
    for el, unreacted in compound_flows(reagent, (ca_fed - ca_reacted) * molar_mass(reagent)).items():
        solid[el] = solid[el] + unreacted if el in solid else unreacted      # fed, not reacted
    aqueous = {COMPONENTS[c]: d_aq[k] for k, c in enumerate(comps) if changing[k]}
    slurry = with_changes(feed, {"solid": solid, "aqueous": aqueous, "gas": d_gas}, n)
    sludge, effluent, _ = solid_liquid_split(slurry, params["sludge_solids_fraction"])

    tanks = tank_train(slurry_volume_m3_h(slurry, params["solid_density"]), params["residence_time"],
                       params["tanks"], acid_service=True, material="rubber_lined")
    area = thickener_area_m2(slurry.total("solid"), params["unit_area"])
    power = (agitator_power_kw(tanks.size, params["tanks"], params["agitator_power"])
             + thickener_drive_kw(area, _DRIVE_POWER_PER_DIAMETER))
    info = {"pH": pH, "reagent_kg_h": ca_fed * molar_mass(reagent),
            "gypsum_kg_h": gypsum * molar_mass("CaSO4(H2O)2"),
            "co2_kg_h": atoms["C"] * ca_reacted * molar_mass("CO2"),
            "sludge_solids_kg_h": sludge.total("solid")}
    for element in ("Fe", "Al", "Sc", "Y", "Nd", "Th", "U", "Ra"):
        if element not in at:                                     # not in the liquor
            info[f"precipitated_{element}"] = np.zeros(n)
            continue
        i = at[element]
        moved = precipitated[i] + (ra if element == "Ra" else 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            info[f"precipitated_{element}"] = np.where(mol[i] > 0, moved / np.where(mol[i] > 0, mol[i], 1), 0.0)
    return OperationResult(
        outlets={"effluent": effluent, "sludge": sludge},
        added={reagent: reagent_stream(reagent, ca_fed * molar_mass(reagent), phase="solid")},
        equipment={"tanks": tanks,
                   "thickener": Equipment(kind="thickener", size=area, size_unit="m^2")},
        consumption={"electricity_kW": power},
        info=info)


#: Rake drive power per metre of diameter [kW/m], from separation.toml (REEPS after Perry's).
_DRIVE_POWER_PER_DIAMETER = load_toml(DATA_DIR / "separation.toml")["thickener"]["parameters"][
    "drive_power_per_diameter"]["value"]

SPECS = {
    "neutralisation": OperationSpec(
        name="neutralisation",
        description="Lime/limestone neutralisation to a target pH: hydroxide and gypsum sludge, "
                    "treated effluent",
        inlets=("feed",), outlets=("effluent", "sludge"),
        parameters=load_parameters(_DATA, "neutralisation", str(_DATA_PATH)),
        run=run_neutralisation),
}
