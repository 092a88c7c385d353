"""Solid-liquid separation: thickener, filter and counter-current decantation (CCD) washing.

Every solid reports to the underflow (cake, residue); the liquid (aqueous and organic phases) is
split with one fraction for every component, so the underflow liquor has the composition of the
overflow; gas leaves with the overflow. Solids lost to the overflow are not modelled (an ideal
clarification). Parameters and their sources: ``redmud/data/separation.toml``.

Th, U and Ra need no partition of their own here: as every component, their solid-borne part
(undissolved oxides, RaSO4 with gypsum) goes to the underflow and their dissolved part splits
with the liquor. Under the ideal clarification no solid-borne Th or Ra reaches the overflow; a
real overflow's suspended solids would carry some (not modelled, as for every solid).
"""

from __future__ import annotations

import numpy as np

from redmud.operations.base import Equipment, OperationResult, OperationSpec, load_parameters
from redmud.paths import DATA_DIR
from redmud.operations.common import reagent_stream
from redmud.streams import N_PHASES, PHASE_INDEX, Stream, mix, split
from redmud.tomlfile import load_toml

#: kg per tonne and hours per day, for unit areas given per (t/d).
KG_PER_T = 1000.0
H_PER_D = 24.0


# --- physics ----------------------------------------------------------------------------------

def underflow_liquor_kg_h(solids_kg_h, underflow_solids_fraction):
    """Liquor carried by the solids of an underflow or cake [kg/h].

    .. math:: L_u = S \\, \\frac{1 - x_u}{x_u}

    with S the dry solids [kg/h] and x_u the solids mass fraction of the underflow [-]: the
    definition of x_u = S / (S + L_u) (a mass balance; x_u's values and sources are in
    separation.toml).
    """
    x = np.asarray(underflow_solids_fraction, dtype=float)
    return np.asarray(solids_kg_h) * (1.0 - x) / x


def liquid_to_underflow_fraction(liquid_kg_h, solids_kg_h, underflow_solids_fraction):
    """Share of the feed liquid that the underflow carries [-].

    .. math:: f = \\min\\left(1, \\frac{L_u}{L}\\right)

    A feed already thicker than the underflow (L <= L_u) sends all its liquid to the underflow.
    L [kg/h] the feed's liquid; L_u of :func:`underflow_liquor_kg_h` (a mass balance).
    """
    liquid = np.asarray(liquid_kg_h, dtype=float)
    needed = underflow_liquor_kg_h(solids_kg_h, underflow_solids_fraction)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(liquid > needed, needed / np.where(liquid > 0, liquid, 1.0), 1.0)


def phase_fractions(liquid_fraction, n_samples: int) -> np.ndarray:
    """Split fractions shaped ``(phase, 1, sample)``: all solid, ``liquid_fraction`` of the
    aqueous and organic phases, no gas."""
    f = np.zeros((N_PHASES, 1, n_samples))
    f[PHASE_INDEX["solid"]] = 1.0
    f[PHASE_INDEX["aqueous"]] = liquid_fraction
    f[PHASE_INDEX["organic"]] = liquid_fraction
    return f


def solid_liquid_split(stream: Stream, underflow_solids_fraction,
                       solids_kg_h=None) -> tuple[Stream, Stream, np.ndarray]:
    """Underflow (all solids and their liquor) and overflow (the rest) of a slurry, and the share
    of the liquid sent to the underflow (see :func:`liquid_to_underflow_fraction`).
    ``solids_kg_h``: the stream's solids [kg/h], where the caller has them already."""
    liquid = stream.total("aqueous") + stream.total("organic")
    solids = stream.total("solid") if solids_kg_h is None else solids_kg_h
    f = liquid_to_underflow_fraction(liquid, solids, underflow_solids_fraction)
    f = np.broadcast_to(f, (stream.n_samples,))
    underflow, overflow = split(stream, [phase_fractions(f, stream.n_samples)])
    return underflow, overflow, f


