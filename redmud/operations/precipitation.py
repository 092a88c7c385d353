"""Precipitation from a leach or strip liquor: rare-earth oxalates and metal hydroxides.

Two operations:

``oxalate_precipitation``
    Oxalic acid (H2C2O4, added as solid dihydrate or as a solution) precipitates the rare earths,

    .. math:: 2\\,RE^{3+} + 3\\,H_2C_2O_4 + 10\\,H_2O \\rightarrow RE_2(C_2O_4)_3{\\cdot}10H_2O + 6\\,H^+

    with the fraction of each element precipitated from the PrOMMiS/UKy dosage isotherm
    (:func:`oxalate_conversion`). Ca, Fe, Al, Th (and Ra) co-precipitate by their own isotherms.
``hydroxide_precipitation``
    A base raises the liquor to a target pH; each metal precipitates as M(OH)z down to its
    hydroxide solubility (:func:`hydroxide_precipitated_fraction`), Sc is also lost by
    co-precipitation with Fe/Al hydroxide, and with lime gypsum forms beyond its solubility
    (:func:`gypsum_precipitated`).

Both return a ``precipitate`` (cake: solids plus entrained liquor, see :func:`cake_liquor_fraction`)
and a liquor outlet (``filtrate`` / ``liquor``). All parameter values and their sources are in
``redmud/data/precipitation.toml``. Element balances close exactly: a precipitate takes its
oxalate, hydrate water and hydroxide from the liquor's C, H and O (element pools), and the free
acid that the reaction releases stays in the liquor by electroneutrality.

Performance: at 1e5 samples a stream is ~125 MB, so the operations work on the rows
(components) that react, turn their own copy of the feed's liquor into the filtrate in place,
write each outlet row once and form charge sums without (component, sample) temporaries. The
run is then memory-bound: 1e5 samples take ~85-120 times one sample (see
benchmarks/bench_precipitation.py and benchmarks/README.md), about the 100 x target.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from redmud.chemistry import (ATOMIC_WEIGHTS, LANTHANIDES_AND_Y, RARE_EARTHS, mass_fractions,
                              molar_mass)
from redmud.operations.base import Equipment, OperationResult, OperationSpec, Param
from redmud.operations.common import (LIQUOR_CHARGE, MOLAR_MASS, agitator_power_kw, component_rows,
                                      compound_flows, free_acid_kmol_h, tank_train, water_kg_h)
from redmud.paths import DATA_DIR
from redmud.streams import COMPONENT_INDEX as CI
from redmud.streams import N_COMPONENTS, PHASE_INDEX, Stream
from redmud.tomlfile import load_toml

_DATA = load_toml(DATA_DIR / "precipitation.toml")
_OX = _DATA["oxalate"]
_HY = _DATA["hydroxide"]

M_H2C2O4 = molar_mass("H2C2O4")
M_H2O = molar_mass("H2O")
#: pKw of water at 25 C (Kw = 1.0e-14 mol^2/L^2).
PKW = 14.0
LN10 = np.log(10.0)
#: Relative margin that keeps an element pool strictly non-negative after a limited reaction.
_MARGIN = 1e-12


def _per_element(table: dict, key: str | None = None) -> np.ndarray:
    """An array over components from ``{element: value or {key: value}}``; NaN where absent."""
    out = np.full(N_COMPONENTS, np.nan)
    for el, v in table.items():
        if el in CI:
            out[CI[el]] = v[key] if key else (v["value"] if isinstance(v, dict) else v)
    return out


# --- oxalate data (see precipitation.toml) ------------------------------------------------------
_iso = dict(_OX["isotherm"])
for _el, _b in _OX["isotherm_borrowed"].items():
    _iso[_el] = _iso[_b["like"]]
OX_E_D = _per_element(_iso, "e_d")            # [g/L]
OX_N_D = _per_element(_iso, "n_d")            # [-]
OX_PER_METAL = np.zeros(N_COMPONENTS)         # kmol C2O4 per kmol metal precipitated
HYDRATE = np.zeros(N_COMPONENTS)              # kmol H2O per kmol metal precipitated
for _el in LANTHANIDES_AND_Y + ("Sc",):
    OX_PER_METAL[CI[_el]] = _OX["oxalate_per_metal"]["RE"]
    HYDRATE[CI[_el]] = _OX["hydrate_water_per_metal"]["RE"]["value"]
for _el, _v in _OX["oxalate_per_metal"].items():
    if _el != "RE":
        OX_PER_METAL[CI[_el]] = _v
for _el, _v in _OX["hydrate_water_per_metal"].items():
    if _el != "RE":
        HYDRATE[CI[_el]] = _v["value"]


# --- hydroxide data -----------------------------------------------------------------------------
def _log_ksp_table() -> np.ndarray:
    """log10 Ksp of M(OH)z per component; Ce..Yb interpolated in Z between La and Lu, Y = Lu."""
    table = {k: v for k, v in _HY["log_ksp"].items() if isinstance(v, dict)}
    out = _per_element(table)
    lo, hi = _HY["log_ksp"]["interpolate_between"]
    lanthanides = RARE_EARTHS[2:]  # La ... Lu in atomic-number order
    i_lo, i_hi = lanthanides.index(lo), lanthanides.index(hi)
    for i, el in enumerate(lanthanides):
        if np.isnan(out[CI[el]]):
            t = (i - i_lo) / (i_hi - i_lo)
            out[CI[el]] = (1 - t) * table[lo]["value"] + t * table[hi]["value"]
    out[CI["Y"]] = table[_HY["log_ksp"]["y_like"]]["value"]
    return out


LOG_KSP = _log_ksp_table()
#: Oxo oxygen carried by the hydrolysed cation: uranyl UO2(OH)2, titanyl TiO(OH)2.
OXO = np.zeros(N_COMPONENTS)
OXO[CI["U"]], OXO[CI["Ti"]] = 2, 1
#: Hydroxide charge z per metal (OH per ion), the liquor charge of common.LIQUOR_CHARGE.
Z_OH = np.where(LIQUOR_CHARGE > 0, LIQUOR_CHARGE, 0.0)
FOLLOW_FE = tuple(_HY["follow_fe"]["elements"])
#: Bases: formula and OH delivered per formula unit (CaO + H2O -> Ca(OH)2; NH3 + H2O -> NH4+ + OH-).
BASES = {"NaOH": ("NaOH", 1), "Ca(OH)2": ("Ca(OH)2", 2), "CaO": ("CaO", 2), "NH3": ("NH3", 1),
         "MgO": ("MgO", 2)}


def _default(section: dict, key: str):
    return section["defaults"][key]["value"]


# =============================================================================================
# Physics (plain functions on float arrays)
# =============================================================================================

def oxalate_conversion(dosage_g_l, e_d, n_d):
    """Fraction of a metal precipitated as oxalate, the PrOMMiS dosage isotherm.

    .. math:: X = \\exp\\left[-\\left(\\frac{E_D}{d}\\right)^{N_D}\\right]

    d : oxalic acid (anhydrous H2C2O4) added per volume of feed liquor [g/L]; E_D [g/L] and
    N_D [-] per element, fitted to Visual MINTEQ at pH 1.5 (PrOMMiS 1.1.0, NETL,
    ``precipitate_reactions.py``; UKy pilot, Honaker et al., DE-FE0027035). X = 0 where d = 0 or
    the element has no isotherm (NaN parameters).
    """
    d = np.asarray(dosage_g_l, dtype=float)
    # exp(-(E/d)^N) written as exp(-exp(N (ln E - ln d))): two exponentials, no power; in place
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = np.asarray(np.subtract(np.log(e_d), np.log(d)))          # 0-d for scalars
        x *= n_d
        np.exp(x, out=x)
        np.negative(x, out=x)
        np.exp(x, out=x)
    return np.fmax(x, 0.0, out=x)                            # NaN (no isotherm) becomes 0


def hydroxide_equilibrium_mol_l(log_ksp, z, ph):
    """Dissolved metal in equilibrium with its hydroxide M(OH)z [mol/L].

    .. math:: \\log_{10} c_{eq} = \\log_{10} K_{sp} + z\\,(pK_w - pH)

    from :math:`K_{sp} = [M^{z+}][OH^-]^z` and :math:`[OH^-] = K_w / [H^+]`, concentrations
    for activities (pKw = 14 at 25 C). Sources of log Ksp: ``precipitation.toml``.
    """
    # 10^x as exp(x ln 10): numpy's power with a scalar base is several times slower
    x = LN10 * (np.asarray(log_ksp) + np.asarray(z) * (PKW - np.asarray(ph)))
    with np.errstate(over="ignore"):
        return np.exp(x, out=x) if np.ndim(x) else np.exp(x)      # in place: one array


def hydroxide_precipitated_fraction(c0_mol_l, log_ksp, z, ph):
    """Fraction of a dissolved metal precipitated as hydroxide at a given pH [-].

    .. math:: f = \\max\\left(0, 1 - \\frac{c_{eq}(pH)}{c_0}\\right)

    c0 is the metal concentration before precipitation [mol/L]; c_eq from
    :func:`hydroxide_equilibrium_mol_l`. f = 0 where c0 = 0 or log Ksp is NaN.
    """
    c_eq = hydroxide_equilibrium_mol_l(log_ksp, z, ph)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.atleast_1d(c_eq / np.asarray(c0_mol_l, dtype=float))
    np.subtract(1.0, f, out=f)
    # fmax/fmin take the number where the other is NaN (0/0, inf/inf): NaN becomes 0
    f = np.fmin(np.fmax(f, 0.0, out=f), 1.0, out=f)
    return f if np.ndim(c_eq) or np.ndim(c0_mol_l) else f[0]


def hydroxide_fractions_by_charge(c0_mol_l, log_ksp, z, ph):
    """:func:`hydroxide_precipitated_fraction` of metal rows ``(row, sample)`` [-], with
    ``log_ksp`` and whole charges ``z`` per row and ``ph`` per sample.

    The same equation, with 10^(log Ksp + z (pKw - pH)) computed as Ksp w^z, w = 10^(pKw - pH):
    one exponential per sample and z - 1 products per row, instead of an exponential per row
    and sample (at 1e5 samples those were a quarter of the operation's time).
    """
    w = np.exp(LN10 * (PKW - np.asarray(ph, dtype=float)))
    powers = {0: np.ones_like(w), 1: w}
    for k in range(2, int(np.max(z, initial=1)) + 1):
        powers[k] = powers[k - 1] * w
    f = np.empty(np.broadcast_shapes(np.shape(c0_mol_l), (len(z), np.size(w))))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for row, (ksp, charge) in enumerate(zip(10.0 ** np.asarray(log_ksp, dtype=float), z)):
            np.multiply(powers[int(charge)], ksp, out=f[row])
        f /= c0_mol_l
    np.subtract(1.0, f, out=f)
    return np.fmin(np.fmax(f, 0.0, out=f), 1.0, out=f)      # NaN (0/0, no Ksp) becomes 0


def gypsum_precipitated(ca_mol_l, so4_mol_l, log_ksp):
    """Gypsum CaSO4.2H2O precipitated from a liquor beyond its solubility [mol/L].

    Solves :math:`(a - x)(b - x) = K_{sp}` for the smaller root,

    .. math:: x = \\frac{(a + b) - \\sqrt{(a - b)^2 + 4K_{sp}}}{2}, \\quad x \\ge 0

    a = Ca, b = SO4 [mol/L]; Ksp of CaSO4.2H2O = 2.4e-5 (University of Wisconsin Ksp table);
    activity coefficients are ignored (the real solubility in a salty liquor is higher).
    """
    a, b = np.asarray(ca_mol_l, dtype=float), np.asarray(so4_mol_l, dtype=float)
    k = 10.0 ** np.asarray(log_ksp)
    x = ((a + b) - np.sqrt((a - b) ** 2 + 4 * k)) / 2
    return np.clip(x, 0.0, np.minimum(a, b) * (1 - _MARGIN))


def cake_liquor_fraction(solids_kg_h, liquor_kg_h, cake_moisture):
    """Fraction of the liquor that the filter cake entrains [-].

    .. math:: \\phi = \\min\\left(1, \\frac{m_s\\, w / (1 - w)}{m_l}\\right)

    m_s dry solids, m_l liquor [kg/h], w liquor mass fraction of the wet cake [-].
    """
    entrained = np.asarray(solids_kg_h) * cake_moisture / (1 - np.asarray(cake_moisture))
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(liquor_kg_h > 0, entrained / liquor_kg_h, 0.0)
    return np.clip(phi, 0.0, 1.0)


def _limit(available, needed):
    """Largest scale in [0, 1] so that ``needed * scale`` stays strictly below ``available``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(needed > 0, available / needed, np.inf)
    return np.minimum(1.0, ratio * (1 - _MARGIN))


# =============================================================================================
# Stream bookkeeping shared by both operations
#
# At 1e5 samples one phase of a stream is 39 x 1e5 floats (31 MB), so the work is done on the
# few rows (components) a reaction touches, outlets are built from the phases that carry flow
# (their zero rows left out), and charge sums are formed without full (component, sample) temporaries.
# =============================================================================================

M_C, M_H, M_O = ATOMIC_WEIGHTS["C"], ATOMIC_WEIGHTS["H"], ATOMIC_WEIGHTS["O"]


def _samples(stream: Stream, params: dict) -> int:
    sizes = [stream.n_samples] + [np.size(v) for v in params.values() if not isinstance(v, str)]
    return max(sizes)


class Liquor:
    """The aqueous rows an operation works on: the components the feed's liquor holds and those
    its reactions write (``comps``, sorted component indices), their flows ``aq`` (component,
    sample) [kg/h] and ``at``, each component's row. A component the liquor does not hold is
    zero, so it neither reacts nor carries charge. ``aq`` is the operation's own array, which it
    turns into the outlet liquor in place (at 1e5 samples each copy of it is ~10 % of the
    operation's time), so the feed's free acid and volume are taken when the Liquor is made."""

    def __init__(self, feed: Stream, n: int, reacting):
        self.comps = np.union1d(feed.held_components("aqueous"), reacting)
        self.at = component_rows(self.comps)
        # a fresh array over n samples (a one-sample feed broadcasts into it)
        self.aq = feed.phase("aqueous", self.comps, out=np.empty((self.comps.size, n)))
        #: Free H+ of the feed liquor [kmol/h].
        self.free_acid = free_acid_kmol_h(self.aq, components=self.comps)
        #: Feed liquor volume [L/h], taken as its water mass at 1 kg/L.
        self.volume_l_h = water_kg_h(self.aq, components=self.comps, free_acid=self.free_acid)

    def rows_of(self, components: np.ndarray) -> np.ndarray:
        """The rows of ``components`` (sorted indices, all in the liquor)."""
        return np.searchsorted(self.comps, components)

    def runs_of(self, components: np.ndarray) -> list:
        """The rows of ``components`` as contiguous runs, ``(slice into components, slice of
        rows)`` pairs: the metals a reaction takes lie in a few runs (the rare earths, then Fe,
        Al, ...), and slices read and write ``aq`` in place where row indices would copy."""
        rows = self.rows_of(components)
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        starts, stops = np.r_[0, breaks], np.r_[breaks, rows.size]
        return [(slice(a, b), slice(rows[a], rows[b - 1] + 1)) for a, b in zip(starts, stops) if b > a]


def _rows_stream(rows: dict, n: int) -> Stream:
    """A stream with flows [kg/h] only in the given component rows of the aqueous phase."""
    return Stream.from_phases({"aqueous": rows}, n)


def _outlets(feed, n, liquor, new_rows, new_idx, cake_moisture):
    """Precipitate (feed solids + new solids + entrained liquor) and liquor outlets, and the
    precipitate's dry solids [kg/h].

    ``liquor.aq`` holds the liquor after precipitation; ``new_rows`` (a sequence of (sample,)
    rows) are the new solids of the components ``new_idx``. A share of the liquor, set by the
    cake moisture, joins the cake; the feed's organic and gas phases stay with the liquor. Each
    outlet's rows are written once, into its own array; the filtrate is ``liquor.aq`` itself.
    """
    held = feed.held_components("solid")
    solid_comps = np.union1d(held, new_idx)
    cake = np.empty((solid_comps.size + liquor.comps.size, n))     # solid rows, then liquor rows
    solid, entrained = cake[:solid_comps.size], cake[solid_comps.size:]
    written = np.zeros(solid_comps.size, dtype=bool)        # a row not yet written is garbage
    at_held = np.searchsorted(solid_comps, held)
    solid[at_held] = feed.phase("solid", held)
    written[at_held] = True
    for i, row in zip(np.searchsorted(solid_comps, new_idx), new_rows):   # O, H may repeat
        if written[i]:
            solid[i] += row
        else:
            solid[i] = row
            written[i] = True
    solids = solid.sum(axis=0)
    phi = cake_liquor_fraction(solids, liquor.aq.sum(axis=0), cake_moisture)
    np.multiply(liquor.aq, phi, out=entrained)
    liquor.aq -= entrained                                 # x - x*phi >= 0 for phi <= 1
    passing = [(PHASE_INDEX[name], feed.held_components(name), name) for name in ("organic", "gas")]
    aq = PHASE_INDEX["aqueous"] * N_COMPONENTS
    filtrate_rows = np.concatenate([aq + liquor.comps] + [p * N_COMPONENTS + c for p, c, _ in passing])
    filtrate = liquor.aq
    if filtrate_rows.size > liquor.comps.size:             # organic or gas rows pass too
        filtrate = np.concatenate([liquor.aq] + [feed.phase(name, comps) for _, comps, name in passing])
    return (Stream.from_rows(np.concatenate([solid_comps, aq + liquor.comps]), cake),
            Stream.from_rows(filtrate_rows, filtrate), solids)


def _precipitation_equipment(liquor_l_h, solids_kg_h, params):
    tanks = replace(tank_train(liquor_l_h / 1000.0, params["residence_time"], 1,
                               acid_service=True, material="rubber_lined"),
                    note="volume from the liquor flow; solids volume neglected")
    filt = Equipment(kind="filter", size=np.asarray(solids_kg_h, dtype=float), size_unit="kg/h",
                     acid_service=True, material="316ss", note="sized by dry solids throughput")
    power = agitator_power_kw(tanks.size, 1, params["agitator_power"])
    return {"precipitation_tanks": tanks, "filter": filt}, {"electricity_kW": power}


_REPORTED = RARE_EARTHS + ("Th", "U", "Ra", "Fe", "Al", "Ca", "Mg", "Mn")


def _fraction_info(frac_of: dict, n):
    """``precipitated_<el>`` [-] for the reported elements, from ``frac_of`` {component index:
    (sample,) row} (0 for those that do not react or that the liquor does not hold)."""
    zero = np.zeros(n)
    return {f"precipitated_{el}": frac_of.get(CI[el], zero) for el in _REPORTED}


# =============================================================================================
# Oxalate precipitation
# =============================================================================================

#: Components that precipitate as oxalate, and their isotherms grouped (borrowed ones share).
OX_IDX = np.flatnonzero((OX_PER_METAL > 0) & np.isfinite(OX_E_D))
_ox_pairs = sorted({(OX_E_D[i], OX_N_D[i]) for i in OX_IDX})
OX_E_UNIQUE = np.array([e for e, _ in _ox_pairs])
OX_N_UNIQUE = np.array([m for _, m in _ox_pairs])
OX_GROUP = np.array([_ox_pairs.index((OX_E_D[i], OX_N_D[i])) for i in OX_IDX])


def _run_oxalate(inlets, params, context) -> OperationResult:
    feed = inlets["feed"]
    n = _samples(feed, params)
    liquor = Liquor(feed, n, [CI["H"], CI["C"], CI["O"]])
    aq, at = liquor.aq, liquor.at
    volume_l_h = liquor.volume_l_h
    reacts = np.isin(OX_IDX, liquor.comps)             # the oxalate formers the liquor holds
    ox, group = OX_IDX[reacts], OX_GROUP[reacts]
    runs = liquor.runs_of(ox)

    # Oxalic acid added [kg/h]: a dosage per litre, or a multiple of RE + Th stoichiometry.
    if params["dosage_basis"] == "g/L":
        oxalic_kg_h = params["dosage"] * volume_l_h / 1000.0
    else:
        is_re_th = np.isin(ox, [CI[el] for el in RARE_EARTHS + ("Th",)])
        stoich = (OX_PER_METAL[ox] * is_re_th / MOLAR_MASS[ox]) @ aq[liquor.rows_of(ox)]
        oxalic_kg_h = params["excess"] * stoich * M_H2C2O4
    oxalic_kg_h = np.broadcast_to(oxalic_kg_h, (n,)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dosage_g_l = np.where(volume_l_h > 0, oxalic_kg_h * 1000.0 / volume_l_h, 0.0)
    if params["reagent_form"] == "dihydrate":   # H2C2O4.2H2O: its water joins the liquor
        water_in = oxalic_kg_h / M_H2C2O4 * 2 * M_H2O
    else:
        strength = params["solution_strength"]
        water_in = np.broadcast_to(oxalic_kg_h * (1 - strength) / strength, (n,))
    oxalic_rows = compound_flows("H2C2O4", oxalic_kg_h)
    water_rows = compound_flows("H2O", water_in)
    added = {"H2C2O4": _rows_stream(oxalic_rows, n), "water": _rows_stream(water_rows, n)}
    pool = {el: aq[at[el]] + oxalic_rows[el] + water_rows.get(el, 0.0) for el in "CHO"}

    # Isotherm (one row per group of elements sharing it), then limit by the C, O, H the liquor
    # holds (oxalate and hydrate water).
    conversion = oxalate_conversion(dosage_g_l[None, :], OX_E_UNIQUE[:, None], OX_N_UNIQUE[:, None])
    # metal masses as fraction x mass (a kmol round trip could overshoot the inlet by rounding)
    new_metal = conversion[group]
    for k, r in runs:
        new_metal[k] *= aq[r]
    # oxalate, hydrate water and the H+ released (z per ion) per sample, in one pass [kmol/h]
    per_kg = np.array([OX_PER_METAL[ox], HYDRATE[ox], LIQUOR_CHARGE[ox]]) / MOLAR_MASS[ox]
    oxalate, hydrate, released = per_kg @ new_metal
    scale = np.minimum.reduce([_limit(pool["C"] / M_C, 2 * oxalate),
                               _limit(pool["O"] / M_O, 4 * oxalate + hydrate),
                               _limit(pool["H"] / M_H, 2 * hydrate)])
    oxalate, hydrate = oxalate * scale, hydrate * scale
    new_metal *= scale
    frac = conversion * scale                                       # per group
    new = {"C": 2 * oxalate * M_C, "O": (4 * oxalate + hydrate) * M_O, "H": 2 * hydrate * M_H}

    for k, r in runs:                                  # the liquor, written over the feed's rows
        aq[r] -= new_metal[k]
    for el in "CHO":
        aq[at[el]] = pool[el] - new[el]
    # filtrate pH (intensive, so from the liquor before the cake split): the feed's free acid
    # plus z H+ per metal ion precipitated; water from the H left over
    acid = liquor.free_acid + released * scale
    vol_out = water_kg_h(aq, components=liquor.comps, free_acid=acid)       # L/h at 1 kg/L
    new_idx = np.concatenate([ox, [CI["C"], CI["O"], CI["H"]]])
    new_rows = [*new_metal, new["C"], new["O"], new["H"]]
    precipitate, filtrate, solids = _outlets(feed, n, liquor, new_rows, new_idx,
                                             params["cake_moisture"])
    equipment, consumption = _precipitation_equipment(volume_l_h + water_in, solids, params)
    consumed = oxalate * M_H2C2O4
    with np.errstate(divide="ignore", invalid="ignore"):
        ph = np.where((acid > 0) & (vol_out > 0), -np.log10(acid * 1000 / vol_out), np.nan)
        utilisation = np.where(oxalic_kg_h > 0, consumed / oxalic_kg_h, 0.0)
    info = {"dosage_g_L": dosage_g_l, "oxalic_acid_kg_h": oxalic_kg_h,
            "oxalic_acid_consumed_kg_h": consumed, "oxalic_acid_utilisation": utilisation,
            "reagent_limited": scale < 1.0, "filtrate_pH": ph,
            **_fraction_info({c: frac[g] for c, g in zip(ox, group)}, n)}
    return OperationResult(outlets={"precipitate": precipitate, "filtrate": filtrate}, added=added,
                           equipment=equipment, consumption=consumption, info=info)


# =============================================================================================
# Hydroxide precipitation
# =============================================================================================

#: Components that precipitate as hydroxide (a solubility product, or following Fe).
HY_IDX = np.flatnonzero(np.isfinite(LOG_KSP) | np.isin(np.arange(N_COMPONENTS),
                                                        [CI[el] for el in FOLLOW_FE]))


def _run_hydroxide(inlets, params, context) -> OperationResult:
    feed = inlets["feed"]
    n = _samples(feed, params)
    formula, oh_per_unit = BASES[params["base"]]
    # the metals the liquor holds, Fe, Al and Sc (the co-precipitation reads them), the base's
    # elements and those of the hydroxides and gypsum
    liquor = Liquor(feed, n, [CI[el] for el in ("Fe", "Al", "Sc", *FOLLOW_FE, *mass_fractions(formula),
                                                "O", "H", "Ca", "S", "Ra")])
    aq, at = liquor.aq, liquor.at
    volume_l_h = liquor.volume_l_h
    hy = HY_IDX[np.isin(HY_IDX, liquor.comps)]
    pos = {el: int(np.searchsorted(hy, CI[el])) for el in ("Fe", "Al", "Sc", *FOLLOW_FE)}
    runs = liquor.runs_of(hy)
    ph = np.broadcast_to(params["target_pH"], (n,)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_mol_l = np.where(volume_l_h > 0, 1000.0 / volume_l_h, 0.0)   # kmol/h -> mol/L

    # Hydroxide solubility at the target pH, on the feed concentrations [mol/L].
    c0 = np.empty((hy.size, n))
    for k, r in runs:
        np.divide(aq[r], MOLAR_MASS[hy[k], None], out=c0[k])
    c0 *= to_mol_l
    frac = hydroxide_fractions_by_charge(c0, LOG_KSP[hy], Z_OH[hy], ph)
    fe, al, sc = pos["Fe"], pos["Al"], pos["Sc"]
    fe_al = c0[fe] + c0[al]
    with np.errstate(divide="ignore", invalid="ignore"):
        f_feal = np.where(fe_al > 0, (frac[fe] * c0[fe] + frac[al] * c0[al]) / fe_al, 0.0)
    # Sc lost by adsorption/co-precipitation on the Fe/Al hydroxide (flagged assumption).
    frac[sc] = 1 - (1 - frac[sc]) * (1 - params["sc_coprecipitation"] * f_feal)
    for el in FOLLOW_FE:
        frac[pos[el]] = frac[fe]
    # metal masses as fraction x mass (a kmol round trip could overshoot the inlet by rounding)
    new_metal = np.empty_like(frac)
    for k, r in runs:
        np.multiply(frac[k], aq[r], out=new_metal[k])
    oh, oxo = (np.array([Z_OH[hy], OXO[hy]]) / MOLAR_MASS[hy]) @ new_metal     # [kmol/h]
    scale = np.minimum(_limit(aq[at["O"]] / M_O, oh + oxo),
                       _limit(aq[at["H"]] / M_H, oh))
    frac *= scale
    new_metal *= scale
    oh, oxo = oh * scale, oxo * scale

    # Base: free acid neutralised down to the residual H+ at target pH, plus z OH per ion.
    residual_h = 10.0 ** (-ph) * volume_l_h / 1000.0
    oh_base = np.maximum(liquor.free_acid - residual_h, 0.0) + oh
    base_kg_h = oh_base / oh_per_unit * molar_mass(formula)
    base_rows = compound_flows(formula, base_kg_h)
    added = {params["base"]: _rows_stream(base_rows, n)}

    for k, r in runs:                                  # the liquor, written over the feed's rows
        aq[r] -= new_metal[k]
    for el, kg in base_rows.items():
        aq[at[el]] += kg
    aq[at["O"]] -= (oh + oxo) * M_O
    aq[at["H"]] -= oh * M_H

    # Gypsum beyond its solubility (Ca from the feed and from lime), and Ra with it.
    ca = aq[at["Ca"]] / ATOMIC_WEIGHTS["Ca"]
    gyp = gypsum_precipitated(ca * to_mol_l, aq[at["S"]] / ATOMIC_WEIGHTS["S"] * to_mol_l,
                              params["gypsum_log_ksp"])
    with np.errstate(divide="ignore", invalid="ignore"):
        gyp = np.where(to_mol_l > 0, gyp / to_mol_l, 0.0)                # [kmol/h]
        gyp = gyp * np.minimum(_limit(aq[at["O"]] / M_O, 6 * gyp),
                               _limit(aq[at["H"]] / M_H, 4 * gyp))
        f_ra = np.clip(np.where(ca > 0, gyp / ca, 0.0), 0.0, 1.0)
    gypsum = compound_flows("CaSO4(H2O)2", gyp * molar_mass("CaSO4(H2O)2"))
    gypsum["Ra"] = aq[at["Ra"]] * f_ra
    for el, kg in gypsum.items():
        aq[at[el]] -= kg

    gyp_idx = [CI[el] for el in gypsum]
    new_idx = np.concatenate([hy, [CI["O"], CI["H"]], gyp_idx])
    new_rows = [*new_metal, (oh + oxo) * M_O, oh * M_H, *gypsum.values()]
    precipitate, filtrate, solids = _outlets(feed, n, liquor, new_rows, new_idx,
                                             params["cake_moisture"])
    equipment, consumption = _precipitation_equipment(volume_l_h, solids, params)
    info = {"base_kg_h": base_kg_h, "base_OH_kmol_h": oh_base, "target_pH": ph,
            "gypsum_kg_h": gyp * molar_mass("CaSO4(H2O)2"), "reagent_limited": scale < 1.0,
            **_fraction_info(dict(zip(hy, frac)), n), "precipitated_Ra": f_ra}
    return OperationResult(outlets={"precipitate": precipitate, "liquor": filtrate}, added=added,
                           equipment=equipment, consumption=consumption, info=info)


# =============================================================================================
# Specifications
# =============================================================================================

def _p(section, key, unit, description, bounds, kind="quantity"):
    record = section["defaults"][key]
    source = _DATA["sources"].get(record.get("source", ""), "see redmud/data/precipitation.toml")
    return Param(unit, record["value"], f"{description} ({record.get('note', '')})", source,
                 bounds, kind=kind, tag=record["tag"])


OXALATE_PARAMS = {
    "dosage_basis": Param("", "g/L", "how the oxalic acid addition is set: 'g/L' (dosage per "
                          "litre of feed liquor) or 'stoichiometric' (excess x RE + Th demand)",
                          "PrOMMiS 1.1.0 (g/L dosage); REEPS/Qi 2018 (stoichiometric excess)",
                          kind="choice", choices=("g/L", "stoichiometric"), tag="literature"),
    "dosage": _p(_OX, "dosage", "g/L", "oxalic acid (H2C2O4) per litre of feed liquor", (0, 200)),
    "excess": _p(_OX, "excess", "", "oxalic acid as a multiple of stoichiometric", (0, 10)),
    "reagent_form": Param("", "dihydrate", "oxalic acid added as solid H2C2O4.2H2O or as a "
                          "solution of strength solution_strength", "reagent forms as sold",
                          kind="choice", choices=("dihydrate", "solution"), tag="assumed"),
    "solution_strength": _p(_OX, "solution_strength", "", "H2C2O4 mass fraction of the reagent "
                            "solution", (0.01, 0.12)),
    "residence_time": _p(_OX, "residence_time", "h", "precipitation tank residence time",
                         (0.1, 24)),
    "cake_moisture": _p(_OX, "cake_moisture", "", "liquor mass fraction of the wet cake",
                        (0.05, 0.8)),
    "agitator_power": _p(_OX, "agitator_power", "kW/m^3", "agitator specific power", (0.05, 2)),
}

HYDROXIDE_PARAMS = {
    "target_pH": _p(_HY, "target_ph", "", "pH the base raises the liquor to", (0.5, 10)),
    "base": Param("", _default(_HY, "base"), "base used: " + ", ".join(BASES),
                  _DATA["sources"]["rusal_patent"], kind="choice", choices=tuple(BASES),
                  tag="literature"),
    "sc_coprecipitation": _p(_HY, "sc_coprecipitation", "", "Sc lost per unit fraction of "
                             "Fe + Al precipitated", (0, 0.5)),
    "gypsum_log_ksp": _p(_HY, "gypsum_log_ksp", "", "log10 Ksp of CaSO4.2H2O [mol^2/L^2]",
                         (-6, -3)),
    "residence_time": _p(_HY, "residence_time", "h", "precipitation tank residence time",
                         (0.1, 24)),
    "cake_moisture": _p(_HY, "cake_moisture", "", "liquor mass fraction of the wet cake",
                        (0.05, 0.8)),
    "agitator_power": _p(_OX, "agitator_power", "kW/m^3", "agitator specific power", (0.05, 2)),
}

SPECS = {
    "oxalate_precipitation": OperationSpec(
        name="oxalate_precipitation",
        description="Rare-earth oxalate precipitation with oxalic acid (PrOMMiS dosage isotherm), "
                    "agitated tank and filter",
        inlets=("feed",), outlets=("precipitate", "filtrate"), parameters=OXALATE_PARAMS,
        run=_run_oxalate),
    "hydroxide_precipitation": OperationSpec(
        name="hydroxide_precipitation",
        description="Hydroxide precipitation to a target pH (solubility products), with Sc "
                    "co-precipitation on Fe/Al hydroxide and gypsum from lime",
        inlets=("feed",), outlets=("precipitate", "liquor"), parameters=HYDROXIDE_PARAMS,
        run=_run_hydroxide),
}
