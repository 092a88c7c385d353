"""The discounted cash flow: a yearly table and what is read from it (NPV, IRR, payback,
levelised cost, break-even price), vectorised over samples.

Every input may be an array of N samples (capital, operating cost, revenue and output by product,
rates, plant life); the table is built with one loop over years and none over samples, and the
IRR and break-even price are solved on whole arrays. Money is in USD as plain floats (pint
Quantities are accepted at the boundary and converted once): capital [USD], operating cost and
revenue [USD/yr] at full capacity, output [kg/yr] at full capacity.

The convention (simple DCF or NETL QGESS) is data, read by :mod:`redmud.costing.conventions` from
``redmud/data/finance.toml``; both build the same table:

=================  =============================================================================
row (per year t)   value [USD]
=================  =============================================================================
capital            ``-CAPEX * s_i * (1+g_cap)^(t-t0)`` in construction year i (schedule s)
working_capital    ``-w*CAPEX`` in the first operating year, ``+w*CAPEX`` in the last
revenue            ``sum_p REV_p * c_t * (1+g_rev)^(t-t0)``, c_t = ramp-up fraction (else 1)
operating_cost     ``-(OPEX * c_t + FIXED) * (1+g_op)^(t-t0)``
loan               QGESS only: ``-Debt`` at time 0, ``+A`` in years 1..N_loan (as written there)
royalty            ``-royalty * revenue``                             (when taxes are on)
tax                ``-tax_rate * (revenue + royalty + operating_cost - depreciation - depletion)``
net                the sum of the cash rows above
=================  =============================================================================

and ``NPV = sum_t net_t (1+r)^-t`` (time t in years from time zero, the start of construction).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from redmud.costing.conventions import (DEPRECIATION_METHODS, Convention, check_convention,
                                        depreciation_table, load_convention)
from redmud.errors import InputError, unknown

#: Rates on which the NPV is evaluated to bracket the IRR [1/yr]: steps of 0.02 between -30 %
#: and 100 %, coarser outside (a pair of roots closer than a step is not resolved).
IRR_GRID = np.concatenate([np.linspace(-0.95, -0.3, 13, endpoint=False),
                           np.linspace(-0.3, 1.0, 65, endpoint=False),
                           np.geomspace(1.0, 100.0, 21)])

#: Cash rows whose sum is the net cash flow.
CASH_ROWS = ("capital", "working_capital", "revenue", "operating_cost", "loan", "royalty", "tax")
#: Cash rows that are costs in the levelised cost (pre-tax, pre-royalty).
COST_ROWS = ("capital", "working_capital", "operating_cost", "loan")

NO_SIGN_CHANGE = "the net cash flow never changes sign, so no rate makes the NPV zero"
NO_ROOT = f"the NPV has no sign change between {IRR_GRID[0]:.0%} and {IRR_GRID[-1]:.0%} per year"
NON_FINITE = "the cash flow holds non-finite values"
MULTIPLE = "several rates make the NPV zero; the one nearest 0 is returned"
NEVER_PAYS_BACK = "the cumulative discounted cash flow does not stay >= 0 within the plant life"
NO_OUTPUT = "no output of this product (its present value of output is zero)"
#: A positive output so small that cost / output exceeds the largest float (a vanishing product,
#: 1e-303 kg/yr against a 1e9 USD present value of costs).
OUTPUT_TOO_SMALL = "the output of this product is too small for a finite cost per kg (the division overflows)"
OUTPUT_TOO_SMALL_TO_PRICE = ("the output of this product is too small for its price to change the NPV "
                             "at double precision")


# --- present-worth factors and the QGESS present values ---------------------------------------

def present_worth_factor(rate, growth, years):
    """Present worth of a growing annuity, P/A(r, g, N) [yr].

    .. math:: P/A(r, g, N) = \\frac{1 - (1+g)^N (1+r)^{-N}}{r - g}
              = \\sum_{k=1}^{N} \\frac{(1+g)^{k-1}}{(1+r)^k},
              \\qquad P/A(r, r, N) = \\frac{N}{1+r}

    Parameters
    ----------
    rate : float or array [1/yr]
        Discount rate r.
    growth : float or array [1/yr]
        Escalation g of the yearly amount (first amount at the end of year 1, unescalated).
    years : float or array [yr]
        Number of yearly amounts N.

    Returns
    -------
    array [yr]
        The present value at time 0 of one USD/yr growing at g, paid at the ends of years 1..N.

    References
    ----------
    Eschenbach T. G., Engineering Economy: Applying Theory to Practice (geometric gradient P/A),
    as used by NETL QGESS costing in PrOMMiS 1.1.0 (shared/reference/peer-model-parameters.md).
    """
    r, g, n = np.broadcast_arrays(np.asarray(rate, float), np.asarray(growth, float),
                                  np.asarray(years, float))
    same = np.abs(r - g) < 1e-12
    # expm1/log1p keep digits when (1+g)/(1+r) is close to 1.
    with np.errstate(divide="ignore", invalid="ignore"):
        general = -np.expm1(n * (np.log1p(g) - np.log1p(r))) / np.where(same, 1.0, r - g)
    return np.where(same, n / (1.0 + r), general)


def qgess_present_values(capex, opex, revenue, discount_rate=None, plant_life=None, **overrides) -> dict:
    """The NETL QGESS present values, by the formulas of PrOMMiS 1.1.0 [USD at time 0].

    With P/A from :func:`present_worth_factor`, construction schedule ``pct_i`` over ``N_cap``
    years (i = 0..N_cap-1), plant life N and discount rate r:

    .. math::
        PV_{cap} &= -\\sum_i pct_i \\, CAPEX \\, [P/A(r, g_{cap}, i+1) - P/A(r, g_{cap}, i)] \\\\
        PV_{loan} &= Debt \\, [P/A(r, 0, N_{loan}) / P/A(i_{loan}, 0, N_{loan}) - 1],
                    \\quad Debt = f_{debt} \\, CAPEX \\\\
        PV_{op} &= -OPEX \\, [P/A(r, g_{op}, N + N_{cap}) - P/A(r, g_{op}, N_{cap})] \\\\
        PV_{rev} &= REV \\, [P/A(r, g_{rev}, N + N_{cap}) - P/A(r, g_{rev}, N_{cap})] \\\\
        NPV &= PV_{cap} + PV_{loan} + PV_{op} + PV_{rev}

    The loan term is reproduced as that implementation writes it: it books financing as a cost
    when r > i_loan and as a gain when r < i_loan (a borrower's cash flows would have the opposite
    sign). CAPEX is the capital before escalation (overnight cost); taxes are not included (the
    table of :func:`cash_flow` with ``convention="qgess", taxes=True`` adds them).

    Parameters
    ----------
    capex : float or array [USD]
    opex : float or array [USD/yr]
        Total operating cost in time-0 money.
    revenue : float or array [USD/yr]
        Total revenue in time-0 money.
    discount_rate : float or array [1/yr], optional
        Default: the convention's (finance.toml names none for [qgess]; [simple]'s is used).
    plant_life : int or array [yr], optional
        Operating years N (default as for the rate).
    **overrides
        Fields of the qgess :class:`~redmud.costing.conventions.Convention` (e.g.
        ``capital_escalation``, ``loan_interest``, ``construction_schedule``).

    Returns
    -------
    dict of arrays [USD]
        ``capital``, ``loan_interest``, ``operating_cost``, ``revenue`` and ``npv``.

    References
    ----------
    PrOMMiS 1.1.0 (NETL), src/prommis/uky/costing/ree_plant_capcost.py; NETL QGESS; written out in
    shared/reference/peer-model-parameters.md ("Costing convention"); finance.toml [qgess].
    """
    conv = load_convention("qgess", discount_rate=discount_rate, plant_life=plant_life, **overrides)
    capex, opex, revenue = (_magnitude(x, u, n) for x, u, n in
                            ((capex, "USD", "capex"), (opex, "USD/year", "opex"), (revenue, "USD/year", "revenue")))
    r = np.asarray(conv.discount_rate, float)
    life = np.asarray(conv.plant_life, float)
    n_cap = conv.construction_years
    pv_capital = 0.0
    for i, pct in enumerate(conv.construction_schedule):
        pv_capital = pv_capital - pct * capex * (present_worth_factor(r, conv.capital_escalation, i + 1)
                                                 - present_worth_factor(r, conv.capital_escalation, i))
    debt = np.asarray(conv.debt_fraction, float) * capex
    if conv.loan == "none":
        pv_loan = np.zeros_like(debt)
    else:
        pv_loan = debt * (present_worth_factor(r, 0.0, conv.loan_term)
                          / present_worth_factor(conv.loan_interest, 0.0, conv.loan_term) - 1.0)
        if conv.loan == "borrower":
            pv_loan = -pv_loan
    pv_opex = -opex * (present_worth_factor(r, conv.operating_escalation, life + n_cap)
                       - present_worth_factor(r, conv.operating_escalation, n_cap))
    pv_revenue = revenue * (present_worth_factor(r, conv.revenue_escalation, life + n_cap)
                            - present_worth_factor(r, conv.revenue_escalation, n_cap))
    out = {"capital": pv_capital, "loan_interest": pv_loan, "operating_cost": pv_opex, "revenue": pv_revenue}
    shape = np.broadcast_shapes(*(np.shape(v) for v in out.values()))
    out = {k: np.broadcast_to(np.asarray(v, float), shape).copy() for k, v in out.items()}
    out["npv"] = out["capital"] + out["loan_interest"] + out["operating_cost"] + out["revenue"]
    return out


# --- the cash-flow table --------------------------------------------------------------------

def _magnitude(value, unit: str, where: str) -> np.ndarray:
    """A float array from a number, an array or a pint Quantity (converted to ``unit``)."""
    if hasattr(value, "units") and hasattr(value, "magnitude"):
        from redmud.units import to_magnitude
        return to_magnitude(value, unit, where)
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(where, f"expected a number or an array of numbers [{unit}], got {value!r}") from None


def _by_product(value, unit: str, where: str) -> dict | None:
    if value is None:
        return None
    if isinstance(value, dict):
        if not value:
            raise InputError(where, "expected at least one product")
        return {str(k): _magnitude(v, unit, f"{where}.{k}") for k, v in value.items()}
    return {"product": _magnitude(value, unit, where)}


@dataclass(frozen=True)
class _Inputs:
    """The inputs of a table, flattened to (N,) samples."""

    capex: np.ndarray
    opex: np.ndarray
    fixed_opex: np.ndarray
    revenue: dict
    output: dict
    params: dict          # convention fields that may be arrays, each (N,)
    shape: tuple          # the sample shape of the results


_ARRAY_FIELDS = ("discount_rate", "plant_life", "capital_escalation", "operating_escalation",
                 "revenue_escalation", "income_tax_rate", "royalty", "depletion_allowance",
                 "working_capital", "debt_fraction", "loan_interest")


def _flatten(capex, opex, fixed_opex, revenue, output, conv: Convention) -> _Inputs:
    arrays = {"capex": capex, "opex": opex, "fixed_opex": fixed_opex}
    arrays.update({f"revenue.{k}": v for k, v in revenue.items()})
    arrays.update({f"output.{k}": v for k, v in output.items()})
    arrays.update({f: np.asarray(getattr(conv, f), float) for f in _ARRAY_FIELDS})
    try:
        shape = np.broadcast_shapes(*(np.shape(v) for v in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items() if np.ndim(v))
        raise InputError("cash flow", f"sample arrays of different shapes: {shapes}") from None
    n = int(np.prod(shape)) if shape else 1
    flat = {k: np.broadcast_to(v, shape).reshape(n).astype(float) for k, v in arrays.items()}
    return _Inputs(flat["capex"], flat["opex"], flat["fixed_opex"],
                   {k: flat[f"revenue.{k}"] for k in revenue}, {k: flat[f"output.{k}"] for k in output},
                   {f: flat[f] for f in _ARRAY_FIELDS}, shape)


def _ramp(conv: Convention, op_index: np.ndarray, n: int) -> np.ndarray:
    """Fraction of capacity c_t in each row (T, N): the ramp-up fractions, then 1."""
    ramp = np.asarray(conv.ramp_up, dtype=float)
    factor = np.ones((op_index.shape[0], n))
    if ramp.size == 0:
        return factor
    ramp = ramp.reshape(ramp.shape[0], -1) if ramp.ndim == 2 else ramp[:, None]
    ramp = np.broadcast_to(ramp, (ramp.shape[0], n))
    for t, k in enumerate(op_index):
        if 0 <= k < ramp.shape[0]:
            factor[t] = ramp[k]
    return factor


def _depreciation_fractions(conv: Convention, op_index: np.ndarray, life: np.ndarray) -> np.ndarray:
    """Fraction of the depreciable capital deducted in each row (T, N); the rest of the capital
    not yet deducted at the end of the plant life is written off in the last operating year."""
    n = life.shape[0]
    frac = np.zeros((op_index.shape[0], n))
    if conv.depreciation == "none":
        return frac
    if conv.depreciation == "straight_line":
        years = life if conv.depreciation_years is None else np.full(n, float(conv.depreciation_years))
        for t, k in enumerate(op_index):
            if k >= 0:
                frac[t] = np.where(k < years, 1.0 / years, 0.0)
    else:
        table = depreciation_table(conv.depreciation)
        table = table / table.sum()  # the published table rounds to 4 digits
        for t, k in enumerate(op_index):
            if 0 <= k < table.size:
                frac[t] = table[k]
    operating = (op_index[:, None] >= 0) & (op_index[:, None] < life[None, :])
    frac = np.where(operating, frac, 0.0)
    last = op_index[:, None] == (life[None, :] - 1)
    return frac + np.where(last, 1.0 - frac.sum(axis=0), 0.0)


def _table(inp: _Inputs, conv: Convention, revenue: dict | None = None) -> dict:
    """The yearly table, each row (T, N) [USD, or kg for outputs]; see the module docstring."""
    revenue = inp.revenue if revenue is None else revenue
    p = inp.params
    n = inp.capex.shape[0]
    life = p["plant_life"].astype(int)
    n_cap = conv.construction_years
    first_con = 0 if conv.timing == "start" else 1
    first_op = first_con + n_cap
    t0 = first_con
    loan_on = conv.loan != "none"
    rows = max(first_op + int(life.max()), int(conv.loan_term) + 1 if loan_on else 0)
    time = np.arange(rows, dtype=float)
    op_index = np.arange(rows) - first_op
    operating = (op_index[:, None] >= 0) & (op_index[:, None] < life[None, :])

    def escalation(g):
        return (1.0 + g[None, :]) ** (time[:, None] - t0)

    capital = np.zeros((rows, n))
    for i, share in enumerate(conv.construction_schedule):
        capital[first_con + i] = -inp.capex * share * (1.0 + p["capital_escalation"]) ** (first_con + i - t0)
    capacity = np.where(operating, _ramp(conv, op_index, n), 0.0)
    wc = p["working_capital"] * inp.capex
    working = (np.where(op_index[:, None] == 0, -wc, 0.0)
               + np.where(op_index[:, None] == life[None, :] - 1, wc, 0.0))
    price_escalation = escalation(p["revenue_escalation"])
    revenue_by = {k: v[None, :] * capacity * price_escalation for k, v in revenue.items()}
    output_by = {k: v[None, :] * capacity for k, v in inp.output.items()}
    total_revenue = sum(revenue_by.values()) if revenue_by else np.zeros((rows, n))
    opex = -(inp.opex[None, :] * capacity + np.where(operating, inp.fixed_opex[None, :], 0.0)) \
        * escalation(p["operating_escalation"])

    loan = np.zeros((rows, n))
    if loan_on:
        debt = p["debt_fraction"] * inp.capex
        annuity = debt / present_worth_factor(p["loan_interest"], 0.0, conv.loan_term)
        sign = 1.0 if conv.loan == "as_written" else -1.0
        loan[0] = -sign * debt
        loan[1:int(conv.loan_term) + 1] = sign * annuity

    depreciation = -capital.sum(axis=0)[None, :] * _depreciation_fractions(conv, op_index, life)
    if conv.taxes:
        royalty = -p["royalty"][None, :] * total_revenue
        depletion = p["depletion_allowance"][None, :] * (total_revenue + royalty)
        taxable = total_revenue + royalty + opex - depreciation - depletion
        rate = p["income_tax_rate"][None, :]
        if conv.tax_losses == "credit":
            tax = -rate * taxable
        else:  # losses carried forward against later profits
            tax = np.zeros((rows, n))
            pool = np.zeros(n)
            for t in range(rows):
                used = np.minimum(pool, np.maximum(taxable[t], 0.0))
                pool = pool - used + np.maximum(-taxable[t], 0.0)
                tax[t] = -rate[0] * np.maximum(taxable[t] - used, 0.0)
    else:
        royalty = depletion = taxable = tax = np.zeros((rows, n))

    table = {"time": time, "operating_year": op_index, "capacity_factor": capacity,
             "capital": capital, "working_capital": working, "revenue": total_revenue,
             "operating_cost": opex, "loan": loan, "royalty": royalty,
             "depreciation": depreciation, "depletion": depletion, "taxable_income": taxable, "tax": tax}
    table["net"] = sum(table[k] for k in CASH_ROWS)
    table["discount_factor"] = (1.0 + p["discount_rate"][None, :]) ** -time[:, None]
    table["discounted_net"] = table["net"] * table["discount_factor"]
    table["cumulative_discounted"] = np.cumsum(table["discounted_net"], axis=0)
    table["price_escalation"] = price_escalation
    table["revenue_by_product"] = revenue_by
    table["output_by_product"] = output_by
    return table


# --- IRR and payback --------------------------------------------------------------------------

def _npv_and_slope(net: np.ndarray, time: np.ndarray, rate: np.ndarray):
    """NPV(r) = sum_t net_t (1+r)^-t and dNPV/dr = -sum_t t net_t (1+r)^(-t-1), per sample.

    For times 0, 1, 2, ... (the tables here) both are polynomials in v = 1/(1+r), evaluated by
    Horner's rule (two array operations per year, no powers); other times use exp/log1p.
    """
    if time.size and np.array_equal(time, np.arange(time.size)):
        v = 1.0 / (1.0 + rate)
        value = np.zeros_like(rate)
        derivative = np.zeros_like(rate)        # d NPV / d v
        for row in net[::-1]:
            derivative = derivative * v + value
            value = value * v + row
        return value, -derivative * v * v     # dv/dr = -v^2
    discount = np.exp(-time[:, None] * np.log1p(rate)[None, :])
    value = (net * discount).sum(axis=0)
    slope = -(time[:, None] * net * discount).sum(axis=0) / (1.0 + rate)
    return value, slope


def internal_rate_of_return(net, time=None, tol: float = 1e-13, maxiter: int = 100):
    """IRR of cash flows, vectorised over samples [1/yr], with a reason where there is none.

    Solves :math:`\\sum_t CF_t (1+IRR)^{-t} = 0`: the NPV is evaluated on the rate grid
    :data:`IRR_GRID` for all samples at once (a matrix product) to bracket the roots, then a
    bracketed Newton iteration (bisection where a Newton step leaves the bracket) refines the
    root nearest 0 on whole arrays until the step is below ``tol * (1 + |IRR|)``.

    Parameters
    ----------
    net : array (T, ...) [USD]
        Net cash flow by year (first axis), any sample shape after it.
    time : array (T,) [yr], optional
        Time of each row from time zero; default 0, 1, 2, ...
    tol : float
        Relative step tolerance.
    maxiter : int

    Returns
    -------
    irr : array [1/yr]
        NaN where no rate makes the NPV zero.
    reason : array of str
        Empty where the IRR is unique; else why it is NaN (no sign change in the cash flow, no
        root in the grid's range, non-finite cash flow), or that there are several roots (the
        one nearest 0 is returned, as numpy-financial does).

    References
    ----------
    Gitman L. J., Principles of Managerial Finance (IRR definition), as in numpy_financial.irr.
    """
    net = np.asarray(net, dtype=float)
    shape = net.shape[1:]
    flat = net.reshape(net.shape[0], -1)
    n = flat.shape[1]
    time = np.arange(flat.shape[0], dtype=float) if time is None else np.asarray(time, float)
    reason = np.full(n, "", dtype=object)
    finite = np.all(np.isfinite(flat), axis=0)
    signed = np.any(flat > 0, axis=0) & np.any(flat < 0, axis=0)
    reason[~finite] = NON_FINITE
    reason[finite & ~signed] = NO_SIGN_CHANGE
    valid = finite & signed
    work = np.where(valid[None, :], flat, 0.0)

    grid_discount = np.exp(-time[None, :] * np.log1p(IRR_GRID)[:, None])      # (G, T)
    with np.errstate(over="ignore", invalid="ignore"):
        npv_grid = grid_discount @ work                                     # (G, N)
    positive = npv_grid >= 0
    change = positive[:-1] != positive[1:]                                  # (G-1, N)
    count = change.sum(axis=0)
    # the bracket nearest 0: intervals ordered by the distance of their middle from 0
    order = np.argsort(np.abs(0.5 * (IRR_GRID[:-1] + IRR_GRID[1:])), kind="stable")
    pick = order[np.argmax(change[order], axis=0)]
    reason[valid & (count == 0)] = NO_ROOT
    reason[valid & (count > 1)] = MULTIPLE
    solve = valid & (count > 0)

    x = np.full(n, np.nan)
    active = np.flatnonzero(solve)
    lo, hi = IRR_GRID[pick[active]], IRR_GRID[pick[active] + 1]
    f_lo = npv_grid[pick[active], active]
    guess = 0.5 * (lo + hi)
    rows = work[:, active]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(maxiter):
            if active.size == 0:
                break
            value, slope = _npv_and_slope(rows, time, guess)
            same = (value >= 0) == (f_lo >= 0)
            lo, f_lo, hi = np.where(same, guess, lo), np.where(same, value, f_lo), np.where(same, hi, guess)
            step_to = guess - value / slope
            outside = ~((step_to > lo) & (step_to < hi)) | ~np.isfinite(step_to)
            new = np.where(value == 0, guess, np.where(outside, 0.5 * (lo + hi), step_to))
            done = (np.abs(new - guess) <= tol * (1.0 + np.abs(guess))) | (hi - lo <= tol * (1.0 + np.abs(lo)))
            x[active[done]] = new[done]
            keep = ~done
            active, lo, hi, f_lo, guess, rows = (active[keep], lo[keep], hi[keep], f_lo[keep], new[keep],
                                                 rows[:, keep])
        x[active] = guess  # not converged within maxiter: the last iterate (bracketed)
    irr = np.where(solve, x, np.nan)
    return irr.reshape(shape), reason.reshape(shape)


def _payback(table: dict, first_op: int):
    """Discounted payback [yr of operation]: from the start of operation to the point (linear
    within a year) after which the cumulative discounted net cash flow stays >= 0."""
    cum = table["cumulative_discounted"]
    rows, n = cum.shape
    stays = np.logical_and.accumulate((cum >= 0)[::-1], axis=0)[::-1]
    stays[:first_op] = False
    found = stays.any(axis=0)
    idx = np.argmax(stays, axis=0)
    cols = np.arange(n)
    prev = np.where(idx > 0, cum[np.maximum(idx - 1, 0), cols], 0.0)
    step = cum[idx, cols] - prev
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(prev >= 0, 0.0, np.where(step > 0, -prev / step, 1.0))
    base = idx - first_op
    payback = np.where(found & (prev < 0), base + frac, np.where(found, base, np.nan))
    reason = np.where(found, "", np.where(np.all(np.isfinite(cum), axis=0), NEVER_PAYS_BACK, NON_FINITE)).astype(object)
    return payback, reason


# --- the result ---------------------------------------------------------------------------------

@dataclass
class CashFlowResult:
    """A cash-flow table over years and the metrics read from it.

    Attributes
    ----------
    convention : Convention
    table : dict
        Rows by name, each an array (T, *sample_shape) [USD; kg for outputs]; ``time`` (T,) [yr
        from time zero], ``operating_year`` (T,) (0 = first operating year, negative during
        construction); ``revenue_by_product`` and ``output_by_product`` are dicts of rows.
    npv : array [USD]
        Net present value at time zero, the start of construction.
    irr, irr_reason : array [1/yr], array of str
    payback_years, payback_reason : array [yr], array of str
        Discounted payback, counted from the start of operation.
    levelized_cost : dict of arrays [USD/kg]
        By product, and ``"basket"`` for all products together (see :func:`cash_flow`).
    levelized_cost_reason : dict of arrays of str
        Why a levelised cost is not finite (no output, a non-finite cash flow, or an output too
        small for a finite quotient); empty where it is.
    present_values : dict of arrays [USD]
        Present value at time zero of each cash row (``capital``, ``loan_interest``,
        ``operating_cost``, ``revenue``, ``working_capital``, ``royalty``, ``tax``).
    """

    convention: Convention
    table: dict
    npv: np.ndarray
    irr: np.ndarray
    irr_reason: np.ndarray
    payback_years: np.ndarray
    payback_reason: np.ndarray
    levelized_cost: dict
    levelized_cost_reason: dict
    present_values: dict
    products: tuple
    _inputs: _Inputs = field(repr=False)

    @property
    def sample_shape(self) -> tuple:
        return self._inputs.shape

    def _shaped(self, flat):
        return np.asarray(flat).reshape(self._inputs.shape)

    def breakeven_price(self, product: str, return_reason: bool = False, rtol: float = 1e-9):
        """The price of ``product`` that makes the NPV zero [USD/kg], per sample.

        The product's revenue is replaced by ``price * output`` (ramped up and escalated as
        revenue is). With taxes as credits the NPV is linear in the price,
        ``NPV(x) = NPV(0) + x [NPV(1) - NPV(0)]``, so ``x* = -NPV(0) / [NPV(1) - NPV(0)]`` exactly.
        The result is checked: where ``|NPV(x*)|`` exceeds ``rtol`` times the present value of
        the gross cash flows (as with tax losses carried forward, where the NPV is piecewise
        linear), secant steps refine it. The other products keep their revenue.

        Returns
        -------
        price : array [USD/kg]
            NaN where the product has no output, or one too small for its price to change the
            NPV in double precision (with ``return_reason``, the reason).
        """
        if product not in self.products:
            raise unknown("breakeven_price", "product", product, self.products)
        inp, conv = self._inputs, self.convention
        output = inp.output.get(product)
        n = inp.capex.shape[0]
        reason = np.full(n, "", dtype=object)
        if output is None:
            reason[:] = NO_OUTPUT
            price = np.full(n, np.nan)
            return (self._shaped(price), self._shaped(reason)) if return_reason else self._shaped(price)

        def npv_at(price):
            table = _table(inp, conv, {**inp.revenue, product: price * output})
            return table["discounted_net"].sum(axis=0), np.abs(table["discounted_net"]).sum(axis=0)

        a, _ = npv_at(np.zeros(n))
        b, _ = npv_at(np.ones(n))
        slope = b - a
        no_output = ~(slope > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(no_output, np.nan, -a / slope)
        value, scale = npv_at(np.nan_to_num(x))
        off = np.abs(value) > rtol * scale
        x_prev, v_prev = np.zeros(n), a
        for _ in range(60):
            if not np.any(off & ~no_output):
                break
            with np.errstate(divide="ignore", invalid="ignore"):
                secant = x - value * (x - x_prev) / (value - v_prev)
            x_prev, v_prev = x, value
            x = np.where(off & np.isfinite(secant), secant, x)
            value, scale = npv_at(np.nan_to_num(x))
            off = np.abs(value) > rtol * scale
        unresolved = off & ~no_output
        reason[no_output] = NO_OUTPUT
        # a positive output whose revenue at 1 USD/kg is lost in the rounding of the NPV
        tiny = no_output & (np.broadcast_to(np.asarray(output, dtype=float), (n,)) > 0)
        reason[tiny] = OUTPUT_TOO_SMALL_TO_PRICE
        reason[unresolved] = "the break-even price did not converge"
        price = np.where(no_output | unresolved, np.nan, x)
        return (self._shaped(price), self._shaped(reason)) if return_reason else self._shaped(price)

    def to_dict(self) -> dict:
        """Metrics as plain lists (or floats for one sample), with ``<key>_reason`` fields."""
        def plain(a):
            a = np.asarray(a)
            return a.item() if a.ndim == 0 else a.tolist()
        out = {"npv_usd": plain(self.npv), "irr": plain(self.irr), "irr_reason": plain(self.irr_reason),
               "payback_years": plain(self.payback_years), "payback_years_reason": plain(self.payback_reason),
               "levelized_cost_usd_per_kg": {k: plain(v) for k, v in self.levelized_cost.items()},
               "levelized_cost_usd_per_kg_reason": {k: plain(v) for k, v in self.levelized_cost_reason.items()},
               "present_values_usd": {k: plain(v) for k, v in self.present_values.items()}}
        return out


def _levelised(net_cost, output):
    """Cost per kg [USD/kg] = net present cost [USD] / present output [kg], with its reason.

    NaN with :data:`NO_OUTPUT` where the output is not positive, NaN with :data:`NON_FINITE`
    where either input is not finite, +-inf with :data:`OUTPUT_TOO_SMALL` where a positive
    output is so small that the quotient overflows; every non-finite value carries a reason.
    """
    output = np.asarray(output, dtype=float)
    finite = np.isfinite(net_cost) & np.isfinite(output)
    made = finite & (output > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = np.where(made, net_cost / np.where(made, output, 1.0), np.nan)
    reason = np.where(~finite, NON_FINITE, np.where(~made, NO_OUTPUT,
                                                    np.where(np.isfinite(value), "", OUTPUT_TOO_SMALL)))
    return value, reason.astype(object)


def cash_flow(capex, opex, revenue, output=None, convention: str | Convention = "simple", *,
              fixed_opex=0.0, **overrides) -> CashFlowResult:
    """Build the yearly cash flow of a plant and read NPV, IRR, payback and levelised cost from it.

    The table (see the module docstring) runs over construction, optional ramp-up, operation and
    working-capital recovery, with one loop over years and all samples at once. Then

    .. math::
        NPV &= \\sum_t CF_t \\, (1+r)^{-t} \\\\
        LC_p &= \\frac{PV(\\text{costs}) - PV(\\text{revenue of the other products})}
                      {PV(\\text{output}_p)}, \\qquad
        LC_{basket} = \\frac{PV(\\text{costs})}{PV(\\sum_p \\text{output}_p)}

    with t in years from time zero (the start of construction), costs = capital + working
    capital (net of its recovery) + operating cost + QGESS loan term, and PV(output) the
    discounted kg (the usual levelised-cost form, e.g. the LCOE), each year's kg weighted by the
    revenue escalation ``(1+g_rev)^(t-t0)`` so that the levelised cost is a price in time-zero
    money that escalates as prices do (the weight is 1 in the simple convention). The levelised cost is
    pre-tax and pre-royalty; :meth:`CashFlowResult.breakeven_price` includes both, and equals the
    levelised cost when taxes are off.

    Parameters
    ----------
    capex : float, array or Quantity [USD]
        Capital cost (fixed capital, before escalation), spent by the construction schedule.
    opex : float, array or Quantity [USD/yr]
        Operating cost at full capacity that scales with capacity (during ramp-up).
    revenue : float, array, Quantity, or dict of them by product [USD/yr]
        Revenue at full capacity.
    output : float, array, Quantity, or dict by product [kg/yr], optional
        Product output at full capacity; needed for the levelised cost and break-even price.
        With a single (non-dict) revenue and output, the product is called ``"product"``.
    convention : {"simple", "qgess"} or Convention
        Financial convention from ``redmud/data/finance.toml``.
    fixed_opex : float or array [USD/yr]
        Operating cost that does not scale with ramp-up (paid in every operating year).
    **overrides
        Any field of :class:`~redmud.costing.conventions.Convention`: ``discount_rate``,
        ``plant_life``, ``construction_schedule``, ``ramp_up``, ``income_tax_rate``, ``royalty``,
        ``taxes``, ``tax_losses``, ``depreciation`` (``"macrs_7"``, ``"straight_line"``,
        ``"none"``), ``working_capital``, escalations, loan fields. Rates and plant life may be
        arrays of samples.

    Returns
    -------
    CashFlowResult

    References
    ----------
    Seider W. D. et al., Product and Process Design Principles, 4th ed. (2017), ch. 17 (cash flows,
    MACRS, NPV, IRR); NETL QGESS as implemented in PrOMMiS 1.1.0 (see :func:`qgess_present_values`);
    finance.toml for every default and its source.
    """
    conv = convention if isinstance(convention, Convention) else load_convention(convention, **overrides)
    if isinstance(convention, Convention) and overrides:
        from redmud.costing.conventions import OVERRIDABLE
        for key in overrides:
            if key not in OVERRIDABLE:
                raise unknown("cash flow", "option", key, OVERRIDABLE)
        conv = replace(conv, **overrides)
        check_convention(conv)
    revenue_by = _by_product(revenue, "USD/year", "revenue")
    output_by = _by_product(output, "kg/year", "output") or {}
    if output_by and list(output_by) == ["product"] and list(revenue_by) != ["product"]:
        raise InputError("output", "give output by product (a dict) when revenue is by product")
    if "product" in revenue_by and output_by and list(output_by) != ["product"]:
        raise InputError("revenue", "give revenue by product (a dict) when output is by product")
    products = tuple(dict.fromkeys([*revenue_by, *output_by]))
    revenue_by = {k: revenue_by.get(k, 0.0) for k in products}
    inp = _flatten(_magnitude(capex, "USD", "capex"), _magnitude(opex, "USD/year", "opex"),
                   _magnitude(fixed_opex, "USD/year", "fixed_opex"), revenue_by, output_by, conv)
    life = inp.params["plant_life"]
    if np.any(life < 1) or np.any(life != np.round(life)):
        raise InputError("plant_life", "expected whole years >= 1")

    table = _table(inp, conv)
    first_op = (0 if conv.timing == "start" else 1) + conv.construction_years
    discount = table["discount_factor"]
    npv = table["discounted_net"].sum(axis=0)
    irr, irr_reason = internal_rate_of_return(table["net"], table["time"])
    payback, payback_reason = _payback(table, first_op)

    def pv(row):
        return (row * discount).sum(axis=0)

    present = {"capital": pv(table["capital"]), "loan_interest": pv(table["loan"]),
               "operating_cost": pv(table["operating_cost"]), "revenue": pv(table["revenue"]),
               "working_capital": pv(table["working_capital"]), "royalty": pv(table["royalty"]),
               "tax": pv(table["tax"])}
    pv_costs = -sum(pv(table[k]) for k in COST_ROWS)
    pv_revenue = {k: pv(v) for k, v in table["revenue_by_product"].items()}
    # output valued at a price that escalates as revenue does (1 in the simple convention)
    pv_output = {k: pv(v * table["price_escalation"]) for k, v in table["output_by_product"].items()}
    total_revenue = sum(pv_revenue.values())
    levelized, lc_reason = {}, {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in products:
            if k not in pv_output:
                levelized[k] = np.full_like(npv, np.nan)
                lc_reason[k] = np.full(npv.shape, NO_OUTPUT, dtype=object)
                continue
            levelized[k], lc_reason[k] = _levelised(pv_costs - (total_revenue - pv_revenue[k]), pv_output[k])
        if pv_output:
            levelized["basket"], lc_reason["basket"] = _levelised(pv_costs, sum(pv_output.values()))

    shape = inp.shape

    def shaped(a):
        return np.asarray(a).reshape(shape)

    def shaped_rows(rows):
        if isinstance(rows, dict):
            return {k: shaped_rows(v) for k, v in rows.items()}
        rows = np.asarray(rows)
        return rows.reshape(rows.shape[:1] + shape) if rows.ndim == 2 else rows

    return CashFlowResult(
        convention=conv, table={k: shaped_rows(v) for k, v in table.items()},
        npv=shaped(npv), irr=shaped(irr), irr_reason=shaped(irr_reason),
        payback_years=shaped(payback), payback_reason=shaped(payback_reason),
        levelized_cost={k: shaped(v) for k, v in levelized.items()},
        levelized_cost_reason={k: shaped(v) for k, v in lc_reason.items()},
        present_values={k: shaped(v) for k, v in present.items()},
        products=products, _inputs=inp)


__all__ = ["cash_flow", "CashFlowResult", "qgess_present_values", "present_worth_factor",
           "internal_rate_of_return", "IRR_GRID", "DEPRECIATION_METHODS"]
