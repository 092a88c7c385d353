"""Failures and vanishing products are reported per sample with a reason (issue 11, fuzz findings).

* an operation that cannot solve a sample fails that sample alone (``failed``, reason, NaN flows),
  or raises :class:`ConvergenceError` with ``on_failure="raise"``;
* a product's purity is within [0, 1], or NaN with its reason where there is no product or the
  product is below the plant balance's resolution (subnormal flows gave purities of 1.013);
* a levelised cost or break-even price that is not finite always carries its reason (an output of
  1e-303 kg/yr made the levelised cost overflow to inf with no reason).
"""

import logging

import numpy as np
import pytest

import redmud
from redmud.api import BELOW_RESOLUTION, NO_PRODUCT, product_purity
from redmud.chemistry import ATOMIC_WEIGHTS, molar_mass
from redmud.costing.cashflow import (NO_OUTPUT, NON_FINITE, OUTPUT_TOO_SMALL, OUTPUT_TOO_SMALL_TO_PRICE,
                                     cash_flow)
from redmud.errors import ConvergenceError
from redmud.flowsheet import BALANCE_FLOOR_RELATIVE
from redmud.operations import leaching
from redmud.streams import COMPONENTS, COMPONENT_INDEX as CI, PHASE_INDEX


@pytest.fixture(autouse=True)
def quiet_warnings():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


# --- purity -------------------------------------------------------------------------------------

def _y2o3(kg_h, n=1, liquor_y_kg_h=0.0):
    """A Y2O3 product of ``kg_h`` [kg/h] (Y and O as the oxide), with Y in an entrained liquor."""
    flows = np.zeros((len(PHASE_INDEX), len(COMPONENTS), n))
    y = kg_h * 2 * ATOMIC_WEIGHTS["Y"] / molar_mass("Y2O3")
    flows[PHASE_INDEX["solid"], CI["Y"]] = y
    flows[PHASE_INDEX["solid"], CI["O"]] = kg_h - y
    flows[PHASE_INDEX["aqueous"], CI["Y"]] = liquor_y_kg_h
    return flows


def test_purity_of_a_pure_oxide_is_one():
    mass, purity, reason = product_purity(_y2o3(10.0), "Y2O3", 1e5)
    assert mass[0] == pytest.approx(10.0) and purity[0] == pytest.approx(1.0, rel=1e-12)
    assert reason[0] == ""


def test_entrained_liquor_is_neither_product_nor_impurity():
    # the liquor's Y is not in the solid's mass, so it must not count in the numerator either
    mass, purity, _ = product_purity(_y2o3(10.0, liquor_y_kg_h=5.0), "Y2O3", 1e5)
    assert mass[0] == pytest.approx(10.0) and purity[0] == pytest.approx(1.0, rel=1e-12)


def test_a_product_below_the_balance_resolution_has_no_purity():
    # Y 5.6e-320 kg/h and O 1.5e-320 kg/h (subnormal: ~4 significant digits) gave 1.0003; 7e-322
    # gave 1.013. Below the balance floor (1e-12 of the feed) the composition is rounding.
    feed_kg_h = 126839.0
    flows = np.concatenate([_y2o3(7.07e-322), _y2o3(0.0), _y2o3(0.5 * BALANCE_FLOOR_RELATIVE * feed_kg_h),
                            _y2o3(2 * BALANCE_FLOOR_RELATIVE * feed_kg_h)], axis=2)
    mass, purity, reason = product_purity(flows, "Y2O3", feed_kg_h)
    assert np.isnan(purity[:3]).all() and purity[3] == pytest.approx(1.0, rel=1e-9)
    assert list(reason) == [BELOW_RESOLUTION, NO_PRODUCT, BELOW_RESOLUTION, ""]


def test_purity_within_bounds_with_stoichiometric_oxalate_on_the_clay_route():
    """The route and dosing where the fuzz run found a purity of 1.013."""
    excess = np.array([0.0, 0.5, 1.0, 2.0, 5.0, 10.0])
    result = redmud.run("ion-adsorption-clay", None, {"reo_precipitation.dosage_basis": "stoichiometric",
                                                      "reo_precipitation.excess": excess})
    product = result.products["mixed_reo"]
    purity, reason = product["purity"], product["purity_reason"]
    assert np.all(np.isnan(purity) | ((purity >= 0) & (purity <= 1)))
    assert all(reason[i] for i in np.flatnonzero(np.isnan(purity)))
    json = result.to_dict()["products"]["mixed_reo"]
    assert len(json["purity_reason"]) == excess.size


# --- levelised cost and break-even price --------------------------------------------------------

def test_every_non_finite_levelised_cost_has_its_reason():
    output = {"a": np.array([1e4, 0.0, 1e-310, np.nan]), "b": np.full(4, 1e3)}
    revenue = {"a": np.full(4, 1e6), "b": np.full(4, 1e6)}
    cf = cash_flow(np.full(4, 1e8), np.full(4, 1e7), revenue, output)
    value, reason = cf.levelized_cost["a"], cf.levelized_cost_reason["a"]
    assert np.isfinite(value[0]) and reason[0] == ""
    assert np.isnan(value[1]) and reason[1] == NO_OUTPUT
    assert value[2] == np.inf and reason[2] == OUTPUT_TOO_SMALL
    assert np.isnan(value[3]) and reason[3] == NON_FINITE
    assert np.all(np.isfinite(cf.levelized_cost["b"]))
    price, why = cf.breakeven_price("a", return_reason=True)
    assert np.isfinite(price[0]) and why[0] == ""
    assert why[1] == NO_OUTPUT and why[2] == OUTPUT_TOO_SMALL_TO_PRICE
    assert all(why[i] for i in np.flatnonzero(~np.isfinite(price)))