def thickener_area_m2(solids_kg_h, unit_area_m2_per_t_d):
    """Settling area [m^2] from a unit area.

    .. math:: A = a_u \\, \\frac{24 \\, S}{1000}

    with S the dry solids fed [kg/h] and a_u the unit area [m^2/(t/d)] (Walas 1990, Table 11.9).
    """
    return np.asarray(unit_area_m2_per_t_d) * np.asarray(solids_kg_h) * H_PER_D / KG_PER_T


def thickener_drive_kw(area_m2, power_per_diameter_kw_m):
    """Rake drive power [kW] proportional to the diameter of a circular thickener.

    .. math:: P = p_D \\, D, \\qquad D = \\sqrt{4 A / \\pi}

    with p_D [kW/m] (12 kW for 60 m in REEPS, after Perry's; see separation.toml).
    """
    return np.asarray(power_per_diameter_kw_m) * np.sqrt(4.0 * np.asarray(area_m2) / np.pi)


def ccd_feed_fraction_to_residue(feed_liquor, underflow_liquor, wash, stages):
    """Share of the feed liquor (and of every solute in it) left in the washed underflow [-].

    Ideal counter-current washing: n perfectly mixed thickeners, each underflow carries U [kg/h]
    of liquor with the composition of that thickener's overflow, wash W [kg/h] enters the last
    thickener, the feed slurry (liquor F) the first. The stage balances
    :math:`x_{k-1} + r x_{k+1} = (1 + r) x_k` with :math:`r = W/U` give

    .. math:: \\phi = \\frac{1}{1 + (F/U + r - 1)\\,G_n(r)}, \\qquad
              G_n(r) = \\sum_{k=0}^{n-1} r^k = \\frac{r^n - 1}{r - 1}

    For a feed at underflow density (F = U) this is the textbook form
    :math:`\\phi = (r - 1)/(r^{n+1} - 1)`, i.e. a recovery of soluble
    :math:`R = (r^{n+1} - r)/(r^{n+1} - 1)` (the standard ideal-stage washing balance, e.g.
    Coulson & Richardson's Chemical Engineering Vol. 2, leaching/washing chapter; derived here).
    Requires F + W >= U (the first overflow is not negative).
    """
    F = np.asarray(feed_liquor, dtype=float)
    U = np.asarray(underflow_liquor, dtype=float)
    r = np.asarray(wash, dtype=float) / np.where(U > 0, U, 1.0)
    n = np.asarray(stages, dtype=float)
    near_one = np.abs(r - 1.0) < 1e-9
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        geometric = np.where(near_one, n, (r ** n - 1.0) / np.where(near_one, 1.0, r - 1.0))
        phi = 1.0 / (1.0 + (F / np.where(U > 0, U, 1.0) + r - 1.0) * geometric)
    return np.clip(np.where(U > 0, phi, 0.0), 0.0, 1.0)


# --- operations -------------------------------------------------------------------------------

_DATA_PATH = DATA_DIR / "separation.toml"
_DATA = load_toml(_DATA_PATH)


def _thickener_equipment(solids_kg_h, unit_area, count=1):
    area = thickener_area_m2(solids_kg_h, unit_area)
    return Equipment(kind="thickener", size=area, size_unit="m^2", count=count), area


def run_thickener(inlets, params, context) -> OperationResult:
    """Thickener: all solids and their entrained liquor to ``underflow``, the rest to ``overflow``."""
    feed = inlets["feed"]
    solids = feed.total("solid")
    underflow, overflow, f = solid_liquid_split(feed, params["underflow_solids_fraction"], solids)
    equipment, area = _thickener_equipment(solids, params["unit_area"])
    power = thickener_drive_kw(area, params["drive_power_per_diameter"])
    return OperationResult(
        outlets={"underflow": underflow, "overflow": overflow},
        equipment={"thickener": equipment},
        consumption={"electricity_kW": power},
        info={"liquid_to_underflow": f})


