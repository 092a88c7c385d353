"""``redmud compare ROUTE... --feedstock NAME...``: routes x feedstocks side by side, with reference bands.

Every pair is evaluated by :func:`redmud.run` on the same cost basis (cost year, jurisdiction,
price scenario, cash-flow convention, ``--set`` overrides), so red-mud and mined-ore routes are
costed alike. A route runs only on feedstocks of the kind of its own default feedstock (a
bastnasite route on a bastnasite concentrate, a red-mud route on red mud); when none of the
given feedstocks fits, it runs on its default feedstock and the table says so. Reference bands:
reported producer costs and the Fritz et al. (2023) scale regression
(:mod:`redmud.costing.benchmarks`), in money of the same cost year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redmud.commands.overrides import add_override_arguments, collect_overrides
from redmud.errors import unknown
from redmud.output import dumps, format_table, metadata

SC_OXIDE = "Sc2O3"


def add_parser(subparsers, common) -> None:
    parser = subparsers.add_parser("compare", parents=[common],
                                   help="routes x feedstocks side by side: capital, cost per kg, NPV, IRR, "
                                        "break-even Sc2O3 price, with mined-ore reference bands")
    parser.add_argument("routes", nargs="+", metavar="ROUTE", help="route names or files")
    parser.add_argument("--feedstock", dest="feedstocks", nargs="+", action="extend", default=None,
                        metavar="NAME", help="feedstock names or files (default: each route's own)")
    add_override_arguments(parser)
    parser.set_defaults(handler=compare_command)


@dataclass
class Pair:
    route: object
    feedstock: object
    note: str = ""


def plan_pairs(routes: list, feedstocks: list) -> tuple[list[Pair], list[str]]:
    """The (route, feedstock) pairs to evaluate and notes on the pairs left out or substituted.

    A route fits a feedstock whose ``kind`` is that of the route's default feedstock. A route
    that fits none of the given feedstocks runs on its default feedstock (noted).
    """
    from redmud.feedstocks import load_feedstock

    pairs, notes, seen = [], [], set()
    for route in routes:
        default = load_feedstock(route.default_feedstock)
        if not feedstocks:
            chosen, note = [default], "its default feedstock"
        else:
            chosen = [f for f in feedstocks if f.kind == default.kind]
            skipped = [f for f in feedstocks if f.kind != default.kind]
            note = ""
            if not chosen:
                chosen = [default]
                note = (f"own default feedstock: the given feedstocks ({', '.join(sorted({f.kind for f in skipped}))}) "
                        f"do not fit a route for {default.kind} feed")
            elif skipped:
                notes.append(f"{route.name} not run on {', '.join(f.name for f in skipped)}: "
                             f"it takes {default.kind} feed")
        for feedstock in chosen:
            if (route.name, feedstock.name) not in seen:
                seen.add((route.name, feedstock.name))
                pairs.append(Pair(route, feedstock, note))
                if note and note != "its default feedstock":
                    notes.append(f"{route.name} runs on {feedstock.name}, its {note}")
    return pairs, notes


def overrides_by_pair(pairs: list[Pair], overrides: dict) -> tuple[list[dict], list[str]]:
    """The overrides each pair accepts; a path no pair accepts is an error (checked before any run)."""
    from redmud.api import all_parameter_specs

    per_pair, used, notes, every = [], set(), [], set()
    for pair in pairs:
        specs = all_parameter_specs(pair.route, pair.feedstock)
        every |= set(specs)
        mine = {k: v for k, v in overrides.items() if k in specs}
        used |= set(mine)
        for path in sorted(set(overrides) - set(mine)):
            notes.append(f"--set {path} not applied to {pair.route.name} (no such parameter)")
        per_pair.append(mine)
    for path in overrides:
        if path not in used:
            raise unknown(path, "parameter path", path, every)
    return per_pair, notes


def _num(value):
    """A per-sample value as a float (one sample) or a float array."""
    a = np.asarray(value, dtype=float)
    return float(a.reshape(-1)[0]) if a.size == 1 else a


def _text(value) -> str:
    if isinstance(value, np.ndarray):
        return str(value.reshape(-1)[0]) if value.size else ""
    return "" if value is None else str(value)


def _finite(value) -> bool:
    return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))


def reo_recovery(result) -> float | np.ndarray:
    """Fraction of the feed's rare-earth oxide (Sc, Y and lanthanides, as oxides) in the products.

    .. math:: R_{REO} = \\sum_p \\sum_i m_{p,i} f_i \\big/ \\sum_i m_{feed,i} f_i

    over the rare earths i with oxide factors f_i (kg oxide per kg element); NaN when the feed
    holds none.
    """
    from redmud.api import product_content

    fs = result.flowsheet
    feed = product_content(fs.streams[fs.route.feed_stream].components(), "REO")
    out = sum((product_content(fs.streams[p.stream].components(), "REO") for p in fs.route.products),
              np.zeros_like(feed))
    with np.errstate(divide="ignore", invalid="ignore"):
        return _num(np.where(feed > 0, out / feed, np.nan))


def feed_grade_ree(result):
    """Mass fraction of rare-earth elements (Sc, Y, lanthanides) in the dry feed [kg/kg]."""
    from redmud.chemistry import RARE_EARTHS
    from redmud.streams import COMPONENT_INDEX

    fs = result.flowsheet
    comps = fs.streams[fs.route.feed_stream].components()
    return _num(sum(comps[COMPONENT_INDEX[el]] for el in RARE_EARTHS) / fs.feed_kg_h)


def fritz_bands(result, cost_year: int) -> dict:
    """Fritz et al. (2023) capital, operating and total bands for a run's feed grade and scale."""
    from redmud.costing.benchmarks import fritz2023_band, fritz2023_lifetime_years, fritz2023_total_band

    fs = result.flowsheet
    grade = feed_grade_ree(result)
    years = fritz2023_lifetime_years()
    lifetime = _num(fs.feed_kg_h / 1000.0 * fs.hours_per_year * years)
    out = {"grade_ree": grade, "lifetime_feed_t": lifetime, "lifetime_years": years,
           "capacity_definition": "t of dry feed over the plant life: feed rate x operating hours/yr x "
                                  f"{years:g} yr (PrOMMiS's reading of Fritz et al. 2023)"}
    if not (_finite(grade) and np.all(np.asarray(grade) > 0)):
        out["bands_reason"] = "the feed holds no rare earths, so the regression does not apply"
        return out
    out["capital"] = fritz2023_band(grade, lifetime, "total_capital", cost_year).to_dict()
    out["operating"] = fritz2023_band(grade, lifetime, "total_operating", cost_year).to_dict()
    out["total"] = fritz2023_total_band(grade, lifetime, cost_year).to_dict()
    return out


