"""Solvent extraction: counter-current extraction, scrub and strip in mixer-settlers.

The circuit (one ``solvent_extraction`` operation)::

    feed (+ optional Fe(III) reduction) --> EXTRACTION (N_e stages) --> raffinate (+ entrained organic)
                    ^ scrub liquor                | loaded organic
                    +------ SCRUB (N_sc stages) <-+
                                                  | scrubbed organic
                            STRIP (N_st stages) <-+--> strip liquor (or Sc(OH)3 cake in it)
                                                  | stripped organic
                  make-up --> (bleed fraction b purged) --> back to extraction

Physics (each in its own function below):

* distribution ratio of each element (Fe as Fe(III) and Fe(II)) from one law,
  :math:`\\log_{10} D = \\log_{10} K + n \\log_{10} X_{free} + (m + m_1 X_{free})\\,pH`
  (:func:`distribution_ratio`; parameter sets in ``redmud/data/solvent_extraction.toml``);
* the stage cascade solved exactly: Kremser for constant D (:func:`kremser_unextracted`) and a
  subtraction-free tridiagonal (Thomas) recursion for stage-wise D (:func:`countercurrent`);
* the stage pH from the H+ that extraction releases (z per M^z+) and the bisulfate equilibrium
  (:func:`free_proton_molar`); free extractant from the loading; both iterated to tolerance
  (Anderson acceleration), each sample until its own state has converged (:func:`_solve_circuit`),
  from the feed's pH with all extractant free, or, inside a recycle, from the state the previous
  pass left (``context["memory"]``, :func:`_recall`);
* the recycle loops (scrub liquor to the extraction feed, stripped organic back to extraction,
  bleed) closed exactly per element (:func:`close_circuit`);
* loading capacity, organic losses, make-up and bleed; acid strip (D at the strip acidity) or a
  NaOH precipitation strip (Sc(OH)3 cake, extractant re-acidified).

Element bookkeeping: the circulating organic is internal. Extraction moves M into it and z H
(as H+) out of it into the raffinate; the strip returns M and takes z H from the strip reagent;
so inlets + added = outlets closes for every element, with the circulating organic at steady
state (only make-up enters; losses and bleed leave).

A sample whose stage state has not converged in MAX_ITER sweeps is failed (``info["failed"]``,
``info["failure_reason"]``): its outlets balance, but its D and stage pH disagree, so
:func:`redmud.flowsheet.evaluate` treats it as it treats an unconverged recycle (NaN flows and
the reason, or an error with ``on_failure="raise"``).
"""

from __future__ import annotations

import numpy as np

from redmud.acceleration import Anderson
from redmud.chemistry import ATOMIC_WEIGHTS, molar_mass
from redmud.operations.base import Equipment, OperationResult, OperationSpec, Param
from redmud.operations.common import (LIQUOR_CHARGE, MOLAR_MASS, failure_info, formula_kmol_flows,
                                     formula_stream, free_acid_kmol_h, phase_stream)
from redmud.paths import DATA_DIR
from redmud.streams import COMPONENT_INDEX as CI
from redmud.streams import COMPONENTS, N_COMPONENTS
from redmud.tomlfile import load_toml

_DATA = load_toml(DATA_DIR / "solvent_extraction.toml")
_CONST = {k: v["value"] for k, v in _DATA["constants"].items()}
_DEF = _DATA["defaults"]
SETS = tuple(_DATA["sets"])

M_D2EHPA, M_TBP, M_KEROSENE = molar_mass("C16H35O4P"), molar_mass("C12H27O4P"), molar_mass("C12H26")
M_H, M_O = ATOMIC_WEIGHTS["H"], ATOMIC_WEIGHTS["O"]
#: Components of the organic diluent and reagents (D2EHPA, TBP, kerosene): C, H, O, P.
ORGANIC_ELEMENTS = np.array(sorted(CI[el] for el in ("C", "H", "O", "P")))

#: Species of the cascade: every component, plus Fe(II) as an extra species "Fe2" (the stream
#: holds Fe as one element; its Fe(III)/Fe(II) split is a parameter of the liquor).
SPECIES = COMPONENTS + ("Fe2",)
FE2 = len(COMPONENTS)
#: Charge of each species in the liquor (common.LIQUOR_CHARGE; Fe(II) +2).
SPECIES_CHARGE = np.append(LIQUOR_CHARGE, 2.0)
SPECIES_MOLAR_MASS = np.append(MOLAR_MASS, ATOMIC_WEIGHTS["Fe"])
#: Cap on D [-]: keeps E finite (D beyond 1e12 makes no difference to any fraction at 1e-9).
D_MAX = 1e12
#: Outer iteration (stage pH and free extractant): tolerance and iteration cap.
TOL, MAX_ITER = 1e-11, 200
#: Anderson keeps its iterates non-negative: pH (which may be below 0) is shifted by this much.
SHIFT = 20.0


# --- parameter sets -----------------------------------------------------------------------------

def _vol_percent_per_mol_l(extractant: str) -> float:
    """vol% of neat extractant per mol/L [vol% L/mol]: 100 M / rho (D2EHPA 322.4 g/mol, 975.8 g/L)."""
    return 100.0 * M_D2EHPA / _CONST["d2ehpa_density"] if extractant == "D2EHPA" else np.nan


def load_set(name: str) -> dict:
    """Arrays over :data:`SPECIES` of one parameter set: log10_K, n, m, m1, X unit factor, extracted,
    and ln D's coefficients (:func:`_ln_d_coefficients`).

    ``X = X_free[mol/L] * factor`` is the concentration in the unit each entry was fitted in;
    entries given as ``D_ref`` at (reference_X, reference_pH) are converted to an absolute
    ``log10_K``. Species without an entry get log10_K = -inf (D = 0). ``total_basis`` marks
    entries whose X is the nominal (total) extractant dosage, as in empirical fits made against
    the dosage (``extractant_basis = "total"`` in the set or the entry; default ``"free"``: the
    extractant not bound by loading, as in slope analysis).
    """
    table = _DATA["sets"][name]
    n_sp = len(SPECIES)
    out = {k: np.zeros(n_sp) for k in ("n", "m", "m1")}
    out["log10_K"] = np.full(n_sp, -np.inf)
    out["factor"] = np.ones(n_sp)
    out["total_basis"] = np.zeros(n_sp, dtype=bool)
    set_basis = table.get("extractant_basis", "free")
    vol = _vol_percent_per_mol_l(table["extractant"])
    for el, entry in table["elements"].items():
        i = SPECIES.index(el)
        unit = entry.get("unit", table["concentration_unit"])
        factor = vol if unit == "vol%" else 1.0
        n, m, m1 = entry.get("n", 0.0), entry.get("m", 0.0), entry.get("m1", 0.0)
        if "D_ref" in entry:
            x_ref, ph_ref = table["reference_X"], table["reference_pH"]
            log_k = (np.log10(entry["D_ref"]) - n * np.log10(x_ref) - (m + m1 * x_ref) * ph_ref
                     if entry["D_ref"] > 0 else -np.inf)
        else:
            log_k = entry["log10_K"]
        out["log10_K"][i], out["n"][i], out["m"][i], out["m1"][i] = log_k, n, m, m1
        out["factor"][i] = factor
        out["total_basis"][i] = entry.get("extractant_basis", set_basis) == "total"
    out["extracted"] = np.isfinite(out["log10_K"])
    out["ph_range"] = tuple(table["ph_range"])
    out["ln_d_coefficients"] = _ln_d_coefficients(out)
    return out


