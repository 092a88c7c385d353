"""``redmud costs show ROUTE --feedstock NAME``: itemised equipment, operating cost and revenue.

Every number shows where it comes from: each equipment line its correlation, size, cost basis,
cost year and source; each price its date and source.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from redmud.commands.overrides import add_override_arguments, collect_overrides
from redmud.output import dumps, format_table, metadata


def add_parser(subparsers, common) -> None:
    costs = subparsers.add_parser("costs", help="cost estimate of a route")
    actions = costs.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    show = actions.add_parser("show", parents=[common], help="itemised capital, operating cost and revenue")
    show.add_argument("route", metavar="ROUTE|PATH.toml")
    show.add_argument("--feedstock", default=None, help="feedstock name or file (default: the route's)")
    show.add_argument("--prices", default=None, metavar="FILE",
                      help="price file of your own (the layout of redmud/data/prices.toml)")
    add_override_arguments(show)
    show.set_defaults(handler=show_costs)


def split_overrides(overrides: dict) -> tuple[dict, dict]:
    """(route overrides, cost overrides) by whether a path is a cost parameter."""
    from redmud.costing.parameters import cost_parameter_specs

    specs = cost_parameter_specs()
    return ({k: v for k, v in overrides.items() if k not in specs},
            {k: v for k, v in overrides.items() if k in specs})


def show_costs(args) -> int:
    from redmud.api import run
    from redmud.costing.estimate import estimate_costs
    from redmud.costing.parameters import parse_cost_values
    from redmud.costing.prices import load_prices

    overrides = collect_overrides(args)
    route_overrides, cost_overrides = split_overrides(overrides)
    price_file = Path(args.prices) if args.prices else None
    scenarios = None
    if price_file is not None:
        user = load_prices(price_file)
        scenarios = {**load_prices(), **user}
        if "price.scenario" not in cost_overrides and len(user) == 1:
            cost_overrides["price.scenario"] = next(iter(user))
    values = parse_cost_values(cost_overrides, scenarios)
    result = run(args.route, args.feedstock, route_overrides)
    costs = estimate_costs(result, values, price_file)
    content = costs.to_dict()
    files = [result.route.path, result.feedstock.path] + ([price_file] if price_file else [])
    if args.json:
        print(dumps({"metadata": metadata(args.argv, files, overrides=overrides,
                                          price_scenario=costs.price_scenario, cost_year=costs.cost_year),
                     "route": result.route.name, "feedstock": result.feedstock.name, **content}))
        return 0
    print_costs(result, content)
    return 0


def _v(x):
    """A per-sample value as text: one number, or the mean and range of the samples."""
    a = np.asarray(x, dtype=float)
    if a.size == 1:
        return float(a.reshape(-1)[0])
    return f"{np.mean(a):.4g} [{np.min(a):.4g}-{np.max(a):.4g}]"


def print_costs(result, c: dict) -> None:
    print(f"{result.route.title}  [{result.route.name}] on {result.feedstock.name}")
    print(f"cost year {c['cost_year']} (capital by CEPCI, prices by the price index); jurisdiction "
          f"{c['jurisdiction']}; price scenario {c['price_scenario']}; installation {c['installation']}\n")
    print("Equipment (USD of the cost year)")
    print(format_table([{
        "operation": r["operation"], "item": r["item"], "kind": r["kind"], "correlation": r["correlation"],
        "size": f"{_fmt(r['size'])} {r['size_unit']}", "units": _fmt(r["units_in_parallel"]),
        "basis": r["cost_basis"], "cost year": f"{r['base_cost_year']}->{r['cost_year']}",
        "material": f"{r['material']} x{r['materials_factor']:g}", "escalated": _v(r["escalated_cost_usd"]),
        "installed": _v(r["installed_cost_usd"]), "installation": r["installation"]} for r in c["equipment"]]))
    print("\nsources:")
    for r in c["equipment"]:
        flags = f" [{'; '.join(r['flags'])}]" if r["flags"] else ""
        print(f"  {r['operation']}.{r['item']}: {r['correlation']}: {r['source']}{flags}")
    print("\nCapital (USD)")
    print(format_table([{"item": k, "USD": _v(v)} for k, v in c["capex"].items() if np.any(np.asarray(v) != 0)
                        or k in ("total_plant_cost", "total_capital_investment")]))
    print("\nOperating cost (USD/yr)")
    print(format_table([{
        "category": l["category"], "item": l["item"], "quantity": f"{_fmt(l['quantity'])} {l['quantity_unit']}",
        "unit price": f"{_fmt(l['unit_price'])} {l['price_unit']}", "date": l.get("date", ""),
        "annual USD": _v(l["annual_cost_usd"])} for l in c["opex"]]))
    print("\nprice sources:")
    for l in c["opex"]:
        if l.get("source"):
            flags = f" [{'; '.join(l['flags'])}]" if l.get("flags") else ""
            print(f"  {l['item']}: {l['source']} ({l.get('date') or 'no date'}){flags}")
    print("\nRevenue (USD/yr)")
    print(format_table([{
        "product": l["product"], "oxide": l["oxide"], "kg/yr": _v(l["contained_kg_per_year"]),
        "purity": _v(l["purity"]), "USD/kg": _v(l["usd_per_kg"]), "payability": _v(l["payability"]),
        "date": l["date"], "USD/yr": _v(l["revenue_usd_per_year"])} for l in c["revenue"]]))
    print("\nprice sources:")
    for l in c["revenue"]:
        print(f"  {l['oxide']}: {l['source']} ({l['date'] or 'no date'})")
    t = c["totals"]
    print(f"\ntotal capital investment {_fmt(t['capex_usd'])} USD; operating cost "
          f"{_fmt(t['opex_usd_per_year'])} USD/yr; revenue {_fmt(t['revenue_usd_per_year'])} USD/yr")


def _fmt(x) -> str:
    a = np.asarray(x, dtype=float)
    if a.size != 1:
        return f"{np.mean(a):.4g} (mean of {a.size})"
    return f"{float(a.reshape(-1)[0]):.4g}"