def environment_co2e(result) -> tuple[dict | None, str]:
    """kg CO2e per kg of product from ``result.extra["environment"]``, flattened, or (None, reason)."""
    env = result.extra.get("environment")
    if env is None:
        return None, "no environmental results in this run (the environment layer is not available)"
    if not isinstance(env, dict):
        env = getattr(env, "summary", lambda: {})() if callable(getattr(env, "summary", None)) else vars(env)
    co2e = env.get("co2e_kg_per_kg") if isinstance(env, dict) else None
    if co2e is None:
        return None, "the environmental results give no co2e_kg_per_kg"
    flat = {}
    if isinstance(co2e, dict):
        for product, value in co2e.items():
            if isinstance(value, dict):
                for method, v in value.items():
                    if not isinstance(v, str):
                        flat[f"{product} ({method})"] = _num(v)
            elif not isinstance(value, str):
                flat[str(product)] = _num(value)
    else:
        flat["all products"] = _num(co2e)
    return flat, ""


def pair_summary(pair: Pair, result) -> dict:
    """The compare row of one evaluated pair (per-sample values as floats or arrays)."""
    e = result.extra
    row = {"route": pair.route.name, "route_kind": pair.route.kind, "feedstock": pair.feedstock.name,
           "feedstock_kind": pair.feedstock.kind, "feedstock_note": pair.note,
           "capacity_t_per_year": _num(result.values["plant.capacity"]),
           "capex_usd": _num(e["capex_usd"]), "opex_usd_per_year": _num(e["opex_usd_per_year"]),
           "revenue_usd_per_year": _num(e["revenue_usd_per_year"]),
           "npv_usd": _num(e["npv_usd"]), "irr": _num(e["irr"]), "irr_reason": _text(e.get("irr_reason")),
           "levelized_cost_usd_per_kg": {k: _num(v) for k, v in e["levelized_cost_usd_per_kg"].items()},
           "levelized_cost_usd_per_kg_reason": {k: _text(v) for k, v in
                                                e.get("levelized_cost_usd_per_kg_reason", {}).items() if _text(v)},
           "products": {name: p["product"] for name, p in result.products.items()}}
    sc_products = [name for name, p in result.products.items() if p["product"] == SC_OXIDE]
    if sc_products:
        name = sc_products[0]
        row["levelized_cost_Sc2O3_usd_per_kg"] = row["levelized_cost_usd_per_kg"].get(name, float("nan"))
        row["levelized_cost_Sc2O3_usd_per_kg_reason"] = row["levelized_cost_usd_per_kg_reason"].get(name, "")
        row["breakeven_price_Sc2O3_usd_per_kg"] = _num(e["breakeven_price_usd_per_kg"][name])
        row["breakeven_price_Sc2O3_usd_per_kg_reason"] = _text(e["breakeven_price_usd_per_kg_reason"].get(name))
    else:
        reason = f"the route has no {SC_OXIDE} product"
        row["levelized_cost_Sc2O3_usd_per_kg"] = float("nan")
        row["levelized_cost_Sc2O3_usd_per_kg_reason"] = reason
        row["breakeven_price_Sc2O3_usd_per_kg"] = float("nan")
        row["breakeven_price_Sc2O3_usd_per_kg_reason"] = reason
    row["levelized_cost_basket_usd_per_kg"] = row["levelized_cost_usd_per_kg"].get("basket", float("nan"))
    row["levelized_cost_basket_usd_per_kg_reason"] = row["levelized_cost_usd_per_kg_reason"].get(
        "basket", "" if "basket" in row["levelized_cost_usd_per_kg"] else "no product basket")
    row["recovery_Sc"] = _num(result.recovery["Sc"])
    row["recovery_Sc_reason"] = "" if pair.feedstock.known("Sc") else "the feedstock gives no Sc value"
    row["recovery_REO"] = reo_recovery(result)
    row["recovery_REO_reason"] = "" if _finite(row["recovery_REO"]) else "the feed holds no rare earths"
    co2e, reason = environment_co2e(result)
    row["co2e_kg_per_kg"] = co2e
    row["co2e_kg_per_kg_reason"] = reason
    row["fritz2023"] = fritz_bands(result, int(e["cost_year"]))
    _give_reasons(row)
    return row


