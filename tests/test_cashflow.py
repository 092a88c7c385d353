"""The cash flow: NPV and IRR against numpy-financial, the QGESS formulas by hand, levelised cost
and break-even price, vectorisation over samples, and the ``redmud cashflow`` command."""

import json

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from redmud.cli import main
from redmud.costing.cashflow import (MULTIPLE, NO_ROOT, NO_SIGN_CHANGE, cash_flow, internal_rate_of_return,
                                     present_worth_factor, qgess_present_values)
from redmud.costing.conventions import depreciation_table, load_convention
from redmud.errors import InputError
from redmud.units import Q_

#: A bare table: one construction year, no taxes, no working capital (for hand-checked numbers).
BARE = dict(construction_schedule=(1.0,), taxes=False, working_capital=0.0)


# --- NPV and IRR against numpy-financial --------------------------------------------------------

def test_npv_and_irr_agree_with_numpy_financial_on_random_cash_flows():
    rng = np.random.default_rng(20240611)
    n = 300
    capex = rng.uniform(20e6, 200e6, n)
    opex = rng.uniform(1e6, 20e6, n)
    revenue = opex + rng.uniform(5e6, 60e6, n)  # revenue > opex: one sign change (see below)
    rate = rng.uniform(0.02, 0.2, n)
    result = cash_flow(capex, opex, revenue, discount_rate=rate, plant_life=25)
    net = result.table["net"]
    # Construction (negative), then operation (positive: (REV-OPEX)(1-t) + t*depreciation > 0
    # after the working capital of the first operating year): a single sign change.
    for i in range(n):
        assert result.npv[i] == pytest.approx(npf.npv(rate[i], net[:, i]), rel=1e-9)
        assert result.irr[i] == pytest.approx(npf.irr(net[:, i]), rel=1e-9, abs=1e-12)
    assert np.all(result.irr_reason == "")


def test_irr_of_many_random_flows_with_one_sign_change():
    rng = np.random.default_rng(7)
    years, n = 30, 500
    flows = rng.uniform(1.0, 10.0, (years, n))
    invest = rng.integers(1, 4, n)  # the first 1-3 years are outlays
    rows = np.arange(years)[:, None]
    flows = np.where(rows < invest[None, :], -rng.uniform(10.0, 40.0, (years, n)), flows)
    irr, reason = internal_rate_of_return(flows)
    expected = np.array([npf.irr(flows[:, i]) for i in range(n)])
    np.testing.assert_allclose(irr, expected, rtol=1e-9, atol=1e-12)
    assert np.all(reason == "")
    rate = 0.07
    npv = np.sum(flows * (1 + rate) ** -rows, axis=0)
    np.testing.assert_allclose(npv, [npf.npv(rate, flows[:, i]) for i in range(n)], rtol=1e-12)


@given(st.lists(st.floats(0.5, 50.0), min_size=2, max_size=40), st.floats(1.0, 500.0))
def test_irr_property_single_outlay(incomes, outlay):
    flows = np.array([-outlay, *incomes])
    irr, reason = internal_rate_of_return(flows[:, None])
    expected = npf.irr(flows)
    if -0.95 < expected < 100:
        assert irr[0] == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert reason[0] == ""
    else:
        assert np.isnan(irr[0]) and reason[0] == NO_ROOT


def test_irr_without_a_sign_change_is_nan_with_a_reason():
    flows = np.array([[-10.0, -5.0, 1.0], [-1.0, 5.0, 1.0], [-1.0, 5.0, 1.0]])  # columns: samples
    irr, reason = internal_rate_of_return(flows)
    assert np.isnan(irr[0]) and reason[0] == NO_SIGN_CHANGE
    assert np.isfinite(irr[1]) and reason[1] == ""
    assert np.isnan(irr[2]) and reason[2] == NO_SIGN_CHANGE
    # through the table: revenue below operating cost, no taxes -> every year a loss
    result = cash_flow([100.0, 100.0], 10.0, [5.0, 50.0], taxes=False)
    assert np.isnan(result.irr[0]) and result.irr_reason[0] == NO_SIGN_CHANGE
    assert np.isfinite(result.irr[1])
    assert np.isnan(result.payback_years[0]) and result.payback_reason[0]


