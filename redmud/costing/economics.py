"""Economics of a route evaluation: costs (capital, operating, revenue) turned into a cash flow.

:func:`evaluate_economics` joins :func:`redmud.costing.estimate.estimate_costs` and
:func:`redmud.costing.cashflow.cash_flow`: revenue and output are passed by product (output in
kg of contained oxide per year), so the levelised cost of a product is per kg of its oxide and
its break-even price is the realised revenue per kg of oxide that makes NPV zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redmud.costing.cashflow import CashFlowResult, cash_flow
from redmud.costing.estimate import CostResult, estimate_costs

CONVENTIONS = ("simple", "qgess")


@dataclass
class Economics:
    costs: CostResult
    cash: CashFlowResult
    convention: str

    def summary(self) -> dict:
        """The documented economics keys of ``redmud run --json`` (arrays per sample)."""
        cash = self.cash
        breakeven, reasons = {}, {}
        for product in cash.products:
            breakeven[product], reasons[product] = cash.breakeven_price(product, return_reason=True)
        return {
            "cost_year": self.costs.cost_year, "jurisdiction": self.costs.jurisdiction,
            "price_scenario": self.costs.price_scenario, "convention": self.convention,
            "capex_usd": self.costs.capex_usd, "opex_usd_per_year": self.costs.opex_usd_per_year,
            "revenue_usd_per_year": self.costs.revenue_usd_per_year,
            "npv_usd": cash.npv, "irr": cash.irr, "irr_reason": cash.irr_reason,
            "payback_years": cash.payback_years, "payback_years_reason": cash.payback_reason,
            "levelized_cost_usd_per_kg": dict(cash.levelized_cost),
            "levelized_cost_usd_per_kg_reason": dict(cash.levelized_cost_reason),
            "breakeven_price_usd_per_kg": breakeven, "breakeven_price_usd_per_kg_reason": reasons,
            "breakeven_basis": "realised revenue per kg of contained oxide that makes NPV zero "
                               "(divide by the payability for a quoted market price)",
        }


def evaluate_economics(result, cost_values: dict, convention: str = "simple", price_file=None) -> Economics:
    """Costs and cash flow of a :class:`redmud.api.RunResult`."""
    costs = estimate_costs(result, cost_values, price_file)
    n = result.n_samples
    revenue: dict[str, np.ndarray] = {}
    for line in costs.revenue:
        revenue[line["product"]] = revenue.get(line["product"], 0.0) + np.asarray(line["revenue_usd_per_year"], float)
    output = {name: np.broadcast_to(np.asarray(p["contained_oxide_kg_per_year"], float), (n,))
              for name, p in result.products.items()}
    revenue = {name: np.broadcast_to(revenue.get(name, 0.0), (n,)) for name in output}
    values = costs.values
    cash = cash_flow(costs.capex_usd, costs.opex_usd_per_year, revenue or np.zeros(n), output or None,
                     convention, discount_rate=np.asarray(values["finance.discount_rate"], float),
                     plant_life=np.asarray(values["finance.plant_life"], float),
                     income_tax_rate=np.asarray(values["finance.tax_rate"], float))
    return Economics(costs, cash, convention)
