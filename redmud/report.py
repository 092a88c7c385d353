"""A self-contained HTML report of one route on one feedstock.

:func:`build_report` evaluates the route and writes one HTML page (figures embedded as ``data:``
PNG images, inline CSS, no script and no network access): inputs with their sources, flowsheet
summary, mass balance, element flows, equipment and cost tables, cash flow, sensitivity and the
comparison with mined ore. The cost breakdown and the cited input ranges used here are also the
ones the study scripts use (:func:`cost_stack`, :func:`cited_ranges`).

>>> from redmud.report import build_report
>>> html = build_report("hcl-leach-sx", "greece-aog")
"""

from __future__ import annotations

import base64
import html as _html

import numpy as np

#: Cost items of a levelised cost split, in drawing order.
COST_ITEMS = ("capital charge", "acid", "other reagents", "energy", "labor", "maintenance and fixed",
              "disposal", "overheads", "credits")
ACIDS = {"HCl", "H2SO4", "HNO3"}
#: Rare earths followed through the element-flow diagram.
FLOW_ELEMENTS = ("Sc", "Y", "La", "Ce", "Nd")


def first(value) -> float:
    """The first sample of a scalar or array as a float."""
    return float(np.asarray(value, dtype=float).reshape(-1)[0])


# --- numbers shared with the studies ------------------------------------------------------------

def cost_group(line: dict) -> str:
    """The item of :data:`COST_ITEMS` an operating-cost line belongs to."""
    category = line["category"]
    if category == "reagent":
        return "acid" if line["item"] in ACIDS else "other reagents"
    return {"utility": "energy", "labor": "labor", "fixed": "maintenance and fixed", "disposal": "disposal",
            "overhead": "overheads", "credit": "credits"}.get(category, "overheads")


def cost_stack(result, product: str = "basket") -> dict[str, np.ndarray]:
    """A levelised cost [USD/kg oxide] split into :data:`COST_ITEMS` that sum to it exactly.

    .. math:: LC_p = \\frac{PV(capital + working\\ capital + loan)}{PV(out_p)}
              + \\sum_i \\frac{OPEX_i}{OPEX} \\frac{PV(opex)}{PV(out_p)} - \\frac{PV(R_{-p})}{PV(out_p)}

    with PV over the cash-flow table of :func:`redmud.costing.cashflow.cash_flow` (the discounting
    of ``result.extra["levelized_cost_usd_per_kg"]``), out_p the output of product p (all products
    for ``"basket"``) and R_-p the revenue of the other products (a by-product credit, zero for the
    basket). The capital charge is the remainder, so the items sum to the levelised cost.
    """
    econ = result.extra["economics"]
    table = econ.cash.table
    discount = table["discount_factor"]

    def pv(row):
        return np.sum(np.asarray(row) * discount, axis=0)

    outputs = {k: pv(v * table["price_escalation"]) for k, v in table["output_by_product"].items()}
    revenues = {k: pv(v) for k, v in table["revenue_by_product"].items()}
    out = sum(outputs.values()) if product == "basket" else outputs[product]
    lc = np.asarray(result.extra["levelized_cost_usd_per_kg"][product], float).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        opex_pv = -pv(table["operating_cost"])
        opex_total = np.asarray(econ.costs.opex_usd_per_year, float)
        stack = {item: np.zeros_like(out) for item in COST_ITEMS}
        for line in econ.costs.opex:
            share = np.asarray(line["annual_cost_usd"], float) / opex_total
            stack[cost_group(line)] = stack[cost_group(line)] + share * opex_pv / out
        other = 0.0 if product == "basket" else sum(v for k, v in revenues.items() if k != product)
        stack["credits"] = stack["credits"] - other / out
        stack["capital charge"] = lc - sum(v for k, v in stack.items() if k != "capital charge")
    return stack


def _record_range(record: dict) -> tuple[float, float, float]:
    value = float(record["value"])
    return float(record.get("low", value)), value, float(record.get("high", value))


