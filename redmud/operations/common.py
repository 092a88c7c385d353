"""Physics and bookkeeping shared by several unit operations.

Everything here works on plain float arrays (kg/h, K, m^3) with a trailing sample axis.
"""

from __future__ import annotations

import numpy as np

from redmud.chemistry import ATOMIC_WEIGHTS, mass_fractions, parse_formula
from redmud.streams import COMPONENT_INDEX, COMPONENTS, N_COMPONENTS, PHASE_INDEX, PHASES, Stream
from redmud.operations.base import Equipment

#: Molar gas constant [J/(mol K)] (CODATA 2018 exact value).
R_GAS = 8.314462618
#: Molar masses of the tracked components [kg/kmol] (``other`` gets 1 so divisions stay finite;
#: it carries no charge and is never counted in moles).
MOLAR_MASS = np.array([ATOMIC_WEIGHTS.get(c, 1.0) for c in COMPONENTS])

#: Charge per atom of each component dissolved in an acidic sulfate/chloride/nitrate liquor:
#: metal cations at their usual valence (U as uranyl UO2^2+, Ti as TiO^2+, so +2 per atom);
#: S as sulfate (-2), Cl as chloride (-1), N as nitrate (-1), P as phosphate (-3), F as fluoride
#: (-1); Si (silicic acid), C (dissolved CO2 or undissociated oxalic acid), H and O (water) carry
#: none; free H+ is what balances the rest (see :func:`free_acid_kmol_h`).
LIQUOR_CHARGE = np.zeros(N_COMPONENTS)
for _el, _z in {"Sc": 3, "Y": 3, "La": 3, "Ce": 3, "Pr": 3, "Nd": 3, "Sm": 3, "Eu": 3, "Gd": 3,
                "Tb": 3, "Dy": 3, "Ho": 3, "Er": 3, "Tm": 3, "Yb": 3, "Lu": 3, "Th": 4, "U": 2,
                "Ra": 2, "Fe": 3, "Al": 3, "Ti": 2, "Ca": 2, "Na": 1, "Mg": 2, "K": 1, "Zr": 4,
                "Mn": 2, "V": 2, "S": -2, "Cl": -1, "N": -1, "P": -3, "F": -1}.items():
    LIQUOR_CHARGE[COMPONENT_INDEX[_el]] = _z


#: Samples per block where a function works block by block so that its temporaries stay in
#: the processor's cache (4096 samples of 25 components: 0.8 MB).
SAMPLE_BLOCK = 4096


def component_rows(components) -> dict:
    """Each component's row ``{name: row}`` in an array over ``components`` (sorted component
    indices), as the operations that compute on the rows they need index them."""
    return {COMPONENTS[c]: k for k, c in enumerate(components)}


def free_acid_kmol_h(aqueous: np.ndarray, charge: np.ndarray = LIQUOR_CHARGE, components=None) -> np.ndarray:
    """Free H+ [kmol/h] of a liquor by electroneutrality.

    .. math:: n_{H^+} = -\\sum_i z_i n_i

    over the dissolved components (anions negative); negative means the liquor is short of
    anions, i.e. it is not acidic (the operation must then hold the metals as hydroxides).
    ``aqueous`` is the aqueous phase ``(component, sample)`` in kg/h, over every component or
    over ``components`` (sorted component indices, every dissolved one among them).
    """
    comps = slice(None) if components is None else np.asarray(components)
    z, molar_mass = charge[comps, None], MOLAR_MASS[comps, None]
    acid = np.empty(aqueous.shape[1:])
    # in blocks of samples, through one cache-sized buffer: a (component, sample) temporary over
    # 1e5 samples is tens of MB, and making it cost up to ~20x the arithmetic; each sample's
    # sum is the same, whatever the blocks
    buffer = np.empty((aqueous.shape[0], min(acid.shape[-1], SAMPLE_BLOCK)))
    for start in range(0, acid.shape[-1], SAMPLE_BLOCK):
        block = slice(start, start + SAMPLE_BLOCK)
        terms = buffer[:, :acid[block].size]
        np.divide(aqueous[:, block], molar_mass, out=terms)
        terms *= z
        np.sum(terms, axis=0, out=acid[block])
    return np.negative(acid, out=acid)


