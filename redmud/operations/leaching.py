"""Acid leaching of a residue (HCl, H2SO4, HNO3): batch or stirred tanks in series, and HPAL.

Physics
-------
Each dissolving unit j (an element's oxide, or a mineral named by the feedstock's mineralogy)
follows a shrinking-core rate law with an acid order, an Arrhenius term and a ceiling X_max
(the share locked in refractory phases):

.. math:: \\frac{dX_j}{dt} = k_{0,j} e^{-E_{a,j}/RT} [H^+]^{n_j} (1 - X_j/X_{max,j})^{2/3}

X_j [-] is the dissolved fraction of the unit in the feed solid, t [h], [H+] [mol/L] the free
proton molarity of the liquor (in sulfate liquors after the bisulfate equilibrium
HSO4- <=> H+ + SO4--, :func:`free_proton_molarity`). With u = 1 - (1 - X/X_max)^(1/3) the law
is linear in the acid exposure: du/dt = k [H+]^n / (3 X_max). The "volumetric" form of the
coal-refuse set (PrOMMiS 1.1.0, NETL) writes the rate per slurry volume,
r_j = eps B_j [H+]^A_j (1 - X_j)^(2/3) [mol/L/h] with eps the pulp density [kg/L] of the tank's
contents (solids left over their volume plus the liquid with the water made:
:func:`_pulp_density_ratio`); divided by the oxide's molarity in the slurry it is the same law
with k_j = B_j / (oxide moles per kg solid) and no temperature term. In that form every charged
unit, the rare earths included, takes its acid inside the tank's acid balance, as in PrOMMiS.

The acid is not assumed: it follows from electroneutrality of the liquor
(:func:`redmud.operations.common.free_acid_kmol_h`), so each dissolving unit consumes the
charge of the cations it releases less the anions it brings (Fe2O3 6 H+, CaO 2 H+, Na2O 2 H+,
TiO2 2 H+ as TiO2+, sodalite Na8Al6Si6O24Cl2 24 H+), once, and the rate law sees the acid left
(batch: along the time path; tanks: the outlet acid of each tank). Si consumes none: it enters
the liquor as silicic acid and is reported (and flagged above amorphous silica's solubility)
because its gel hampers filtration. Carbonate leaves as CO2 in the ``offgas`` outlet.
In H2SO4, Ca above gypsum's solubility stays in the residue as CaSO4.2H2O, and Ra with it.
Above 150 degC (HPAL, ``vessel = "autoclave"``) dissolved Fe above hematite's solubility
re-precipitates (2 Fe3+ + 3 H2O -> Fe2O3 + 6 H+), regenerating acid, so Fe extraction falls as
temperature rises.

Reactors
--------
``batch``: the coupled rate laws of the acid-consuming major units are integrated in u with a
fixed number of Heun steps on a time grid refined at the start (acid falls fastest there),
the step shortened where it would overdraw the acid; trace units (REE, Th, U, Ra, Si,
carbonate) follow from the stored acid path, u = k/(3 X_max) * integral([H+]^n dt).
``cstr``: N equal ideal tanks in series at steady state. In each tank
X_out - X_in = tau k [H+]_out^n (1 - X_out/X_max)^(2/3) is a cubic in
z = (1 - X_out/X_max)^(1/3) (:func:`cstr_conversion`), and the outlet acid closes the acid
balance, found by Newton iteration safeguarded by bisection on whole sample arrays
(:func:`_solve_tank`; the balance is monotone in the acid, so it converges for any finite
inputs). The acid entering the next tank is floored at zero.

Failures
--------
A sample is failed (``info["failed"]``, ``info["failure_reason"]``) where its inlet liquor holds
more free acid than hydrogen (no water: not a liquor; an extrapolated recycle estimate can be
one) or its reactor is not solved (non-finite inputs: a batch's conversions or a tank's acid
balance); nothing dissolves in it, so its outlets stay balanced (NaN only where its inputs
are), and the other samples go on.
:func:`redmud.flowsheet.evaluate` marks such samples failed for the whole plant (NaN flows, the reason).

Parameter sets and every source are in ``redmud/data/leaching.toml``; the red-mud k0 and X_max
come from ``tools/calibrate_leaching.py``.

References
----------
Levenspiel O (1999) Chemical Reaction Engineering, 3rd ed., Wiley: ch. 5 (the mixed-flow
reactor), ch. 6 (reactors in series), ch. 25 (fluid-particle reactions: the shrinking core).
Burden RL, Faires JD (2011) Numerical Analysis, 9th ed., Brooks/Cole: section 5.4 (Heun's
method). Press WH, Teukolsky SA, Vetterling WT, Flannery BP (2007) Numerical Recipes, 3rd ed.,
Cambridge University Press: section 9.4 (Newton's method safeguarded by bisection).
"""

from __future__ import annotations

import functools

import numpy as np

from redmud.chemistry import ATOMIC_WEIGHTS, VALENCES, molar_mass, parse_formula
from redmud.errors import InputError
from redmud.feedstocks import MINERALS
from redmud.operations.base import OperationResult, OperationSpec, Param
from redmud.operations.common import (LIQUOR_CHARGE, MOLAR_MASS, R_GAS, agitator_power_kw,
                                      component_rows, compound_flows, failure_info, free_acid_kmol_h,
                                      phase_stream, reagent_stream, tank_train, water_kg_h)
from redmud.paths import DATA_DIR
from redmud.streams import COMPONENT_INDEX as CI, N_COMPONENTS, PHASES
from redmud.tomlfile import load_toml

DATA_FILE = DATA_DIR / "leaching.toml"
ACIDS = {"HCl": 1, "H2SO4": 2, "HNO3": 1}          # acid -> protons per molecule
#: Major elements whose dissolution consumes enough acid to be coupled to the acid path.
COUPLED = ("Fe", "Al", "Ti", "Ca", "Na", "Mg", "K")
#: Minerals dissolved by their own formula when a feedstock gives them, and the element whose
#: kinetic parameters each takes (ASSUMED: no red-mud kinetics of the minerals was readable).
MINERAL_KINETICS = {"sodalite": "Na", "cancrinite": "Na", "calcite": "Ca"}
KELVIN_0C = 273.15
BATCH_STEPS = 40
#: Bound on the safeguarded Newton iterations of one tank's acid balance (:func:`_solve_tank`);
#: bisection alone would narrow [0, h(T_in)] by 2^-200, far past double precision.
TANK_MAX_ITERATIONS = 200
#: A Newton step of the tank's acid balance below this share of h is taken as the last one
#: (:func:`_solve_tank`): its linearisation error, ~(step/h)^2, is far below the 1e-12 tolerance.
LAST_STEP = 1e-7
#: Bound on the fixed-point passes for the pulp density of a volumetric-form tank (cstr_train).
PULP_DENSITY_PASSES = 20


@functools.lru_cache(maxsize=1)
def leaching_data() -> dict:
    """The parsed ``redmud/data/leaching.toml``."""
    return load_toml(DATA_FILE)


def _value(entry):
    return entry["value"] if isinstance(entry, dict) else entry


# --- physics ------------------------------------------------------------------------------------

def free_proton_molarity(total_acidity, sulfate, ka2):
    """Free H+ [mol/L] of a liquor from its total acidity and sulfate, both [mol/L].

    Total acidity T = [H+] + [HSO4-] (the protons electroneutrality leaves), with
    Ka2 = [H+][SO4--]/[HSO4-] [mol/L], gives [H+]^2 + (Ka2 + S - T)[H+] - T Ka2 = 0, solved in
    the cancellation-free form. Without sulfate [H+] = T. Activities are taken as
    concentrations. Ka2 = 10^-1.99 mol/L at 25 degC (PrOMMiS 1.1.0, NETL).
    """
    t = np.maximum(total_acidity, 0.0)
    b = ka2 + sulfate - t
    root = np.sqrt(b * b + 4.0 * t * ka2)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(b > 0, 2.0 * t * ka2 / (b + root), 0.5 * (root - b))   # b + root > 0 where b > 0
    return np.maximum(h, 0.0)