# --- physics --------------------------------------------------------------------------------------

def distribution_ratio(log10_k, n, m, m1, x_free, ph):
    """Distribution ratio D = C_org/C_aq [-] of a cation-exchange extraction.

    .. math:: \\log_{10} D = \\log_{10} K + n \\log_{10} X + (m + m_1 X)\\,pH

    X is the free extractant in the entry's unit (mol/L or vol%), pH = -log10 [H+] ([H+] in
    mol/L). For M^z+ + z (HA)2 <=> M(HA2)z + z H+ with dimeric D2EHPA, n = m = z (Peppard DF,
    Mason GW, Giffin G (1965) J. Inorg. Nucl. Chem. 27:1683); fitted sets use fitted n, m, m1
    (UKy/PrOMMiS 1.1.0). Arrays broadcast; D is capped at :data:`D_MAX`; log10_k = -inf gives 0.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        log_d = log10_k + n * np.log10(x_free) + (m + m1 * x_free) * ph
    log_d = np.where(np.isneginf(log10_k), -np.inf, log_d)
    return np.minimum(10.0 ** np.minimum(log_d, np.log10(D_MAX)), D_MAX)


def free_proton_molar(excess_h_molar, sulfate_molar, ka=_CONST["ka_bisulfate"]):
    """Free [H+] [mol/L] of a liquor holding excess acid H_t and sulfate S_t [mol/L].

    H_t = [H+] + [HSO4-] (electroneutrality's free acid), S_t = [SO4--] + [HSO4-],
    Ka2 = [H+][SO4--]/[HSO4-] = 10^-1.99 mol/L (PrOMMiS 1.1.0 liquor model):

    .. math:: [H^+] = \\frac{-(K_a + S_t - H_t) + \\sqrt{(K_a + S_t - H_t)^2 + 4 H_t K_a}}{2}

    written in the cancellation-free form 2 H_t Ka / (b + sqrt(b^2 + 4 H_t Ka)) when b > 0.
    A non-acidic liquor (H_t <= 0) gets [H+] = 1e-14 mol/L (pH 14; the D law then clips pH).
    """
    h_t = np.maximum(excess_h_molar, 0.0)
    b = ka + sulfate_molar - h_t
    root = np.sqrt(b * b + 4.0 * h_t * ka)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(b > 0, 2.0 * h_t * ka / (b + root), (root - b) / 2.0)
    return np.maximum(h, 1e-14)


def kremser_unextracted(extraction_factor, stages):
    """Fraction of a solute fed in the aqueous left in the raffinate of N counter-current stages.

    .. math:: \\frac{x_N}{x_0} = \\frac{E - 1}{E^{N+1} - 1} = \\frac{1}{\\sum_{k=0}^{N} E^k}, \\quad E = D\\,O/A

    with a barren organic feed (Kremser A (1930) Natl. Petroleum News 22(21):42; Treybal RE,
    Mass-Transfer Operations, 3rd ed., eq. 10.54). E = 1 gives 1/(N+1). Computed as
    exp(-N x) (1 - e^-x) / (1 - e^-(N+1)x), x = ln E, so that it neither overflows nor cancels.
    """
    e = np.asarray(extraction_factor, dtype=float)
    n = np.asarray(stages, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = np.log(e)
        pos = np.exp(-n * x) * np.expm1(-x) / np.expm1(-(n + 1) * x)
        neg = np.expm1(x) / np.expm1((n + 1) * x)
        out = np.where(x > 0, pos, neg)
    out = np.where(e == 0, 1.0, out)
    return np.where(x == 0, 1.0 / (n + 1), out)


def stage_mask(stages, n_max: int) -> np.ndarray:
    """Active stages ``(stage, sample)``: a sample with N < n_max stages uses the last N slots.

    The unused slots sit on the aqueous-feed side and pass both phases through unchanged.
    """
    stages = np.atleast_1d(np.asarray(stages, dtype=float))
    return np.arange(n_max)[:, None] >= (n_max - stages)[None, :]


def countercurrent(extraction_factor, active, aq_in=None, org_in=None):
    """Exact solution of a counter-current cascade with stage-wise extraction factors.

    Aqueous enters stage 1 and leaves stage N; organic enters stage N and leaves stage 1. With
    a_s the solute leaving stage s in the aqueous and o_s = E_s a_s in the organic [kmol/h],
    the stage balances a_{s-1} + o_{s+1} = a_s + o_s form a tridiagonal system, solved by the
    Thomas recursion in a subtraction-free form (Treybal RE (1980) Mass-Transfer Operations,
    3rd ed., ch. 10; Thomas LH (1949) elliptic problems in linear difference equations):

    .. math:: p_s = 1 + q_s,\\; q_s = E_s r_{s-1},\\; r_s = q_s/p_s,\\; r_0 = 1;\\quad
              h_s = h_{s-1}/p_s,\\; h_0 = a_{in};\\quad a_N = h_N + o_{in}/p_N,\\;
              a_s = (E_{s+1}/p_s)\\,a_{s+1} + h_s

    Parameters
    ----------
    extraction_factor : array (stage, ..., sample) of E_s = D_s V_org/V_aq [-]
    active : bool array (stage, sample) from :func:`stage_mask`
    aq_in, org_in : optional solute inlets (..., sample) [kmol/h] for the stage profile

    Returns
    -------
    dict with ``alpha`` (share of the aqueous inlet leaving in the aqueous outlet),
    ``beta`` (share of the organic inlet leaving in the aqueous outlet), ``one_minus_beta``
    (computed without cancellation) and, when inlets are given, the ``aq`` and ``org`` stage
    profiles (stage, ..., sample). For constant E, alpha equals :func:`kremser_unextracted`.
    """
    e = np.asarray(extraction_factor, dtype=float)
    n_max = e.shape[0]
    act = active.reshape(active.shape[:1] + (1,) * (e.ndim - 2) + active.shape[1:])
    padded = not bool(np.all(active))
    p_all = np.empty_like(e)
    p = np.add(e[0], 1.0, out=p_all[0])    # r_0 = 1: q_1 = E_1
    r, alpha = e[0] / p, 1.0 / p
    if padded:                             # an unused first slot leaves r and alpha at 1
        np.copyto(r, 1.0, where=~act[0])
        np.copyto(alpha, 1.0, where=~act[0])
    q = np.empty(e.shape[1:])
    for s in range(1, n_max):
        np.multiply(e[s], r, out=q)        # p - 1, kept apart so that r has no cancellation
        p = np.add(q, 1.0, out=p_all[s])
        used = act[s] if padded else True  # an unused slot leaves r and alpha as they are
        np.divide(q, p, out=r, where=used)
        np.divide(alpha, p, out=alpha, where=used)
    out = {"alpha": alpha, "beta": 1.0 / p_all[-1], "one_minus_beta": r, "p": p_all,
           "E": e, "active": active}
    if aq_in is not None:
        out.update(cascade_profile(out, aq_in, org_in))
    return out


def cascade_profile(cascade, aq_in, org_in):
    """Stage profiles ``aq``, ``org`` [kmol/h] of a :func:`countercurrent` solution for given inlets.

    Back-substitution of the Thomas recursion (all terms positive, so no cancellation): the
    forward pass writes h_s into ``aq``; the backward pass adds o_{s+1}/p_s = E_{s+1} a_{s+1}/p_s
    to it, the organic profile made on the way.
    """
    e, p_all, active = cascade["E"], cascade["p"], cascade["active"]
    n_max = e.shape[0]
    act = active.reshape(active.shape[:1] + (1,) * (e.ndim - 2) + active.shape[1:])
    padded = not bool(np.all(active))
    aq_in = np.asarray(aq_in, dtype=float)
    aq = np.empty_like(e)
    h = np.broadcast_to(aq_in, e.shape[1:])
    for s in range(n_max):
        if padded:
            aq[s] = np.where(act[s], h / p_all[s], h)
        else:
            np.divide(h, p_all[s], out=aq[s])
        h = aq[s]
    aq[-1] += org_in * cascade["beta"]
    org = np.empty_like(e)
    for s in range(n_max - 1, 0, -1):
        np.multiply(e[s], aq[s], out=org[s])
        aq[s - 1] += org[s] / p_all[s - 1]
        if padded:                         # an unused slot passes the aqueous inlet through
            np.copyto(aq[s - 1], aq_in, where=~act[s - 1])
    np.multiply(e[0], aq[0], out=org[0])
    if padded:
        np.copyto(org, 0.0, where=~act)
    return {"aq": aq, "org": org}


def close_circuit(ext, scrub, strip_fraction, bleed, feed):
    """Steady state of the extraction - scrub - strip loop for each species [kmol/h].

    With alpha_E, beta_E the extraction shares to the raffinate of the aqueous and organic
    inlets, sigma the scrub's share of the organic inlet sent to the scrub liquor (recycled to
    the extraction feed), tau the strip's share stripped and b the bleed fraction, the loaded
    organic L solves

    .. math:: L = (1-\\alpha_E)(F + \\sigma L) + (1-\\beta_E)(1-b)(1-\\tau)(1-\\sigma) L

    evaluated in a subtraction-free form. Returns the loaded organic L, the scrub liquor
    S = sigma L, the scrubbed organic (1-sigma) L and the returning organic
    R = (1-b)(1-tau)(1-sigma) L; the strip and the bleed follow from the scrubbed organic
    (:func:`strip_and_bleed`). tau is per species and sample, or per sample (the same share of
    every species). Written in place: it runs once per sweep of the outer iteration.
    """
    one_m_sigma = scrub["one_minus_beta"]
    sigma = scrub["beta"]
    not_bled = 1.0 - bleed
    denom = np.multiply(not_bled, strip_fraction)               # b + (1-b) tau: lost per pass
    denom += bleed
    denom = np.multiply(ext["one_minus_beta"], denom)
    denom += ext["beta"]
    denom *= one_m_sigma
    loaded = np.multiply(ext["alpha"], sigma)
    denom += loaded
    np.subtract(1.0, ext["alpha"], out=loaded)
    loaded *= feed
    positive = denom > 0
    with np.errstate(invalid="ignore"):                         # NaN from a failed upstream sample
        np.divide(loaded, denom, out=loaded, where=positive)
    if not positive.all():
        loaded[~positive] = 0.0
    scrubbed = np.multiply(one_m_sigma, loaded)                 # organic leaving the scrub
    kept = np.multiply(not_bled, 1.0 - strip_fraction)          # share returned to extraction
    return {"loaded": loaded, "scrub": np.multiply(sigma, loaded, out=denom), "scrubbed": scrubbed,
            "returned": np.multiply(kept, scrubbed)}


def strip_and_bleed(circuit, strip_fraction, bleed):
    """The strip P = tau (1-sigma) L and the bleed B = b (1-tau)(1-sigma) L [kmol/h] of a
    :func:`close_circuit` solution (strip fraction tau and bleed b as there)."""
    scrubbed = circuit["scrubbed"]
    return strip_fraction * scrubbed, bleed * (1.0 - strip_fraction) * scrubbed


# --- the operation --------------------------------------------------------------------------------

def _species_kmol(aqueous: np.ndarray, fe2_fraction) -> np.ndarray:
    """Aqueous species [kmol/h] ``(species, sample)``: components, Fe split into Fe(III), Fe(II)."""
    kmol = aqueous / MOLAR_MASS[:, None]
    fe = kmol[CI["Fe"]]
    out = np.concatenate([kmol, (fe * fe2_fraction)[None]], axis=0)
    out[CI["Fe"]] = fe * (1.0 - fe2_fraction)
    return out


def _to_element_kg(species_kmol: np.ndarray) -> np.ndarray:
    """Species [kmol/h] back to element flows [kg/h] ``(component, sample)`` (Fe(II) -> Fe)."""
    kg = species_kmol[:N_COMPONENTS] * MOLAR_MASS[:, None]
    kg[CI["Fe"]] = kg[CI["Fe"]] + species_kmol[FE2] * ATOMIC_WEIGHTS["Fe"]
    return kg


#: Acids: formula, protons per formula unit.
ACIDS = {"H2SO4": ("H2SO4", 2), "HCl": ("HCl", 1)}
#: Reductants of Fe(III): formula and mol reagent per mol Fe(III) reduced:
#: Fe + 2 Fe3+ -> 3 Fe2+; SO3-- + 2 Fe3+ + H2O -> SO4-- + 2 Fe2+ + 2 H+;
#: SO2 + 2 Fe3+ + 2 H2O -> SO4-- + 2 Fe2+ + 4 H+ (each 0.5 mol per mol Fe(III)).
REDUCTANTS = {"iron_powder": ("Fe", 0.5, "solid"), "Na2SO3": ("Na2SO3", 0.5, "solid"),
              "SO2": ("SO2", 0.5, "gas")}


def reduce_ferric(aqueous, fe2_fraction, reduced_fraction, reductant):
    """Reduce a share of the Fe(III) of a liquor to Fe(II) before extraction.

    Returns (reagent element flows [kg/h] (component, sample), reagent kmol/h, new Fe(II)
    fraction of all Fe). Stoichiometry in :data:`REDUCTANTS`; iron powder adds 1 Fe(II) per
    2 Fe(III) reduced. Electroneutrality then gives the acid change automatically (the
    operation counts Fe(II) as +2).
    """
    formula, ratio, _ = REDUCTANTS[reductant]
    fe = aqueous[CI["Fe"]] / ATOMIC_WEIGHTS["Fe"]
    reduced = fe * (1.0 - fe2_fraction) * reduced_fraction
    reagent = ratio * reduced
    fe_new = fe + (reagent if formula == "Fe" else 0.0)
    fe2_new = fe * fe2_fraction + reduced + (reagent if formula == "Fe" else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(fe_new > 0, fe2_new / fe_new, fe2_fraction)
    return formula_kmol_flows(formula, reagent), reagent, np.clip(fraction, 0.0, 1.0)


def _section_state(section, species_aq_in, org_in, v_aq, v_org, h_in, sulfate, x_tot, charge):
    """Stage pH and free extractant [mol/L] of one section, each (stage, sample).

    Both follow from the charge the organic of each stage holds, z.o_s [kmol/h] (o_s from
    :func:`cascade_profile`): stage s releases z.o_s - z.o_{s+1} H+ into the aqueous (o_{N+1}
    the organic inlet), and z.o_s is the extractant bound.
    """
    bound = np.matmul(charge, cascade_profile(section, species_aq_in, org_in)["org"])   # (stage, sample)
    bound_next = np.concatenate([bound[1:], np.matmul(charge, org_in)[None]])
    # the H+ released, cumulated along the aqueous flow
    h = h_in + np.cumsum(np.where(section["active"], bound - bound_next, 0.0), axis=0)
    proton = free_proton_molar(h * 1000.0 / v_aq, sulfate * 1000.0 / v_aq)
    free = np.maximum(x_tot - bound * 1000.0 / v_org, 1e-9 * x_tot)      # mol/L organic
    return -np.log10(proton), free


def _ln_d_coefficients(pset):
    """ln D of each species as coefficients (species, 6) of the terms of :func:`_d_stagewise`.

    :func:`distribution_ratio`'s law, with X = X_free or x_tot (entries on a total basis, see
    :func:`load_set`) in the entry's unit (factor f): ln D = ln 10 (log10 K + n log10 f
    + n log10 X + m pH + m1 f X pH).
    """
    n, m, m1, factor, total = (pset[k] for k in ("n", "m", "m1", "factor", "total_basis"))
    const = pset["log10_K"] + n * np.log10(factor)
    terms = (const, np.where(total, 0.0, n), np.where(total, n, 0.0), m,
             np.where(total, 0.0, m1 * factor), np.where(total, m1 * factor, 0.0))
    return np.log(10.0) * np.stack(terms, axis=1)


def _d_stagewise(pset, idx, ph, free, x_tot, ratio=None):
    """D (stage, species, sample) of the extracted species ``idx`` at stage pH and extractant,
    or the extraction factor E = D O/A when ``ratio`` (O/A per sample) is given.

    :func:`distribution_ratio` written for speed: ln D is linear in six terms of the stage
    state (1, log10 X_free, log10 x_tot, pH, X_free pH, x_tot pH; pH clipped to the data's
    range), so one matrix product of the species' coefficients (:func:`_ln_d_coefficients`)
    with the terms gives it for every stage, species and sample at once; ln(O/A) is one more
    term, added to every species after D's cap. Terms no species uses are left out.
    """
    lo, hi = pset["ph_range"]
    ph_c = np.clip(ph, lo, hi)
    make = (lambda: 1.0, lambda: np.log10(free), lambda: np.log10(x_tot), lambda: ph_c,
            lambda: free * ph_c, lambda: x_tot * ph_c)
    coefficients = pset["ln_d_coefficients"][idx]
    used = np.flatnonzero(coefficients.any(axis=0))
    coefficients = coefficients[:, used]
    terms = np.empty((ph.shape[0], used.size + (ratio is not None)) + ph.shape[1:])   # (stage, K, sample)
    for j, term in enumerate(used):
        terms[:, j] = make[term]()
    cap = np.log(D_MAX)
    if ratio is not None:
        ln_ratio = np.log(ratio)
        terms[:, -1] = ln_ratio
        coefficients = np.column_stack([coefficients, np.ones(len(idx))])
        cap = cap + ln_ratio
    ln_d = np.matmul(coefficients, terms)                          # (species, K) @ (stage, K, sample)
    np.minimum(ln_d, cap, out=ln_d)
    return np.exp(ln_d, out=ln_d)


def _organic_per_litre(x_tot, x_mod):
    """Mass [kg per L of organic] of extractant, TBP and kerosene in the circulating organic.

    Volume fractions from neat densities (D2EHPA 975.8 g/L, TBP 972.7 g/L, kerosene 820 g/L);
    kerosene fills the rest of the litre.
    """
    d2ehpa = x_tot * M_D2EHPA / 1000.0
    tbp = x_mod * M_TBP / 1000.0
    kerosene_vol = 1.0 - d2ehpa * 1000.0 / _CONST["d2ehpa_density"] - tbp * 1000.0 / _CONST["tbp_density"]
    return d2ehpa, tbp, np.maximum(kerosene_vol, 0.0) * _CONST["kerosene_density"] / 1000.0


def _mixer_settlers(q_m3_h, stages, params, name):
    """Mixer-settler stages of one section: volume per stage [m^3] = mixer + settler.

    V_mixer = Q tau_mix; A_settler = Q / q_spec; V_settler = A h (Q aqueous + organic [m^3/h]).
    """
    mixer = q_m3_h * params["mixer_residence"] / 60.0
    area = q_m3_h / params["settler_specific_flow"]
    volume = mixer + area * params["settler_depth"]
    return (Equipment(kind="mixer_settler", size=volume, size_unit="m^3", count=stages.astype(int),
                      acid_service=True, material="frp",
                      note=f"{name}: mixer {mixer.mean():.3g} m3 + settler area {area.mean():.3g} m2 per stage (mean)"),
            mixer * stages)


def _take(tree, cols):
    """The samples ``cols`` (last axis) of every array in a nested dict; None and scalars kept."""
    if isinstance(tree, dict):
        return {k: _take(value, cols) for k, value in tree.items()}
    # np.take: ~1.8x faster than tree[..., cols] on (stage, species, sample) arrays (measured)
    return np.take(tree, cols, axis=-1) if isinstance(tree, np.ndarray) and tree.ndim else tree


def _put(out, n, samples, tree, cols):
    """Write the columns ``cols`` of every array in ``tree`` to the ``samples`` of ``out`` (n samples)."""
    for k, value in tree.items():
        if isinstance(value, dict):
            _put(out.setdefault(k, {}), n, samples, value, cols)
            continue
        if k not in out:
            out[k] = np.empty(value.shape[:-1] + (n,))
        out[k][..., samples] = np.take(value, cols, axis=-1)


def _sweep(pset, idx, case, ph, free, sections):
    """One pass of the outer iteration: stage state -> D -> exact cascades -> closed loop -> new state.

    ``case`` holds the per-sample inputs (see :func:`_solve_circuit`); returns the closed loop
    ``circ``, the strip's share ``tau`` and the new stage pH and free extractant of the
    ``sections`` iterated.
    """
    charge = SPECIES_CHARGE[idx]
    x_tot, v_aq, v_org, h, sulfate = case["x_tot"], case["v_aq"], case["v_org"], case["h"], case["sulfate"]
    sec = {k: countercurrent(_d_stagewise(pset, idx, ph[k], free[k], x_tot, case["ratio"][k]), case["act"][k])
           for k in sections}
    tau = sec["strip"]["beta"] if "strip" in sections else case["tau_fixed"]
    circ = close_circuit(sec["ext"], sec["scrub"], tau, case["bleed"], case["feed_x"])
    scrub_h = h["scrub"] - np.matmul(charge, circ["scrub"])
    new_ph, new_free = {}, {}
    new_ph["ext"], new_free["ext"] = _section_state(
        sec["ext"], case["feed_x"] + circ["scrub"], circ["returned"], v_aq["ext"], v_org,
        h["feed"] + scrub_h, sulfate["ext"], x_tot, charge)
    new_ph["scrub"], new_free["scrub"] = _section_state(
        sec["scrub"], 0.0, circ["loaded"], v_aq["scrub"], v_org, h["scrub"], sulfate["scrub"], x_tot, charge)
    if "strip" in sections:
        new_ph["strip"], new_free["strip"] = _section_state(
            sec["strip"], 0.0, circ["scrubbed"], v_aq["strip"], v_org, h["strip"],
            sulfate["strip"], x_tot, charge)
    return {"circ": circ, "tau": tau, "ph": new_ph, "free": new_free}


def _solve_circuit(pset, idx, feed_x, v, h, sulfate, x_tot, stages, bleed, strip_acid, tau_fixed, start=None):
    """Outer iteration: stage pH and free extractant -> D -> exact cascades -> closed loop.

    Each sample iterates until its own stage state changes by less than TOL and then leaves:
    its result is the sweep (:func:`_sweep`) of the iteration it converged at, and the samples
    still iterating are compacted, so that an iteration costs in proportion to the samples left
    and a sample's result does not depend on how long the others take. A sample not converged
    in MAX_ITER keeps its last sweep, flagged (``converged`` False). ``iterations`` is per
    sample. The stage state returned is the sweep's: the stage pH and free extractant that the
    returned circuit gives.

    The iteration works on the stage pH clipped to the D law's range (``ph_range``; D does not
    change with pH outside it, see :func:`_d_stagewise`) and on free extractant within
    [1e-9, 1] x_tot. The fixed point is the same, but Anderson's extrapolation no longer lands
    on states that are not physical (free extractant above the total, a stage at pH 14 where
    the H+ balance of a far-off state ran out), from which ~3 % of wide random-parameter
    samples never returned within MAX_ITER (~0.5-0.8 % with the bounds).

    ``start`` (section -> (pH, free extractant), each (stage, sample)) replaces the initial
    guess (the feed's pH, all extractant free): a recycle pass starts from the previous pass's
    state, which is close to its answer.
    """
    n = feed_x.shape[1]
    sections = ("ext", "scrub", "strip") if strip_acid else ("ext", "scrub")
    act = {k: stage_mask(stages[k], int(np.max(stages[k]))) for k in stages}
    v_aq = {"ext": v["feed"] + v["scrub"], "scrub": v["scrub"], "strip": v["strip"]}
    h_in = {"ext": h["feed"] + h["scrub"], "scrub": h["scrub"], "strip": h["strip"]}

    def inlet_ph(k):
        return -np.log10(free_proton_molar(h_in[k] * 1000.0 / v_aq[k], sulfate[k] * 1000.0 / v_aq[k]))

    ph = {k: np.broadcast_to(inlet_ph(k), act[k].shape) for k in act}
    free = {k: np.broadcast_to(x_tot, act[k].shape) for k in act}
    for k, (ph_k, free_k) in (start or {}).items():
        ph[k], free[k] = ph_k, free_k
    # the per-sample inputs of a sweep, compacted with the samples still iterating
    case = {"feed_x": feed_x, "x_tot": x_tot, "v_aq": v_aq, "v_org": v["org"], "h": h, "sulfate": sulfate,
            "bleed": bleed, "tau_fixed": tau_fixed, "act": act, "ratio": {k: v["org"] / v_aq[k] for k in v_aq}}
    # a section not iterated (the precipitation strip) keeps its initial state
    out = {"ph": {k: ph[k] for k in act if k not in sections}, "free": {k: free[k] for k in act if k not in sections}}
    lo, hi = pset["ph_range"]
    for k in sections:
        ph[k] = np.clip(ph[k], lo, hi)

    work = np.arange(n)                                       # the samples still iterating
    converged, iterations = np.zeros(n, dtype=bool), np.full(n, MAX_ITER)
    accelerator = None
    for iteration in range(1, MAX_ITER + 1):
        sweep = _sweep(pset, idx, case, ph, free, sections)
        # The stage state (pH, free extractant / total) of every section moves by Anderson
        # acceleration (redmud.acceleration): the loading feedback (D ~ X_free^n) and the strip
        # acidity make plain substitution oscillate. A sample's history is kept when its change
        # grows (no restart): Anderson's residual is not monotone, and restarting on growth
        # left ~9 % of random-parameter samples unconverged at MAX_ITER (~3 % without; below
        # 1 % with the state kept within its bounds).
        x = np.concatenate([np.concatenate([ph[k], free[k] / x_tot]) for k in sections])
        g = np.concatenate([np.concatenate([np.clip(sweep["ph"][k], lo, hi), sweep["free"][k] / x_tot])
                            for k in sections])
        change = np.max(np.abs(g - x), axis=0)
        done = change < TOL
        # results: the converged samples' sweep; on the last iteration the others' too
        leaving = np.flatnonzero(done if iteration < MAX_ITER else np.ones_like(done))
        if leaving.size:
            _put(out, n, work[leaving], {k: sweep[k] for k in ("circ", "tau", "ph", "free")}, leaving)
            finished = work[done]
            converged[finished], iterations[finished] = True, iteration
        if leaving.size == done.size:
            break
        if done.any():
            keep = np.flatnonzero(~done)
            case, x, g, work = _take(case, keep), np.take(x, keep, axis=1), np.take(g, keep, axis=1), work[keep]
            x_tot = case["x_tot"]
            if accelerator is not None:
                accelerator.keep(keep)          # each sample's history stays its own
        if accelerator is None:
            accelerator = Anderson(x.shape[0], work.size, weighted=False)
        guess = accelerator.step(x + SHIFT, g + SHIFT, None, np.arange(work.size), np.zeros(work.size, bool)) - SHIFT
        offset = 0
        for k in sections:
            rows = act[k].shape[0]
            ph[k] = np.clip(guess[offset:offset + rows], lo, hi)
            free[k] = np.clip(guess[offset + rows:offset + 2 * rows], 1e-9, 1.0) * x_tot
            offset += 2 * rows
    return {**out, "iterations": iterations, "converged": converged, "act": act}


def _recall(memory, samples, stage_slots):
    """The stage state a previous call on these samples left in ``memory``, or None.

    ``memory`` (a dict the flowsheet keeps for this operation across recycle passes) holds per
    section the pH and free extractant of every sample of the run, stage slots aligned on the
    last stage (:func:`stage_mask`); ``samples`` indexes this call's samples in the run;
    ``stage_slots`` is this call's number of stage slots per section.
    """
    if not memory or samples is None:
        return None
    start = {}
    for k, (ph_all, free_all) in memory.items():
        stages = stage_slots[k]
        if stages > ph_all.shape[0]:
            return None
        ph, free = ph_all[-stages:, samples], free_all[-stages:, samples]
        if not (np.isfinite(ph).all() and np.isfinite(free).all()):
            return None
        start[k] = (ph, free)
    return start


def _remember(memory, samples, sol) -> None:
    """Keep the converged stage state of these samples for the next call (see :func:`_recall`)."""
    if memory is None or samples is None:
        return
    for k in sol["ph"]:
        ph, free = sol["ph"][k], sol["free"][k]
        if k not in memory:
            n_total = int(np.max(samples)) + 1 if samples.size else 0
            memory[k] = (np.full((ph.shape[0], n_total), np.nan), np.full((ph.shape[0], n_total), np.nan))
        ph_all, free_all = memory[k]
        if samples.size and samples.max() >= ph_all.shape[1]:     # made for fewer samples
            continue
        rows = min(ph.shape[0], ph_all.shape[0])
        ph_all[-rows:, samples] = ph[-rows:]
        free_all[-rows:, samples] = free[-rows:]


def run(inlets: dict, params: dict, context: dict) -> OperationResult:
    """Counter-current SX circuit on the ``feed`` liquor; see the module docstring."""
    feed = inlets["feed"]
    numeric = [np.size(v) for v in params.values() if not isinstance(v, str)]
    n = max([feed.n_samples, context.get("n_samples", 1), *numeric])
    p = {k: (v if isinstance(v, str) else np.broadcast_to(np.asarray(v, dtype=float), (n,)))
         for k, v in params.items()}
    pset = load_set(p["extractant_set"])
    idx = np.flatnonzero(pset["extracted"])
    aq_feed = feed.phase("aqueous", out=np.empty((N_COMPONENTS, n)))    # a copy: the reductant adds to it

    # -- optional reduction of Fe(III) to Fe(II) ------------------------------------------------
    reductant_kg, reductant_kmol, fe2 = reduce_ferric(aq_feed, p["fe2_fraction"],
                                                      p["reduction_fraction"], p["reductant"])
    aq_feed += reductant_kg
    species = _species_kmol(aq_feed, fe2)
    idx = idx[np.any(species[idx] > 0, axis=1)]     # species absent from every sample stay zero
    charge = SPECIES_CHARGE[idx]
    feed_x = species[idx]

    # -- volumes [L/h] and acids [kmol/h] -------------------------------------------------------
    v = {"feed": np.maximum(aq_feed.sum(axis=0) / p["liquor_density"], 1e-12)}
    v["org"] = p["extraction_oa"] * v["feed"]
    v["scrub"] = v["org"] / p["scrub_oa"]
    v["strip"] = v["org"] / p["strip_oa"]
    sc_formula, sc_protons = ACIDS[p["scrub_acid"]]
    scrub_acid = p["scrub_acid_concentration"] * v["scrub"] / 1000.0
    strip_acid = p["strip_reagent"] in ACIDS
    h = {"feed": free_acid_kmol_h(aq_feed) + species[FE2], "scrub": sc_protons * scrub_acid}
    sulfate = {"ext": aq_feed[CI["S"]] / ATOMIC_WEIGHTS["S"] + (scrub_acid if sc_formula == "H2SO4" else 0.0),
               "scrub": scrub_acid if sc_formula == "H2SO4" else np.zeros(n)}
    st_reagent = p["strip_reagent"]
    st_amount = p["strip_concentration"] * v["strip"] / 1000.0
    if strip_acid:
        st_formula, st_protons = ACIDS[st_reagent]
        h["strip"] = st_protons * st_amount
        sulfate["strip"] = st_amount if st_formula == "H2SO4" else np.zeros(n)
        tau_fixed = None
    else:
        h["strip"], sulfate["strip"] = np.zeros(n), np.zeros(n)
        # precipitation strip: each stage strips a share eta of every loaded metal
        tau_fixed = 1.0 - (1.0 - p["precipitation_strip_efficiency"]) ** p["strip_stages"]
    x_tot = p["extractant_concentration"]
    stages = {"ext": p["extraction_stages"], "scrub": p["scrub_stages"], "strip": p["strip_stages"]}
    memory = context.get("memory")
    start = _recall(memory, context.get("samples"), {k: int(np.max(stages[k])) for k in stages})
    sol = _solve_circuit(pset, idx, feed_x, v, h, sulfate, x_tot, stages, p["organic_bleed"],
                         strip_acid, tau_fixed, start)
    _remember(memory, context.get("samples"), sol)
    circ = sol["circ"]

    # -- loading capacity: limit net extraction where the loaded organic exceeds it -------------
    capacity_eq = p["max_loading"] * x_tot * v["org"] / 1000.0          # kmol/h of exchange sites
    loaded_eq = (charge[:, None] * circ["loaded"]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(loaded_eq > capacity_eq, capacity_eq / loaded_eq, 1.0)
    circ_strip, circ_bleed = strip_and_bleed(circ, sol["tau"], p["organic_bleed"])
    to_strip = np.minimum(circ_strip * scale, feed_x)
    to_bleed = np.minimum(circ_bleed * scale, feed_x - to_strip)
    unstripped = circ["returned"] / np.maximum(1.0 - p["organic_bleed"], 1e-300) * scale

    n_species = len(SPECIES)
    strip_sp, bleed_sp = np.zeros((n_species, n)), np.zeros((n_species, n))
    strip_sp[idx], bleed_sp[idx] = to_strip, to_bleed
    strip_kg, bleed_kg = _to_element_kg(strip_sp), _to_element_kg(bleed_sp)
    eq_strip = (charge[:, None] * to_strip).sum(axis=0)
    eq_bleed = (charge[:, None] * to_bleed).sum(axis=0)

    added = {}
    water = np.zeros(n)
    if p["reduction_fraction"].any():
        name = p["reductant"]
        phase = REDUCTANTS[name][2]
        added[name] = phase_stream(n, **{phase: reductant_kg})

    # -- raffinate aqueous: feed + scrub acid - net extraction + the H+ it released ------------
    raff_aq = aq_feed - strip_kg - bleed_kg + formula_kmol_flows(sc_formula, scrub_acid)
    raff_aq[CI["H"]] += (eq_strip + eq_bleed) * M_H
    raff_aq += formula_kmol_flows("H2O", v["scrub"] / molar_mass("H2O"))   # scrub acid water, 1 kg/L
    water = water + v["scrub"]
    acids = {sc_formula: scrub_acid.copy()}

    # -- strip side --------------------------------------------------------------------------------
    strip_solid = np.zeros((N_COMPONENTS, n))
    strip_water = v["strip"].copy()
    info_strip = {}
    if strip_acid:
        short = np.maximum(eq_strip - h["strip"], 0.0) / st_protons
        acid_total = st_amount + short
        acids[st_formula] = acids.get(st_formula, 0.0) + acid_total
        strip_aq = formula_kmol_flows(st_formula, acid_total) + strip_kg
        info_strip["strip_acid_raised_to_stoichiometric"] = short > 0
    else:
        n_ha = x_tot * v["org"] / 1000.0
        sodium_form = np.maximum(n_ha - (charge[:, None] * unstripped).sum(axis=0), eq_strip)
        naoh = np.maximum(st_amount, sodium_form)
        info_strip["strip_naoh_raised_to_stoichiometric"] = st_amount < sodium_form
        info_strip["naoh_per_mol_extractant"] = naoh / np.maximum(n_ha, 1e-300)
        rg_formula, rg_protons = ACIDS[p["regeneration_acid"]]
        regen = sodium_form / rg_protons
        acids[rg_formula] = acids.get(rg_formula, 0.0) + regen
        regen_water = sodium_form * 1000.0 / p["regeneration_acid_concentration"]   # L/h ~ kg/h
        strip_water = strip_water + regen_water
        added["NaOH"] = formula_stream("NaOH", np.broadcast_to(naoh, (n,)))
        strip_aq = formula_kmol_flows("NaOH", naoh) + formula_kmol_flows(rg_formula, regen) + strip_kg
        # M^z+ leaves as M(OH)z: z O and z H per metal, taken from the NaOH
        strip_solid = strip_kg.copy()
        strip_solid[CI["O"]] += eq_strip * M_O
        strip_solid[CI["H"]] += eq_strip * M_H
        strip_aq = strip_aq - strip_solid
    strip_aq[CI["H"]] -= eq_strip * M_H            # H that re-protonates the extractant
    strip_aq += formula_kmol_flows("H2O", strip_water / molar_mass("H2O"))
    water = water + strip_water
    for formula, kmol in acids.items():
        added[formula] = formula_stream(formula, np.broadcast_to(kmol, (n,)))

    # -- organic: losses (entrainment + solubility) and bleed, replaced by make-up ----------------
    kg_d2ehpa, kg_tbp, kg_kero = _organic_per_litre(x_tot, p["modifier_concentration"])
    raff_volume = (v["feed"] + v["scrub"]) / 1000.0                    # m3/h aqueous leaving
    loss_raff = p["organic_loss"] * raff_volume                        # L/h organic
    loss_strip = p["organic_loss"] * strip_water / 1000.0
    bleed_l = p["organic_bleed"] * v["org"]

    per_litre = np.zeros((ORGANIC_ELEMENTS.size, n))      # element kg per L of organic
    for formula, kg, molar in (("C16H35O4P", kg_d2ehpa, M_D2EHPA), ("C12H27O4P", kg_tbp, M_TBP),
                               ("C12H26", kg_kero, M_KEROSENE)):
        formula_kmol_flows(formula, kg / molar, ORGANIC_ELEMENTS, out=per_litre)

    def organic(litres):           # element flows [kg/h] (ORGANIC_ELEMENTS, sample) of litres/h
        return per_litre * litres

    bleed_org = bleed_kg.copy()
    bleed_org[ORGANIC_ELEMENTS] += organic(bleed_l)
    bleed_org[CI["H"]] -= eq_bleed * M_H                   # H released into the raffinate
    makeup_l = loss_raff + loss_strip + bleed_l
    for name, formula, kg in (("D2EHPA", "C16H35O4P", kg_d2ehpa), ("TBP", "C12H27O4P", kg_tbp),
                              ("kerosene", "C12H26", kg_kero)):
        added[name] = formula_stream(formula, np.broadcast_to(makeup_l * kg / molar_mass(formula), (n,)), "organic")
    added["water"] = formula_stream("H2O", np.broadcast_to(water / molar_mass("H2O"), (n,)))
    # the water streams above were counted in raff_aq/strip_aq; keep them consistent
    # outlets built from their phases, keeping only the rows not zero (no dense 4-phase arrays);
    # the feed's solid and gas pass to the raffinate
    passed = {phase: feed.held_components(phase) for phase in ("solid", "gas")}
    org_comps = np.union1d(feed.held_components("organic"), ORGANIC_ELEMENTS)
    raff_org = feed.phase("organic", org_comps, out=np.empty((org_comps.size, n)))
    raff_org[np.searchsorted(org_comps, ORGANIC_ELEMENTS)] += organic(loss_raff)
    raffinate = phase_stream(n, components={**passed, "organic": org_comps}, aqueous=np.maximum(raff_aq, 0.0),
                             organic=np.maximum(raff_org, 0.0),
                             **{phase: np.maximum(feed.phase(phase, comps), 0.0) for phase, comps in passed.items()})
    strip = phase_stream(n, components={"organic": ORGANIC_ELEMENTS}, solid=np.maximum(strip_solid, 0.0),
                         aqueous=np.maximum(strip_aq, 0.0), organic=np.maximum(organic(loss_strip), 0.0))
    outlets = {"raffinate": raffinate, "strip": strip, "bleed": phase_stream(n, organic=np.maximum(bleed_org, 0.0))}

    # -- design ------------------------------------------------------------------------------------
    q = {"extraction": (v["feed"] + v["scrub"] + v["org"]) / 1000.0,
         "scrub": (v["scrub"] + v["org"]) / 1000.0, "strip": (v["strip"] + v["org"]) / 1000.0}
    equipment, mixer_volume = {}, np.zeros(n)
    for name, key in (("extraction", "extraction_stages"), ("scrub", "scrub_stages"), ("strip", "strip_stages")):
        eq, mix = _mixer_settlers(q[name], p[key], p, name)
        equipment[f"{name}_mixer_settlers"] = eq
        mixer_volume = mixer_volume + mix
    consumption = {"electricity_kW": p["mixer_power"] * mixer_volume}

    # -- info --------------------------------------------------------------------------------------
    element_in = aq_feed
    with np.errstate(divide="ignore", invalid="ignore"):
        info = {"loading_fraction": loaded_eq * scale / np.maximum(x_tot * v["org"] / 1000.0, 1e-300),
                "loading_mol_metal_per_mol_extractant": circ["loaded"].sum(axis=0) * scale
                / np.maximum(x_tot * v["org"] / 1000.0, 1e-300),
                "capacity_limited": scale < 1.0, "capacity_scale": scale,
                "iterations": sol["iterations"], "converged": sol["converged"],
                "fe2_fraction": fe2, "reductant_kmol_h": reductant_kmol,
                "pH_extraction_first_stage": sol["ph"]["ext"][0], "pH_raffinate": sol["ph"]["ext"][-1],
                "organic_makeup_L_h": makeup_l, "organic_flow_L_h": v["org"], **info_strip}
        lo, hi = pset["ph_range"]
        solved = ("ext", "scrub", "strip") if strip_acid else ("ext", "scrub")
        outside = sum(((sol["ph"][k] < lo) | (sol["ph"][k] > hi)).sum(axis=0) for k in solved)
        info["stages_outside_data_pH_range"] = outside
        for el in COMPONENTS[:-1]:
            c = CI[el]
            if el in ("H", "O", "S", "Cl", "N", "C", "P", "F", "Si", "Na", "K"):
                continue
            total = element_in[c]
            info[f"to_strip.{el}"] = np.where(total > 0, strip_kg[c] / total, 0.0)
            info[f"to_bleed.{el}"] = np.where(total > 0, bleed_kg[c] / total, 0.0)
            info[f"to_raffinate.{el}"] = np.where(total > 0, 1.0 - (strip_kg[c] + bleed_kg[c]) / total, 1.0)
    info.update(failure_info(n, (~sol["converged"], f"solvent_extraction: the stage state did not "
                                                    f"converge to {TOL:g} in {MAX_ITER} sweeps")))
    return OperationResult(outlets=outlets, added=added, equipment=equipment,
                           consumption=consumption, info=info)


def _default(key: str, unit: str, description: str, bounds) -> Param:
    record = _DEF[key]
    return Param(unit, record["value"], description, record["source"], bounds=bounds, tag=record["tag"])


_SET_SOURCES = "; ".join(f"{k}: {v['source']}" for k, v in _DATA["sets"].items())
PARAMETERS = {
    "extractant_set": Param("", "redmud_d2ehpa_tbp", "distribution-ratio parameter set "
                            "(redmud/data/solvent_extraction.toml)", _SET_SOURCES, kind="choice",
                            choices=SETS, tag="literature"),
    "extractant_concentration": Param("mol/L", 0.1, "total extractant (as monomer HA) in the organic",
                                      "0.1 M D2EHPA: red-mud study (sx.csv row 1)", bounds=(0.005, 1.5),
                                      tag="literature"),
    "modifier_concentration": Param("mol/L", 0.1, "TBP modifier in the organic",
                                    "0.1 M TBP: red-mud study (sx.csv row 1)", bounds=(0.0, 1.0),
                                    tag="literature"),
    "extraction_stages": Param("dimensionless", 3, "counter-current extraction stages",
                               "3 stages: red-mud study (sx.csv row 1)", bounds=(1, 30),
                               kind="integer", tag="literature"),
    "extraction_oa": Param("dimensionless", 1.0, "organic/aqueous flow ratio of extraction (on the feed)",
                           "O/A 1 assumed (the red-mud study gives O:A 1:1 for its scrub only)",
                           bounds=(0.02, 20.0), tag="assumed"),
    "scrub_stages": Param("dimensionless", 1, "counter-current scrub stages",
                          "1 assumed ('5-stage process tested' read as 3 extraction + 1 scrub + 1 strip)",
                          bounds=(1, 20), kind="integer", tag="assumed"),
    "scrub_oa": Param("dimensionless", 1.0, "organic/aqueous ratio of the scrub",
                      "O:A 1:1, red-mud study (sx.csv row 1)", bounds=(0.1, 50.0), tag="literature"),
    "scrub_acid": Param("", "H2SO4", "scrub acid", "H2SO4: red-mud study (sx.csv row 1)",
                        kind="choice", choices=tuple(ACIDS), tag="literature"),
    "scrub_acid_concentration": Param("mol/L", 4.7, "scrub acid concentration",
                                      "4.7 M H2SO4, red-mud study (sx.csv row 1)", bounds=(0.01, 12.0),
                                      tag="literature"),
    "strip_stages": Param("dimensionless", 1, "strip stages", "1 assumed (see scrub_stages)",
                          bounds=(1, 20), kind="integer", tag="assumed"),
    "strip_oa": Param("dimensionless", 0.5, "organic/aqueous ratio of the strip",
                      "A:O 2:1 alkaline strip, red-mud study (sx.csv row 1)", bounds=(0.05, 50.0),
                      tag="literature"),
    "strip_reagent": Param("", "NaOH", "strip reagent: NaOH (precipitation strip, Sc(OH)3 cake) or "
                           "an acid (HCl, H2SO4; D from the same law at the strip acidity)",
                           "NaOH strip of Sc from D2EHPA: Ye et al. 2019 (4 M), red-mud study (alkaline)",
                           kind="choice", choices=("NaOH", *ACIDS), tag="literature"),
    "strip_concentration": Param("mol/L", 0.625, "strip reagent concentration",
                                 "2.5% NaOH (25 g/L / 40 g/mol = 0.625 mol/L, density 1 kg/L assumed) "
                                 "at A:O 2:1: red-mud study (sx.csv row 1; its 6.5% Na2CO3 is not "
                                 "modelled); Ye et al. (2019) used 4 mol/L",
                                 bounds=(0.01, 12.0), tag="literature"),
    "regeneration_acid": Param("", "H2SO4", "acid that re-acidifies the Na-form extractant after a "
                               "NaOH strip", "choice of the route", kind="choice", choices=tuple(ACIDS),
                               tag="assumed"),
    "regeneration_acid_concentration": _default("regeneration_acid_concentration", "mol/L",
                                                "H+ concentration of the re-acidification acid", (0.05, 12.0)),
    "precipitation_strip_efficiency": _default("precipitation_strip_efficiency", "dimensionless",
                                               "share of each loaded metal stripped per NaOH stage", (0.0, 1.0)),
    "fe2_fraction": Param("dimensionless", 0.0, "share of the feed liquor's Fe present as Fe(II)",
                          "0 assumed: red-mud Fe is hematite/goethite and dissolves as Fe(III)",
                          bounds=(0.0, 1.0), tag="assumed"),
    "reduction_fraction": Param("dimensionless", 0.0, "share of the Fe(III) reduced to Fe(II) before "
                                "extraction (0 = no reduction step)", "route choice; Fe(III) reduction "
                                "with iron filings before D2EHPA: Benedict, Pigford & Levi (citing Audsley)",
                                bounds=(0.0, 1.0), tag="assumed"),
    "reductant": Param("", "iron_powder", "Fe(III) reductant", "route choice", kind="choice",
                       choices=tuple(REDUCTANTS), tag="assumed"),
    "max_loading": _default("max_loading", "dimensionless",
                            "usable share of the extractant's exchange sites (eq per mol HA)", (0.05, 1.0)),
    "organic_bleed": _default("organic_bleed", "dimensionless",
                              "share of the circulating organic purged", (1e-6, 1.0)),
    "organic_loss": _default("organic_loss", "L/m^3", "organic lost with each m3 of aqueous leaving "
                             "(entrainment + solubility)", (0.0, 0.5)),
    "mixer_residence": _default("mixer_residence", "min", "mixer residence time per stage", (0.5, 10.0)),
    "settler_specific_flow": _default("settler_specific_flow", "m^3/(m^2*h)",
                                      "settler throughput per floor area", (1.0, 8.0)),
    "settler_depth": _default("settler_depth", "m", "settler liquid depth", (0.3, 2.0)),
    "mixer_power": _default("mixer_power", "kW/m^3", "agitator power per m3 of mixer", (0.1, 3.0)),
    "liquor_density": _default("liquor_density", "kg/L", "aqueous liquor density", (0.9, 1.6)),
}

SPECS = {"solvent_extraction": OperationSpec(
    name="solvent_extraction",
    description="counter-current SX: extraction, scrub (liquor recycled to the feed), acid or NaOH "
                "precipitation strip, organic bleed and make-up; mixer-settlers",
    inlets=("feed",), outlets=("raffinate", "strip", "bleed"), parameters=PARAMETERS, run=run)}