def test_irr_with_several_roots_returns_the_one_nearest_zero():
    flows = np.array([-100.0, 230.0, -132.0])  # roots 10 % and 20 %
    irr, reason = internal_rate_of_return(flows[:, None])
    assert irr[0] == pytest.approx(0.1, rel=1e-9) and reason[0] == MULTIPLE


def test_irr_with_non_finite_flows():
    irr, reason = internal_rate_of_return(np.array([[-1.0], [np.nan]]))
    assert np.isnan(irr[0]) and "non-finite" in reason[0]


# --- the QGESS convention -----------------------------------------------------------------------

def test_qgess_present_values_by_hand():
    # CAPEX 100 MUSD, OPEX 10 MUSD/yr, REV 35 MUSD/yr, r = 8 %, N = 20, N_cap = 3, schedule
    # 10/60/30 %, g_cap 3.6 %, g_op = g_rev = 3 %, Debt 50 %, i_loan 6 %, N_loan 10 (finance.toml):
    # PV_cap = -100e6 (0.1/1.08 + 0.6*1.036/1.08^2 + 0.3*1.036^2/1.08^3)
    #        = -100e6 (0.0925926 + 0.5329218 + 0.2556051) = -88,111,949.40
    # P/A(8%,0,10) = (1 - 1.08^-10)/0.08 = 6.7100814; P/A(6%,0,10) = 7.3600871
    # PV_loan = 50e6 (6.7100814/7.3600871 - 1) = -4,415,747.04 (a cost, since r > i_loan)
    # P/A(8%,3%,23) = (1 - (1.03/1.08)^23)/0.05 = 13.2773610; P/A(8%,3%,3) = 2.6511615
    # PV_op = -10e6 (13.2773610 - 2.6511615) = -106,261,995.10
    # PV_rev = 35e6 (13.2773610 - 2.6511615) = 371,916,982.86
    # NPV = 173,127,291.32
    pv = qgess_present_values(100e6, 10e6, 35e6, discount_rate=0.08, plant_life=20)
    assert pv["capital"] == pytest.approx(-88_111_949.40, rel=1e-9)
    assert pv["loan_interest"] == pytest.approx(-4_415_747.04, rel=1e-9)
    assert pv["operating_cost"] == pytest.approx(-106_261_995.10, rel=1e-9)
    assert pv["revenue"] == pytest.approx(371_916_982.86, rel=1e-9)
    assert pv["npv"] == pytest.approx(173_127_291.32, rel=1e-9)
    assert present_worth_factor(0.08, 0.0, 10) == pytest.approx(6.7100814, rel=1e-7)
    assert present_worth_factor(0.08, 0.03, 23) == pytest.approx(13.2773610, rel=1e-8)


def test_qgess_loan_term_is_a_gain_below_the_loan_rate_as_written():
    # r = 4 % < i_loan = 6 %: P/A(4%,0,10) = 8.1108958 > 7.3600871, so the term is positive
    pv = qgess_present_values(100e6, 0.0, 0.0, discount_rate=0.04, plant_life=20)
    assert pv["loan_interest"] == pytest.approx(50e6 * (8.1108958 / 7.3600871 - 1), rel=1e-7)
    assert pv["loan_interest"] > 0
    assert qgess_present_values(100e6, 0, 0, 0.06, 20)["loan_interest"] == pytest.approx(0.0, abs=1e-6)
    borrower = qgess_present_values(100e6, 0.0, 0.0, discount_rate=0.04, plant_life=20, loan="borrower")
    assert borrower["loan_interest"] == pytest.approx(-pv["loan_interest"], rel=1e-12)