def total_acidity(h, sulfate, ka2):
    """Inverse of :func:`free_proton_molarity`: T = h + S h / (Ka2 + h) [mol/L]."""
    return h + sulfate * h / np.maximum(ka2 + h, 1e-300)


def _power(acid, order):
    """[H+]^n broadcast to ``(unit, sample)``; order-1 units skip the costly power."""
    acid = np.maximum(acid, 0.0)
    order = np.asarray(order)
    if np.all(order == 1.0):
        return np.broadcast_to(acid, np.broadcast_shapes(order.shape, np.shape(acid)))
    return np.power(acid, order)


def shrinking_core_rate(k, acid, conversion, x_max, order):
    """dX/dt [1/h] = k [H+]^n (1 - X/X_max)^(2/3); k [1/h (mol/L)^-n], [H+] [mol/L].

    The shrinking-core law under chemical-reaction control, the unreacted core's surface
    falling as (1 - X)^(2/3) (Levenspiel 1999, ch. 25; see the module's references), with the
    ceiling X_max of the share locked in refractory phases. The parameters and their sources
    are in leaching.toml.
    """
    left = np.clip(1.0 - conversion / x_max, 0.0, 1.0)
    return k * np.power(np.maximum(acid, 0.0), order) * left ** (2.0 / 3.0)


def conversion_at_exposure(k, exposure, x_max, x0=0.0):
    """X after an acid exposure under the shrinking-core law (the integrated form).

    .. math:: 1 - (1 - X/X_{max})^{1/3} = u_0 + k \\theta / (3 X_{max}),
              \\theta = \\int [H^+]^n dt

    with exposure theta [h (mol/L)^n], k [1/h (mol/L)^-n]; reaches X_max in finite exposure.
    The integral of :func:`shrinking_core_rate` (for X_max = 1 it is t/tau = 1 - (1 - X)^(1/3),
    reaction control: Levenspiel 1999, ch. 25).
    """
    u0 = 1.0 - np.cbrt(np.clip(1.0 - x0 / x_max, 0.0, 1.0))
    u = np.minimum(u0 + k * exposure / (3.0 * x_max), 1.0)
    return x_max * (1.0 - (1.0 - u) ** 3)


#: Kahan's cube-root seed: (1023 - 1023/3 - 0.03306235651) x 2^20, shifted to the high word.
_CBRT_SEED = np.int64(715094163) << 32


def cube_root_seed(q):
    """q^(1/3) within ~3.2 % for q > 0 (q = 0 gives ~2e-103), from the bits of a float64.

    A double's bits read as an integer are nearly a scaled log2 of its value, so a third of
    them plus a constant is a log2 of its cube root; this is the seed of fdlibm's cbrt
    (Kahan W (1991) Computing a real cube root; fdlibm s_cbrt.c, Sun Microsystems 1993). It
    starts the Newton iterations of :func:`cstr_conversion` at a twentieth of the cost of
    ``np.cbrt``, which at 1e5 samples was a third of that function's time. ``q`` must be a
    float64 array >= 0.
    """
    seed = np.ascontiguousarray(q, dtype=np.float64).view(np.int64) // 3
    seed += _CBRT_SEED
    return seed.view(np.float64)


def cstr_conversion(a, acid, order, x_max, x_in):
    """Outlet conversion of one ideal stirred tank at steady state.

    Solves X - X_in = a [H+]^n (1 - X/X_max)^(2/3) (a = tau k [h]x[1/h]) as the cubic
    z^3 + p z^2 - q = 0 in z = (1 - X/X_max)^(1/3), p = a [H+]^n / X_max, q = 1 - X_in/X_max
    (:class:`TankCubic`, which holds what does not change with the acid). Returns
    (X, dX/dp * p) for the Newton step of the acid balance. The equation is the mixed-flow
    reactor's design equation, tau = (X - X_in) / r(X) at the outlet (Levenspiel 1999, ch. 5),
    with r of :func:`shrinking_core_rate`.
    """
    return TankCubic(a, order, x_max, x_in).conversion(acid)


class TankCubic:
    """The cubic z^3 + p z^2 - q = 0 of :func:`cstr_conversion` for one tank's units, solved at
    any outlet acid: q = 1 - X_in/X_max and its cube-root seed do not change with the acid, so
    the tank's acid balance (:func:`_solve_tank`) computes them once.

    Newton's method starts from min(c(q), (q/p)^(1/2)), both upper bounds on the root but for the
    ~3 % error of c(q), a seed of q^(1/3) (:func:`cube_root_seed`). The start is within a
    factor ~1.3 (2^(1/3) and the seed's 3 %) of the root, and on this convex cubic a start below
    the root steps above it, from where the iteration falls monotonically: 5 steps reach
    ~1e-12. Without acid (p = 0) z = q^(1/3): nothing dissolves, and a unit already at its
    ceiling (q = 0) stays there. Arrays are ``(unit, sample)``; ``a`` [h]x[1/h (mol/L)^-n],
    ``order`` n and ``x_max`` broadcast to them.
    """

    def __init__(self, a, order, x_max, x_in):
        shape = np.broadcast_shapes(np.shape(a), np.shape(order), np.shape(x_max), np.shape(x_in))
        self.order, self.x_max = np.asarray(order), np.asarray(x_max)
        self.q = np.empty(shape)
        np.divide(x_in, x_max, out=self.q)
        np.subtract(1.0, self.q, out=self.q)
        np.clip(self.q, 0.0, 1.0, out=self.q)
        self.seed = cube_root_seed(self.q)
        self.a_per_x_max = np.broadcast_to(np.divide(a, x_max), shape)

    def keep(self, samples):
        """Keep only ``samples`` (indices on the sample axis)."""
        self.q, self.seed, self.a_per_x_max = (np.take(m, samples, axis=1)
                                               for m in (self.q, self.seed, self.a_per_x_max))

    def conversion(self, acid):
        """(X, dX/dp * p) at outlet free H+ ``acid`` [mol/L] ``(sample,)``."""
        # written with in-place operations: at 1e5 samples fresh temporaries dominate the cost
        q = self.q
        p = self.a_per_x_max * _power(acid, self.order)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.divide(q, p)                              # p = 0 gives inf: z = q^(1/3)
            np.sqrt(f, out=f)
            z = np.fmin(self.seed, f)                        # p = q = 0 gives NaN: z = 0
            zp, fp = np.empty_like(z), np.empty_like(z)
            for _ in range(5):
                np.add(z, p, out=zp)
                np.multiply(z, z, out=f)
                f *= zp
                f -= q                                       # f = z^3 + p z^2 - q
                np.add(zp, zp, out=fp)
                fp += z
                fp *= z                                      # f' = 3 z^2 + 2 p z
                np.maximum(fp, 1e-300, out=fp)
                f /= fp
                z -= f
                np.maximum(z, 0.0, out=z)
            z3 = z * z
            z3 *= z
            np.multiply(z, 3.0, out=fp)
            fp += p
            fp += p
            np.maximum(fp, 1e-300, out=fp)
            dxdp_p = np.multiply(z3, p, out=f)
            dxdp_p *= 3.0 * self.x_max
            dxdp_p /= fp
        np.subtract(1.0, z3, out=z3)
        z3 *= self.x_max
        return z3, dxdp_p