def failure_info(n: int, *reasons) -> dict:
    """An operation's ``info["failed"]`` (1.0 where a sample failed) and
    ``info["failure_reason"]`` (its text, "" elsewhere), as :func:`redmud.flowsheet.evaluate`
    reads them, from ``(mask, text)`` pairs (a later pair's text wins where masks overlap).

    The reasons are an object array written only where a sample failed: a string array over
    every sample, then cast, cost ~10 ms at 1e5 samples.
    """
    failed = np.zeros(n, dtype=bool)
    reason = np.full(n, "", dtype=object)
    for mask, text in reasons:
        failed |= mask
        reason[mask] = text
    return {"failed": failed.astype(float), "failure_reason": reason}


def water_kg_h(aqueous: np.ndarray, charge: np.ndarray = LIQUOR_CHARGE, components=None,
               free_acid=None) -> np.ndarray:
    """Water in a liquor [kg/h]: the H not held as free acid, as H2O (2 H per molecule).
    ``aqueous`` and ``components`` as for :func:`free_acid_kmol_h` (H among the components);
    ``free_acid`` [kmol/h], its result, where the caller has it already."""
    row = COMPONENT_INDEX["H"] if components is None else int(np.searchsorted(components, COMPONENT_INDEX["H"]))
    h = aqueous[row] / ATOMIC_WEIGHTS["H"]
    if free_acid is None:
        free_acid = free_acid_kmol_h(aqueous, charge, components)
    acid = np.maximum(free_acid, 0.0)
    return np.maximum(h - acid, 0.0) / 2 * (2 * ATOMIC_WEIGHTS["H"] + ATOMIC_WEIGHTS["O"])


def formula_flows(formula: str, kg_h) -> np.ndarray:
    """Element flows [kg/h] shaped ``(component, sample)`` of ``kg_h`` of a compound."""
    kg_h = np.atleast_1d(np.asarray(kg_h, dtype=float))
    flows = np.zeros((N_COMPONENTS, kg_h.size))
    for element, share in mass_fractions(formula).items():
        flows[COMPONENT_INDEX[element]] = kg_h * share
    return flows


def compound_flows(formula: str, kg_h) -> dict:
    """Element flows [kg/h] ``{element: kg_h x mass fraction}`` of ``kg_h`` of a compound."""
    return {el: kg_h * share for el, share in mass_fractions(formula).items()}


def reagent_stream(formula: str, kg_h, phase: str = "aqueous", water_kg_h=0.0) -> Stream:
    """A reagent addition as a stream: ``kg_h`` of a compound plus ``water_kg_h`` of water."""
    kg_h = np.asarray(kg_h, dtype=float)
    elements = compound_flows(formula, kg_h)
    if np.ndim(water_kg_h) or water_kg_h != 0:
        for el, share in mass_fractions("H2O").items():
            water = np.asarray(water_kg_h, dtype=float) * share
            elements[el] = elements[el] + water if el in elements else water
    n = max(np.size(v) for v in elements.values())
    return Stream.from_phases({phase: elements}, n)


def formula_stream(formula: str, kmol, phase: str = "aqueous") -> Stream:
    """``kmol`` [kmol/h] of a formula as a stream of its elements [kg/h] in one phase."""
    kmol = np.atleast_1d(np.asarray(kmol, dtype=float))
    return Stream.from_phases({phase: {el: kmol * count * ATOMIC_WEIGHTS[el]
                                       for el, count in parse_formula(formula).items()}}, kmol.size)


def arrhenius(k0, activation_energy_j_mol, temperature_k):
    """Rate constant :math:`k = k_0 \\exp(-E_a / (R T))`, in the units of ``k0``.

    Arrhenius S (1889) Z. Phys. Chem. 4:226; R from CODATA 2018.
    """
    return k0 * np.exp(-np.asarray(activation_energy_j_mol) / (R_GAS * np.asarray(temperature_k)))


def slurry_volume_m3_h(stream: Stream, solid_density_kg_m3, liquor_density_kg_m3=1000.0) -> np.ndarray:
    """Volumetric flow of a slurry [m^3/h]: solids and liquor (aqueous + organic) by their densities."""
    solids = stream.total("solid") / solid_density_kg_m3
    liquor = (stream.total("aqueous") + stream.total("organic")) / liquor_density_kg_m3
    return solids + liquor


def tank_train(volume_flow_m3_h, residence_time_h, n_tanks, working_fraction=0.8,
               acid_service=False, material="carbon_steel", kind="agitated_tank") -> Equipment:
    """``n_tanks`` equal stirred tanks holding a flow for a total residence time.

    .. math:: V_{tank} = \\frac{Q \\tau}{N \\phi}

    with Q [m^3/h], tau [h], N tanks and phi the working fraction of the tank volume (0.8, a
    common design allowance for freeboard: Towler G, Sinnott R (2013) Chemical Engineering
    Design, 2nd ed., section 15.7).
    """
    volume = np.asarray(volume_flow_m3_h) * residence_time_h / (n_tanks * working_fraction)
    return Equipment(kind=kind, size=volume, size_unit="m^3", count=n_tanks,
                     acid_service=acid_service, material=material)


