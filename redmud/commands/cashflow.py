"""``redmud cashflow``: a stand-alone discounted-cash-flow calculator.

Amounts are USD (``--capex``) and USD/yr (``--opex``, ``--revenue``) as bare numbers, or with
units (``"120 MUSD"``, ``"5e6 USD/yr"``, ``"3 MUSD/yr"``), parsed by
:func:`redmud.units.parse_quantity` (never evaluated). Rates are fractions (``0.08``) or
percentages (``"8 %"``).
"""

from __future__ import annotations

import math
from dataclasses import fields

from redmud.errors import InputError
from redmud.output import dumps, format_table, metadata

CONVENTION_CHOICES = ("simple", "qgess")


def add_parser(subparsers, common) -> None:
    parser = subparsers.add_parser(
        "cashflow", parents=[common], help="NPV, IRR, payback and levelised cost of a plant's cash flow",
        description="Discounted cash flow of one plant: NPV, IRR, discounted payback; with --output, "
                    "levelised cost and break-even price per kg; for --convention qgess, the NETL "
                    "QGESS present values of capital, loan interest, operating cost and revenue.")
    parser.add_argument("--capex", required=True, metavar="AMOUNT",
                        help="capital cost before escalation [USD], e.g. 120e6 or '120 MUSD'")
    parser.add_argument("--opex", required=True, metavar="AMOUNT",
                        help="operating cost at full capacity [USD/yr], e.g. '5e6 USD/yr'")
    parser.add_argument("--revenue", required=True, metavar="AMOUNT",
                        help="revenue at full capacity [USD/yr]")
    parser.add_argument("--output", default=None, metavar="AMOUNT",
                        help="product output [kg/yr] (for levelised cost and break-even price)")
    parser.add_argument("--rate", default=None, metavar="RATE",
                        help="discount rate: a fraction (0.08) or a percentage ('8 %%'); default: the convention's")
    parser.add_argument("--years", default=None, metavar="N",
                        help="operating years after construction; default: the convention's")
    parser.add_argument("--convention", choices=CONVENTION_CHOICES, default="simple",
                        help="financial convention from redmud/data/finance.toml (default: simple)")
    parser.add_argument("--taxes", choices=("on", "off"), default=None,
                        help="income tax, depletion and royalty (default: on for simple, off for qgess)")
    parser.add_argument("--table", action="store_true", help="also print the yearly cash-flow table")
    parser.set_defaults(handler=cashflow_command)


def _finite(value: float, option: str, text) -> float:
    if not math.isfinite(value):
        raise InputError(option, f"expected a finite number, got {text!r}")
    return value


def parse_amount(text, option: str, unit: str) -> float:
    """An amount in ``unit`` from ``"120 MUSD"``, ``"5e6 USD/yr"`` or a bare number."""
    from redmud.units import parse_quantity

    quantity = parse_quantity(text, option, unit)
    return _finite(float(quantity.to(unit).magnitude), option, text)


def parse_rate(text, option: str = "--rate") -> float:
    """A rate as a fraction per year from ``"0.08"``, ``"8 %"`` or ``"0.08 1/yr"``.

    A bare number above 1 is refused (it would be a rate above 100 %/yr; write ``"8 %"``).
    """
    from redmud.units import parse_quantity

    quantity = parse_quantity(text, option)
    if quantity.dimensionless:
        value = float(quantity.to("dimensionless").magnitude)
        bare = quantity.unitless
    elif quantity.check("1/[time]"):
        value, bare = float(quantity.to("1/year").magnitude), False
    else:
        raise InputError(option, f"{text!r} is not a rate: expected a fraction (0.08), a percentage "
                                 f"('8 %') or a rate per year ('0.08 1/yr')")
    _finite(value, option, text)
    if bare and value > 1:
        raise InputError(option, f"{text!r} would be {value:.0%} per year; write a fraction (0.08) or '{text} %'")
    if value <= -1:
        raise InputError(option, f"expected a rate above -100 % per year, got {text!r}")
    return value


def parse_years(text, option: str = "--years") -> int:
    """Whole years >= 1 from ``"20"`` or ``"20 yr"``."""
    from redmud.units import parse_quantity

    value = _finite(float(parse_quantity(text, option, "year").to("year").magnitude), option, text)
    if value < 1 or value != round(value):
        raise InputError(option, f"expected whole years >= 1, got {text!r}")
    return int(round(value))


def _with_reasons(values: dict, reasons: dict) -> dict:
    """Metrics with ``<key>_reason`` next to each one that is not finite."""
    out = {}
    for key, value in values.items():
        out[key] = value
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            out[f"{key}_reason"] = reasons.get(key) or "not computed"
    return out