def run_filter(inlets, params, context) -> OperationResult:
    """Filter: all solids and the cake moisture to ``cake``, the rest to ``filtrate``.

    Filter area :math:`A = S / J` with S the dry solids [kg/h] and J the filtration flux
    [kg/(m^2 h)] (Taylor 1983); power = specific power x area (REEPS).
    """
    feed = inlets["feed"]
    solids = feed.total("solid")
    cake, filtrate, f = solid_liquid_split(feed, 1.0 - params["cake_moisture"], solids)
    area = solids / params["filtration_flux"]
    return OperationResult(
        outlets={"cake": cake, "filtrate": filtrate},
        equipment={"filter": Equipment(kind="filter", size=area, size_unit="m^2")},
        consumption={"electricity_kW": params["specific_power"] * area},
        info={"liquid_to_cake": f})


def run_ccd_wash(inlets, params, context) -> OperationResult:
    """Counter-current decantation: washed ``residue`` and ``liquor`` (pregnant liquor + wash).

    The wash is the optional ``wash`` inlet (any liquor) or, without it, fresh water at
    ``wash_ratio`` x the underflow liquor; where feed plus wash cannot fill the underflows
    (F + W < U) fresh water makes up the difference. The feed liquor's share left in the residue
    is :func:`ccd_feed_fraction_to_residue`; the wash liquor's share is
    :math:`\\psi = (U - \\phi F)/W` [-], so that the residue carries exactly U of liquor (U,
    F, W in kg/h).
    """
    feed = inlets["feed"]
    n = feed.n_samples
    solids = feed.total("solid")
    U = underflow_liquor_kg_h(solids, params["underflow_solids_fraction"])
    F = feed.total("aqueous") + feed.total("organic")
    if "wash" in inlets:
        wash_given = inlets["wash"].total("aqueous") + inlets["wash"].total("organic")
        fresh = np.zeros(n)
    else:
        wash_given = params["wash_ratio"] * U
        fresh = wash_given
    # make-up water so that the first thickener's overflow is not negative (F + W >= U)
    fresh = np.broadcast_to(fresh + np.maximum(U - F - wash_given, 0.0), (n,))
    water = reagent_stream("H2O", fresh)
    wash = mix(inlets["wash"], water) if "wash" in inlets else water
    W = wash.total("aqueous") + wash.total("organic")
    phi = np.broadcast_to(ccd_feed_fraction_to_residue(F, U, W, params["stages"]), (n,))
    with np.errstate(divide="ignore", invalid="ignore"):
        psi = np.clip(np.where(W > 0, (U - phi * F) / np.where(W > 0, W, 1.0), 0.0), 0.0, 1.0)
    psi = np.broadcast_to(psi, (n,))
    res_feed, liq_feed = split(feed, [phase_fractions(phi, n)])
    res_wash, liq_wash = split(wash, [phase_fractions(psi, n)])
    stages = np.asarray(params["stages"])
    equipment, area = _thickener_equipment(solids, params["unit_area"], count=stages)
    power = stages * thickener_drive_kw(area, params["drive_power_per_diameter"])
    return OperationResult(
        outlets={"liquor": liq_feed + liq_wash, "residue": res_feed + res_wash},
        added={"water": water},
        equipment={"thickeners": equipment},
        consumption={"electricity_kW": power},
        info={"soluble_recovery": 1.0 - phi, "wash_ratio_actual": W / np.where(U > 0, U, 1.0)})


def _spec(name, description, inlets, outlets, run, optional=()):
    return OperationSpec(name=name, description=description, inlets=inlets, outlets=outlets,
                         parameters=load_parameters(_DATA, name, str(_DATA_PATH)), run=run,
                         optional_inlets=optional)


SPECS = {
    "thickener": _spec("thickener", "Gravity thickener: underflow at a set solids fraction, "
                       "clear overflow; area from a unit area (Walas 1990)",
                       ("feed",), ("underflow", "overflow"), run_thickener),
    "filter": _spec("filter", "Filter: cake at a set moisture, filtrate; area from a filtration "
                    "flux (Taylor 1983)", ("feed",), ("cake", "filtrate"), run_filter),
    "ccd_wash": _spec("ccd_wash", "Counter-current decantation washing in n ideal thickeners",
                      ("feed",), ("liquor", "residue"), run_ccd_wash, optional=("wash",)),
}