def agitator_power_kw(tank_volume_m3, n_tanks, specific_power_kw_m3) -> np.ndarray:
    """Agitator power [kW] of a tank train: specific power [kW/m^3] x total volume.

    Typical specific powers: 0.2-0.6 kW/m^3 for solid suspension and 0.6-2 kW/m^3 for
    gas dispersion or reaction (Towler & Sinnott 2013, Table 15.7 ("Agitator power
    requirements")).
    """
    return np.asarray(specific_power_kw_m3) * np.asarray(tank_volume_m3) * np.asarray(n_tanks)


def clean_rounding(flows, scale, rtol=1e-12):
    """Set to zero the tiny negative flows [kg/h] that subtracting equal amounts computed along
    different paths leaves (|x| <= rtol x scale); larger negatives are left for the balance
    check to catch. ``scale`` is an array, or a function giving it (called only if a flow is
    negative)."""
    negative = flows < 0
    if not negative.any():                      # the usual case: one pass over the array
        return flows
    scale = scale() if callable(scale) else scale
    return np.where(negative & (flows >= -rtol * np.asarray(scale)), 0.0, flows)


def with_changes(stream: Stream, changes, n: int) -> Stream:
    """``stream`` plus ``changes`` ``{phase: {component: kg/h}}`` (negative takes away) over
    ``n`` samples: a reaction or an exchange written as the rows it changes. Each changed row
    is the row plus its change (the same bits as changing a dense array in place); the rounding
    negatives of a row taken whole are then set to zero (:func:`clean_rounding`, on the scale
    of the stream's total flow)."""
    changed = {PHASE_INDEX[phase] * N_COMPONENTS + COMPONENT_INDEX[component]: change
               for phase, components in changes.items() for component, change in components.items()}
    rows = np.union1d(stream.rows, list(changed))
    data = np.zeros((rows.size, n))
    data[np.searchsorted(rows, stream.rows)] = stream.data
    for row, change in zip(np.searchsorted(rows, list(changed)), changed.values()):
        np.add(data[row], change, out=data[row])
    return Stream.from_rows(rows, clean_rounding(data, stream.total))


def phase_stream(n: int, components=None, **phases) -> Stream:
    """A stream from ``phase=(component, sample)`` arrays [kg/h] over every component or over
    ``components`` (sorted component indices; one list for every phase, or a dict phase ->
    list); their zero rows are left out. The rows kept are copied once, into the stream's array."""
    every = np.arange(N_COMPONENTS)
    parts = []                                   # (flat rows, flows, which rows are kept)
    for phase in PHASES:
        if phase in phases:
            comps = np.asarray(every if components is None else components.get(phase, every)
                               if isinstance(components, dict) else components)
            flows = np.broadcast_to(np.asarray(phases[phase], dtype=float), (comps.size, n))
            nonzero = (flows != 0).any(axis=1)
            parts.append((PHASE_INDEX[phase] * N_COMPONENTS + comps[nonzero], flows, nonzero))
    rows = np.concatenate([r for r, _, _ in parts] or [np.zeros(0, dtype=np.intp)])
    data = np.empty((rows.size, n))
    start = 0
    for r, flows, nonzero in parts:
        data[start:start + r.size] = flows if r.size == nonzero.size else flows[nonzero]
        start += r.size
    return Stream.from_rows(rows, data)


def formula_kmol_flows(formula: str, kmol, components: np.ndarray | None = None, out=None) -> np.ndarray:
    """Element flows [kg/h] ``(component, sample)`` of ``kmol`` [kmol/h] of a formula, over every
    component or over ``components`` (sorted component indices, the formula's elements among
    them); added into ``out`` when it is given."""
    kmol = np.atleast_1d(np.asarray(kmol, dtype=float))
    comps = np.arange(N_COMPONENTS) if components is None else np.asarray(components)
    if out is None:
        out = np.zeros((comps.size, kmol.size))
    for el, count in parse_formula(formula).items():
        out[np.searchsorted(comps, COMPONENT_INDEX[el])] += kmol * count * ATOMIC_WEIGHTS[el]
    return out
