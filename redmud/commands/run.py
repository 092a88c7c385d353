"""``redmud run ROUTE --feedstock NAME``: the main job; ``redmud list routes``; ``redmud route show``."""

from __future__ import annotations

import numpy as np

from redmud.chemistry import RARE_EARTHS
from redmud.commands.overrides import add_override_arguments, collect_overrides
from redmud.output import dumps, format_table, metadata
from redmud.routes import list_routes, load_route

DEFAULT_ROUTE = "hcl-leach-sx"


def add_parser(subparsers, common) -> None:
    run_parser = subparsers.add_parser("run", parents=[common], help="evaluate a route on a feedstock")
    run_parser.add_argument("route", nargs="?", default=DEFAULT_ROUTE, metavar="ROUTE|PATH.toml",
                            help=f"route name or file (default: {DEFAULT_ROUTE})")
    run_parser.add_argument("--feedstock", default=None, help="feedstock name or file (default: the route's)")
    add_override_arguments(run_parser)
    run_parser.set_defaults(handler=run_command)
    route = subparsers.add_parser("route", help="show a route")
    actions = route.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    show = actions.add_parser("show", parents=[common], help="operations, streams and parameters of a route")
    show.add_argument("route", metavar="ROUTE|PATH.toml")
    show.set_defaults(handler=show_route)


def route_summary(route) -> dict:
    return {"name": route.name, "title": route.title, "kind": route.kind,
            "default_feedstock": route.default_feedstock, "references": route.references,
            "operations": [f"{s.id}:{s.spec.name}" for s in route.steps],
            "products": {p.name: p.product for p in route.products}}


def list_all(args) -> int:
    routes = [load_route(name) for name in list_routes()]
    rows = [route_summary(r) for r in routes]
    if args.json:
        print(dumps({"metadata": metadata(args.argv, [r.path for r in routes]), "routes": rows}))
    else:
        print(format_table([{k: r[k] for k in ("name", "kind", "title")} for r in rows]))
    return 0


def show_route(args) -> int:
    route = load_route(args.route)
    info = route_summary(route)
    info.update({"description": route.description, "file": str(route.path),
                 "wiring": [{"id": s.id, "type": s.spec.name, "inlets": s.inlets, "outlets": s.outlets}
                            for s in route.steps],
                 "recycles": [vars(r) for r in route.recycles], "terminals": route.terminals,
                 "parameters": {path: {"value": str(value), "unit": p.unit, "source": p.source,
                                       "bounds": p.bounds, "description": p.description}
                                for path, (p, value) in route.parameters().items()}})
    if args.json:
        print(dumps({"metadata": metadata(args.argv, [route.path]), "route": info}))
        return 0
    print(f"{route.title}  [{route.name}, {route.kind}]\n{route.description}\n")
    for s in route.steps:
        print(f"  {s.id} ({s.spec.name}): {s.inlets} -> {s.outlets}")
    print("\nreferences:\n" + "\n".join(f"  {r}" for r in route.references))
    print("\nparameters:")
    print(format_table([{"path": k, **v} for k, v in info["parameters"].items()],
                       ["path", "value", "unit", "source"]))
    return 0


def run_command(args) -> int:
    from redmud.api import run

    result = run(args.route, args.feedstock, collect_overrides(args))
    content = result.to_dict()
    files = [result.route.path, result.feedstock.path]
    if args.json:
        print(dumps({"metadata": metadata(args.argv, files, overrides=collect_overrides(args)), **content}))
        return 0
    print_run(content)
    return 0