def cited_ranges(result) -> list[dict]:
    """Inputs of ``result`` whose range a data file cites, for sensitivity and Monte Carlo.

    Each entry: ``path``, ``label``, ``unit``, ``low``, ``base``, ``high``, ``source``. Sources:
    the feedstock's Sc low/high; prices.toml Sc2O3 low/high; reagents.toml low/high of the acids,
    NaOH and oxalic acid (the record's low/value and high/value ratios applied to the per-100 %
    price the cost layer used); finance.toml discount_rate with alternatives discount_rate_8 and
    hurdle_rate_15, plant_life_range; the cited bounds of cost.lang_factor.
    """
    from redmud.api import all_parameter_specs
    from redmud.costing.jurisdictions import reagent_record
    from redmud.costing.prices import scenario_prices
    from redmud.paths import DATA_DIR
    from redmud.tomlfile import load_toml

    entries = []
    feed = result.feedstock
    sc = feed.records.get("Sc")
    if sc is not None and sc.low is not None and sc.high is not None and sc.unit == "ppm":
        entries.append({"path": "feed.Sc", "label": "Sc grade", "unit": "ppm", "low": float(sc.low),
                        "base": float(sc.value), "high": float(sc.high),
                        "source": f"feedstocks/{feed.name}.toml (Sc low/high)"})
    price = scenario_prices("baseline-2024").get("Sc2O3")
    if price is not None and price.low is not None and price.high is not None and "Sc" in result.recovery:
        entries.append({"path": "price.Sc2O3", "label": "Sc2O3 price", "unit": "USD/kg", "low": price.low,
                        "base": price.usd_per_kg, "high": price.high,
                        "source": "redmud/data/prices.toml [baseline-2024].Sc2O3 low/high"})
    lines = {line["item"]: line for line in result.extra["economics"].costs.opex}
    reagent_map = load_toml(DATA_DIR / "costing_choices.toml")["reagents"]
    for name in ("HCl", "H2SO4", "NaOH", "H2C2O4"):
        line = lines.get(name)
        if line is None or not np.all(np.asarray(line["annual_cost_usd"], float) > 0):
            continue
        key = reagent_map[name]["price"]
        low, value, high = _record_range(reagent_record(key))
        if low == high:
            continue
        base = first(line["unit_price"])
        entries.append({"path": f"reagent.{name}", "label": f"{name} price", "unit": "USD/t",
                        "low": base * low / value, "base": base, "high": base * high / value,
                        "source": f"redmud/data/reagents.toml [{key}] low/high"})
    finance = load_toml(DATA_DIR / "finance.toml")["simple"]
    alt = finance.get("alternatives", {})
    if "discount_rate_8" in alt and "hurdle_rate_15" in alt:
        entries.append({"path": "finance.discount_rate", "label": "discount rate", "unit": "1/year",
                        "low": float(alt["discount_rate_8"]["value"]), "base": float(finance["discount_rate"]["value"]),
                        "high": float(alt["hurdle_rate_15"]["value"]),
                        "source": "redmud/data/finance.toml [simple] discount_rate; alternatives discount_rate_8, "
                                  "hurdle_rate_15"})
    if "plant_life_range" in alt:
        life = alt["plant_life_range"]
        entries.append({"path": "finance.plant_life", "label": "plant life", "unit": "year",
                        "low": float(life["low"]), "base": float(finance["plant_life"]["value"]),
                        "high": float(life["high"]),
                        "source": "redmud/data/finance.toml [simple.alternatives] plant_life_range"})
    lang = all_parameter_specs(result.route, feed)["cost.lang_factor"][0]
    entries.append({"path": "cost.lang_factor", "label": "Lang factor", "unit": "", "low": lang.bounds[0],
                    "base": first(result.extra["economics"].costs.values["cost.lang_factor"]),
                    "high": lang.bounds[1], "source": lang.source})
    return entries