def test_present_worth_factor_where_rate_equals_growth():
    # P/A(r, r, N) = N/(1+r), and the general form tends to it
    assert present_worth_factor(0.03, 0.03, 20) == pytest.approx(20 / 1.03, rel=1e-15)
    assert present_worth_factor(0.03 + 1e-9, 0.03, 20) == pytest.approx(20 / 1.03, rel=1e-7)
    direct = sum(1.05 ** (k - 1) / 1.08 ** k for k in range(1, 13))
    assert present_worth_factor(0.08, 0.05, 12) == pytest.approx(direct, rel=1e-13)


def test_qgess_table_reproduces_the_formulas_on_samples():
    rng = np.random.default_rng(3)
    n = 200
    capex, opex, revenue = rng.uniform(5e7, 5e8, n), rng.uniform(1e6, 5e7, n), rng.uniform(1e7, 2e8, n)
    rate = rng.uniform(0.0, 0.15, n)
    rate[:5] = 0.03                      # r = g_op = g_rev: the N/(1+r) branch
    life = rng.integers(5, 40, n)         # plant life varies by sample
    result = cash_flow(capex, opex, revenue, convention="qgess", discount_rate=rate, plant_life=life)
    pv = qgess_present_values(capex, opex, revenue, discount_rate=rate, plant_life=life)
    np.testing.assert_allclose(result.npv, pv["npv"], rtol=1e-9)
    for key in ("capital", "loan_interest", "operating_cost", "revenue"):
        np.testing.assert_allclose(result.present_values[key], pv[key], rtol=1e-9, atol=1e-6)


def test_qgess_convention_reads_finance_toml_and_names_gaps():
    conv = load_convention("qgess")
    assert conv.construction_schedule == (0.10, 0.60, 0.30) and conv.timing == "end"
    assert conv.loan == "as_written" and not conv.taxes
    assert "taken from [simple]" in conv.sources["discount_rate"]
    taxed = load_convention("qgess", taxes=True)
    assert taxed.income_tax_rate == 0.26 and taxed.royalty == 0.065 and taxed.depletion_allowance == 0.14
    with pytest.raises(InputError, match="unknown option 'discount_rat'"):
        load_convention("simple", discount_rat=0.1)
    with pytest.raises(InputError, match="unknown financial convention"):
        load_convention("nonsense")
    assert depreciation_table("macrs_7").sum() == pytest.approx(1.0, abs=1e-12)


# --- prices, break-even, levelised cost ---------------------------------------------------------

@pytest.mark.parametrize("convention,options", [
    ("simple", {}), ("simple", {"tax_losses": "carry_forward", "royalty": 0.05}),
    ("qgess", {}), ("qgess", {"taxes": True, "tax_losses": "carry_forward"})])
def test_a_higher_price_never_lowers_npv(convention, options):
    rng = np.random.default_rng(11)
    n = 400
    capex, opex = rng.uniform(1e7, 3e8, n), rng.uniform(1e6, 4e7, n)
    output = {"Sc2O3": rng.uniform(1e3, 5e4, n), "REO": rng.uniform(1e4, 1e6, n)}
    price = {"Sc2O3": rng.uniform(0, 3000, n), "REO": rng.uniform(0, 50, n)}
    rise = rng.uniform(0, 500, n)
    low = cash_flow(capex, opex, {k: price[k] * output[k] for k in output}, output, convention, **options)
    high = cash_flow(capex, opex, {"Sc2O3": (price["Sc2O3"] + rise) * output["Sc2O3"],
                                   "REO": price["REO"] * output["REO"]}, output, convention, **options)
    assert np.all(high.npv >= low.npv - 1e-9 * np.abs(low.npv))


@pytest.mark.parametrize("options", [{}, {"tax_losses": "carry_forward", "royalty": 0.05,
                                          "ramp_up": (0.3, 0.7)}, {"convention": "qgess", "taxes": True}])
