"""``redmud list feedstocks`` and ``redmud feedstock show NAME|PATH``."""

from __future__ import annotations

from redmud.chemistry import DEFAULT_OXIDES, RARE_EARTHS, oxide_factor
from redmud.feedstocks import LOSS_KEYS, Feedstock, list_feedstocks, load_feedstock
from redmud.output import dumps, format_table, metadata


def add_parser(subparsers, common) -> None:
    show = subparsers.add_parser("feedstock", help="show a feedstock's composition and sources")
    actions = show.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    one = actions.add_parser("show", parents=[common], help="composition as elements and oxides")
    one.add_argument("name", metavar="NAME|PATH.toml", nargs="?", default="greece-aog",
                     help="library name or a TOML file (default: greece-aog)")
    one.add_argument("--prices", default="baseline-2024", help="price scenario for the in-situ value")
    one.set_defaults(handler=show_feedstock)


def summary(feedstock: Feedstock) -> dict:
    """One line of ``list feedstocks``: identity, sources and the evidence of each value."""
    return {
        "name": feedstock.name, "title": feedstock.title, "kind": feedstock.kind,
        "country": feedstock.country, "process": feedstock.process,
        "Sc_ppm": feedstock.ppm("Sc") if feedstock.known("Sc") else None,
        "evidence": {k: r.evidence for k, r in feedstock.records.items()},
        "sources": {k: s["citation"] for k, s in feedstock.sources.items()},
    }


def list_all(args) -> int:
    feedstocks = [load_feedstock(name) for name in list_feedstocks()]
    rows = [summary(f) for f in feedstocks]
    if args.json:
        print(dumps({"metadata": metadata(args.argv, [f.path for f in feedstocks]), "feedstocks": rows}))
    else:
        print(format_table(rows, ["name", "kind", "country", "process", "Sc_ppm", "title"]))
    return 0


def in_situ_value(feedstock: Feedstock, scenario: str) -> dict:
    """Value of the rare earths in a tonne of dry feed at a scenario's oxide prices [USD/t].

    .. math:: V = \\sum_e w_e f_e p_e, \\quad w_e \\text{ [kg/t]}, f_e = M_{oxide}/(n M_e)
    """
    from redmud.costing.prices import scenario_prices

    prices = scenario_prices(scenario)
    by_element, used = {}, {}
    for element in RARE_EARTHS:
        oxide = DEFAULT_OXIDES[element]
        if feedstock.known(element) and oxide in prices:
            kg_oxide_per_t = feedstock.ppm(element) / 1000 * oxide_factor(oxide)
            by_element[element] = kg_oxide_per_t * prices[oxide].usd_per_kg
            p = prices[oxide]
            used[oxide] = {"usd_per_kg": p.usd_per_kg, "date": p.date, "source": p.source}
    return {"usd_per_t_dry": sum(by_element.values()), "scenario": scenario,
            "by_element_usd_per_t": by_element, "prices": used}


def describe(feedstock: Feedstock, scenario: str) -> dict:
    """Everything ``feedstock show`` reports, as a JSON-ready dict."""
    composition = {}
    for key, rec in feedstock.records.items():
        entry = {"as_written": {"key": rec.key, "value": rec.value, "unit": rec.unit},
                 "evidence": rec.evidence, "source": rec.source,
                 "citation": feedstock.sources[rec.source]["citation"],
                 "low": rec.low, "high": rec.high, "derivation": rec.derivation, "note": rec.note}
        if key not in LOSS_KEYS:
            oxide = DEFAULT_OXIDES.get(key)
            ppm = rec.element_fraction * 1e6
            entry.update({"element_ppm": ppm, "element_wt_percent": ppm / 1e4})
            if oxide:
                entry.update({"oxide": oxide, "oxide_ppm": ppm * oxide_factor(oxide),
                              "oxide_wt_percent": ppm * oxide_factor(oxide) / 1e4})
        else:
            entry.update({"wt_percent": rec.fraction * 100})
        composition[key] = entry
    moisture = feedstock.moisture
    return {
        "name": feedstock.name, "title": feedstock.title, "kind": feedstock.kind,
        "country": feedstock.country, "process": feedstock.process,
        "description": feedstock.description, "file": str(feedstock.path),
        "basis": "dry", "dry_total_wt_percent": feedstock.dry_total_wt_percent(),
        "moisture_wt_percent": moisture.fraction * 100 if moisture else None,
        "moisture_wt_percent_reason": None if moisture else "not given for this feedstock",
        "composition": composition,
        "mineralogy": {k: {"wt_percent": r.fraction * 100, "source": r.source, "evidence": r.evidence}
                       for k, r in feedstock.mineralogy.items()},
        "in_situ_value": in_situ_value(feedstock, scenario),
        "sources": feedstock.sources,
    }


def show_feedstock(args) -> int:
    feedstock = load_feedstock(args.name)
    info = describe(feedstock, args.prices)
    if args.json:
        print(dumps({"metadata": metadata(args.argv, [feedstock.path], price_scenario=args.prices),
                     "feedstock": info}))
        return 0
    print(f"{feedstock.title}  [{feedstock.name}, {feedstock.kind}]")
    moisture = info["moisture_wt_percent"]
    print(f"dry total {info['dry_total_wt_percent']:.1f} wt% incl. LOI; moisture "
          + (f"{moisture:g} wt%" if moisture is not None else "not given"))
    rows = []
    for key, entry in info["composition"].items():
        if "element_ppm" in entry:
            big = entry["element_ppm"] >= 1e4
            rows.append({"element": key, "value": entry["element_wt_percent"] if big else entry["element_ppm"],
                         "unit": "wt%" if big else "ppm", "oxide": entry.get("oxide", ""),
                         "as oxide": (entry["oxide_wt_percent"] if big else entry["oxide_ppm"]) if "oxide" in entry else None,
                         "evidence": entry["evidence"], "source": entry["source"]})
        else:
            rows.append({"element": key, "value": entry["wt_percent"], "unit": "wt%", "oxide": "",
                         "as oxide": None, "evidence": entry["evidence"], "source": entry["source"]})
    print(format_table(rows))
    value = info["in_situ_value"]
    print(f"\nin-situ value of the rare earths: {value['usd_per_t_dry']:,.0f} USD per dry tonne "
          f"(price scenario {value['scenario']})")
    for oxide, p in value["prices"].items():
        print(f"  {oxide}: {p['usd_per_kg']:,.4g} USD/kg ({p['date']}; {p['source']})")
    print("\nsources:")
    for key, source in feedstock.sources.items():
        print(f"  [{key}] {source['citation']}")
    return 0
