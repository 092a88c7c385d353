"""The cost estimate of one evaluated route: capital, operating cost and revenue, traceable.

>>> from redmud.api import run
>>> from redmud.costing.estimate import estimate_costs
>>> from redmud.costing.parameters import parse_cost_values
>>> result = run("hcl-leach-sx", "greece-aog")
>>> costs = estimate_costs(result, parse_cost_values({"price.Sc2O3": "3000 USD/kg"}))
>>> costs.capex_usd, costs.opex_usd_per_year, costs.revenue_usd_per_year
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redmud.costing.capital import capital_cost
from redmud.costing.jurisdictions import DEFAULT_JURISDICTION, check_jurisdiction, corporate_tax
from redmud.costing.operating import (credit_lines, disposal_lines, fixed_lines, labor_lines, reagent_lines,
                                      utility_lines)
from redmud.costing.parameters import cost_parameter_specs, scalar
from redmud.costing.revenue import revenue_lines
from redmud.paths import DATA_DIR
from redmud.tomlfile import load_toml


@dataclass
class CostResult:
    """Capital, operating cost and revenue of a route evaluation (arrays per sample, cost-year USD)."""

    cost_year: int
    jurisdiction: str
    price_scenario: str
    installation: str
    equipment: list[dict]
    capex: dict[str, np.ndarray]
    opex: list[dict]
    revenue: list[dict]
    capex_usd: np.ndarray
    opex_usd_per_year: np.ndarray
    revenue_usd_per_year: np.ndarray
    values: dict = field(default_factory=dict)     # every cost path's value used (defaults filled)

    @property
    def total_plant_cost_usd(self) -> np.ndarray:
        return self.capex["total_plant_cost"]

    def to_dict(self) -> dict:
        """JSON-ready content (arrays of one sample become floats)."""
        def s(v):
            if isinstance(v, np.ndarray) or isinstance(v, (float, np.floating)):
                a = np.asarray(v, float)
                return float(a.reshape(-1)[0]) if a.size == 1 else a
            return v

        def row(r):
            return {k: (s(v) if not isinstance(v, (list, dict, str)) or isinstance(v, np.ndarray) else v)
                    for k, v in r.items()}

        return {"cost_year": self.cost_year, "jurisdiction": self.jurisdiction,
                "price_scenario": self.price_scenario, "installation": self.installation,
                "equipment": [row(r) for r in self.equipment],
                "capex": {k: s(v) for k, v in self.capex.items()},
                "opex": [row(r) for r in self.opex], "revenue": [row(r) for r in self.revenue],
                "totals": {"capex_usd": s(self.capex_usd), "opex_usd_per_year": s(self.opex_usd_per_year),
                           "revenue_usd_per_year": s(self.revenue_usd_per_year)},
                "values": {k: (s(v) if not isinstance(v, str) else v) for k, v in self.values.items()}}


def complete_values(values: dict) -> dict:
    """``values`` with every cost path that has a data default filled in (parsed)."""
    out = dict(values)
    for path, (param, default) in cost_parameter_specs().items():
        if path not in out and default is not None:
            out[path] = param.parse(default, path)
    return out


def estimate_costs(result, values: dict, price_file=None) -> CostResult:
    """Capital, operating cost and revenue of ``result`` (a :class:`redmud.api.RunResult`).

    ``values`` maps cost paths to parsed values (:func:`parse_cost_values`); missing paths take
    their defaults, and paths whose default is None come from the jurisdiction or price scenario.
    ``price_file`` is a user price file (``--prices``) whose scenarios come first.
    """
    values = complete_values(values)
    cost_year = int(scalar(values, "cost.year"))
    jurisdiction = check_jurisdiction(values["cost.jurisdiction"])
    n = result.n_samples
    capital = capital_cost(result.flowsheet.operations, n, values["cost.installation"], cost_year,
                           values["cost.lang_factor"], values["cost.acid_material"],
                           values["cost.owners_fraction"], values["cost.working_capital_fraction"])
    revenue = revenue_lines(result, values, cost_year, price_file)
    zero = np.zeros(n)
    total_revenue = sum((np.asarray(l["revenue_usd_per_year"], float) for l in revenue), zero)

    variable = (reagent_lines(result, values, jurisdiction, cost_year)
                + utility_lines(result, values, jurisdiction, cost_year))
    labor = labor_lines(result, values, jurisdiction, cost_year)
    labor_usd = labor[0]["annual_cost_usd"]
    fixed = fixed_lines(labor_usd, capital.total_plant_cost, values)
    disposal = disposal_lines(result, values, jurisdiction, cost_year)
    credits = credit_lines(result, values, disposal, cost_year)
    lines = variable + labor + fixed + disposal
    overhead_base = sum((np.asarray(l["annual_cost_usd"], float) for l in lines), zero)
    specs = cost_parameter_specs()
    f_over = np.asarray(values["cost.overhead_fraction"], float)
    f_sales = np.asarray(values["cost.sales_research_fraction"], float)
    lines.append({"category": "overhead", "item": "plant overhead", "quantity": f_over,
                  "quantity_unit": "fraction of operating costs above", "unit_price": overhead_base,
                  "price_unit": "USD", "date": "", "price_year": None,
                  "source": specs["cost.overhead_fraction"][0].source, "basis": "", "flags": [],
                  "annual_cost_usd": f_over * overhead_base})
    lines.append({"category": "overhead", "item": "sales and research", "quantity": f_sales,
                  "quantity_unit": "fraction of revenue", "unit_price": total_revenue, "price_unit": "USD",
                  "date": "", "price_year": None, "source": specs["cost.sales_research_fraction"][0].source,
                  "basis": "", "flags": [], "annual_cost_usd": f_sales * total_revenue})
    lines += credits
    opex = sum((np.asarray(l["annual_cost_usd"], float) for l in lines), zero)

    if "finance.tax_rate" not in values:
        values["finance.tax_rate"] = tax_rate_default(jurisdiction)
    return CostResult(cost_year, jurisdiction, values["price.scenario"], values["cost.installation"],
                      capital.rows, capital.breakdown, lines, revenue, capital.total_capital, opex,
                      total_revenue, values)


def tax_rate_default(jurisdiction: str) -> np.ndarray:
    """Income tax: finance.toml's US federal + state rate, else the jurisdiction's corporate rate."""
    if jurisdiction == DEFAULT_JURISDICTION:
        return np.asarray(load_toml(DATA_DIR / "finance.toml")["simple"]["income_tax_rate"]["value"], float)
    quote = corporate_tax(jurisdiction)
    if quote is None:   # e.g. the EU sets no rate: the US combined rate, as finance.toml's default
        return tax_rate_default(DEFAULT_JURISDICTION)
    return np.asarray(quote.value, float)