def hematite_iron_solubility(temperature_k, c_ref, t_ref_k, enthalpy_j_mol):
    """Fe3+ in equilibrium with hematite [mol/L] at the calibration acidity.

    From 2 Fe3+ + 3 H2O <=> Fe2O3 + 6 H+, K = [H+]^6/[Fe3+]^2 and van 't Hoff at fixed [H+]:

    .. math:: [Fe^{3+}]_{eq} = C_{ref} \\exp\\left(\\frac{\\Delta_r H}{2R}
              \\left(\\frac{1}{T} - \\frac{1}{T_{ref}}\\right)\\right)

    Delta_r H = +130.3 kJ/mol (NBS tables, Wagman et al. 1982), so solubility falls with
    temperature (HPAL behaviour: Ucyildiz & Girgin 2017). C_ref at 200 degC is calibrated in
    leaching.toml [hpal].
    """
    return c_ref * np.exp(enthalpy_j_mol / (2.0 * R_GAS) * (1.0 / temperature_k - 1.0 / t_ref_k))


def amorphous_silica_solubility_mol_kg(temperature_k):
    """Amorphous silica solubility as H4SiO4 [mol/kg water], 0-350 degC.

    log K = -8.476 - 485.24/T - 2.268e-6 T^2 + 3.068 log T (Gunnarsson & Arnorsson 2000,
    Geochim. Cosmochim. Acta 64:2295, doi:10.1016/S0016-7037(99)00426-3); 1.9e-3 mol/kg
    (116 mg/kg SiO2) at 25 degC.
    """
    t = np.asarray(temperature_k, dtype=float)
    return 10.0 ** (-8.476 - 485.24 / t - 2.268e-6 * t * t + 3.068 * np.log10(t))


# --- parameter sets --------------------------------------------------------------------------------

def kinetic_set(name: str) -> dict:
    """Per-element arrays of a parameter set: k0, ea, order, x_max (NaN where not leached).

    For the volumetric (coal-refuse) form, ``b`` [mol/kg/h] and the oxide's atoms per formula
    replace k0/ea. ``follow`` elements copy another element's parameters.
    """
    data = leaching_data()["sets"][name]
    k0, ea, order, x_max, b, atoms = (np.full(N_COMPONENTS, np.nan) for _ in range(6))
    for el, rec in data["elements"].items():
        i = CI[el]
        if data["form"] == "volumetric":
            order[i], b[i], x_max[i], ea[i] = rec["order"], rec["b"], 1.0, 0.0
            atoms[i] = parse_formula(rec["oxide"])[el]
        else:
            k0[i], ea[i] = _value(rec["k0"]), _value(rec["ea"])
            order[i], x_max[i] = _value(rec["order"]), _value(rec["x_max"])
    for el, like in data.get("follow", {}).items():
        if el in CI:
            for arr in (k0, ea, order, x_max, b, atoms):
                arr[CI[el]] = arr[CI[like]]
    return {"form": data["form"], "k0": k0, "ea": ea, "order": order, "x_max": x_max, "b": b,
            # the bisulfate constant belongs to sulfate, not to the acid: any liquor with sulfate
            # (a recycle, a sulfate-bearing feed) uses it
            "atoms": atoms, "ka2": _value(data.get("ka2_mol_L",
                                                    leaching_data()["sets"]["red_mud_H2SO4"]["ka2_mol_L"])),
            "solid_density": _value(data.get("solid_density_kg_L", 0.0)) * 1000.0}


def set_name(kinetics: str, acid_type: str) -> str:
    """The parameter set of leaching.toml for a kinetics choice and an acid (HNO3 takes the HCl
    set: see that set's note); the coal-refuse set is fitted for H2SO4 only."""
    if kinetics == "coal_refuse":
        if acid_type != "H2SO4":
            raise InputError("leach.acid_type", "the coal_refuse set is fitted for H2SO4 only")
        return "coal_refuse"
    return "red_mud_H2SO4" if acid_type == "H2SO4" else "red_mud_HCl"


# --- dissolving units ---------------------------------------------------------------------------

def _units(solid, comps, mineralogy, kin):
    """Dissolving units of a solid ``(component, sample)`` [kg/h] over ``comps`` (sorted
    component indices, among them every element a mineral or an oxide unit is capped by).

    Returns per unit: stoichiometry ``nu`` (U, C) [kmol element / kmol unit] over every
    component, amount ``N`` (U, S) [kmol/h], the element whose kinetics it uses, the oxygen it
    sends to the gas as CO2 and the oxygen it moves beyond ``nu`` (an oxide's O, carbonate's
    2 O) [kmol / kmol unit]. Minerals (sodalite, cancrinite, calcite; from ``mineralogy`` wt% of
    dry solid) take their elements first, capped by what the solid holds; the rest dissolves as
    oxides (an element the solid does not hold makes no unit). Carbonate C outside the minerals
    leaves with Ca's kinetics. A mineral whose host element has no parameters in the set (the
    coal-refuse set has no Na) does not leach: it keeps its elements, and makes no unit, as an
    element without parameters makes none.
    """
    at = component_rows(comps)
    kmol = solid / MOLAR_MASS[comps, None]
    left = kmol.copy()
    dry = solid.sum(axis=0)
    nus, amounts, kinetic_el, o_gas, extra_o = [], [], [], [], []
    for mineral, host in MINERAL_KINETICS.items():
        if mineral not in mineralogy:
            continue
        nu = np.zeros(N_COMPONENTS)
        for el, n in parse_formula(MINERALS[mineral]).items():
            nu[CI[el]] = n
        n_min = mineralogy[mineral] * dry / molar_mass(MINERALS[mineral])
        for el in ("Na", "Ca", "Al", "Si", "C"):                 # Cl and O are not capping
            if nu[CI[el]] > 0:
                n_min = np.minimum(n_min, left[at[el]] / nu[CI[el]])
        left -= nu[comps, None] * n_min
        left = np.maximum(left, 0.0)
        if not np.isfinite(kin["x_max"][CI[host]]):
            continue
        nus.append(nu), amounts.append(n_min), kinetic_el.append(host)
        o_gas.append(2.0 * nu[CI["C"]]), extra_o.append(0.0)
    for el in COMPONENT_ORDER:
        if el not in at:
            continue
        if el == "C":
            nu = np.zeros(N_COMPONENTS)
            nu[CI["C"]] = 1.0
            nus.append(nu), amounts.append(left[at["C"]]), kinetic_el.append("Ca")
            o_gas.append(2.0), extra_o.append(2.0)
        elif np.isfinite(kin["x_max"][CI[el]]):
            nu = np.zeros(N_COMPONENTS)
            nu[CI[el]] = 1.0
            nus.append(nu), amounts.append(left[at[el]]), kinetic_el.append(el)
            o_gas.append(0.0), extra_o.append(OXIDE_OXYGEN[CI[el]])
    return np.array(nus), np.array(amounts), kinetic_el, np.array(o_gas), np.array(extra_o)


#: Elements considered for oxide dissolution (those with parameters in the set), and C.
COMPONENT_ORDER = ("Fe", "Al", "Ti", "Ca", "Na", "Mg", "K", "Si", "Sc", "Y", "La", "Ce", "Pr", "Nd",
                   "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Th", "U", "Ra", "C")
#: Oxygen moved with each dissolved oxide atom: half its valence (M2O3 -> 1.5 O per M; the O
#: ends as water with the acid's H, or in TiO2+ / UO2++ / H4SiO4).
OXIDE_OXYGEN = np.array([VALENCES.get(c, 0) / 2.0 if c in COMPONENT_ORDER and c != "C" else 0.0
                         for c in CI])