def _give_reasons(row: dict) -> None:
    """Every non-finite scalar gets a ``<key>_reason`` (a generic one where none is known)."""
    for key, value in list(row.items()):
        if key.endswith("_reason") or isinstance(value, (dict, str, list)) or value is None:
            continue
        if not _finite(value) and not row.get(f"{key}_reason"):
            row[f"{key}_reason"] = "not a finite number for this pair"
        elif _finite(value) and f"{key}_reason" in row and not row[f"{key}_reason"]:
            del row[f"{key}_reason"]


def reference_bands(cost_year: int) -> dict:
    """Producer-cost bands in money of ``cost_year`` and the producers with no cost found."""
    from redmud.costing.benchmarks import producer_cost_bands, producer_cost_gaps

    return {"cost_year": cost_year,
            "escalation": "producer costs are operating costs: moved from their own year to the cost year with "
                          "the PRICE index (US CPI-U, price_index.toml); the Fritz et al. 2023 capital term with "
                          "CEPCI, its operating term with the PRICE index",
            "producer_costs": [b.to_dict() for b in producer_cost_bands(cost_year)],
            "no_cost_found": producer_cost_gaps()}


def compare(route_names: list[str], feedstock_names: list[str] | None, overrides: dict) -> dict:
    """Evaluate every pair and gather the rows, the notes and the reference bands."""
    from redmud.api import run
    from redmud.feedstocks import load_feedstock
    from redmud.routes import load_route

    routes = [load_route(name) for name in route_names]
    feedstocks = [load_feedstock(name) for name in (feedstock_names or [])]
    pairs, notes = plan_pairs(routes, feedstocks)
    per_pair, set_notes = overrides_by_pair(pairs, overrides)
    rows, basis = [], {}
    for pair, mine in zip(pairs, per_pair):
        result = run(pair.route, pair.feedstock, mine)
        rows.append(pair_summary(pair, result))
        basis = {k: result.extra[k] for k in ("cost_year", "jurisdiction", "price_scenario", "convention")}
    cost_year = int(basis["cost_year"])
    return {"basis": {**basis, "cost_year": cost_year,
                      "levelized_cost": "present value of all costs less the revenue of the other products, "
                                        "over the present value of the product's contained oxide (USD/kg oxide)",
                      "breakeven": "realised revenue per kg of contained Sc2O3 that makes NPV zero"},
            "pairs": rows, "notes": notes + set_notes, "reference_bands": reference_bands(cost_year),
            "files": [p.route.path for p in pairs] + [p.feedstock.path for p in pairs]}