def test_breakeven_price_gives_zero_npv(options):
    rng = np.random.default_rng(5)
    n = 300
    capex, opex = rng.uniform(1e7, 3e8, n), rng.uniform(1e6, 4e7, n)
    output = {"Sc2O3": rng.uniform(1e3, 5e4, n), "REO": rng.uniform(1e4, 1e6, n)}
    revenue = {"Sc2O3": 1500.0 * output["Sc2O3"], "REO": 10.0 * output["REO"]}
    result = cash_flow(capex, opex, revenue, output, **options)
    price, reason = result.breakeven_price("Sc2O3", return_reason=True)
    assert np.all(np.isfinite(price)) and np.all(reason == "")
    again = cash_flow(capex, opex, {**revenue, "Sc2O3": price * output["Sc2O3"]}, output, **options)
    np.testing.assert_allclose(again.npv, 0.0, atol=1e-8 * capex.max())
    # NPV is linear in the price with taxes as credits: the slope check of the solve
    if not options:
        up = cash_flow(capex, opex, {**revenue, "Sc2O3": (price + 1) * output["Sc2O3"]}, output)
        down = cash_flow(capex, opex, {**revenue, "Sc2O3": (price - 1) * output["Sc2O3"]}, output)
        np.testing.assert_allclose(up.npv - again.npv, again.npv - down.npv, rtol=1e-6)


def test_levelised_cost_by_hand():
    # capex 100 at t=0 (one construction year), opex 10/yr, life 2, r = 10 %, no taxes:
    # PV costs = 100 + 10/1.1 + 10/1.21 = 117.355372
    # product A: 5 kg/yr, product B: revenue 20/yr and 10 kg/yr
    # PV output A = 5 (1/1.1 + 1/1.21) = 8.677686; PV revenue B = 20 * 1.735537 = 34.710744
    # LC_A = (117.355372 - 34.710744) / 8.677686 = 9.523810
    # LC_basket = 117.355372 / (15 * 1.735537) = 4.507937
    result = cash_flow(100.0, 10.0, {"A": 0.0, "B": 20.0}, {"A": 5.0, "B": 10.0},
                       discount_rate=0.1, plant_life=2, **BARE)
    assert result.levelized_cost["A"] == pytest.approx(9.523810, rel=1e-6)
    assert result.levelized_cost["basket"] == pytest.approx(4.507937, rel=1e-6)
    # without taxes the break-even price equals the levelised cost
    assert result.breakeven_price("A") == pytest.approx(result.levelized_cost["A"], rel=1e-12)
    np.testing.assert_allclose(result.table["net"], [-100.0, 10.0, 10.0])


def test_levelised_cost_equals_breakeven_without_taxes_on_samples():
    rng = np.random.default_rng(2)
    n = 100
    output = {"Sc2O3": rng.uniform(1e3, 5e4, n), "REO": rng.uniform(1e4, 1e6, n)}
    revenue = {"Sc2O3": 900.0 * output["Sc2O3"], "REO": 8.0 * output["REO"]}
    for convention in ("simple", "qgess"):
        result = cash_flow(rng.uniform(1e7, 3e8, n), rng.uniform(1e6, 4e7, n), revenue, output,
                           convention, taxes=False, ramp_up=(0.5,))
        np.testing.assert_allclose(result.breakeven_price("REO"), result.levelized_cost["REO"], rtol=1e-9)


def test_product_without_output_has_nan_levelised_cost_and_breakeven():
    result = cash_flow(100.0, 10.0, {"A": 30.0, "B": 20.0}, {"A": 5.0}, **BARE)
    assert np.isnan(result.levelized_cost["B"]) and result.levelized_cost_reason["B"]
    price, reason = result.breakeven_price("B", return_reason=True)
    assert np.isnan(price) and reason
    with pytest.raises(InputError, match="unknown product"):
        result.breakeven_price("C")


# --- the table ----------------------------------------------------------------------------------