def print_run(content: dict) -> None:
    """The human-readable table of ``redmud run``."""
    plant = content["plant"]
    print(f"{content['route_title']}  [{content['route']}] on {content['feedstock']}")
    print(f"plant: {plant['capacity_t_per_year']:,.0f} t/yr dry feed, availability {plant['availability']:.2f}\n")
    shown = [el for el in RARE_EARTHS + ("Th", "U") if content["recovery"].get(el) is not None
             and np.isfinite(content["recovery"][el])]
    rows = [{"element": el, "recovery to products": content["recovery"][el]} for el in shown]
    print(format_table(rows))
    print()
    print(format_table([{"product": name, "oxide": p["product"], "kg/yr": p["kg_per_year"],
                         "contained oxide kg/yr": p["contained_oxide_kg_per_year"], "purity": p["purity"]}
                        for name, p in content["products"].items()]))
    print()
    print(format_table([{"reagent": name, "kg/t feed": c["kg_per_t_feed"], "t/yr": c["kg_per_year"] / 1000,
                         "operations": ",".join(c["operations"])} for name, c in content["consumption"].items()]))
    if content["utilities"]:
        print()
        print(format_table([{"utility": k, "value": v} for k, v in content["utilities"].items()]))
    if "capex_usd" in content:
        print(f"\neconomics ({content['convention']} DCF, {content['cost_year']} USD, {content['jurisdiction']}, "
              f"prices {content['price_scenario']}):")
        rows = [{"metric": "capital (total capital investment)", "value": content["capex_usd"], "unit": "USD"},
                {"metric": "operating cost", "value": content["opex_usd_per_year"], "unit": "USD/yr"},
                {"metric": "revenue", "value": content["revenue_usd_per_year"], "unit": "USD/yr"},
                {"metric": "NPV", "value": content["npv_usd"], "unit": "USD"},
                {"metric": "IRR", "value": content["irr"], "unit": "1/yr",
                 "note": content.get("irr_reason") or ""},
                {"metric": "discounted payback", "value": content["payback_years"], "unit": "yr",
                 "note": content.get("payback_years_reason") or ""}]
        for product, value in content["levelized_cost_usd_per_kg"].items():
            rows.append({"metric": f"levelised cost, {product}", "value": value, "unit": "USD/kg oxide"})
        for product, value in content["breakeven_price_usd_per_kg"].items():
            rows.append({"metric": f"break-even price, {product}", "value": value, "unit": "USD/kg oxide"})
        print(format_table(rows, ["metric", "value", "unit", "note"]))
    if "environment" in content:
        print_environment(content["environment"])
    print(f"\nmass balance: max relative error {content['balance_max_relative_error']:.2e} "
          f"(tolerance 1e-9); recycle iterations {content['recycle_iterations']}")


def print_environment(env: dict) -> None:
    """The short environment block of ``redmud run``: CO2e, water, waste per kg; Th and U in residues."""
    print(f"\nenvironment (grid: {env['jurisdiction']}; {env['basis']}):")
    rows = []
    for product in env["co2e_kg_per_kg"]:
        rows.append({"product": product, "kg CO2e/kg (mass alloc.)": env["co2e_kg_per_kg_by_mass"][product],
                     "kg CO2e/kg (value alloc.)": env["co2e_kg_per_kg_by_value"][product],
                     "water m3/kg": env["water_m3_per_kg"][product],
                     "solid waste kg/kg": env["solid_waste_kg_per_kg"][product],
                     "reagents kg/kg": env["reagent_kg_per_kg"][product]})
    if rows:
        print(format_table(rows))
    ghg = env["co2e_kg_per_year"]
    print("t CO2e/yr: " + ", ".join(f"{k} {_num(v) / 1000:.4g}" for k, v in ghg.items()))
    exempt = env["radionuclides"]["exemption_level_Bq_per_g"]
    rows = [{"residue": name, "dry t/yr": _num(r["dry_kg_per_year"]) / 1000, "Th ppm": _num(r.get("Th_ppm")),
             "Th-232 Bq/g": _num(r.get("Th232_Bq_per_g")), "U ppm": _num(r.get("U_ppm")),
             "U-238 Bq/g": _num(r.get("U238_Bq_per_g")),
             "note": "; ".join(r[k] for k in ("Th_reason", "U_reason") if r.get(k))}
            for name, r in env["residues"].items()]
    if rows:
        print(f"residues (IAEA exemption level {exempt:g} Bq/g per nuclide):")
        print(format_table(rows))
    for flag in env["flags"]:
        print(f"  flag: {flag}")


def _num(value):
    """A float for a table cell; None (unknown) stays None, arrays show their mean."""
    if value is None:
        return None
    value = np.asarray(value, dtype=float)
    return float(value) if value.size == 1 else float(np.nanmean(value))
