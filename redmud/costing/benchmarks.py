"""Reference bands for a route's cost per kg of oxide: mined-ore producers and a scale regression.

Two kinds of band, each a :class:`Band` (low, central, high in USD per kg of a stated basis, in
the money of a chosen cost year, with its source):

* :func:`producer_cost_bands`: production or operating costs that producers and project studies
  report (``redmud/data/mined_ore.toml`` ``[producer_costs]``; shared/reference/mined_ore.csv,
  ore_costs.csv, tea_studies.csv). These are operating (cash) costs per kg of product, so they
  move between years with the PRICE index (US CPI-U, ``price_index.toml``), not CEPCI.
* :func:`fritz2023_band`: the Fritz, Tarka & Mauter (2023) cost-versus-scale power law
  ``C = a (grade x capacity)^b`` for unconventional REE feedstocks, with the coefficient spread
  as the band. Its capital term moves with CEPCI (it is a capital cost per kg); its operating
  and process-stage terms with the PRICE index.

What one kg is differs between records (``basis``): kg of REO in a mineral concentrate, kg of
separated REO, kg of NdPr oxide, kg of Sc2O3, kg of REE. Only bands of the same basis compare
with a route's levelised cost of that product.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from redmud.errors import InputError, unknown
from redmud.paths import DATA_DIR
from redmud.tomlfile import load_toml
from redmud.units import escalate

MINED_ORE_FILE = "mined_ore.toml"
#: Index by which each kind of amount moves between years (see redmud.units.escalate).
OPERATING_INDEX = "PRICE"
CAPITAL_INDEX = "CEPCI"


@dataclass(frozen=True)
class Band:
    """A reference range of cost per kg, in USD of ``cost_year``.

    ``basis`` names what one kg is (``"Sc2O3"``, ``"REO"``, ``"REO in concentrate"``,
    ``"NdPr oxide"``, ``"REE"``); ``description`` is the record's own wording; ``index`` the
    index that moved it from ``source_year`` to ``cost_year``; ``flags`` say what to be careful
    of (conversions, low-quality sources) and ``note`` is the record's own note.
    """

    name: str
    low: float
    central: float
    high: float
    basis: str
    description: str
    cost_year: int
    source_year: int
    index: str
    source: str
    flags: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""
    unit: str = "USD/kg"

    def to_dict(self) -> dict:
        out = asdict(self)
        out["flags"] = list(self.flags)
        return out


@lru_cache(maxsize=1)
def mined_ore_data() -> dict:
    """The parsed ``redmud/data/mined_ore.toml``."""
    return load_toml(DATA_DIR / MINED_ORE_FILE)


def kg_basis(description: str) -> str:
    """What one kg of a producer-cost record is, read from its ``basis`` text.

    Sc2O3 is checked first, then NdPr, then "concentrate" (REO contained in a mineral
    concentrate, not a separated product), else separated or total REO.
    """
    if "Sc2O3" in description:
        return "Sc2O3"
    if "NdPr" in description:
        return "NdPr oxide"
    if "concentrate" in description:
        return "REO in concentrate"
    return "REO"


def usd_per_unit(currency: str, year: int, where: str) -> float:
    """USD per unit of ``currency`` in ``year`` from the ``[*.fx]`` tables of jurisdictions.toml.

    .. math:: \\mathrm{USD} = x \\cdot r_{USD/CUR}, \\quad r_{USD/CUR} = 1 / r_{CUR/USD}

    Source: US Federal Reserve G.5A annual rates as recorded in jurisdictions.toml.
    """
    if currency == "USD":
        return 1.0
    from redmud.costing.jurisdictions import jurisdiction_data

    for table in jurisdiction_data().values():
        fx = table.get("fx") if isinstance(table, dict) else None
        if not isinstance(fx, dict) or str(year) not in fx.get("values", {}):
            continue
        rate = float(fx["values"][str(year)])
        if fx.get("unit") == f"USD/{currency}":
            return rate
        if fx.get("unit") == f"{currency}/USD":
            return 1.0 / rate
    raise InputError(where, f"no {currency}/USD exchange rate for {year} in jurisdictions.toml [*.fx]")


def producer_cost_bands(cost_year: int = 2024, basis: str | None = None) -> list[Band]:
    """Reported producer and project costs per kg as bands in USD of ``cost_year``.

    For each record of ``mined_ore.toml [producer_costs]`` (records marked ``absent`` are left
    out; see :func:`producer_cost_gaps`): central = ``value``, low = ``low`` (else ``value``),
    high = ``high`` (else ``value``), converted to USD with the record year's exchange rate
    where the source reports another currency, then escalated

    .. math:: C_{y} = C_{y_0} \\, \\mathrm{CPI}(y) / \\mathrm{CPI}(y_0)

    from the record's ``price_year`` y0 to ``cost_year`` y with the PRICE index (US CPI-U,
    price_index.toml): these are operating costs, not capital.

    Parameters
    ----------
    cost_year : int
        Year of the money of the result (1990-2024, the span of the index).
    basis : str, optional
        Keep only bands of this kg basis (see :func:`kg_basis`).

    Returns
    -------
    list of Band [USD/kg]
    """
    bands = []
    for name, rec in mined_ore_data()["producer_costs"].items():
        if rec.get("absent"):
            continue
        where = f"{MINED_ORE_FILE} [producer_costs.{name}]"
        unit = str(rec["unit"])
        currency = unit.split("/")[0]
        year = int(rec["price_year"])
        to_usd = usd_per_unit(currency, year, where)
        central = float(rec["value"])
        low, high = float(rec.get("low", central)), float(rec.get("high", central))
        values = [escalate(v * to_usd, year, int(cost_year), OPERATING_INDEX) for v in (low, central, high)]
        flags = []
        if currency != "USD":
            flags.append(f"converted from {currency} at {to_usd:.4g} USD/{currency} ({year}, jurisdictions.toml fx)")
        if rec.get("quality") == "low":
            flags.append("low-quality source")
        if rec.get("verify"):
            flags.append("to verify")
        if "low" not in rec and "high" not in rec:
            flags.append("single reported value")
        description = str(rec.get("basis", ""))
        band = Band(name=name, low=min(values), central=values[1], high=max(values),
                    basis=kg_basis(description), description=description, cost_year=int(cost_year),
                    source_year=year, index=OPERATING_INDEX, source=str(rec["source"]),
                    flags=tuple(flags), note=str(rec.get("note", "")))
        if basis is None or band.basis == basis:
            bands.append(band)
    return bands


def producer_cost_gaps() -> dict[str, str]:
    """Producers for which no cost per kg was found (``absent`` records), with the note why."""
    return {name: str(rec.get("note", "")) for name, rec in mined_ore_data()["producer_costs"].items()
            if rec.get("absent")}


# --- Fritz, Tarka & Mauter (2023) ------------------------------------------------------------

def fritz2023_record() -> dict:
    """The ``[fritz2023]`` table of mined_ore.toml (form, coefficients, cost year, source)."""
    return mined_ore_data()["fritz2023"]


def fritz2023_stages() -> tuple[str, ...]:
    """Names of the fitted cost components (``total_capital``, ``total_operating``, ...)."""
    return tuple(k for k, v in fritz2023_record().items() if isinstance(v, dict) and "a" in v and "b" in v)


def fritz2023_lifetime_years() -> float:
    """Years of operation over which PrOMMiS sums the feed for the regression's capacity.

    Source: finance.toml ``[simple.alternatives] plant_life_20`` (PrOMMiS multiplies the feed rate
    by the annual operating hours and 20 years).
    """
    return float(load_toml(DATA_DIR / "finance.toml")["simple"]["alternatives"]["plant_life_20"]["value"])


def fritz2023_band(grade, lifetime_feed_t, stage: str = "total_operating", cost_year: int = 2024) -> Band:
    """Cost per kg from the Fritz et al. (2023) scale regression, with its coefficient spread.

    .. math::

        C_{central} = a\\,x^{b}, \\quad
        C_{1} = (a - \\sigma_a)\\,x^{b - \\sigma_b}, \\quad
        C_{2} = (a + \\sigma_a)\\,x^{b + \\sigma_b}, \\qquad x = g \\cdot Q

    low = min(C1, C2), high = max(C1, C2) (for x > 1 t, C1 is the lower bound, as PrOMMiS
    computes it). C is in USD2022 per kg, then escalated to ``cost_year``: the capital term
    (``total_capital``) with CEPCI, the operating and process-stage terms with the PRICE index
    (CPI-U). PrOMMiS escalates all of them with CEPCI; for operating costs a price index is
    the house rule (DESIGN.md, "Costing").

    Parameters
    ----------
    grade : float [kg REE / kg feed]
        Mass fraction of rare-earth elements (as elements, not oxides) in the dry feed. PrOMMiS
        passes its feed grade in ppm of REE and converts it to a fraction.
    lifetime_feed_t : float [t]
        Capacity as PrOMMiS defines it: tonnes of feed over the plant life, feed rate x annual
        operating hours x 20 years (:func:`fritz2023_lifetime_years`); not an annual rate.
    stage : str
        One of :func:`fritz2023_stages`.
    cost_year : int
        Year of the money of the result.

    Returns
    -------
    Band [USD/kg]
        Per kg of REE produced as PrOMMiS reads it ("per unit production cost"); whether the
        paper means kg of REE or of REO was not checked (the paper itself was not read).

    References
    ----------
    Fritz A.G., Tarka T.J., Mauter M.S. (2023) Assessing the economic viability of
    unconventional rare earth element feedstocks. Nature Sustainability 6:1103-1112,
    doi:10.1038/s41893-023-01145-1; coefficients and definitions as implemented in PrOMMiS
    (src/prommis/uky/costing/ree_plant_capcost.py, ``calculate_REE_costing_bounds``), whose test
    values this function reproduces.
    """
    record = fritz2023_record()
    if stage not in fritz2023_stages():
        raise unknown("fritz2023 stage", "cost component", stage, fritz2023_stages())
    grade_a = np.asarray(grade, dtype=float)
    feed_a = np.asarray(lifetime_feed_t, dtype=float)
    if np.any(~(grade_a > 0)) or np.any(grade_a > 1):
        raise InputError("fritz2023 grade", f"expected a mass fraction in (0, 1], got {grade!r}")
    if np.any(~(feed_a > 0)):
        raise InputError("fritz2023 capacity", f"expected tonnes of feed > 0, got {lifetime_feed_t!r}")
    c = record[stage]
    x = grade_a * feed_a
    central = c["a"] * x ** c["b"]
    one = (c["a"] - c["a_sd"]) * x ** (c["b"] - c["b_sd"])
    two = (c["a"] + c["a_sd"]) * x ** (c["b"] + c["b_sd"])
    index = CAPITAL_INDEX if stage == "total_capital" else OPERATING_INDEX
    year = int(record["cost_year"])
    low, mid, high = (escalate(v, year, int(cost_year), index) for v in (np.minimum(one, two), central,
                                                                           np.maximum(one, two)))
    flags = ("paper not read: coefficients and definitions as implemented in PrOMMiS",
             "band = coefficient spread (a +/- sd, b +/- sd), not a confidence interval of the paper")
    return Band(name=f"fritz2023.{stage}", low=_plain(low), central=_plain(mid), high=_plain(high),
                basis="REE", description=f"{stage.replace('_', ' ')} at grade x capacity = {_plain(x):.4g} t REE "
                f"in the feed over the plant life; {record['form']}",
                cost_year=int(cost_year), source_year=year, index=index, source=str(record["source"]), flags=flags)


def fritz2023_total_band(grade, lifetime_feed_t, cost_year: int = 2024) -> Band:
    """Capital plus operating cost per kg from the Fritz et al. (2023) regression.

    .. math:: C_{total} = C_{capital} + C_{operating}

    summed bound by bound (low + low, central + central, high + high) after each is escalated
    with its own index (see :func:`fritz2023_band`). Capital per kg here is not discounted, so
    the sum is near, not equal to, a levelised cost.
    """
    cap = fritz2023_band(grade, lifetime_feed_t, "total_capital", cost_year)
    op = fritz2023_band(grade, lifetime_feed_t, "total_operating", cost_year)
    return Band(name="fritz2023.total", low=_plain(np.add(cap.low, op.low)),
                central=_plain(np.add(cap.central, op.central)), high=_plain(np.add(cap.high, op.high)),
                basis="REE", description="total capital + total operating (undiscounted capital per kg)",
                cost_year=int(cost_year), source_year=cap.source_year, index=f"{CAPITAL_INDEX} + {OPERATING_INDEX}",
                source=cap.source, flags=cap.flags)


def _plain(value):
    """A 0-d or one-element array as a float; longer arrays unchanged."""
    a = np.asarray(value, dtype=float)
    return float(a.reshape(-1)[0]) if a.size == 1 else a