def test_taxes_depreciation_and_loss_carry_forward_by_hand():
    # capex 100 at t=0, life 3, revenue 50/yr, no opex; depreciation over 1 year (100 in year 1)
    # taxable income: 50 - 100 = -50, 50, 50
    # credit:        tax = -0.26 * taxable = +13, -13, -13
    # carry forward: tax 0, 0 (loss 50 used), -13
    common = dict(construction_schedule=(1.0,), working_capital=0.0, plant_life=3, income_tax_rate=0.26,
                  depreciation="straight_line", depreciation_years=1)
    credit = cash_flow(100.0, 0.0, 50.0, **common)
    np.testing.assert_allclose(credit.table["tax"], [0, 13, -13, -13], atol=1e-12)
    carry = cash_flow(100.0, 0.0, 50.0, tax_losses="carry_forward", **common)
    np.testing.assert_allclose(carry.table["tax"], [0, 0, 0, -13], atol=1e-12)
    # straight line over the plant life, and MACRS written off in full within a short life
    sl = cash_flow(100.0, 0.0, 50.0, **{**common, "depreciation_years": None})
    np.testing.assert_allclose(sl.table["depreciation"], [0, 100 / 3, 100 / 3, 100 / 3])
    macrs = cash_flow(100.0, 0.0, 50.0, **{**common, "depreciation": "macrs_7"})
    assert macrs.table["depreciation"].sum() == pytest.approx(100.0, rel=1e-12)
    assert macrs.table["depreciation"][1] == pytest.approx(100 * 0.1429 / depreciation_table("macrs_7").sum())


def test_ramp_up_and_working_capital():
    # one construction year; ramp 50 % in the first operating year: revenue, output and variable
    # opex halve, the fixed opex does not; working capital 10 % of capex out in year 1, back in year 3
    result = cash_flow(100.0, 10.0, 40.0, 4.0, construction_schedule=(1.0,), taxes=False,
                       working_capital=0.1, ramp_up=(0.5,), plant_life=3, fixed_opex=2.0)
    t = result.table
    np.testing.assert_allclose(t["revenue"], [0, 20, 40, 40])
    np.testing.assert_allclose(t["operating_cost"], [0, -7, -12, -12])
    np.testing.assert_allclose(t["output_by_product"]["product"], [0, 2, 4, 4])
    np.testing.assert_allclose(t["working_capital"], [0, -10, 0, 10])
    np.testing.assert_allclose(t["net"], [-100, 3, 28, 38])


def test_discounted_payback_by_hand():
    # -100 at t=0, then 60/yr, r = 0: cumulative -40 after year 1, +20 after year 2 -> 1 + 40/60
    result = cash_flow(100.0, 0.0, 60.0, discount_rate=0.0, plant_life=3, **BARE)
    assert result.payback_years == pytest.approx(1 + 40 / 60)


def test_samples_match_one_at_a_time():
    rng = np.random.default_rng(9)
    n = 8
    capex, opex, revenue = rng.uniform(1e7, 1e8, n), rng.uniform(1e6, 5e6, n), rng.uniform(1e7, 4e7, n)
    rate, life = rng.uniform(0.03, 0.15, n), rng.integers(3, 30, n)
    output = rng.uniform(1e3, 1e4, n)
    together = cash_flow(capex, opex, revenue, output, discount_rate=rate, plant_life=life, ramp_up=(0.4, 0.8))
    price = together.breakeven_price("product")
    for i in range(n):
        one = cash_flow(capex[i], opex[i], revenue[i], output[i], discount_rate=rate[i], plant_life=int(life[i]),
                        ramp_up=(0.4, 0.8))
        assert one.npv.shape == ()
        assert together.npv[i] == pytest.approx(float(one.npv), rel=1e-12)
        assert together.irr[i] == pytest.approx(float(one.irr), rel=1e-9)
        assert together.payback_years[i] == pytest.approx(float(one.payback_years), rel=1e-12, nan_ok=True)
        assert together.levelized_cost["product"][i] == pytest.approx(float(one.levelized_cost["product"]), rel=1e-12)
        assert price[i] == pytest.approx(float(one.breakeven_price("product")), rel=1e-9)


