"""Calcination: hand-checked mass changes, O2 demand, anion retention, heat duty, balances."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from redmud.chemistry import ATOMIC_WEIGHTS, ELEMENTS, molar_mass
from redmud.operations import get_spec
from redmud.operations.calcination import heat_duty_kw
from redmud.operations.common import formula_flows
from redmud.streams import COMPONENT_INDEX, N_COMPONENTS, N_PHASES, PHASE_INDEX, Stream

CALCINATION = get_spec("calcination")
SOLID = PHASE_INDEX["solid"]


def solid_of(**formulas):
    """A feed stream holding ``{formula: kg/h}`` in the solid phase."""
    flows = np.zeros((N_PHASES, N_COMPONENTS, 1))
    for formula, kg in formulas.items():
        flows[SOLID] += formula_flows(formula.replace("_", ""), [kg])
    return Stream(flows)


def run(feed, **params):
    result = CALCINATION.run({"feed": feed}, CALCINATION.parse_parameters(params, "test"), {})
    result.check_balance({"feed": feed}, "calcination")
    return result


def test_scandium_oxalate_to_oxide_by_hand():
    # Sc2(C2O4)3.5H2O: 2(44.956) + 6(12.011) + 12(15.999) + 5(18.015) = 444.04 g/mol -> Sc2O3
    # 137.91 g/mol: mass ratio 0.31058. Sc2(C2O4)3 + 1.5 O2 -> Sc2O3 + 6 CO2 (O in 17 =
    # 3 + 12 + 5 - 3 from air), so 1.5 kmol O2 (48.00 kg) per kmol; 6 kmol CO2 and 5 kmol H2O.
    m = molar_mass("Sc2(C2O4)3(H2O)5")
    assert m == pytest.approx(444.04, abs=0.01)
    result = run(solid_of(**{"Sc2(C2O4)3(H2O)5": m}))
    assert result.outlets["product"].total()[0] == pytest.approx(molar_mass("Sc2O3"))
    assert result.info["product_per_feed_solids"][0] == pytest.approx(137.91 / 444.04, abs=1e-4)
    assert result.added["air_O2"].total()[0] == pytest.approx(1.5 * molar_mass("O2"))
    gas = result.outlets["offgas"].phase("gas")[:, 0]
    assert gas[COMPONENT_INDEX["C"]] == pytest.approx(6 * ATOMIC_WEIGHTS["C"])
    assert gas[COMPONENT_INDEX["O"]] == pytest.approx((12 + 5) * ATOMIC_WEIGHTS["O"])
    assert result.info["purity_Sc2O3"][0] == pytest.approx(1.0)


def test_rare_earth_oxalate_decahydrate_and_cerium_dioxide():
    # Ce2(C2O4)3.10H2O -> 2 CeO2: Ce goes to Ce(IV), so O2 = (2x2 + 12 - 12)/2 = 2 kmol per kmol
    m = molar_mass("Ce2(C2O4)3(H2O)10")
    result = run(solid_of(**{"Ce2(C2O4)3(H2O)10": m}))
    assert result.outlets["product"].total()[0] == pytest.approx(2 * molar_mass("CeO2"))
    assert result.added["air_O2"].total()[0] == pytest.approx(2 * molar_mass("O2"))


def test_hydroxide_to_oxide_needs_no_oxygen():
    # 2 Fe(OH)3 -> Fe2O3 + 3 H2O: 213.73 kg -> 159.69 kg, no O2
    result = run(solid_of(**{"Fe(OH)3": 2 * molar_mass("Fe(OH)3")}))
    assert result.outlets["product"].total()[0] == pytest.approx(molar_mass("Fe2O3"))
    assert result.added["air_O2"].total()[0] == pytest.approx(0.0, abs=1e-12)


def test_sulfate_stays_below_its_decomposition_temperature():
    feed = solid_of(**{"La2(SO4)3": molar_mass("La2(SO4)3"), "Na2SO4": molar_mass("Na2SO4")})
    low = run(feed, temperature="850 degC")
    # 850 C < 1100 C: La2(SO4)3 stays (as La2O3 + 3 SO3), Na2SO4 always stays: all 4 S kept
    assert low.info["S_retained_fraction"][0] == pytest.approx(1.0)
    assert low.outlets["product"].total()[0] == pytest.approx(
        molar_mass("La2(SO4)3") + molar_mass("Na2SO4"))
    high = run(feed, temperature="1150 degC")
    # at 1150 C the La sulfate decomposes: 3 of 4 S leave, product La2O3 + Na2SO4
    assert high.info["S_retained_fraction"][0] == pytest.approx(0.25)
    assert high.outlets["product"].total()[0] == pytest.approx(
        molar_mass("La2O3") + molar_mass("Na2SO4"))
    assert high.info["purity_La2O3"][0] == pytest.approx(molar_mass("La2O3") / (molar_mass("La2O3") + molar_mass("Na2SO4")))


def test_free_acid_and_water_of_entrained_liquor_leave():
    # entrained liquor: 1 kg/h water + 0.1 kmol/h HCl + 0.01 kmol/h NaCl (aqueous): Na and its
    # Cl stay (NaCl = Na2O - O + 2 Cl), the free HCl and all water leave
    flows = np.zeros((N_PHASES, N_COMPONENTS, 1))
    aq = PHASE_INDEX["aqueous"]
    flows[aq] += formula_flows("H2O", [1.0]) + formula_flows("HCl", [0.1 * molar_mass("HCl")])
    flows[aq] += formula_flows("NaCl", [0.01 * molar_mass("NaCl")])
    result = run(Stream(flows))
    assert result.outlets["product"].total()[0] == pytest.approx(0.01 * molar_mass("NaCl"))


def test_heat_duty_by_hand():
    # 100 kg/h water: 100 x (4.18 x 75 + 2257) = 257,050 kJ/h; 50 kg/h oxide at 850 C:
    # 50 x 0.640 x 825 = 26,400 kJ/h; total 283,450 kJ/h = 78.736 kW
    assert heat_duty_kw(100.0, 50.0, 850 + 273.15, 0.640) == pytest.approx(283450 / 3600)
    # fuel = duty / efficiency 0.8
    feed = solid_of(**{"Sc2(C2O4)3(H2O)5": 444.04})
    result = run(feed)
    assert result.consumption["fuel_kW"][0] == pytest.approx(result.info["heat_duty_kW"][0] / 0.8)
    assert run(feed, heating="electric").consumption["electricity_kW"][0] > 0


def test_radionuclides_report_to_product():
    result = run(solid_of(**{"Th(C2O4)2(H2O)6": 1.0, "Nd2(C2O4)3(H2O)10": 10.0}))
    th = result.outlets["product"].component("Th")[0]
    assert th == pytest.approx(1.0 * ATOMIC_WEIGHTS["Th"] / molar_mass("Th(C2O4)2(H2O)6"))
    assert 0 < result.info["purity_ThO2"][0] < 0.2


@given(seed=st.integers(0, 2**32 - 1), heating=st.sampled_from(["fuel", "electric"]))
def test_balance_random(seed, heating):
    rng = np.random.default_rng(seed)
    n = 256
    flows = np.zeros((N_PHASES, N_COMPONENTS, n))
    for p in ("solid", "aqueous", "organic"):
        for el in ELEMENTS + ("other",):
            present = rng.random(n) < 0.5
            flows[PHASE_INDEX[p], COMPONENT_INDEX[el]] = present * rng.lognormal(-3, 3, n)
    feed = Stream(flows)
    params = CALCINATION.parse_parameters({
        "temperature": rng.uniform(573.15, 1573.15, n), "efficiency": rng.uniform(0.1, 1, n),
        "excess_oxygen": rng.uniform(0, 5, n), "heat_capacity_oxide": rng.uniform(0.3, 1.5, n),
        "heating": heating}, "test")
    result = CALCINATION.run({"feed": feed}, params, {})
    result.check_balance({"feed": feed}, "calcination")
    for stream in [*result.outlets.values(), *result.added.values()]:
        assert np.all(stream.flows >= 0) and np.all(np.isfinite(stream.flows))
    assert np.all(result.outlets["product"].phase("gas") == 0)