def evaluate(args) -> dict:
    """Parse the options, run the cash flow and return the JSON-ready content."""
    from redmud.costing.cashflow import cash_flow

    capex = parse_amount(args.capex, "--capex", "USD")
    opex = parse_amount(args.opex, "--opex", "USD/year")
    revenue = parse_amount(args.revenue, "--revenue", "USD/year")
    output = parse_amount(args.output, "--output", "kg/year") if args.output is not None else None
    if output is not None and output < 0:
        raise InputError("--output", f"expected an output >= 0, got {args.output!r}")
    overrides = {}
    if args.rate is not None:
        overrides["discount_rate"] = parse_rate(args.rate)
    if args.years is not None:
        overrides["plant_life"] = parse_years(args.years)
    if args.taxes is not None:
        overrides["taxes"] = args.taxes == "on"
    result = cash_flow(capex, opex, revenue, output, convention=args.convention, **overrides)
    conv = result.convention

    def one(a):
        return float(a.reshape(-1)[0]) if hasattr(a, "reshape") else float(a)

    def text(a):
        return str(a.reshape(-1)[0]) if hasattr(a, "reshape") else str(a)

    no_output = "no --output given (kg/yr): levelised cost and break-even price need it"
    values = {"npv_usd": one(result.npv), "irr": one(result.irr),
              "discounted_payback_years": one(result.payback_years)}
    reasons = {"irr": text(result.irr_reason), "discounted_payback_years": text(result.payback_reason)}
    if output is not None:
        price, why = result.breakeven_price("product", return_reason=True)
        values["levelized_cost_usd_per_kg"] = one(result.levelized_cost["product"])
        values["breakeven_price_usd_per_kg"] = one(price)
        reasons["levelized_cost_usd_per_kg"] = text(result.levelized_cost_reason["product"])
        reasons["breakeven_price_usd_per_kg"] = text(why)
    else:
        values["levelized_cost_usd_per_kg"] = values["breakeven_price_usd_per_kg"] = None
        reasons["levelized_cost_usd_per_kg"] = reasons["breakeven_price_usd_per_kg"] = no_output
    metrics = _with_reasons(values, reasons)
    if metrics.get("irr_reason") is None and reasons["irr"]:
        metrics["irr_note"] = reasons["irr"]
    present = {f"pv_{k}_usd": one(v) for k, v in result.present_values.items()}
    convention = {f.name: getattr(conv, f.name) for f in fields(conv) if f.name != "sources"}
    convention["sources"] = conv.sources
    table = result.table
    rows = [{"time_yr": float(table["time"][t]), "operating_year": int(table["operating_year"][t]),
             **{f"{k}_usd": float(table[k][t]) for k in ("capital", "working_capital", "revenue",
                                                         "operating_cost", "loan", "royalty",
                                                         "depreciation", "tax", "net", "discounted_net",
                                                         "cumulative_discounted")}}
            for t in range(len(table["time"]))]
    return {"inputs": {"capex_usd": capex, "opex_usd_per_year": opex, "revenue_usd_per_year": revenue,
                       "output_kg_per_year": output, "convention": args.convention},
            "convention": convention, "metrics": metrics, "present_values": present, "table": rows}


def cashflow_command(args) -> int:
    content = evaluate(args)
    if args.json:
        print(dumps({"metadata": metadata(args.argv, convention=args.convention), **content}))
        return 0
    conv = content["convention"]
    m = content["metrics"]
    print(f"cash flow, convention {conv['name']}: discount rate {conv['discount_rate']:.4g}/yr, "
          f"{conv['plant_life']} operating years after {len(conv['construction_schedule'])} of construction, "
          f"taxes {'on' if conv['taxes'] else 'off'}")
    rows = [{"metric": "NPV", "value": m["npv_usd"], "unit": "USD"},
            {"metric": "IRR", "value": m["irr"], "unit": "1/yr"},
            {"metric": "discounted payback", "value": m["discounted_payback_years"], "unit": "yr of operation"},
            {"metric": "levelised cost", "value": m["levelized_cost_usd_per_kg"], "unit": "USD/kg"},
            {"metric": "break-even price", "value": m["breakeven_price_usd_per_kg"], "unit": "USD/kg"}]
    for row in rows:
        if row["value"] is None or not math.isfinite(row["value"]):
            row["value"] = None
    print(format_table(rows, floatfmt=",.6g"))
    notes = [f"  {k[:-7]}: {v}" for k, v in m.items() if k.endswith("_reason")]
    if m.get("irr_note"):
        notes.append(f"  irr: {m['irr_note']}")
    if notes:
        print("\n".join(["notes:"] + notes))
    if conv["name"] == "qgess":
        pv = content["present_values"]
        print("\npresent values at the start of construction (NETL QGESS, PrOMMiS 1.1.0 formulas):")
        print(format_table([{"term": name, "USD": pv[key]} for name, key in (
            ("capital", "pv_capital_usd"), ("loan interest (as written there)", "pv_loan_interest_usd"),
            ("operating cost", "pv_operating_cost_usd"), ("revenue", "pv_revenue_usd"),
            ("royalty", "pv_royalty_usd"), ("tax", "pv_tax_usd"))], floatfmt=",.6g"))
    if args.table:
        print()
        print(format_table(content["table"], floatfmt=",.4g"))
    return 0
