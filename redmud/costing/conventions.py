"""Financial conventions of the cash flow, read from ``redmud/data/finance.toml``.

A convention is data, not a fork of the code: :func:`load_convention` turns one table of
``finance.toml`` (``[simple]`` or ``[qgess]``) into a frozen :class:`Convention`, and
:func:`redmud.costing.cashflow.cash_flow` builds the same yearly table from either. Keyword
overrides replace single fields per call (a rate may be an array of samples).

Where the data file does not give a field that the table needs, the default is written here with
the reason, and the field's entry in :attr:`Convention.sources` says so (look for
``"redmud default"`` and ``"taken from [simple]"``):

- ``[qgess]`` names no discount rate, plant life or depreciation method: they are taken from
  ``[simple]`` (10 %/yr, 30 years, MACRS 7-year), and a call normally gives its own rate and life.
- ``[simple]`` has no royalty, ramp-up or salvage value (absent in the reference material): 0,
  none, none.
- Cash timing: ``[simple]`` books each year's cash at the start of that year (row 0, the first
  construction year, is not discounted), the numpy-financial convention; ``[qgess]`` books it at
  the end of each year, discounted to the start of construction, as its P/A formulas do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from redmud.errors import InputError, unknown
from redmud.paths import DATA_DIR
from redmud.tomlfile import load_toml

FINANCE_FILE = DATA_DIR / "finance.toml"
CONVENTIONS = ("simple", "qgess")
DEPRECIATION_METHODS = ("straight_line", "none")  # plus the MACRS tables named in finance.toml
TAX_LOSSES = ("credit", "carry_forward")
LOAN_MODES = ("none", "as_written", "borrower")


@dataclass(frozen=True)
class Convention:
    """The parameters of a discounted cash flow (rates are fractions per year; may be arrays).

    Attributes
    ----------
    name : str
        ``"simple"`` or ``"qgess"``.
    discount_rate : float or array [1/yr]
    plant_life : int or array of int [yr]
        Operating years after construction.
    construction_schedule : tuple of float [-]
        Fraction of capital spent in each construction year (sums to 1); its length is the
        number of construction years.
    timing : {"start", "end"}
        Cash of a year booked at its start (row ``t`` discounted by ``(1+r)^-t``, first
        construction year at ``t = 0``) or at its end (construction year ``i`` at ``t = i + 1``,
        row 0 holding only a loan drawn at time zero).
    capital_escalation, operating_escalation, revenue_escalation : float or array [1/yr]
        Escalation ``g``: an amount booked at time ``t`` is multiplied by ``(1+g)^(t - t0)``,
        ``t0`` the time of the first cash row (0 for "start", 1 for "end").
    taxes : bool
        Whether income tax, depletion and royalty enter the cash flow (QGESS: optional).
    income_tax_rate, royalty, depletion_allowance : float or array [-]
        Tax on taxable income; royalty and percentage depletion as fractions of revenue.
    tax_losses : {"credit", "carry_forward"}
        A loss year earns a tax credit (negative tax: the losses offset other income of the
        owner, which keeps the NPV linear in prices), or the loss is carried forward.
    depreciation : str
        A MACRS table of finance.toml (e.g. ``"macrs_7"``), ``"straight_line"`` or ``"none"``.
    depreciation_years : int or None
        Straight-line period [yr]; None means the plant life.
    working_capital : float or array [-]
        Fraction of the capital cost, spent in the first operating year, recovered in the last.
    ramp_up : tuple of float [-]
        Fractions of capacity in the first operating years (revenue, output and variable operating
        cost scale with it); empty for none.
    debt_fraction, loan_interest : float or array [-], [1/yr]
    loan_term : int [yr]
    loan : {"none", "as_written", "borrower"}
        The QGESS loan term: ``"as_written"`` reproduces PrOMMiS's
        ``Debt * [P/A(r,0,N_loan)/P/A(i_loan,0,N_loan) - 1]``, a cost when r > i_loan and a gain
        when r < i_loan (the sign of a lender, not of a borrower); ``"borrower"`` flips it to the
        borrower's cash flows (receive the debt, repay the annuity); ``"none"`` omits it.
    sources : dict
        Field name -> where the value came from.
    """

    name: str
    discount_rate: object
    plant_life: object
    construction_schedule: tuple
    timing: str = "start"
    capital_escalation: object = 0.0
    operating_escalation: object = 0.0
    revenue_escalation: object = 0.0
    taxes: bool = True
    income_tax_rate: object = 0.0
    royalty: object = 0.0
    depletion_allowance: object = 0.0
    tax_losses: str = "credit"
    depreciation: str = "straight_line"
    depreciation_years: object = None
    working_capital: object = 0.0
    ramp_up: tuple = ()
    debt_fraction: object = 0.0
    loan_interest: object = 0.0
    loan_term: int = 0
    loan: str = "none"
    sources: dict = field(default_factory=dict, compare=False)

    @property
    def construction_years(self) -> int:
        return len(self.construction_schedule)


OVERRIDABLE = tuple(f.name for f in fields(Convention) if f.name not in ("name", "sources"))


def _value(entry, where: str):
    """A number from a finance.toml entry: a bare number or a table with ``value``."""
    if isinstance(entry, dict):
        if "value" not in entry:
            raise InputError(where, "expected a table with a 'value' field")
        entry = entry["value"]
    if isinstance(entry, bool) or not isinstance(entry, (int, float)) or not math.isfinite(entry):
        raise InputError(where, f"expected a finite number, got {entry!r}")
    return entry


def _source(entry, default: str) -> str:
    return entry.get("source", default) if isinstance(entry, dict) else default


@lru_cache(maxsize=4)
def _finance(path: str) -> dict:
    return load_toml(Path(path))


def depreciation_table(name: str, path: Path = FINANCE_FILE) -> np.ndarray:
    """Fractions of depreciable capital deducted in operating years 1, 2, ... (a MACRS table).

    Read from ``[depreciation.NAME].values`` of finance.toml (e.g. ``macrs_7``: IRS MACRS 7-year
    class, half-year convention, 8 values summing to 1).
    """
    tables = _finance(str(path)).get("depreciation", {})
    if name not in tables:
        raise unknown(f"{path}: [depreciation]", "depreciation schedule", name,
                      list(tables) + list(DEPRECIATION_METHODS))
    values = np.asarray(tables[name].get("values", []), dtype=float)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise InputError(f"{path}: depreciation.{name}.values", "expected a list of fractions >= 0")
    return values


def load_convention(name: str = "simple", path: Path = FINANCE_FILE, **overrides) -> Convention:
    """The convention ``name`` of finance.toml, with keyword overrides of single fields.

    Parameters
    ----------
    name : {"simple", "qgess"}
    path : Path
        The financial-conventions file (default ``redmud/data/finance.toml``).
    **overrides
        Any field of :class:`Convention` (e.g. ``discount_rate=0.08``, ``plant_life=20``,
        ``taxes=True``, ``ramp_up=(0.5, 0.8)``); an unknown name is an InputError.

    Returns
    -------
    Convention
    """
    if name not in CONVENTIONS:
        raise unknown("convention", "financial convention", str(name), CONVENTIONS)
    data = _finance(str(path))
    where = f"{path}: [{name}]"
    simple = data.get("simple")
    if not isinstance(simple, dict):
        raise InputError(f"{path}", "missing table [simple]")
    if name == "simple":
        conv = _simple(simple, where, path)
    else:
        table = data.get("qgess")
        if not isinstance(table, dict):
            raise InputError(f"{path}", "missing table [qgess]")
        conv = _qgess(table, simple, where, path)
    for key in overrides:
        if key not in OVERRIDABLE:
            raise unknown("cash flow", "option", key, OVERRIDABLE)
    given = {k: v for k, v in overrides.items() if v is not None or k == "depreciation_years"}
    if "taxes" in given and name == "qgess" and given["taxes"] and not conv.taxes:
        # QGESS taxes are optional: switching them on brings in its rates unless also overridden.
        table = data["qgess"]
        conv = replace(conv, income_tax_rate=_value(table["income_tax_rate"], f"{where}.income_tax_rate"),
                       royalty=_value(table["royalty"], f"{where}.royalty"),
                       depletion_allowance=_value(table["depletion_allowance"], f"{where}.depletion_allowance"))
    sources = dict(conv.sources)
    sources.update({k: "given in the call" for k in given})
    conv = replace(conv, **given, sources=sources)
    check_convention(conv)
    return conv


def _schedule(values, where: str) -> tuple:
    if not isinstance(values, (list, tuple)) or not values:
        raise InputError(where, f"expected a list of fractions, got {values!r}")
    return tuple(float(_value(v, where)) for v in values)


def _simple(table: dict, where: str, path: Path) -> Convention:
    dep = table.get("depreciation", {})
    schedule = table.get("construction_schedule", {})
    sources = {k: _source(table.get(k), str(path)) for k in
               ("discount_rate", "plant_life", "income_tax_rate", "construction_schedule",
                "depreciation", "working_capital")}
    sources.update(timing="redmud default: cash at the start of each year (numpy-financial npv convention)",
                   royalty="redmud default: 0 (no royalty in [simple])",
                   ramp_up="redmud default: none ([simple].ramp_up is absent in the reference material)",
                   tax_losses="redmud default: losses earn a tax credit (NPV linear in prices)")
    return Convention(
        name="simple",
        discount_rate=_value(table["discount_rate"], f"{where}.discount_rate"),
        plant_life=int(_value(table["plant_life"], f"{where}.plant_life")),
        construction_schedule=_schedule(schedule.get("values") if isinstance(schedule, dict) else schedule,
                                        f"{where}.construction_schedule"),
        timing="start", taxes=True,
        income_tax_rate=_value(table["income_tax_rate"], f"{where}.income_tax_rate"),
        royalty=0.0, depletion_allowance=0.0,
        depreciation=str(dep.get("schedule", "straight_line")) if isinstance(dep, dict) else str(dep),
        working_capital=_value(table.get("working_capital", 0.0), f"{where}.working_capital"),
        sources=sources,
    )


def _qgess(table: dict, simple: dict, where: str, path: Path) -> Convention:
    base = _simple(simple, f"{path}: [simple]", path)
    src = str(table.get("source", path))
    taken = "taken from [simple]: [qgess] names none; "
    sources = {k: src for k in ("construction_schedule", "capital_escalation", "operating_escalation",
                                "revenue_escalation", "debt_fraction", "loan_interest", "loan_term",
                                "income_tax_rate", "royalty", "depletion_allowance")}
    sources.update(discount_rate=taken + base.sources["discount_rate"],
                   plant_life=taken + base.sources["plant_life"],
                   depreciation=taken + base.sources["depreciation"] + " (used only with taxes=True)",
                   timing="end of year, discounted to the start of construction (P/A form, peer-model-parameters.md)",
                   taxes="off by default: the QGESS NPV is PV capital + loan + operating cost + revenue; taxes optional",
                   loan="as written in PrOMMiS 1.1.0 (a cost when r > i_loan, a gain when r < i_loan)",
                   working_capital="none in the QGESS present-value formulas")
    schedule = _schedule(table["construction_schedule"], f"{where}.construction_schedule")
    if "construction_years" in table and int(table["construction_years"]) != len(schedule):
        raise InputError(f"{where}.construction_years",
                         f"{table['construction_years']} does not match the schedule's {len(schedule)} years")
    return Convention(
        name="qgess", discount_rate=base.discount_rate, plant_life=base.plant_life,
        construction_schedule=schedule, timing="end",
        capital_escalation=_value(table["capital_escalation"], f"{where}.capital_escalation"),
        operating_escalation=_value(table["operating_escalation"], f"{where}.operating_escalation"),
        revenue_escalation=_value(table["revenue_escalation"], f"{where}.revenue_escalation"),
        taxes=False, income_tax_rate=0.0, royalty=0.0, depletion_allowance=0.0,
        depreciation=base.depreciation, working_capital=0.0,
        debt_fraction=_value(table["debt_fraction"], f"{where}.debt_fraction"),
        loan_interest=_value(table["loan_interest"], f"{where}.loan_interest"),
        loan_term=int(_value(table["loan_term"], f"{where}.loan_term")),
        loan="as_written", sources=sources,
    )


def check_convention(conv: Convention) -> None:
    """Structural checks (InputError); sample values such as NaN rates are left to propagate."""
    where = f"convention {conv.name}"
    schedule = np.asarray(conv.construction_schedule, dtype=float)
    if schedule.ndim != 1 or schedule.size == 0 or np.any(schedule < 0) or not np.all(np.isfinite(schedule)):
        raise InputError(f"{where}: construction_schedule", f"expected fractions >= 0, got {conv.construction_schedule!r}")
    if abs(schedule.sum() - 1.0) > 1e-9:
        raise InputError(f"{where}: construction_schedule", f"fractions must sum to 1, got {schedule.sum():.6g}")
    if conv.timing not in ("start", "end"):
        raise unknown(f"{where}: timing", "timing", str(conv.timing), ("start", "end"))
    if conv.tax_losses not in TAX_LOSSES:
        raise unknown(f"{where}: tax_losses", "tax-loss rule", str(conv.tax_losses), TAX_LOSSES)
    if conv.loan not in LOAN_MODES:
        raise unknown(f"{where}: loan", "loan mode", str(conv.loan), LOAN_MODES)
    if conv.depreciation not in DEPRECIATION_METHODS:
        depreciation_table(conv.depreciation)  # raises for an unknown schedule
    life = np.asarray(conv.plant_life)
    if not np.all(np.isfinite(life)) or np.any(life < 1) or np.any(life != np.round(life)):
        raise InputError(f"{where}: plant_life", f"expected whole years >= 1, got {conv.plant_life!r}")
    if conv.loan != "none" and (int(conv.loan_term) < 1 or int(conv.loan_term) != conv.loan_term):
        raise InputError(f"{where}: loan_term", f"expected whole years >= 1, got {conv.loan_term!r}")
    if conv.depreciation_years is not None and (int(conv.depreciation_years) < 1):
        raise InputError(f"{where}: depreciation_years", f"expected whole years >= 1, got {conv.depreciation_years!r}")
    ramp = np.asarray(conv.ramp_up, dtype=float)
    if ramp.size and (ramp.ndim > 2 or np.any(ramp < 0)):
        raise InputError(f"{where}: ramp_up", f"expected fractions of capacity >= 0, got {conv.ramp_up!r}")
    rate = np.asarray(conv.discount_rate, dtype=float)
    if np.any(rate <= -1):
        raise InputError(f"{where}: discount_rate", "expected rates > -1 (fractions per year)")
