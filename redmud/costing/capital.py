"""Capital cost: equipment table, installation (Lang or NETL QGESS), plant cost, total capital.

Installation is applied once, by the cost basis of each record (installation.toml):

.. math:: TPC = F_{Lang} \\sum C_{p,i} + (1 + \\sum_k p_k) \\sum BEC_j

with C_p the purchased costs (a Lang factor, Lang 1948 via Peters et al.) and BEC the NETL bare
erected costs (the QGESS percentages p_k as in PrOMMiS). Then owner's costs and working capital
as fractions of TPC: TCI = TPC (1 + f_owner + f_wc).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from redmud.costing.equipment import METHOD_OF_BASIS, PricedItem, check_basis, price_item
from redmud.paths import DATA_DIR
from redmud.tomlfile import load_toml

QGESS_ITEMS = ("piping", "electrical", "instrumentation", "plant_services", "process_buildings",
               "auxiliary_buildings", "site_improvements", "equipment_installation", "field_expenses",
               "project_management_and_construction", "process_contingency")


@lru_cache(maxsize=1)
def qgess_percentages() -> dict[str, float]:
    """The NETL QGESS items [% of BEC] (installation.toml [netl_qgess])."""
    table = load_toml(DATA_DIR / "installation.toml")["netl_qgess"]
    return {k: float(table[k]) for k in QGESS_ITEMS}


@lru_cache(maxsize=1)
def installation_sources() -> dict[str, str]:
    data = load_toml(DATA_DIR / "installation.toml")
    return {"qgess": data["netl_qgess"]["source"], "lang": data["lang_peters"]["source"]}


def installation_factor(cost_basis: str, lang_factor) -> tuple[object, str]:
    """Installed / (purchased or bare erected) cost for a record's basis, and how it was made."""
    method = METHOD_OF_BASIS[cost_basis]
    if method == "lang":
        return lang_factor, "Lang factor on purchased cost"
    total = sum(qgess_percentages().values())
    return 1.0 + total / 100.0, f"NETL QGESS {total:g} % of BEC"


@dataclass
class CapitalResult:
    items: list[PricedItem]
    rows: list[dict]
    breakdown: dict[str, np.ndarray]      # USD of cost.year, per sample
    total_plant_cost: np.ndarray
    total_capital: np.ndarray


def capital_cost(operations: dict, n_samples: int, method: str, cost_year: int, lang_factor,
                 acid_material: str, owners_fraction, working_capital_fraction) -> CapitalResult:
    """Price every Equipment item of ``operations`` (op id -> OperationResult) and build capital."""
    items = []
    for op_id, op in operations.items():
        for name, equipment in op.equipment.items():
            item = price_item(op_id, name, equipment, method, cost_year, acid_material, n_samples,
                              getattr(op, "info", None))
            check_basis(item)
            items.append(item)
    zero = np.zeros(n_samples)
    purchased = sum((i.cost for i in items if i.cost_basis == "purchased"), zero)
    bec = sum((i.cost for i in items if i.cost_basis == "bare_erected"), zero)
    lang = np.asarray(lang_factor, dtype=float)
    rows = []
    for i in items:
        factor, how = installation_factor(i.cost_basis, lang)
        rows.append(equipment_row(i, i.cost * factor, how))
    breakdown = {"purchased_equipment": purchased,
                 "lang_installation_and_indirects": purchased * (lang - 1.0),
                 "bare_erected_cost": bec}
    for key, pct in qgess_percentages().items():
        breakdown[f"qgess_{key}"] = bec * pct / 100.0
    tpc = sum(breakdown.values(), zero)
    breakdown["total_plant_cost"] = tpc
    breakdown["owners_costs"] = tpc * np.asarray(owners_fraction, dtype=float)
    breakdown["working_capital"] = tpc * np.asarray(working_capital_fraction, dtype=float)
    tci = tpc + breakdown["owners_costs"] + breakdown["working_capital"]
    breakdown["total_capital_investment"] = tci
    return CapitalResult(items, rows, breakdown, tpc, tci)


def equipment_row(i: PricedItem, installed: np.ndarray, how: str) -> dict:
    """One line of the itemised equipment table (arrays per sample)."""
    return {
        "operation": i.operation, "item": i.item, "kind": i.kind, "correlation": i.correlation,
        "size": i.size_reported, "size_unit": i.size_unit,
        "size_per_unit": i.size, "correlation_unit": i.correlation_unit,
        "units_in_parallel": i.units_in_parallel, "cost_basis": i.cost_basis,
        "base_cost_year": i.base_year, "cost_year": i.cost_year, "cepci_factor": i.escalation,
        "material": i.material, "materials_factor": i.materials_factor, "materials_note": i.materials_note,
        "source": i.source, "escalated_cost_usd": i.cost, "installation": how,
        "installed_cost_usd": installed, "flags": list(i.flags),
    }