def test_sample_shapes_broadcast_and_quantities():
    result = cash_flow(Q_(np.full((2, 3), 120.0), "MUSD"), Q_(5.0, "MUSD/year"), Q_(30e6, "USD/year"))
    assert result.npv.shape == (2, 3) and result.table["net"].shape[1:] == (2, 3)
    scalar = cash_flow(120e6, 5e6, 30e6)
    np.testing.assert_allclose(result.npv, float(scalar.npv), rtol=1e-12)
    with pytest.raises(InputError, match="wrong unit"):
        cash_flow(Q_(1.0, "kg"), 1.0, 1.0)
    with pytest.raises(InputError, match="different shapes"):
        cash_flow(np.ones(3), np.ones(4), 1.0)
    with pytest.raises(InputError, match="sum to 1"):
        cash_flow(1.0, 1.0, 1.0, construction_schedule=(0.5, 0.4))


# --- the command line ---------------------------------------------------------------------------

def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_metrics(capsys):
    code, out, err = run_cli(capsys, "cashflow", "--capex", "120 MUSD", "--opex", "5e6 USD/yr",
                             "--revenue", "30 MUSD/yr", "--rate", "8 %", "--years", "20", "--output", "20000 kg/yr")
    assert code == 0 and err == ""
    assert "NPV" in out and "IRR" in out and "break-even price" in out
    expected = cash_flow(120e6, 5e6, 30e6, 2e4, discount_rate=0.08, plant_life=20)
    assert f"{float(expected.npv):,.6g}" in out


def test_cli_json_qgess_present_values(capsys):
    code, out, err = run_cli(capsys, "cashflow", "--capex", "100e6", "--opex", "10 MUSD/yr", "--revenue",
                             "35e6", "--rate", "0.08", "--years", "20", "--convention", "qgess", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["metadata"]["command"][1] == "cashflow" and "finance.toml" in data["metadata"]["data_files"]
    pv = data["present_values"]
    assert pv["pv_capital_usd"] == pytest.approx(-88_111_949.40, rel=1e-9)
    assert pv["pv_loan_interest_usd"] == pytest.approx(-4_415_747.04, rel=1e-9)
    assert data["metrics"]["npv_usd"] == pytest.approx(173_127_291.32, rel=1e-9)
    assert data["metrics"]["levelized_cost_usd_per_kg"] is None
    assert "output" in data["metrics"]["levelized_cost_usd_per_kg_reason"]


def test_cli_json_nan_becomes_null_with_reason(capsys):
    code, out, _ = run_cli(capsys, "cashflow", "--capex", "1e6", "--opex", "2e6", "--revenue", "1e6",
                           "--taxes", "off", "--json")
    assert code == 0
    metrics = json.loads(out)["metrics"]
    assert metrics["irr"] is None and metrics["irr_reason"] == NO_SIGN_CHANGE
    assert metrics["discounted_payback_years"] is None and metrics["discounted_payback_years_reason"]


@pytest.mark.parametrize("argv,message", [
    (["--capex", "120 kg", "--opex", "1", "--revenue", "1"], "--capex"),
    (["--capex", "__import__('os')", "--opex", "1", "--revenue", "1"], "--capex"),
    (["--capex", "1", "--opex", "5e6 USD", "--revenue", "1"], "--opex"),
    (["--capex", "1", "--opex", "1", "--revenue", "1", "--rate", "10"], "--rate"),
    (["--capex", "1", "--opex", "1", "--revenue", "1", "--rate", "-150 %"], "--rate"),
    (["--capex", "1", "--opex", "1", "--revenue", "1", "--years", "2.5"], "--years"),
    (["--capex", "1", "--opex", "1", "--revenue", "1", "--years", "0"], "--years"),
    (["--capex", "nan", "--opex", "1", "--revenue", "1"], "--capex"),
    (["--capex", "1", "--opex", "1", "--revenue", "1", "--output", "-5"], "--output"),
    (["--capex", "1", "--opex", "1", "--revenue", "1", "--convention", "npv"], "convention"),
    (["--opex", "1", "--revenue", "1"], "--capex"),
])
def test_cli_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run_cli(capsys, "cashflow", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
