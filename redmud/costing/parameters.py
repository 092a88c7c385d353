"""The cost layer's parameter paths: ``price.*``, ``cost.*``, ``labor.*``, ``reagent.*``,
``utility.*``, ``disposal.*``, ``credit.*``, ``market.*`` and ``finance.*``.

:func:`cost_parameter_specs` returns ``{path: (Param, default)}`` like
:func:`redmud.api.parameter_specs`. A default of ``None`` means "from the data for the chosen
jurisdiction or price scenario": such a path is left out of the parsed values unless the user
sets it (as ``feed.*`` paths are in :func:`redmud.api.resolve`), and :func:`estimate_costs`
fills it from the data with its date and source.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from redmud.costing.equipment import ACID_MATERIALS, INSTALLATION_METHODS, choices
from redmud.costing.jurisdictions import DEFAULT_JURISDICTION, JURISDICTIONS
from redmud.costing.prices import DEFAULT_SCENARIO, load_prices
from redmud.errors import InputError, unknown
from redmud.operations.base import Param
from redmud.paths import DATA_DIR
from redmud.tomlfile import load_toml
from redmud.units import index_series

FRACTION = (0.0, 1.0)
SWITCH = Param("dimensionless", 0, "0 = off, 1 = on", "costing_choices.toml", bounds=(0.0, 1.0))


def _opex(section: str, key: str) -> dict:
    return load_toml(DATA_DIR / "opex_factors.toml")[section][key]


def _fraction(description: str, record: dict, unit: str = "dimensionless", tag: str = "literature") -> Param:
    return Param(unit, record["value"], f"{description} ({record.get('basis', '')})".replace(" ()", ""),
                 record["source"], bounds=FRACTION, tag=tag)


@lru_cache(maxsize=1)
def cost_parameter_specs() -> dict[str, tuple[Param, object]]:
    """Every cost parameter path with its :class:`Param` and its default (None: from the data)."""
    finance = load_toml(DATA_DIR / "finance.toml")["simple"]
    installation = load_toml(DATA_DIR / "installation.toml")
    ch = choices()
    cepci = index_series("CEPCI")
    specs: dict[str, tuple[Param, object]] = {}

    scenarios = load_prices()
    specs["price.scenario"] = (Param("", DEFAULT_SCENARIO, "product price scenario (prices.toml; a file of "
                                     "your own with --prices)", "prices.toml", kind="choice",
                                     choices=tuple(scenarios)), DEFAULT_SCENARIO)
    products = sorted({p for s in scenarios.values() for p in s})
    base = scenarios[DEFAULT_SCENARIO]
    for product in products:
        shown = f"{base[product].usd_per_kg:g} USD/kg" if product in base else "scenario"
        specs[f"price.{product}"] = (Param("USD/kg", shown, f"price of {product} at the purity of its record "
                                           "(default: the price scenario, escalated to cost.year)",
                                           "prices.toml", bounds=(0.0, 1e6), tag="literature"), None)
    real = load_toml(DATA_DIR / "prices.toml")["price_realisation"]["mixed_REO"]
    specs["price.realisation"] = (Param("dimensionless", real["factor"], "share of the pure-oxide value paid for a "
                                        "mixed product or one below its price record's purity", real["source"],
                                        bounds=FRACTION, tag="literature"), real["factor"])
    market = ch["market"]["Sc2O3"]
    specs["market.price_volume"] = (SWITCH, 0)
    specs["market.sc_elasticity"] = (Param("dimensionless", market["elasticity"]["value"],
                                           "price elasticity of Sc2O3 demand for the price-volume curve",
                                           market["elasticity"]["flag"], bounds=(0.05, 100.0), tag="assumed"),
                                     market["elasticity"]["value"])
    specs["market.sc_world_output"] = (Param("tonne/year", f"{market['world_output']['value']} t/yr",
                                             "world Sc2O3 output", market["world_output"]["source"],
                                             bounds=(1.0, 1e5), tag="literature"),
                                       f"{market['world_output']['value']} t/yr")
    specs["market.sc_share_warning"] = (Param("dimensionless", market["share_warning"]["value"],
                                              "share of world Sc2O3 output above which a warning is logged",
                                              market["share_warning"]["flag"], bounds=FRACTION, tag="assumed"),
                                        market["share_warning"]["value"])

    specs["cost.year"] = (Param("dimensionless", 2024, "cost year of every amount (CEPCI for capital, the "
                                "price index for prices); 2024 CEPCI is a June-2024 proxy (cepci.toml)",
                                "cepci.toml, price_index.toml", bounds=(float(min(cepci)), float(max(cepci))),
                                kind="integer"), 2024)
    specs["cost.installation"] = (Param("", "lang", "installation method: 'lang' prefers purchased-cost "
                                        "correlations with a Lang factor; 'qgess' prefers NETL bare erected "
                                        "records with the QGESS percentages (each record takes the factors of "
                                        "its own basis)", "installation.toml", kind="choice",
                                        choices=INSTALLATION_METHODS), "lang")
    lang = installation["lang_peters"]
    specs["cost.lang_factor"] = (Param("dimensionless", lang["solid_fluid"], "Lang factor, fixed capital / "
                                       "purchased equipment (solid-fluid plant)", lang["source"],
                                       bounds=(lang["solid"], lang["fluid"]), tag="literature"), lang["solid_fluid"])
    specs["cost.jurisdiction"] = (Param("", DEFAULT_JURISDICTION, "jurisdiction of labor, power, reagent, "
                                        "disposal and tax data", "jurisdictions.toml", kind="choice",
                                        choices=JURISDICTIONS), DEFAULT_JURISDICTION)
    specs["cost.acid_material"] = (Param("", ch["materials"]["default_acid_material"], "material of equipment "
                                         "in acid service that reports carbon steel", ch["materials"]["flag"],
                                         kind="choice", choices=ACID_MATERIALS), ch["materials"]["default_acid_material"])
    maint = _opex("maintenance", "qgess")
    specs["cost.maintenance_fraction"] = (_fraction("maintenance", maint, "1/year"), maint["value"])
    ins = _opex("insurance_and_tax", "qgess")
    specs["cost.insurance_fraction"] = (_fraction("property tax and insurance", ins, "1/year"), ins["value"])
    over = _opex("overheads", "plant_overhead_qgess")
    specs["cost.overhead_fraction"] = (_fraction("plant overhead", over), over["value"])
    sales = _opex("overheads", "sales_research_qgess")
    specs["cost.sales_research_fraction"] = (_fraction("sales and research", sales), sales["value"])
    wc = ch["capital"]["working_capital"]
    specs["cost.working_capital_fraction"] = (_fraction("working capital", wc), wc["value"])
    own = ch["capital"]["owners_costs"]
    specs["cost.owners_fraction"] = (Param("dimensionless", own["value"], "owner's costs, fraction of total "
                                           "plant cost", own["note"], bounds=FRACTION, tag="assumed"), own["value"])

    labor = ch["labor"]
    specs["labor.rate"] = (Param("USD/hour", "jurisdiction", "operator labor rate before burden (default: the "
                                 "jurisdiction's record)", "jurisdictions.toml", bounds=(0.0, 1000.0)), None)
    burden = load_toml(DATA_DIR / "opex_factors.toml")["labor"]["qgess"]
    specs["labor.burden"] = (_fraction("labor burden", burden["labor_burden"]), burden["labor_burden"]["value"])
    specs["labor.admin_fraction"] = (_fraction("administrative labor", burden["admin_labor"]),
                                     burden["admin_labor"]["value"])
    specs["labor.qa_qc_fraction"] = (_fraction("QA/QC labor", burden["qa_qc_labor"]), burden["qa_qc_labor"]["value"])
    ops = labor["operators_per_section"]
    specs["labor.operators_per_section"] = (Param("dimensionless", ops["value"], "operators per shift per process "
                                                  "section (one section per unit operation: "
                                                  f"{labor['section_per_operation']['flag']})", ops["source"],
                                                  bounds=(0.0, 20.0), tag="literature"), ops["value"])
    specs["labor.shifts"] = (Param("dimensionless", labor["shifts"]["value"], "crews per operator position",
                                   labor["shifts"]["source"], bounds=(1.0, 10.0), tag="literature"),
                             labor["shifts"]["value"])
    hours = labor["hours_per_operator"]
    specs["labor.hours_per_operator"] = (Param("hour/year", f"{hours['value']} hour/year", "paid hours per operator",
                                               hours["source"], bounds=(1000.0, 4000.0), tag="literature"),
                                         f"{hours['value']} hour/year")

    for name, rec in ch["reagents"].items():
        if rec["price"] != "none":
            specs[f"reagent.{name}"] = (Param("USD/tonne", "jurisdiction", f"price of {name} per t of 100 % "
                                              f"substance (default: reagents.toml [{rec['price']}] or the "
                                              "jurisdiction's quote, converted and escalated; 0 and flagged "
                                              "where no price was found)", "reagents.toml",
                                              bounds=(0.0, 1e7)), None)
    for key, rec in ch["utilities"].items():
        name = rec["price"].split(".")[-1]
        specs[f"utility.{name}"] = (Param(f"USD/{rec['per']}", "jurisdiction", f"price of {name} (for {key})",
                                          "reagents.toml / jurisdictions.toml", bounds=(0.0, 1e4)), None)
    for cls, rec in ch["disposal"].items():
        if "record" in rec:
            specs[f"disposal.{cls}"] = (Param("USD/tonne", "jurisdiction", f"disposal cost of {cls} per wet t "
                                              "(default: the jurisdiction's record)", rec["reason"],
                                              bounds=(0.0, 1e5)), None)
        else:
            specs[f"disposal.{cls}"] = (Param("USD/tonne", "0 USD/t", f"disposal cost of {cls} per wet t",
                                              rec.get("note") or rec.get("reason"), bounds=(0.0, 1e5),
                                              tag="assumed"), "0 USD/t")
    for name, rec in ch["credits"].items():
        specs[f"credit.{name}"] = (Param("dimensionless", rec["default"], f"credit for {name} (0 off, 1 on): "
                                         f"{rec['specification']}", rec["reason"], bounds=(0.0, 1.0)), rec["default"])

    rate = finance["discount_rate"]
    specs["finance.discount_rate"] = (Param("1/year", f"{rate['value']} 1/year", "discount rate", rate["source"],
                                            bounds=(0.0, 1.0), tag="literature"), f"{rate['value']} 1/year")
    life = finance["plant_life"]
    specs["finance.plant_life"] = (Param("year", f"{life['value']} year", "operating years", life["source"],
                                         bounds=(1.0, 100.0), tag="literature"), f"{life['value']} year")
    tax = finance["income_tax_rate"]
    specs["finance.tax_rate"] = (Param("dimensionless", "jurisdiction", "income tax rate (default: "
                                       f"{tax['value']} US federal + state, finance.toml; other jurisdictions' "
                                       "corporate rate from jurisdictions.toml)", tax["source"], bounds=FRACTION,
                                       tag="literature"), None)
    return specs


def parse_cost_values(overrides: dict | None = None, scenarios: dict | None = None) -> dict:
    """Parsed values of every cost path (defaults, then ``overrides``); None defaults omitted.

    ``scenarios`` (from a ``--prices`` file) widens the choices of ``price.scenario``.
    """
    specs = cost_parameter_specs()
    overrides = dict(overrides or {})
    for path in overrides:
        if path not in specs:
            raise unknown(path, "cost parameter path", path, specs)
    values = {}
    for path, (param, default) in specs.items():
        if path == "price.scenario" and scenarios:
            value = overrides.get(path, default)
            if value not in scenarios:
                raise unknown(path, "price scenario", str(value), scenarios)
            values[path] = value
            continue
        if path not in overrides and default is None:
            continue
        values[path] = param.parse(overrides.get(path, default), path)
    return values


def scalar(values: dict, path: str) -> float:
    """A value that must be one number for every sample (e.g. ``cost.year``)."""
    array = np.unique(np.asarray(values[path], dtype=float))
    if array.size != 1:
        raise InputError(path, f"must be one value for all samples, got {array.size} different values")
    return float(array[0])
