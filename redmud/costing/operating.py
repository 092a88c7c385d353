"""Operating cost: reagents, utilities, labor, fixed O&M, overheads, disposal and credits.

.. math:: OPEX = \\sum_r m_r p_r + \\sum_u E_u p_u + L + M + I + O + \\sum_s m_s d_s - credits

Reagents are priced per tonne of 100 % substance (the price's basis converted, e.g. HCl sold
as a 36 wt% solution: 168 / 0.36 USD per t HCl) and their consumption is counted the same way
(the water added with them is not counted). Prices move from their own year to the cost year
with the price index (not CEPCI). Fixed O&M follows the NETL QGESS convention as in PrOMMiS
(opex_factors.toml): labor burden 25 %, admin 20 % and QA/QC 10 % of labor, maintenance 2 % and
property tax and insurance 1 % of TPC per year, plant overhead 20 % of the operating costs, sales
and research 0.5 % of revenue. Operators: Seider's 2 per process section x 5 shifts x 2,080 h.
"""

from __future__ import annotations

import logging

import numpy as np

from redmud.chemistry import ATOMIC_WEIGHTS, mass_fractions, molar_mass
from redmud.costing.equipment import choices
from redmud.costing.jurisdictions import (DEFAULT_JURISDICTION, Quote, jurisdiction_quote, labor_rate,
                                          reagent_quote, utility_quote)
from redmud.errors import InputError, unknown
from redmud.streams import COMPONENT_INDEX
from redmud.units import escalate, index_series

log = logging.getLogger(__name__)
KWH_PER_GJ = 1e9 / 3.6e6          # 1 GJ = 277.78 kWh (definition of the kWh)


def pure_reagent_kg_h(stream, formula: str, key: str) -> np.ndarray:
    """Mass [kg/h] of 100 % ``formula`` in an added stream, counted from its ``key`` element.

    ``key = "all"`` takes the whole stream; ``"O_excess"`` counts a peroxide from the oxygen
    beyond water's (n_O - n_H / 2 per H2O2).
    """
    comps = stream.components()
    if key == "all":
        return stream.total()
    if key == "O_excess":
        n_o = comps[COMPONENT_INDEX["O"]] / ATOMIC_WEIGHTS["O"]
        n_h = comps[COMPONENT_INDEX["H"]] / ATOMIC_WEIGHTS["H"]
        return np.maximum(n_o - n_h / 2.0, 0.0) * molar_mass(formula)
    return comps[COMPONENT_INDEX[key]] / mass_fractions(formula)[key]


def _escalated(value, quote: Quote | None, cost_year: int, user: bool):
    """A price in cost-year money: user values as given; data escalated by the price index."""
    if user or quote is None or quote.price_year is None:
        return np.asarray(value, float)
    year = min(quote.price_year, max(index_series("PRICE")))   # quotes newer than the index: its last year
    return np.asarray(escalate(value, year, cost_year, "PRICE"), float)


def _price_fields(quote: Quote | None, path: str, user: bool, cost_year: int) -> dict:
    if user:
        return {"date": "user value", "price_year": cost_year, "source": f"--set {path}", "basis": "", "flags": []}
    flags = list(quote.flags)
    if quote.price_year is None:
        flags.append("no price year in the source: not escalated")
    return {"date": quote.date, "price_year": quote.price_year, "source": quote.source, "basis": quote.basis,
            "flags": flags}