def test_zero_product_with_stoichiometric_oxalate_reports_its_levelised_cost_reason():
    """The route and dosing where the fuzz run found a mixed-REO levelised cost with no reason."""
    result = redmud.run("sulfation-roast-water-leach", None,
                        {"reo_precipitation.dosage_basis": "stoichiometric",
                         "reo_precipitation.excess": np.array([0.0, 0.5, 1.0, 2.0, 5.0])})
    for key in ("levelized_cost_usd_per_kg", "breakeven_price_usd_per_kg"):
        value = np.asarray(result.extra[key]["mixed_reo"], dtype=float)
        reason = result.extra[f"{key}_reason"]["mixed_reo"]
        assert all(reason[i] for i in np.flatnonzero(~np.isfinite(value))), key
    assert np.isnan(result.extra["levelized_cost_usd_per_kg"]["mixed_reo"][0])     # excess 0: nothing made


# --- a sample an operation cannot solve ----------------------------------------------------------

@pytest.fixture
def leach_fails_sample_one(monkeypatch):
    """The leach's tank solve reports sample 1 of 3 as not solved (as for non-finite inputs).

    The leach dissolves nothing in it (finite, balanced outlets), so the recycle loop goes on
    with it; only passes over all three samples (the loop's subsets are smaller) are touched.
    """
    solve = leaching._solve_tank

    def failing(*args, **kwargs):
        x, h, solved = solve(*args, **kwargs)
        if solved.size == 3:
            solved = solved.copy()
            solved[1] = False
        return x, h, solved

    monkeypatch.setattr(leaching, "_solve_tank", failing)


def test_an_operation_failure_fails_that_sample_alone(leach_fails_sample_one):
    acid = np.array([5.0, 6.0, 7.0])
    result = redmud.run("hcl-leach-sx", None, {"leach.acid": acid}, on_failure="nan")
    fs = result.flowsheet
    assert fs.failed.tolist() == [False, True, False]
    assert fs.failure_reason[0] == fs.failure_reason[2] == ""
    assert "leach" in fs.failure_reason[1] and "acid balance" in fs.failure_reason[1]
    for stream in fs.streams.values():
        flows = np.broadcast_to(stream.flows, stream.flows.shape[:2] + (3,))
        assert np.isnan(flows[..., 1]).all() and np.isfinite(flows[..., [0, 2]]).all()
    assert np.isfinite(result.recovery["Sc"][[0, 2]]).all()
    assert result.to_dict()["failed_samples"] == 1


def test_an_operation_failure_fails_that_sample_alone_without_recycles(leach_fails_sample_one):
    result = redmud.run("scale-dilute-acid-ix", None, {"leach.acid": np.array([1.0, 1.5, 2.0])},
                        on_failure="nan")
    fs = result.flowsheet
    assert fs.failed.tolist() == [False, True, False]
    assert fs.failure_reason[1].startswith("route scale-dilute-acid-ix, operation leach: ")
    assert np.isnan(result.extra["npv_usd"][1]) and np.isfinite(result.extra["npv_usd"][[0, 2]]).all()
    assert result.extra["irr_reason"][1] == fs.failure_reason[1]


@pytest.mark.parametrize("route", ["hcl-leach-sx", "scale-dilute-acid-ix"])
def test_an_operation_failure_raises_when_asked(leach_fails_sample_one, route):
    with pytest.raises(ConvergenceError, match="operation leach.*in 1 of 3 samples"):
        redmud.run(route, None, {"leach.acid": np.array([1.0, 1.5, 2.0])}, economics=False)


def test_a_recycle_without_steady_state_fails_its_sample_and_every_metric_is_nan():
    # SX at O/A 15 with scrub and strip at O/A 10 adds 1.5 L of scrub liquor and 1.5 L of strip
    # liquor per L of feed: the effluent is several times the wash water it came from, and half
    # of it returns (loop gain > 1; the threshold is near O/A 10.5). At O/A 1 it has a steady state.
    from redmud.api import metrics
    result = redmud.run("hcl-leach-sx", None, {"sx.extraction_oa": np.array([1.0, 15.0])}, on_failure="nan")
    fs = result.flowsheet
    assert fs.failed.tolist() == [False, True]
    assert "has no steady state" in fs.failure_reason[1]
    assert fs.iterations < 60                      # found, not run out of iterations (200)
    table = metrics(result)
    assert all(np.isnan(column[1]) for column in table.values())
    assert np.isfinite(table["capex_usd"][0]) and np.isfinite(table["env_Th_ppm_leached_residue"][0])
    with pytest.raises(ConvergenceError, match="has no steady state"):
        redmud.run("hcl-leach-sx", None, {"sx.extraction_oa": 15.0})