def _rate_constants(kin, kinetic_el, temperature_k, solid_mass, amounts, nus):
    """k per unit [1/h (mol/L)^-n], ``(U, S)``; orders and ceilings ``(U,)``."""
    idx = np.array([CI[e] for e in kinetic_el])
    order, x_max = kin["order"][idx], kin["x_max"][idx]
    if kin["form"] == "volumetric":
        # k = B [mol/kg/h] x solids [kg/h] / oxide feed [mol/h]; oxide = element / atoms
        el_kmol = nus[np.arange(len(idx)), idx][:, None] * amounts
        oxide_mol = 1000.0 * el_kmol / kin["atoms"][idx][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(oxide_mol > 0, kin["b"][idx][:, None] * solid_mass / oxide_mol, 0.0)
    else:
        k = kin["k0"][idx][:, None] * np.exp(-kin["ea"][idx][:, None] / (R_GAS * temperature_k))
    return k, order, x_max


# --- reactors ---------------------------------------------------------------------------------

def _acid_of(t_kmol, sulfate_kmol, volume_m3, ka2):
    """Free H+ [mol/L] from total acidity and sulfate [kmol/h] in a liquor volume [m^3/h]."""
    v = np.maximum(volume_m3, 1e-300)
    return free_proton_molarity(t_kmol / v, sulfate_kmol / v, ka2)


def _class_members(units, classes):
    """The first of ``units`` (unit indices) in each kinetic class, and each class's units.

    Units of one class (an element and the elements that follow its parameters, all given the
    same history) have the same conversion, so a solver computes it once per class;
    ``classes`` None makes every unit its own class."""
    keys = units if classes is None else np.asarray(classes)[units]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return units[first], [units[inverse == j] for j in range(first.size)]


def _class_charge(members, charge, amounts, n):
    """H+ each class's units take at full conversion, sum_j z_j N_j [kmol/h], ``(class, n)``:
    ``charge`` z per unit, ``amounts`` N ``(unit, sample|1)``, ``members`` as from
    :func:`_class_members`."""
    return np.array([(charge[m, None] * np.broadcast_to(amounts[m], (m.size, n))).sum(axis=0)
                     for m in members]).reshape(len(members), n)


def _free_conversions(fn, free, classes):
    """Conversions of the uncoupled units, computed once per kinetic class and copied.

    Units of one class (an element and the elements that follow its parameters) have the same
    rate constants and history, hence the same conversion; ``fn(rows)`` computes the given
    unit rows.
    """
    rows = np.flatnonzero(free)
    first = {}
    for r in rows:
        first.setdefault(classes[r], r)
    reps = np.array(list(first.values()))
    values = fn(reps)
    lookup = {c: i for i, c in enumerate(first)}
    return rows, values[[lookup[classes[r]] for r in rows]]


def batch_leach(k, order, x_max, charge, amounts, coupled, acid0_kmol, sulfate_kmol, volume_m3,
                ka2, time_h, steps=BATCH_STEPS, classes=None):
    """Conversions ``(U, S)`` after a batch leach of ``time_h`` [h].

    Coupled units (acid consumers) are integrated together with Heun's method in
    u = 1 - (1 - X/X_max)^(1/3) on the grid t_i = t (i/m)^2; a step that would draw the total
    acidity below zero is shortened by bisection on its length fraction. The other units follow
    from the trapezoid integral of [H+]^n over the stored acid path
    (:func:`conversion_at_exposure`). Heun's method is the explicit trapezoidal rule (Burden and
    Faires 2011, section 5.4; see the module's references). Units: k [1/h (mol/L)^-n],
    ``charge`` [kmol H+ per kmol unit], ``amounts``, ``acid0_kmol`` and ``sulfate_kmol``
    [kmol/h], ``volume_m3`` [m^3/h], ``ka2`` [mol/L].
    """
    n_units, n = amounts.shape
    time_h = np.broadcast_to(time_h, (n,))
    grid = (np.arange(steps + 1) / steps) ** 2
    # one u per kinetic class of the coupled units (its units share it), each class weighted by
    # the H+ its units take at X = X_max [kmol/h]
    rep, members = _class_members(np.flatnonzero(coupled), classes)
    kc, nc, xc = k[rep], order[rep][:, None], x_max[rep][:, None]
    consumed_per_x = xc * _class_charge(members, charge, amounts, n)
    u = np.zeros_like(consumed_per_x)
    acid_at_ceilings = acid0_kmol - consumed_per_x.sum(axis=0)     # every class at X_max

    def acidity(uu):                  # T_0 - sum_j C_j (1 - w_j^3) = T(X_max) + sum_j C_j w_j^3
        w = 1.0 - uu
        w3 = w * w
        w3 *= w
        return acid_at_ceilings + np.einsum("ij,ij->j", consumed_per_x, w3)

    def acid_of(t_kmol):
        return _acid_of(t_kmol, sulfate_kmol, volume_m3, ka2)

    rate0 = kc / (3.0 * xc)

    def du_dt(h, uu):
        return rate0 * _power(h, nc) * (uu < 1.0)

    t_now = acidity(u)
    h_now = acid_of(t_now)
    acid_path = [h_now]
    for i in range(steps):
        dt = (grid[i + 1] - grid[i]) * time_h
        d1 = du_dt(h_now, u)
        u1 = np.minimum(u + d1 * dt, 1.0)
        d2 = du_dt(acid_of(acidity(u1)), u1)
        step = 0.5 * (d1 + d2) * dt
        new = np.minimum(u + step, 1.0)
        t_new = acidity(new)
        short = (t_new < 0) & (acid0_kmol > 0)
        if np.any(short):
            lo, hi = np.zeros(n), np.ones(n)
            for _ in range(30):
                mid = 0.5 * (lo + hi)
                ok = acidity(np.minimum(u + mid * step, 1.0)) >= 0
                lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
            new = np.where(short, np.minimum(u + lo * step, 1.0), new)
            t_new = acidity(new)
        u, t_now = new, t_new
        h_now = acid_of(t_now)
        acid_path.append(h_now)
    path = np.array(acid_path)                                      # (steps+1, S)
    weights = np.diff(grid)[:, None] * time_h                       # (steps, S)
    x = np.zeros((n_units, n))
    x_class = xc * (1.0 - (1.0 - u) ** 3)
    for j, m in enumerate(members):
        x[m] = x_class[j]
    free = ~coupled
    if np.any(free):
        def exposure_conversion(reps):
            exposure = np.zeros((reps.size, n))
            for value in np.unique(order[reps]):               # one path integral per order
                ph = _power(path, value)
                exposure[order[reps] == value] = (0.5 * (ph[1:] + ph[:-1]) * weights).sum(axis=0)
            return conversion_at_exposure(k[reps], exposure, x_max[reps][:, None])
        rows, values = _free_conversions(exposure_conversion, free,
                                         np.arange(n_units) if classes is None else classes)
        x[rows] = values
    return x, path[-1]


def _solve_tank(a, order, x_max, charge, amounts, coupled, x_in, t_in_kmol, sulfate_kmol,
                volume_m3, ka2, classes=None, rtol=1e-12, max_iter=TANK_MAX_ITERATIONS):
    """Outlet conversions ``(U, S)``, free H+ [mol/L] and solved flag ``(S,)`` of one ideal tank.

    The outlet acid h [mol/L] closes the acid balance of the coupled (acid-consuming) units,

    .. math:: g(h) = V T(h) - T_{in} + \\sum_j z_j N_j (X_j(h) - X_{j,in}) = 0

    with V the liquor volume [m^3/h], T(h) the total acidity of :func:`total_acidity`
    [mol/L = kmol/m^3], T_in [kmol/h], z_j the H+ each unit consumes, N_j [kmol/h] and X_j(h)
    the tank's outlet conversion (:func:`cstr_conversion`). T(h) and every X_j(h) rise with h,
    so g is monotone; g(0) = -T_in <= 0 and g(h(T_in)) >= 0, so exactly one root lies in
    [0, h(T_in)] whenever the inputs are finite. It is found by Newton's method safeguarded by
    bisection on a bracket that holds the root (rtsafe: Press WH, Teukolsky SA, Vetterling WT,
    Flannery BP (2007) Numerical Recipes, 3rd ed., Cambridge University Press, section 9.4): a
    Newton step that leaves the bracket, or that is not shorter than half the step before last,
    is replaced by bisection (geometric while the bracket spans more than a factor 4, so that a
    root decades below h(T_in) is reached in tens of steps), so the iteration converges for any
    finite inputs, however far the liquid/solid ratio, the residence time or the tank count are
    from their design values.

    A sample is solved when |g| <= ``rtol`` x (T_in + sum_j |z_j| N_j (X_j + X_j,in)) (the sum of
    the magnitudes g is made of: its rounding floor is ~1e-16 of it, so the test is attainable
    also when the acid left is a tiny difference of large amounts), or when the last change of
    h, or the bracket, is below ``rtol`` x h, or when a Newton step is below LAST_STEP x h: that
    step is then the last, taken with X_j moved along its tangent, X_j + (dX_j/dh) dh, whose
    error is second order in dh/h (< 1e-13 of X_j), so X need not be evaluated once more (a
    tenth of the evaluations at 1e5 samples). A negative T_in (rounding, or acid taken by the
    uncoupled units in the tanks before) counts as zero acid. A sample with non-finite inputs
    (a recycle that diverged upstream) is not solved: its outputs are NaN and its flag False,
    and the rest of the array goes on; ``max_iter`` only bounds the work (a sample still outside
    the tolerance then is flagged, not raised). The uncoupled units then follow at the outlet
    acid.
    """
    n = np.shape(t_in_kmol)[-1] if np.ndim(t_in_kmol) else amounts.shape[1]
    v = np.broadcast_to(np.maximum(volume_m3, 1e-300), (n,))
    s = np.broadcast_to(sulfate_kmol / v, (n,))
    t_in = np.broadcast_to(np.maximum(t_in_kmol, 0.0), (n,))
    hi = np.broadcast_to(free_proton_molarity(t_in / v, s, ka2), (n,)).astype(float)
    # the coupled units of one kinetic class share one conversion: the balance is solved on one
    # unit per class (rep), each weighted by the H+ its class's units take [kmol/h]
    rep, members = _class_members(np.flatnonzero(coupled), classes)
    weight = _class_charge(members, charge, amounts, n)
    size = _class_charge(members, np.abs(charge), amounts, n)            # the magnitudes g sums
    per_class = [np.broadcast_to(m[rep], (rep.size, n)) for m in (a, x_in)] + [weight, size]
    oc, xc = order[rep][:, None], x_max[rep][:, None]
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(hi) & np.isfinite(v) & np.all([np.isfinite(m).all(axis=0) for m in per_class], axis=0)
    # the iteration works on the samples not yet solved: each leaves it once solved, so the
    # samples that need tens of steps do not make the others take them too
    h_all, x_class = np.full(n, np.nan), np.full((rep.size, n), np.nan)
    solved = np.zeros(n, dtype=bool)
    work = np.flatnonzero(finite)
    ac, xin, consumed, magnitude = (np.take(m, work, axis=1) for m in per_class)
    cubic = TankCubic(ac, oc, xc, xin)
    # the parts of g and of its scale that the iteration does not change [kmol/h]
    tw = t_in[work]
    g_in = tw + np.einsum("ij,ij->j", consumed, xin)
    scale_in = tw + np.einsum("ij,ij->j", magnitude, xin)
    vw, sw, hi = v[work], s[work], hi[work]
    lo, h = np.zeros_like(hi), hi.copy()
    step = hi - lo                                # the last change of h (rtsafe's dx)
    step_before = np.full_like(hi, np.inf)        # the change before it (rtsafe's dxold): none yet
    for iteration in range(max_iter):
        x, dxdp_p = cubic.conversion(h)
        g = vw * total_acidity(h, sw, ka2) - g_in + np.einsum("ij,ij->j", consumed, x)
        scale = scale_in + np.einsum("ij,ij->j", magnitude, x)
        done = (np.abs(g) <= rtol * scale) | (np.abs(step) <= rtol * h) | (hi - lo <= rtol * h)
        lo, hi = np.where(g < 0, h, lo), np.where(g > 0, h, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            dx_dlnh = dxdp_p * oc                       # h dX/dh = n p dX/dp
            dg = vw * (1.0 + sw * ka2 / (ka2 + h) ** 2) + \
                np.einsum("ij,ij->j", consumed, dx_dlnh) / np.where(h > 0, h, 1.0)
            newton = h - g / dg
        # bisect where Newton leaves the bracket or is not half as long as the step before last
        bisect = ~np.isfinite(newton) | (newton <= lo) | (newton >= hi) | \
            (np.abs(newton - h) > 0.5 * np.abs(step_before))
        # a Newton step below LAST_STEP x h is the last: taken on the linearisation, whose
        # error is second order (< 1e-13 of X), it saves evaluating X once more
        last = ~done & ~bisect & (h > 0) & (np.abs(newton - h) <= LAST_STEP * h)
        finished = done | last
        solved[work[finished]] = True
        # the state of the samples that leave, solved or (at the last iteration) not
        leaving = finished if iteration < max_iter - 1 else np.ones_like(done)
        # samples are picked by integer index with np.take: at 1e5 samples a boolean mask on a
        # (class, sample) array costs ~6x as much (measured), and this runs every iteration
        if last.any():
            tangent = np.flatnonzero(last)
            x[:, tangent] = np.clip(np.take(x, tangent, axis=1) + np.take(dx_dlnh, tangent, axis=1)
                                    * ((newton[tangent] - h[tangent]) / h[tangent]), 0.0, xc)
            h = np.where(last, newton, h)
        leavers = np.flatnonzero(leaving)
        h_all[work[leavers]], x_class[:, work[leavers]] = h[leavers], np.take(x, leavers, axis=1)
        if leavers.size == leaving.size:
            break
        if leavers.size:
            keep = np.flatnonzero(~leaving)
            cubic.keep(keep)
            consumed, magnitude = np.take(consumed, keep, axis=1), np.take(magnitude, keep, axis=1)
            work, newton, bisect, h, lo, hi, step, step_before, vw, sw, g_in, scale_in = (
                m[keep] for m in (work, newton, bisect, h, lo, hi, step, step_before, vw, sw, g_in, scale_in))
        # bisect geometrically while the bracket spans decades: an acid-starved tank's root can
        # lie near 1e-75 mol/L (rates ~ h^A with small A), beyond 200 halvings from h(T_in)
        floor = np.maximum(lo, 1e-300)
        middle = np.where(hi > 4.0 * floor, np.sqrt(floor * hi), 0.5 * (lo + hi))
        h_new = np.where(bisect, middle, newton)
        step_before, step = step, h_new - h
        h = h_new
    h = h_all
    x_all = np.where(finite, x_in, np.nan)
    for j, m in enumerate(members):
        x_all[m] = x_class[j]
    free = ~coupled
    if np.any(free):
        rows, values = _free_conversions(
            lambda r: cstr_conversion(a[r], h, order[r][:, None], x_max[r][:, None], x_in[r])[0],
            free, np.arange(len(order)) if classes is None else classes)
        x_all[rows] = values
    return x_all, h, solved


def _pulp_density_ratio(nus, extra_o, amounts, charge, solid_kg_h, liquid_l_h, solid_density_kg_l):
    """eps(X) / eps(0): pulp density of a tank's contents at conversions X over the feed's.

    .. math:: \\varepsilon = \\frac{m_s}{m_s/\\rho_s + Q_l}, \\quad
              m_s = m_{s,0} - \\sum_j M_j N_j X_j, \\quad
              Q_l = Q_{l,0} + 0.018\\,015 \\sum_j \\tfrac{z_j}{2} N_j X_j

    m_s [kg/h] the solids left, rho_s [kg/L], Q_l [L/h] the liquid with the water the
    dissolution makes (M2O3 + 6 H+ -> 2 M3+ + 3 H2O: z/2 water per unit, 18.015 g/mol, 1 kg/L),
    N_j [kmol/h] and M_j [kg/kmol] each unit's feed and mass. The volumetric rate law is per
    slurry volume, r = eps B [H+]^A (1 - X)^(2/3), with eps of the tank's contents, i.e. its
    outlet (PrOMMiS 1.1.0 leach_train / leach_solution_properties, per
    shared/reference/peer-model-parameters.md).
    """
    unit_kg = (nus @ MOLAR_MASS + extra_o * ATOMIC_WEIGHTS["O"])[:, None] * amounts
    water_l_per_unit = 0.5 * charge[:, None] * amounts * molar_mass("H2O")

    def pulp_density(xx):
        solids = np.maximum(solid_kg_h - (unit_kg * xx).sum(axis=0), 0.0)
        liquid = liquid_l_h + (water_l_per_unit * xx).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return solids / (solids / solid_density_kg_l + liquid)

    feed = pulp_density(np.zeros_like(amounts))

    def ratio(xx):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(feed > 0, pulp_density(xx) / np.where(feed > 0, feed, 1.0), 0.0)

    return ratio


def cstr_train(k, order, x_max, charge, amounts, coupled, acid0_kmol, sulfate_kmol, volume_m3,
               ka2, time_h, n_tanks, solids_factor=None, classes=None):
    """Conversions ``(U, S)``, outlet free H+ [mol/L] and solved flag ``(S,)`` of a tank train.

    ``n_tanks`` equal ideal tanks in series (Levenspiel 1999, ch. 6), each holding
    tau = time / N [h]; a = tau k. The total acidity entering tank i+1 is that entering tank i
    less the charge of everything that dissolved in tank i (coupled and uncoupled units),
    floored at zero: acid cannot go negative, and the uncoupled units, which do not feed back on
    the acid within a tank, may take the last of it. ``n_tanks`` must be one whole number for the whole sample array (the
    tank count is a design choice, not a sampled quantity). ``solids_factor(x)`` (volumetric
    form) scales k by the pulp density of the tank's contents over the feed's
    (:func:`_pulp_density_ratio`), evaluated at the tank's outlet conversions: a fixed point,
    iterated until the factor moves by less than 1e-14 (it depends weakly on X, so each pass
    gains ~3 digits). A sample is solved when every tank's acid balance is
    (:func:`_solve_tank`).
    """
    tanks = np.unique(np.asarray(n_tanks))
    if tanks.size != 1:
        raise InputError("leach.n_tanks", "expected one tank count for all samples")
    n_t = int(tanks[0])
    tau = np.asarray(time_h) / n_t
    x = np.zeros_like(amounts)
    t_kmol = acid0_kmol
    h = None
    solved = np.ones(amounts.shape[1], dtype=bool)
    for _ in range(n_t):
        factor = solids_factor(x) if solids_factor is not None else 1.0
        x_new, h, ok = _solve_tank(k * tau * factor, order, x_max, charge, amounts, coupled, x,
                                   t_kmol, sulfate_kmol, volume_m3, ka2, classes)
        for _ in range(PULP_DENSITY_PASSES if solids_factor is not None else 0):
            new_factor = solids_factor(x_new)
            moving = np.abs(new_factor - factor) > 1e-14      # NaN (a failed sample) stops
            if not np.any(moving):
                break
            factor = np.where(moving, new_factor, factor)
            x_next, h_next, ok_next = _solve_tank(k * tau * factor, order, x_max, charge, amounts,
                                                  coupled, x, t_kmol, sulfate_kmol, volume_m3, ka2,
                                                  classes)
            # a sample whose factor has settled keeps its solution: no sample depends on others
            x_new, h, ok = (np.where(moving, x_next, x_new), np.where(moving, h_next, h),
                            np.where(moving, ok_next, ok))
        t_kmol = np.maximum(t_kmol - (charge[:, None] * amounts * (x_new - x)).sum(axis=0), 0.0)
        x = x_new
        solved &= ok
    return x, h, solved


# --- the leach's rows ---------------------------------------------------------------------------

#: Elements whose extraction is reported (``extraction_<el>``, ``dissolved_<el>``).
REPORTED = ("Sc", "Y", "La", "Ce", "Pr", "Nd", "Sm", "Gd", "Dy", "Th", "U", "Ra", "Fe", "Al",
            "Si", "Ti", "Ca", "Na", "Mg")
#: Components the leach reads or writes beyond its inlets' and its acid's: water, CO2, gypsum
#: and RaSO4, hematite, the minerals' capping elements and the reported elements.
WRITTEN = ("H", "O", "C", "S", "Ca", "Ra", "Fe", "Na", "Al", "Si") + REPORTED


def _leach_components(streams, acid_type):
    """Sorted component indices the leach works on: those its inlets hold in any phase, the
    acid's and :data:`WRITTEN`. Every other component is zero in every outlet, so the leach
    keeps ``(component, sample)`` arrays over these rows only (a third fewer than all)."""
    held = [s.held_components(p) for s in streams for p in PHASES]
    return np.union1d(np.concatenate(held), [CI[el] for el in (*parse_formula(acid_type), *WRITTEN)])


def _inlet_phases(streams, comps, n):
    """The inlets' flows [kg/h] summed per phase over ``comps``, ``{phase: (component, sample)}``:
    solid, aqueous and gas always, organic where an inlet holds it."""
    phases = {}
    for phase in PHASES:
        if phase != "organic" or any(s.held_components(phase).size for s in streams):
            flows = streams[0].phase(phase, comps, out=np.empty((comps.size, n)))
            for s in streams[1:]:
                flows += s.phase(phase, comps)
            phases[phase] = flows
    return phases


# --- precipitation in the liquor ---------------------------------------------------------------

def _precipitate(solid, liquor, at, formula, kmol):
    """Precipitate ``kmol`` [kmol/h] of ``formula`` from the liquor into the solid, capped by
    what the liquor holds; both ``(component, sample)`` [kg/h] with ``at`` component -> row
    (:func:`redmud.operations.common.component_rows`), changed in place."""
    atoms = parse_formula(formula)
    for el, n in atoms.items():
        kmol = np.minimum(kmol, np.maximum(liquor[at[el]] / ATOMIC_WEIGHTS[el], 0.0) / n)
    kmol = np.maximum(kmol, 0.0)
    for el, n in atoms.items():
        _move(solid, liquor, at[el], n * kmol * ATOMIC_WEIGHTS[el])
    return kmol


def _move(to_flows, from_flows, r, kg):
    """Move ``kg`` [kg/h] of row ``r`` between two phases' flows, in place."""
    from_flows[r] -= kg
    to_flows[r] += kg


def _vessel_material(acid_type, vessel, t_max_k):
    """Material of construction for the acid service (a design choice, documented in SPECS)."""
    if vessel == "autoclave":
        return "titanium"
    if acid_type == "HNO3":
        return "316ss"
    return "rubber_lined" if t_max_k <= KELVIN_0C + 90.0 else "frp"


def run(inlets, params, context):
    """Acid leach of ``feed`` (+ optional ``recycle`` liquor): see the module docstring."""
    streams = [s for s in (inlets["feed"], inlets.get("recycle")) if s is not None]
    n = max(*(s.n_samples for s in streams), context.get("n_samples", 1),
            *(np.size(v) for v in params.values() if not isinstance(v, str)))
    acid_type, kinetics, reactor, vessel = (params["acid_type"], params["kinetics"],
                                            params["reactor"], params["vessel"])
    temperature = np.broadcast_to(params["temperature"], (n,)).astype(float)
    if vessel == "atmospheric" and np.any(temperature > KELVIN_0C + 110.0):
        raise InputError("leach.temperature", "above 110 degC needs vessel = \"autoclave\" "
                                              "(an open tank boils)")
    # context["leach_kinetics"] replaces the data file's set (tools/calibrate_leaching.py only)
    kin = context.get("leach_kinetics") or kinetic_set(set_name(kinetics, acid_type))
    data = leaching_data()
    # (component, sample) arrays per phase over the components in play; at: component -> row
    comps = _leach_components(streams, acid_type)
    at = component_rows(comps)
    phases = _inlet_phases(streams, comps, n)
    solid, liquor, gas = phases["solid"], phases["aqueous"], phases["gas"]
    solid0 = solid.copy()
    dry = solid0.sum(axis=0)

    # fresh lixiviant: acid [mol/L H+ eq] x volume (L/S [L/kg] x dry solids) plus its water
    volume_fresh_m3 = params["liquid_solid_ratio"] * dry / 1000.0
    acid_kmol = params["acid"] * volume_fresh_m3 / ACIDS[acid_type]
    lixiviant = {acid_type: acid_kmol * molar_mass(acid_type), "H2O": volume_fresh_m3 * 1000.0}   # kg/h
    added = {acid_type: reagent_stream(acid_type, lixiviant[acid_type]),
             "water": reagent_stream("H2O", lixiviant["H2O"])}
    for formula, kg_h in lixiviant.items():
        for el, flow in compound_flows(formula, kg_h).items():
            liquor[at[el]] += flow
    lixiviant_kg_h = liquor.sum(axis=0)                              # heated with the solids
    acid0 = free_acid_kmol_h(liquor, components=comps)
    volume_m3 = water_kg_h(liquor, components=comps, free_acid=acid0) / 1000.0 / \
        _value(data["properties"]["liquor_density_kg_L"])
    # more free acid (by electroneutrality) than hydrogen is not a liquor (an extrapolated recycle
    # estimate can be one): it has no water, hence no concentrations; those samples fail
    not_liquor = acid0 > liquor[at["H"]] / ATOMIC_WEIGHTS["H"]
    kinetic_volume_m3 = np.where(not_liquor, np.nan, volume_m3)      # no concentrations there
    sulfate = liquor[at["S"]] / ATOMIC_WEIGHTS["S"]
    ka2 = kin["ka2"]

    # dissolving units and their kinetics
    feedstock = context.get("feedstock")
    mineralogy = {m: r.fraction for m, r in getattr(feedstock, "mineralogy", {}).items()}
    nus, amounts, kinetic_el, o_gas, extra_o = _units(solid0, comps, mineralogy, kin)
    charge = nus @ LIQUOR_CHARGE
    # acid-consuming units solved with the acid balance; the volumetric (PrOMMiS) form
    # couples every charged unit, as its tank model does (its REEs are not trace)
    coupled = (np.array([e in COUPLED for e in kinetic_el]) | (kin["form"] == "volumetric")) & (charge != 0)
    k, order, x_max = _rate_constants(kin, kinetic_el, temperature, dry, amounts, nus)
    # kinetic classes: units whose parameters coincide (followers) share one computation
    if kin["form"] == "volumetric":
        classes = np.arange(len(kinetic_el))
    else:
        keys = [tuple(kin[f][CI[e]] for f in ("k0", "ea", "order", "x_max")) for e in kinetic_el]
        classes = np.array([keys.index(key) for key in keys])
    if reactor == "batch":
        x, _ = batch_leach(k, order, x_max, charge, amounts, coupled, acid0, sulfate,
                           kinetic_volume_m3, ka2, params["time"], classes=classes)
        # non-finite inputs (a recycle that diverged upstream) give non-finite conversions
        solved = np.isfinite(x).all(axis=0)
        not_solved = "leach: batch integration not finite (inputs not finite)"
    else:
        factor = None
        if kin["form"] == "volumetric":
            factor = _pulp_density_ratio(nus, extra_o, amounts, charge, dry,
                                         kinetic_volume_m3 * 1000.0, params["solid_density"] / 1000.0)
        x, _, solved = cstr_train(k, order, x_max, charge, amounts, coupled, acid0, sulfate,
                                  kinetic_volume_m3, ka2, params["time"], params["n_tanks"], factor,
                                  classes)
        not_solved = ("leach: stirred-tank acid balance not solved (inputs not finite, or not "
                      f"within tolerance in {TANK_MAX_ITERATIONS} iterations)")
    # a failed sample dissolves nothing: its outlets stay finite and balanced (the recycle loop
    # and the plant balance go on with it), and redmud.api gives it NaN and its reason
    failed = ~solved | not_liquor
    x = np.where(failed, 0.0, x)

    # move what dissolved: elements (and their oxide O) to the liquor, carbonate to the gas
    c_row, o_row = at["C"], at["O"]
    extent = x * amounts                                                  # kmol unit / h
    moved = nus[:, comps].T @ extent                                      # (C, S) kmol/h
    moved[o_row] += (extra_o[:, None] * extent).sum(axis=0)
    moved_kg = np.minimum(moved * MOLAR_MASS[comps, None], np.maximum(solid0, 0.0))
    gas_o = np.minimum((o_gas[:, None] * extent).sum(axis=0) * ATOMIC_WEIGHTS["O"], moved_kg[o_row])
    with np.errstate(divide="ignore", invalid="ignore"):
        dissolved = {f"dissolved_{el}": np.where(solid0[at[el]] > 0,
                                                 moved_kg[at[el]] / solid0[at[el]], np.nan)
                     for el in REPORTED}
    solid -= moved_kg
    gas[c_row] += moved_kg[c_row]
    gas[o_row] += gas_o
    moved_kg[c_row] = 0.0                                                 # to the liquor: the rest
    moved_kg[o_row] -= gas_o
    liquor += moved_kg
    np.maximum(solid, 0.0, out=solid)

    # gypsum: Ca above its solubility stays as CaSO4.2H2O (sulfate liquors); Ra follows it
    ca_aq = liquor[at["Ca"]] / ATOMIC_WEIGHTS["Ca"]
    ra_aq = liquor[at["Ra"]] / ATOMIC_WEIGHTS["Ra"]
    gypsum = _precipitate(solid, liquor, at, "CaSO4H4O2", ca_aq - params["gypsum_solubility"] * volume_m3)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(ca_aq > 0, gypsum / ca_aq, 0.0)
    _precipitate(solid, liquor, at, "RaSO4", ra_aq * share)

    # HPAL: Fe above hematite's solubility re-precipitates as Fe2O3 (acid regenerated)
    hp = data["hpal"]
    hpal = temperature > KELVIN_0C + _value(hp["onset_temperature_C"])
    fe_eq = hematite_iron_solubility(temperature, _value(hp["fe_solubility_ref_mol_L"]),
                                     KELVIN_0C + _value(hp["reference_temperature_C"]),
                                     _value(hp["precipitation_enthalpy_J_mol"])) * volume_m3
    fe_row = at["Fe"]
    hematite_fe = np.where(hpal, np.maximum(liquor[fe_row] / ATOMIC_WEIGHTS["Fe"] - fe_eq, 0.0), 0.0)
    for r, c, per_fe in ((fe_row, CI["Fe"], 1.0), (o_row, CI["O"], 1.5)):    # Fe2O3: 1.5 O per Fe
        kmol = np.minimum(per_fe * hematite_fe, np.maximum(liquor[r], 0.0) / MOLAR_MASS[c])
        _move(solid, liquor, r, kmol * MOLAR_MASS[c])
    for flows in phases.values():
        np.maximum(flows, 0.0, out=flows)
    outlets = {"slurry": phase_stream(n, comps, **{p: f for p, f in phases.items() if p != "gas"}),
               "offgas": phase_stream(n, comps, gas=gas)}

    # design: tanks or autoclaves, agitators, heating
    props = data["properties"]
    slurry_m3_h = solid.sum(axis=0) / params["solid_density"] + liquor.sum(axis=0) / 1000.0
    material = _vessel_material(acid_type, vessel, float(np.max(temperature)))
    tanks = tank_train(slurry_m3_h, params["time"], params["n_tanks"], acid_service=True,
                       material=material, kind="autoclave" if vessel == "autoclave" else "agitated_tank")
    power = agitator_power_kw(tanks.size, params["n_tanks"], params["agitator_specific_power"])
    heat = (dry * params["solid_cp"] + lixiviant_kg_h * _value(props["water_cp_kJ_kg_K"])) * \
        np.maximum(temperature - params["feed_temperature"], 0.0) / 3600.0

    # report
    acid_out = free_acid_kmol_h(liquor, components=comps)
    h_out = _acid_of(acid_out, liquor[at["S"]] / ATOMIC_WEIGHTS["S"], volume_m3, ka2)
    silica_mol_kg = liquor[at["Si"]] / ATOMIC_WEIGHTS["Si"] / np.maximum(volume_m3, 1e-300)
    info = {f"extraction_{el}": _extraction(solid0[at[el]], solid[at[el]]) for el in REPORTED}
    info.update(dissolved)          # before gypsum and hematite re-precipitation
    with np.errstate(divide="ignore", invalid="ignore"):
        info.update({
            "free_acid_mol_L": h_out,
            "pH": -np.log10(np.maximum(h_out, 1e-14)),
            "acid_consumed_kg_per_t": (acid0 - acid_out) / ACIDS[acid_type] * molar_mass(acid_type)
            / np.where(dry > 0, dry / 1000.0, np.nan),
            "co2_kg_h": gas[c_row] * molar_mass("CO2") / ATOMIC_WEIGHTS["C"],
            "silica_g_L": silica_mol_kg * molar_mass("SiO2"),
            "silica_gel_risk": (silica_mol_kg > amorphous_silica_solubility_mol_kg(temperature)).astype(float),
            "gypsum_kg_h": gypsum * molar_mass("CaSO4H4O2"),
            "hematite_precipitated_kg_h": hematite_fe / 2.0 * molar_mass("Fe2O3"),
            "hpal": hpal.astype(float),
        })
    # a sample that is not a liquor, or whose reactor was not solved (non-finite inputs from
    # upstream), is failed with its reason; redmud.api marks it as the flowsheet marks an
    # unconverged recycle
    info.update(failure_info(
        n, (~solved, not_solved),
        (not_liquor, "leach: the liquor holds more free acid than hydrogen (no water: not a liquor)")))
    return OperationResult(outlets=outlets, added=added, equipment={"leach_tanks": tanks},
                           consumption={"electricity_kW": power, "heat_kW": heat}, info=info)


def _extraction(before, after):
    """Share of an element of the feed solid that left it [-] (NaN where the feed has none)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(before > 0, (before - after) / before, np.nan)


# --- cross-check against PrOMMiS on its own case -------------------------------------------------

def coal_refuse_cross_check(n_tanks: int = 1) -> dict[str, float]:
    """Percent of each oxide leached in PrOMMiS's coal-refuse case, run through this operation.

    The case of shared/reference/peer-model-parameters.md: ``n_tanks`` 100 US gal ideal CSTRs in
    series; liquid feed 224.3 L/h of 0.05 M H2SO4 (0.1 mol/L H+ equivalents); solid feed 22.68 kg/h of
    the West Kentucky No. 13 refuse assay (feedstocks/uky-coal-refuse.toml); solids density
    2.4 kg/L; steady state; Ka2 = 10^-1.99. Residence per tank tau = V / (Q_liquid +
    m_solid / rho_s) [h], so that V eps = tau m_solid as in PrOMMiS's extent V r. Returns
    {element: % leached} for the oxides the set has.
    """
    from redmud.feedstocks import load_feedstock

    case = leaching_data()["coal_refuse_case"]
    kin = kinetic_set("coal_refuse")
    solid_kg_h = _value(case["solid_kg_h"])
    liquid_l_h = _value(case["liquid_L_h"])
    acid_mol_l = 2.0 * _value(case["h2so4_mol_L"])
    tau = _value(case["tank_volume_L"]) / (liquid_l_h + solid_kg_h / (kin["solid_density"] / 1000.0))
    feed = load_feedstock("uky-coal-refuse").stream(solid_kg_h)
    spec = SPECS["leach"]
    params = spec.parse_parameters({
        "acid_type": "H2SO4", "kinetics": "coal_refuse", "reactor": "cstr",
        "acid": acid_mol_l, "liquid_solid_ratio": liquid_l_h / solid_kg_h,
        "time": n_tanks * tau, "n_tanks": n_tanks,
        "temperature": KELVIN_0C + _value(case["temperature_C"]),
        "solid_density": kin["solid_density"]}, "coal_refuse_cross_check")
    result = spec.run({"feed": feed}, params, {"feedstock": None, "n_samples": 1})
    return {el: 100.0 * float(result.info[f"extraction_{el}"][0])
            for el in leaching_data()["sets"]["coal_refuse"]["elements"]}


SPECS = {
    "leach": OperationSpec(
        name="leach",
        description="Acid leaching (HCl, H2SO4, HNO3) in a batch tank or stirred tanks in series; "
                    "HPAL with hematite re-precipitation above 150 degC in an autoclave.",
        inlets=("feed",),
        optional_inlets=("recycle",),
        outlets=("slurry", "offgas"),
        parameters={
            "acid_type": Param("", "H2SO4", "lixiviant acid; named as the reagent added",
                               "choice", kind="choice", choices=tuple(ACIDS), tag="assumed"),
            "kinetics": Param("", "red_mud", "parameter set: red_mud (per acid) or coal_refuse "
                              "(PrOMMiS volumetric form, H2SO4)", "redmud/data/leaching.toml",
                              kind="choice", choices=("red_mud", "coal_refuse"), tag="literature"),
            "reactor": Param("", "cstr", "batch (time) or cstr (n_tanks ideal tanks in series)",
                             "design choice", kind="choice", choices=("batch", "cstr")),
            "vessel": Param("", "atmospheric", "atmospheric tanks (<= 110 degC) or autoclave "
                            "(HPAL)", "design choice", kind="choice",
                            choices=("atmospheric", "autoclave")),
            "acid": Param("mol/L", 5.0, "H+ equivalents in the fresh lixiviant (2.5 M H2SO4 = "
                          "5 mol/L)", "napstic2024 conditions (leaching.toml)", (0.0, 24.0),
                          tag="assumed"),
            "liquid_solid_ratio": Param("L/kg", 7.0, "fresh lixiviant per dry solid (= m^3/t)",
                                        "napstic2024 conditions (leaching.toml)", (0.5, 100.0),
                                        tag="assumed"),
            "temperature": Param("K", "70 degC", "leach temperature", "napstic2024 conditions",
                                 (273.15, 543.15), tag="assumed"),
            "feed_temperature": Param("K", "25 degC", "temperature of the entering slurry and "
                                      "lixiviant (for the heat duty)", "ambient",
                                      (273.15, 373.15), tag="assumed"),
            "time": Param("h", 2.0, "batch time, or total nominal residence time of the tank "
                          "train", "design choice", (0.01, 200.0), tag="assumed"),
            "n_tanks": Param("", 4, "stirred tanks in series (also the tank count of a batch "
                             "plant)", "design choice", (1, 20), kind="integer", tag="assumed"),
            "gypsum_solubility": Param("mol/L", 0.0165, "Ca held in a sulfate liquor before "
                                       "gypsum forms", "Lebedev & Kosorukov 2017, "
                                       "doi:10.1134/S0016702917010062", (0.005, 0.05),
                                       tag="literature"),
            "solid_density": Param("kg/m^3", 3070.0, "particle density of the solids (tank "
                                   "volume)", "derived in leaching.toml [properties]",
                                   (1500.0, 6000.0), tag="assumed"),
            "solid_cp": Param("kJ/(kg*K)", 0.75, "heat capacity of the solids",
                              "Robie & Hemingway 1995 oxide range (leaching.toml)", (0.5, 1.2),
                              tag="assumed"),
            "agitator_specific_power": Param("kW/m^3", 0.4, "agitator power per tank volume",
                                             "Towler & Sinnott 2013, Table 15.7", (0.1, 2.0),
                                             tag="literature"),
        },
        run=run,
    ),
}