def range_overrides(entries: list[dict], columns: dict[str, np.ndarray]) -> dict:
    """Overrides for :func:`redmud.run` from columns of sampled values in each entry's unit."""
    from redmud.units import ureg

    out = {}
    for e in entries:
        values = np.asarray(columns[e["path"]], float)
        if e["path"] == "finance.plant_life":
            values = np.round(values)          # whole years
        out[e["path"]] = ureg.Quantity(values, e["unit"]) if e["unit"] else values
    return out


def element_destinations(result, elements=FLOW_ELEMENTS) -> list[dict]:
    """Mass [kg/yr] of each element leaving by each terminal (products by stream, other terminals
    by class) and its share of the element's feed; "unaccounted" = feed minus outflows."""
    from redmud.streams import COMPONENT_INDEX

    fs = result.flowsheet
    hours = fs.hours_per_year
    feed = fs.streams[fs.route.feed_stream].components()
    product_names = {p.stream: p.name for p in fs.route.products}
    rows = []
    for element in elements:
        i = COMPONENT_INDEX[element]
        fed = first(feed[i] * hours)
        out = {}
        for stream, kind in fs.route.terminals.items():
            dest = f"product: {product_names[stream]}" if kind == "products" else kind
            out[dest] = out.get(dest, 0.0) + first(fs.streams[stream].components()[i] * hours)
        out["unaccounted"] = fed - sum(out.values())
        for dest, kg in out.items():
            rows.append({"element": element, "destination": dest, "kg_per_year": kg,
                         "share_of_feed": kg / fed if fed > 0 else float("nan"), "feed_kg_per_year": fed})
    return rows


def alluvial_shares(rows: list[dict], minor: float = 0.01, sliver: float = 1e-4) -> dict:
    """Shares for :func:`redmud.figures.element_alluvial`: destinations under ``minor`` for every
    element are merged into one band; slivers under ``sliver`` are not drawn."""
    totals: dict[str, float] = {}
    for r in rows:
        if np.isfinite(r["share_of_feed"]):
            totals[r["destination"]] = totals.get(r["destination"], 0.0) + r["share_of_feed"]
    small = {d for d, t in totals.items() if t < minor}
    shares: dict[str, dict] = {}
    for r in rows:
        if not np.isfinite(r["share_of_feed"]) or r["share_of_feed"] <= sliver:
            continue
        dest = f"other (under {minor:.0%})" if r["destination"] in small else r["destination"]
        element = shares.setdefault(r["element"], {})
        element[dest] = element.get(dest, 0.0) + r["share_of_feed"]
    return shares


def literature_bands(cost_year: int) -> list[dict]:
    """Producer-cost bands [USD/kg]: :mod:`redmud.costing.benchmarks` when present (escalated to
    the cost year), else the USD records of mined_ore.toml [producer_costs] as reported."""
    try:
        from redmud.costing.benchmarks import producer_cost_bands
    except ImportError:
        producer_cost_bands = None
    if producer_cost_bands is not None:
        return [{"label": b.name, "basis": b.basis, "value": b.central, "low": b.low, "high": b.high,
                 "money": f"USD {b.cost_year}", "source": b.source} for b in producer_cost_bands(cost_year)]
    from redmud.paths import DATA_DIR
    from redmud.tomlfile import load_toml

    rows = []
    for name, rec in load_toml(DATA_DIR / "mined_ore.toml")["producer_costs"].items():
        if rec.get("absent") or not str(rec.get("unit", "")).startswith("USD"):
            continue
        value, text = float(rec["value"]), str(rec.get("basis", ""))
        basis = "Sc2O3" if "Sc2O3" in text else ("NdPr oxide" if "NdPr" in text else "REO")
        rows.append({"label": name, "basis": basis, "value": value, "low": float(rec.get("low", value)),
                     "high": float(rec.get("high", value)), "money": f"USD {rec['price_year']} (as reported)",
                     "source": rec["source"]})
    return rows


# --- HTML -----------------------------------------------------------------------------------------