def reagent_lines(result, values: dict, jurisdiction: str, cost_year: int) -> list[dict]:
    """Reagent cost lines: consumption [t/yr of 100 %] x price [USD/t of 100 %]."""
    table = choices()["reagents"]
    fs = result.flowsheet
    hours = fs.hours_per_year
    used: dict[str, dict] = {}
    for op_id, op in fs.operations.items():
        for name, stream in op.added.items():
            if name not in table:
                raise unknown(f"operations.{op_id}.added", "reagent (no price mapping in "
                              "redmud/data/costing_choices.toml [reagents])", name, table)
            rec = table[name]
            kg = pure_reagent_kg_h(stream, rec["formula"], rec["key"]) * hours
            entry = used.setdefault(name, {"kg": 0.0, "operations": []})
            entry["kg"] = entry["kg"] + kg
            entry["operations"].append(op_id)
    lines = []
    for name, entry in used.items():
        rec = table[name]
        tonnes = np.asarray(entry["kg"], float) / 1000.0
        path = f"reagent.{name}"
        if rec["price"] == "none":
            lines.append({"category": "reagent", "item": name, "quantity": tonnes, "quantity_unit": "t/yr",
                          "unit_price": 0.0, "price_unit": "USD/t", "date": "", "price_year": None,
                          "source": rec["reason"], "basis": "", "flags": [], "operations": entry["operations"],
                          "annual_cost_usd": np.zeros_like(tonnes)})
            continue
        user = path in values
        absent = _absent_price(rec)
        if absent and not user:
            log.warning("no price for reagent %s (%s): counted at 0 USD/t; set %s", name, absent, path)
            lines.append({"category": "reagent", "item": name, "quantity": tonnes, "quantity_unit": "t/yr (100 %)",
                          "unit_price": 0.0, "price_unit": "USD/t", "date": "", "price_year": None,
                          "source": absent, "basis": "", "flags": [f"absent: no price found; set {path}"],
                          "operations": entry["operations"], "annual_cost_usd": np.zeros_like(tonnes)})
            continue
        quote = None
        if not user:
            density = rec.get("density_kg_per_l", {}).get("value")
            quote = reagent_quote(rec["price"], jurisdiction, rec.get("concentration_wt"), density)
        price = _escalated(values[path] if user else quote.value, quote, cost_year, user)
        fields = _price_fields(quote, path, user, cost_year)
        if rec.get("flag"):
            fields["flags"].append(rec["flag"])
        lines.append({"category": "reagent", "item": name, "quantity": tonnes, "quantity_unit": "t/yr (100 %)",
                      "unit_price": price, "price_unit": "USD/t", **fields, "operations": entry["operations"],
                      "annual_cost_usd": tonnes * price})
    return lines


def _absent_price(rec: dict) -> str:
    """The note of a reagent without a price ("" when it has one)."""
    if rec["price"] == "absent":
        return rec.get("note", "no price")
    from redmud.costing.jurisdictions import reagent_data
    record = reagent_data().get(rec["price"], {})
    return record.get("note", "no price") if record.get("absent") else ""


def utility_lines(result, values: dict, jurisdiction: str, cost_year: int) -> list[dict]:
    """Utility cost lines: average power [kW] x hours x price (per kWh or per GJ)."""
    table = choices()["utilities"]
    hours = result.flowsheet.hours_per_year
    lines = []
    for key, kw in result.utilities.items():
        if key not in table:
            raise unknown("operations consumption", "utility (no price mapping in "
                          "redmud/data/costing_choices.toml [utilities])", key, table)
        rec = table[key]
        name = rec["price"].split(".")[-1]
        path = f"utility.{name}"
        per_hour = np.asarray(kw, float) * hours          # kWh/yr, or m^3/yr for a volume
        quantity = per_hour / KWH_PER_GJ if rec["per"] == "GJ" else per_hour
        user = path in values
        quote = None if user else utility_quote(rec["price"], jurisdiction, rec["per"])
        price = _escalated(values[path] if user else quote.value, quote, cost_year, user)
        lines.append({"category": "utility", "item": key, "quantity": quantity, "quantity_unit": f"{rec['per']}/yr",
                      "unit_price": price, "price_unit": f"USD/{rec['per']}",
                      **_price_fields(quote, path, user, cost_year), "annual_cost_usd": quantity * price})
    return lines


def labor_lines(result, values: dict, jurisdiction: str, cost_year: int) -> list[dict]:
    """Operating labor: (operators per section x sections) x shifts x hours x rate (+ burden)."""
    sections = len(result.route.steps)
    per_section = np.asarray(values["labor.operators_per_section"], float)
    shifts = np.asarray(values["labor.shifts"], float)
    hours_each = np.asarray(values["labor.hours_per_operator"], float)
    hours = sections * per_section * shifts * hours_each
    user = "labor.rate" in values
    quote, needs_burden = (None, True) if user else labor_rate(jurisdiction, float(np.mean(hours_each)))
    rate = _escalated(values["labor.rate"] if user else quote.value, quote, cost_year, user)
    burden = np.asarray(values["labor.burden"], float) if needs_burden else 0.0
    fields = _price_fields(quote, "labor.rate", user, cost_year)
    if not needs_burden:
        fields["flags"].append("labor cost already includes employer contributions: no burden added")
    labor = hours * rate * (1.0 + burden)
    ch = choices()["labor"]
    return [{"category": "labor", "item": "operating labor", "quantity": hours, "quantity_unit": "h/yr",
             "unit_price": rate * (1.0 + burden), "price_unit": "USD/h (with burden)", **fields,
             "derivation": f"{sections} sections (unit operations) x operators per section x shifts x hours; "
                           f"{ch['operators_per_section']['source']}",
             "annual_cost_usd": labor}]