def compare_command(args) -> int:
    overrides = collect_overrides(args)
    content = compare(args.routes, args.feedstocks, overrides)
    files = content.pop("files")
    if args.json:
        b = content["basis"]
        print(dumps({"metadata": metadata(args.argv, sorted(set(files)), overrides=overrides,
                                          price_scenario=b["price_scenario"], cost_year=b["cost_year"]),
                     **content}))
        return 0
    print_compare(content)
    return 0


# --- text output -------------------------------------------------------------------------------

def _cell(value, fmt: str = ".4g") -> str:
    a = np.asarray(value, dtype=float)
    if a.size != 1:
        return f"{np.nanmean(a):{fmt}} (mean of {a.size})"
    v = float(a.reshape(-1)[0])
    return "n/a" if not np.isfinite(v) else format(v, fmt)


def _band_text(band: dict | None) -> str:
    if not band:
        return "n/a"
    return f"{_cell(band['low'], '.3g')}-{_cell(band['high'], '.3g')} ({_cell(band['central'], '.3g')})"


def print_compare(content: dict) -> None:
    """The side-by-side table: one column per pair, one row per metric; then notes and bands."""
    b, rows = content["basis"], content["pairs"]
    print(f"redmud compare: {b['cost_year']} USD, {b['convention']} DCF, {b['jurisdiction']}, "
          f"prices {b['price_scenario']}\n")
    heads = [f"{r['route']} / {r['feedstock']}" + (" *" if r["feedstock_note"] and
                                                     r["feedstock_note"] != "its default feedstock" else "")
             for r in rows]
    reasons: list[str] = []

    def value(r, key, fmt=".4g"):
        text = _cell(r[key], fmt)
        reason = r.get(f"{key}_reason")
        if text == "n/a" and reason:
            if reason not in reasons:
                reasons.append(reason)
            text = f"n/a [{reasons.index(reason) + 1}]"
        return text

    metrics = [
        ("feedstock kind", lambda r: r["feedstock_kind"]),
        ("feedstock chosen", lambda r: "own default *" if r["feedstock_note"].startswith("own default")
         else ("route default" if r["feedstock_note"] else "as given")),
        ("capacity, t/yr dry feed", lambda r: value(r, "capacity_t_per_year", ",.0f")),
        ("capital (TCI), USD", lambda r: value(r, "capex_usd")),
        ("operating cost, USD/yr", lambda r: value(r, "opex_usd_per_year")),
        ("revenue, USD/yr", lambda r: value(r, "revenue_usd_per_year")),
        ("levelised cost Sc2O3, USD/kg", lambda r: value(r, "levelized_cost_Sc2O3_usd_per_kg")),
        ("levelised cost REO basket, USD/kg", lambda r: value(r, "levelized_cost_basket_usd_per_kg")),
        ("NPV, USD", lambda r: value(r, "npv_usd")),
        ("IRR, 1/yr", lambda r: value(r, "irr")),
        ("break-even Sc2O3, USD/kg", lambda r: value(r, "breakeven_price_Sc2O3_usd_per_kg")),
        ("recovery Sc", lambda r: value(r, "recovery_Sc", ".3f")),
        ("recovery REO", lambda r: value(r, "recovery_REO", ".3f")),
        ("Fritz 2023 cap+op band, USD/kg REE", lambda r: _band_text(r["fritz2023"].get("total"))),
    ]
    # other products by name (the Sc2O3 product is shown above); "-" where a pair has no such product
    products = sorted({p for r in rows for p, oxide in r["products"].items() if oxide != SC_OXIDE})
    for product in reversed(products):
        metrics.insert(7, (f"levelised cost {product}, USD/kg",
                           lambda r, p=product: _cell(r["levelized_cost_usd_per_kg"][p])
                           if p in r["levelized_cost_usd_per_kg"] else "-"))
    if any(r["co2e_kg_per_kg"] for r in rows):
        keys = sorted({k for r in rows for k in (r["co2e_kg_per_kg"] or {})})
        for key in keys:
            metrics.append((f"CO2e {key}, kg/kg", lambda r, k=key: _cell((r["co2e_kg_per_kg"] or {}).get(k, np.nan))))
    table = [{"metric": name, **{h: get(r) for h, r in zip(heads, rows)}} for name, get in metrics]
    print(format_table(table, ["metric", *heads]))
    if reasons:
        print("\n" + "\n".join(f"[{i + 1}] {text}" for i, text in enumerate(reasons)))
    notes = [f"* {n}" for n in content["notes"]]
    if not any(r["co2e_kg_per_kg"] for r in rows) and rows:
        notes.append(f"CO2e: {rows[0]['co2e_kg_per_kg_reason']}")
    notes.append(f"levelised cost: {b['levelized_cost']}; break-even: {b['breakeven']}")
    print("\nnotes:\n" + "\n".join(f"  {n}" for n in notes))
    ref = content["reference_bands"]
    print(f"\nReference bands, USD/kg in {ref['cost_year']} money ({ref['escalation']}):")
    print(format_table([{"reference": x["name"], "per kg of": x["basis"], "low": x["low"], "central": x["central"],
                         "high": x["high"], "year": x["source_year"],
                         "flags": "; ".join(x["flags"])}
                        for x in ref["producer_costs"]], floatfmt=".4g"))
    for name, note in ref["no_cost_found"].items():
        print(f"  {name}: {note}")
    print("\nFritz et al. 2023 scale regression for each pair (USD/kg REE; capacity = "
          f"{rows[0]['fritz2023']['capacity_definition'] if rows else ''}):")
    print("  fitted to published TEAs of unconventional REE feedstocks (its fitted range of grade x capacity was "
          "not read); per kg REE, so about 1.2 times lower per kg of REO")
    print(format_table([{"pair": h, "REE grade": _cell(r["fritz2023"]["grade_ree"], ".3g"),
                         "lifetime feed t": _cell(r["fritz2023"]["lifetime_feed_t"], ".3g"),
                         "capital": _band_text(r["fritz2023"].get("capital")),
                         "operating": _band_text(r["fritz2023"].get("operating")),
                         "total": _band_text(r["fritz2023"].get("total"))} for h, r in zip(heads, rows)]))
    print("\nsources:")
    for x in ref["producer_costs"]:
        print(f"  {x['name']}: {x['source']}" + (f". Note: {x['note']}" if x["note"] else ""))
    if rows and rows[0]["fritz2023"].get("total"):
        print(f"  fritz2023: {rows[0]['fritz2023']['total']['source']}")