CSS = """
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:60em;margin:1.5em auto;padding:0 1em;
color:#222;line-height:1.4;font-size:15px}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}
table{border-collapse:collapse;font-size:.8em;margin:.6em 0}td,th{border:1px solid #ddd;padding:2px 6px;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#444}.meta{color:#555;font-size:.85em}.src{color:#555;font-size:.85em}
nav a{margin-right:.8em}
"""


def _e(text) -> str:
    return _html.escape(str(text), quote=True)


def _num(value, fmt: str = ".4g") -> str:
    try:
        v = first(value)
    except (TypeError, ValueError):
        return _e(value)
    return "n/a" if not np.isfinite(v) else format(v, fmt)


def table_html(rows: list[dict], columns: list[str], numeric: set[str] | None = None) -> str:
    """An HTML table of dicts (text escaped; numeric columns right-aligned)."""
    numeric = numeric or set()
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c, "")
            cells.append(f'<td class="n">{_num(v)}</td>' if c in numeric else f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def figure_html(fig, caption: str, alt: str) -> str:
    """A figure embedded as a data: PNG with its caption."""
    from redmud.figures import png_bytes

    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    return (f'<figure><img class="figure" alt="{_e(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _inputs_section(result) -> str:
    from redmud.api import all_parameter_specs

    feed = result.feedstock
    comp = [{"component": key, "value": rec.value, "unit": rec.unit, "evidence": rec.evidence,
             "range": f"{rec.low:g}-{rec.high:g}" if rec.low is not None and rec.high is not None else "",
             "source": feed.sources.get(rec.source, {}).get("citation", rec.source)}
            for key, rec in feed.records.items()]
    specs = all_parameter_specs(result.route, feed)
    params = []
    for path, (param, default) in specs.items():
        if path.startswith(("feed.", "price.", "reagent.", "utility.", "disposal.", "credit.", "labor.")):
            continue
        value = result.values.get(path, default)
        shown = value if isinstance(value, str) else _num(value)
        params.append({"path": path, "value": shown, "unit": param.unit, "source": param.source})
    prices = [{"product": line["product"], "oxide": line["oxide"], "price": line["usd_per_kg"],
               "payability": line["payability"], "date": line.get("date", ""), "source": line.get("source", "")}
              for line in result.extra["economics"].costs.revenue]
    return ("<h2 id='inputs'>Inputs and their sources</h2>"
            f"<h3>Feedstock {_e(feed.name)}: {_e(feed.title)}</h3>"
            + table_html(comp, ["component", "value", "unit", "range", "evidence", "source"], {"value"})
            + "<details><summary>Route, plant, cost and finance parameters (every path, its value and source)"
              "</summary>" + table_html(params, ["path", "value", "unit", "source"]) + "</details>"
            + "<h3>Product prices (cost-year USD/kg of oxide)</h3>"
            + table_html(prices, ["product", "oxide", "price", "payability", "date", "source"], {"price", "payability"}))


def _flowsheet_section(result) -> str:
    route = result.route
    steps = [{"step": i + 1, "operation": s.id, "kind": getattr(s.spec, "name", ""),
              "inlets": ", ".join(s.inlets.values()), "outlets": ", ".join(s.outlets.values())}
             for i, s in enumerate(route.steps)]
    recycles = [{"stream": r.stream, "returns to": r.returns, "purge": r.purge} for r in route.recycles]
    refs = "".join(f"<li>{_e(r)}</li>" for r in route.references)
    return ("<h2 id='flowsheet'>Flowsheet</h2>"
            f"<p>{_e(route.description)}</p>"
            + table_html(steps, ["step", "operation", "kind", "inlets", "outlets"])
            + (table_html(recycles, ["stream", "returns to", "purge"]) if recycles else "")
            + (f"<p class='src'>Literature the route follows:</p><ul class='src'>{refs}</ul>" if refs else ""))


def _balance_section(result) -> str:
    fs = result.flowsheet
    hours = fs.hours_per_year
    rows = [{"stream": fs.route.feed_stream, "class": "feed", "t_per_year": first(fs.streams[fs.route.feed_stream].total() * hours) / 1e3}]
    for stream, kind in fs.route.terminals.items():
        rows.append({"stream": stream, "class": kind, "t_per_year": first(fs.streams[stream].total() * hours) / 1e3})
    for name, c in result.consumption.items():
        rows.append({"stream": f"reagent {name}", "class": "added", "t_per_year": first(c["kg_per_year"]) / 1e3})
    return ("<h2 id='balance'>Mass balance</h2>"
            f"<p>Largest relative balance error over all operations: {result.balance_max_relative_error:.2e}; "
            f"recycle iterations: {_e(fs.iterations)}.</p>"
            + table_html(rows, ["stream", "class", "t_per_year"], {"t_per_year"}))


def _costs_section(result) -> tuple[str, list]:
    from redmud import figures

    econ = result.extra["economics"]
    equip = [{"operation": r["operation"], "item": r["item"], "size": r["size"], "unit": r["size_unit"],
              "units": r["units_in_parallel"], "installed_usd": r["installed_cost_usd"],
              "flags": "; ".join(r.get("flags", [])), "source": r["source"]} for r in econ.costs.equipment]
    capex = [{"item": k, "usd": v} for k, v in econ.costs.capex.items()]
    opex = [{"category": l["category"], "item": l["item"], "quantity": l["quantity"], "unit": l["quantity_unit"],
             "unit_price": l["unit_price"], "price_unit": l["price_unit"], "usd_per_year": l["annual_cost_usd"],
             "source": l.get("source", "")} for l in econ.costs.opex]
    summary = [{"metric": "capital (total capital investment)", "value": result.extra["capex_usd"], "unit": "USD"},
               {"metric": "operating cost", "value": result.extra["opex_usd_per_year"], "unit": "USD/yr"},
               {"metric": "revenue", "value": result.extra["revenue_usd_per_year"], "unit": "USD/yr"},
               {"metric": "NPV", "value": result.extra["npv_usd"], "unit": "USD"},
               {"metric": "IRR", "value": result.extra["irr"], "unit": "1/yr"}]
    summary += [{"metric": f"levelised cost, {k}", "value": v, "unit": "USD/kg oxide"}
                for k, v in result.extra["levelized_cost_usd_per_kg"].items()]
    labels = [k for k in result.extra["levelized_cost_usd_per_kg"]]
    stacks = {item: np.array([first(cost_stack(result, p)[item]) for p in labels]) for item in COST_ITEMS}
    fig = figures.stacked_cost_bars(labels, stacks, np.array([first(result.extra["levelized_cost_usd_per_kg"][p])
                                                              for p in labels]))
    fig.axes[0].set_xlabel("product")
    html = ("<h2 id='costs'>Equipment and costs</h2>"
            f"<p class='meta'>Cost year {_e(result.extra['cost_year'])}, jurisdiction {_e(result.extra['jurisdiction'])}, "
            f"prices {_e(result.extra['price_scenario'])}, convention {_e(result.extra['convention'])}.</p>"
            + table_html(summary, ["metric", "value", "unit"], {"value"})
            + figure_html(fig, "Levelised cost by product split into cost items (capital charge, reagents, energy, "
                               "labor, fixed O&M, disposal, overheads; credits: revenue of the other products).",
                          "levelised cost by item")
            + "<h3>Equipment</h3>" + table_html(equip, ["operation", "item", "size", "unit", "units", "installed_usd",
                                                        "flags", "source"], {"size", "units", "installed_usd"})
            + "<h3>Capital build-up</h3>" + table_html(capex, ["item", "usd"], {"usd"})
            + "<h3>Operating cost</h3>" + table_html(opex, ["category", "item", "quantity", "unit", "unit_price",
                                                            "price_unit", "usd_per_year", "source"],
                                                     {"quantity", "unit_price", "usd_per_year"}))
    return html, [fig]


def _cash_section(result) -> str:
    from redmud import figures

    t = result.extra["economics"].cash.table
    fig = figures.cash_flow_chart(t["time"], np.asarray(t["net"])[:, 0], np.asarray(t["cumulative_discounted"])[:, 0])
    rows = [{"year": int(y), "capital": np.asarray(t["capital"])[i, 0], "revenue": np.asarray(t["revenue"])[i, 0],
             "operating_cost": np.asarray(t["operating_cost"])[i, 0], "tax": np.asarray(t["tax"])[i, 0],
             "net": np.asarray(t["net"])[i, 0], "cumulative_discounted": np.asarray(t["cumulative_discounted"])[i, 0]}
            for i, y in enumerate(t["time"])]
    cols = ["year", "capital", "revenue", "operating_cost", "tax", "net", "cumulative_discounted"]
    return ("<h2 id='cashflow'>Cash flow</h2>"
            + figure_html(fig, "Yearly net cash flow and cumulative discounted cash flow (USD of the cost year).",
                          "cash flow")
            + "<details><summary>Yearly table [USD]</summary>" + table_html(rows, cols, set(cols)) + "</details>")


def _sensitivity_section(route, feedstock, overrides, result) -> str:
    from redmud import figures
    from redmud.analysis.sensitivity import tornado
    from redmud.api import run

    entries = cited_ranges(result)

    def model(X):
        columns = {e["path"]: X[:, j] for j, e in enumerate(entries)}
        res = run(route, feedstock, {**(overrides or {}), **range_overrides(entries, columns)}, on_failure="nan")
        n = X.shape[0]
        return np.vstack([np.broadcast_to(res.extra["levelized_cost_usd_per_kg"]["basket"], (n,)),
                          np.broadcast_to(res.extra["npv_usd"], (n,))])

    base = np.array([e["base"] for e in entries])
    swing = tornado(model, base, np.array([e["low"] for e in entries]), np.array([e["high"] for e in entries]))
    fig, axes = figures.panels(2, figures.PAGE, 3.0)
    labels = [e["label"] for e in entries]
    figures.tornado(labels, float(swing["base"][0]), swing["low"][0], swing["high"][0],
                    "levelised cost of all oxides [USD/kg oxide]", ax=axes[0])
    figures.tornado(labels, float(swing["base"][1]) / 1e6, swing["low"][1] / 1e6, swing["high"][1] / 1e6,
                    "NPV [million USD]", ax=axes[1])
    figures.shared_legend(fig, axes[0], ncols=2, only_ax=True)
    rows = [{"parameter": e["path"], "low": e["low"], "base": e["base"], "high": e["high"], "unit": e["unit"],
             "source": e["source"]} for e in entries]
    return ("<h2 id='sensitivity'>Sensitivity</h2>"
            + figure_html(fig, "One-at-a-time swings of the levelised cost and the NPV: each input at the low and "
                               "high end of its cited range, the others at their defaults.", "tornado")
            + table_html(rows, ["parameter", "low", "base", "high", "unit", "source"], {"low", "base", "high"}))


def _comparison_section(result) -> str:
    from redmud import figures

    rows = [{"label": f"{name} (this route)", "value": first(result.extra["levelized_cost_usd_per_kg"][name]),
             "group": "red mud (model)" if result.route.kind == "red-mud" else "mined ore (model)",
             "basis": p["product"]} for name, p in result.products.items()]
    bands = literature_bands(result.extra["cost_year"])
    rows += [{"label": f"{b['label']} [{b['basis']}]", "value": b["value"], "low": b["low"], "high": b["high"],
              "group": "producer cost (literature)", "basis": b["basis"]} for b in bands]
    fig = figures.ranked_bars_with_bands([r for r in rows if np.isfinite(r["value"]) and r["value"] > 0],
                                         xlabel="cost [USD/kg of the basis named]")
    return ("<h2 id='comparison'>Comparison with mined ore</h2>"
            + figure_html(fig, "Levelised cost of this route's products against producer and project costs "
                               "reported for mined ore and other feedstocks (redmud/data/mined_ore.toml); the kg "
                               "basis differs between records (in brackets): only like bases compare.", "comparison")
            + table_html([{"reference": b["label"], "basis": b["basis"], "value": b["value"], "low": b["low"],
                           "high": b["high"], "money": b["money"], "source": b["source"]} for b in bands],
                         ["reference", "basis", "value", "low", "high", "money", "source"], {"value", "low", "high"}))


def build_report(route: str, feedstock: str | None = None, overrides: dict | None = None,
                 sensitivity: bool = True, command: list[str] | None = None) -> str:
    """The HTML page for ``route`` on ``feedstock`` (every figure a data: PNG; no network)."""
    import json

    from redmud import figures
    from redmud.api import run
    from redmud.output import jsonable, metadata

    result = run(route, feedstock, overrides)
    flows = element_destinations(result)
    fig = figures.element_alluvial(alluvial_shares(flows), title=f"{result.route.name} on {result.feedstock.name}")
    flow_html = ("<h2 id='flows'>Element flows</h2>"
                 + figure_html(fig, "Where each element of the feed goes (each scaled to 100 %): products by stream, "
                                    "residues, effluents, emissions and purges as the route classes its terminal "
                                    "streams; 'unaccounted' is the mass-balance error.", "element flows")
                 + table_html(flows, ["element", "destination", "kg_per_year", "share_of_feed"],
                              {"kg_per_year", "share_of_feed"}))
    costs_html, _ = _costs_section(result)
    parts = [_inputs_section(result), _flowsheet_section(result), _balance_section(result), flow_html, costs_html,
             _cash_section(result)]
    if sensitivity:
        parts.append(_sensitivity_section(result.route.name, result.feedstock.name, overrides, result))
    parts.append(_comparison_section(result))
    meta = metadata(command, route=result.route.name, feedstock=result.feedstock.name,
                    cost_year=result.extra["cost_year"], jurisdiction=result.extra["jurisdiction"],
                    price_scenario=result.extra["price_scenario"], overrides={k: str(v) for k, v in (overrides or {}).items()})
    n_figures = sum(p.count("<img ") for p in parts)
    nav = " ".join(f"<a href='#{k}'>{v}</a>" for k, v in (
        ("inputs", "inputs"), ("flowsheet", "flowsheet"), ("balance", "mass balance"), ("flows", "element flows"),
        ("costs", "costs"), ("cashflow", "cash flow"), ("sensitivity", "sensitivity"), ("comparison", "mined ore")))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>redmud report: {_e(result.route.name)} on {_e(result.feedstock.name)}</title>"
            f"<meta name='redmud-figures' content='{n_figures}'><style>{CSS}</style></head><body>"
            f"<h1>{_e(result.route.title)}</h1>"
            f"<p class='meta'>Route <b>{_e(result.route.name)}</b> on feedstock <b>{_e(result.feedstock.name)}</b>; "
            f"redmud {_e(meta['redmud_version'])}, {_e(meta['utc_time'])}. NPV {_num(result.extra['npv_usd'], ',.0f')} USD; "
            f"capital {_num(result.extra['capex_usd'], ',.0f')} USD.</p><nav>{nav}</nav>"
            + "".join(parts)
            + "<h2 id='metadata'>Metadata</h2><details><summary>Versions, data-file hashes, command</summary><pre>"
            + _e(json.dumps(jsonable(meta), indent=1)) + "</pre></details></body></html>")


def write_report(path, route: str, feedstock: str | None = None, overrides: dict | None = None,
                 sensitivity: bool = True, command: list[str] | None = None) -> int:
    """Build the report and write it atomically to ``path``; return the number of figures."""
    from redmud.output import write_atomic

    import os

    page = build_report(route, feedstock, overrides, sensitivity, command)
    write_atomic(path, page)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)        # readable as any file the user writes (mkstemp makes 0600)
    return page.count("<img ")