def fixed_lines(labor: np.ndarray, tpc: np.ndarray, values: dict) -> list[dict]:
    """QGESS fixed O&M: admin and QA/QC (of labor), maintenance and tax & insurance (of TPC)."""
    specs = _specs()
    lines = []
    for path, base, base_name in (("labor.admin_fraction", labor, "operating labor"),
                                  ("labor.qa_qc_fraction", labor, "operating labor"),
                                  ("cost.maintenance_fraction", tpc, "total plant cost"),
                                  ("cost.insurance_fraction", tpc, "total plant cost")):
        f = np.asarray(values[path], float)
        lines.append({"category": "fixed", "item": path.split(".")[1].replace("_fraction", ""),
                      "quantity": f, "quantity_unit": f"fraction of {base_name}", "unit_price": base,
                      "price_unit": "USD", "date": "", "price_year": None, "source": specs[path][0].source,
                      "basis": "", "flags": [], "annual_cost_usd": f * base})
    return lines


def disposal_lines(result, values: dict, jurisdiction: str, cost_year: int) -> list[dict]:
    """Disposal of every terminal residue, effluent, purge and emission stream (wet t/yr x USD/t)."""
    table = choices()["disposal"]
    fs = result.flowsheet
    lines = []
    for stream_name, cls in fs.route.terminals.items():
        if cls == "products":
            continue
        rec = table[cls]
        tonnes = fs.streams[stream_name].total() * fs.hours_per_year / 1000.0
        path = f"disposal.{cls}"
        user = path in values and "record" in rec
        quote = None
        if "record" in rec and not user:
            quote = jurisdiction_quote(jurisdiction, rec["record"])
            if quote is None:
                raise InputError(path, f"no {rec['record']} record for {jurisdiction} or "
                                       f"{DEFAULT_JURISDICTION}; set {path}")
            price = _escalated(quote.value, quote, cost_year, False)
            fields = _price_fields(quote, path, False, cost_year)
            fields["flags"].append(rec["reason"])
        elif "record" in rec:
            price = np.asarray(values[path], float)
            fields = _price_fields(None, path, True, cost_year)
        else:
            price = np.asarray(values[path], float)
            note = rec.get("note") or rec.get("reason", "")
            fields = {"date": "", "price_year": None, "source": note, "basis": "",
                      "flags": ["absent: no cited cost"] if rec.get("absent") and not np.any(price > 0) else []}
        lines.append({"category": "disposal", "item": f"{stream_name} ({cls})", "quantity": tonnes,
                      "quantity_unit": "t/yr (wet)", "unit_price": price, "price_unit": "USD/t", **fields,
                      "annual_cost_usd": tonnes * price})
    return lines


def credit_lines(result, values: dict, disposal: list[dict], cost_year: int) -> list[dict]:
    """Credits that are switched on (credit.<name> = 1), each for named streams only (negative cost)."""
    table = choices()["credits"]
    fs = result.flowsheet
    lines = []
    for name, rec in table.items():
        on = np.asarray(values[f"credit.{name}"], float) >= 0.5
        if not np.any(on):
            continue
        streams = [s for s, cls in fs.route.terminals.items()
                   if cls == "residues" and any(tag in s.lower() for tag in rec["streams"])]
        for stream_name in streams:
            stream = fs.streams[stream_name]
            if name == "gypsum":
                solid = stream.phase("solid")
                n = np.minimum(solid[COMPONENT_INDEX["Ca"]] / ATOMIC_WEIGHTS["Ca"],
                               solid[COMPONENT_INDEX["S"]] / ATOMIC_WEIGHTS["S"])
                tonnes = n * molar_mass("CaSO4(H2O)2") * fs.hours_per_year / 1000.0
                quote = reagent_quote(rec["price"], DEFAULT_JURISDICTION)
                price = _escalated(quote.value, quote, cost_year, False)
                fields = _price_fields(quote, f"credit.{name}", False, cost_year)
            else:
                match = [l for l in disposal if l["item"].startswith(f"{stream_name} (")]
                tonnes = match[0]["quantity"] if match else 0.0
                price = match[0]["unit_price"] if match else 0.0
                fields = {"date": match[0]["date"] if match else "", "price_year": None,
                          "source": "avoided disposal (disposal.residues)", "basis": "", "flags": []}
            lines.append({"category": "credit", "item": f"{name}: {stream_name}", "quantity": tonnes,
                          "quantity_unit": "t/yr", "unit_price": price, "price_unit": "USD/t", **fields,
                          "specification": rec["specification"],
                          "annual_cost_usd": -np.where(on, tonnes * price, 0.0)})
    return lines


def _specs():
    from redmud.costing.parameters import cost_parameter_specs
    return cost_parameter_specs()
