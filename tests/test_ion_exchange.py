"""Ion exchange: known answers by hand, balance and non-negativity for random inputs."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import redmud.operations.ion_exchange as ix
from redmud.operations import get_spec
from tests.liquors import sulfate_liquor

SPEC = get_spec("ion_exchange")


def liquor(m3_h=100.0, acid_m=0.05, g_l=None, n=1):
    """Dilute-acid sulfate liquor [g/L metals, mol/L free H2SO4], electroneutral, water 1 kg/L."""
    g_l = g_l if g_l is not None else {"Sc": 0.02, "Fe": 0.3, "Al": 1.0, "Ti": 0.03, "Ca": 0.5,
                                       "Y": 0.01, "Nd": 0.01, "Th": 0.001, "U": 0.0002, "Ra": 1e-9}
    return sulfate_liquor(m3_h, acid_m, g_l, n)


def run(feed, n=1, **values):
    return SPEC.run({"feed": feed}, SPEC.parse_parameters(values, "ix"), {"n_samples": n})


def test_capacity_conversion_by_hand():
    # 7 mg Sc/mL = 7 g/L; 7 / 44.955907 g/mol = 0.155708 mol/L; x 3 eq/mol = 0.467124 eq/L
    assert ix.capacity_eq_per_l(7.0) == pytest.approx(0.467124, rel=1e-5)


def test_known_answer_resin_volume_and_eluent():
    feed = liquor(g_l={"Sc": 0.02, "Fe": 0.3})
    res = run(feed)
    # Sc fed 0.02 g/L x 100 m3/h = 2 kg/h; 91% taken up: 1.82 kg/h = 0.0404840 kmol/h
    #   -> 0.121452 keq/h; Fe fed 30 kg/h, 2% taken up: 0.6 kg/h = 0.0107440 kmol/h -> 0.032232 keq/h
    sc_eq = 1.82 / 44.955907 * 3
    fe_eq = 0.6 / 55.845 * 3
    assert res.info["loaded_eq_h"][0] == pytest.approx((sc_eq + fe_eq) * 1000, rel=1e-12)
    # V = q t / (cap phi eta) = 153.684 eq/h x 24 h / (0.467124 x 0.5 x 0.98) = 16,114 L per column
    cap = 7.0 / 44.955907 * 3
    volume = (sc_eq + fe_eq) * 1000 * 24 / (cap * 0.5 * 0.98) / 1000
    assert res.info["resin_volume_m3"][0] == pytest.approx(volume, rel=1e-12)
    # 3 bed volumes per 24 h cycle of 2.3808 mol/L NaHCO3
    eluent_l_h = 3 * volume * 1000 / 24
    assert res.info["eluent_L_h"][0] == pytest.approx(eluent_l_h, rel=1e-12)
    nahco3 = res.added["NaHCO3"].total()[0]
    # M(NaHCO3) = 22.98977 + 1.008 + 12.011 + 3 x 15.999 = 84.00577 g/mol
    assert nahco3 == pytest.approx(2.3808 * eluent_l_h / 1000 * 84.00577, rel=1e-6)
    # re-acidification of the Na-form resin: 1/2 H2SO4 per equivalent
    assert res.added["H2SO4"].total()[0] == pytest.approx((sc_eq + fe_eq) / 2 * 98.072, rel=1e-4)
    # resin make-up: 3 columns x V x 5%/yr / 8760 h
    assert res.consumption["ion_exchange_resin_m3_h"][0] == pytest.approx(3 * volume * 0.05 / 8760)
    assert res.info["to_eluate.Sc"][0] == pytest.approx(0.91)
    assert res.outlets["eluate"].component("Sc")[0] == pytest.approx(1.82, rel=1e-12)
    assert res.check_balance({"feed": feed}, "ix") <= 1e-9
    assert res.equipment["ix_columns"].kind == "ix_column"


@pytest.mark.parametrize("eluent", list(ix.ELUENTS))
def test_each_eluent_balances(eluent):
    feed = liquor()
    res = run(feed, eluent=eluent, eluent_concentration=0.01)      # forces the stoichiometric raise
    assert res.check_balance({"feed": feed}, "ix") <= 1e-9
    assert res.info["eluent_raised_to_stoichiometric"][0]
    assert all(np.all(s.flows >= 0) for s in res.outlets.values())
    # Ra is not taken up: all of it stays in the barren liquor
    assert res.outlets["barren"].component("Ra")[0] == pytest.approx(feed.component("Ra")[0], rel=1e-12)


@given(seed=st.integers(0, 2**32 - 1), eluent=st.sampled_from(list(ix.ELUENTS)))
def test_property_balance_and_non_negative(seed, eluent):
    rng = np.random.default_rng(seed)
    n = 256
    g_l = {el: rng.uniform(0, hi, n) * (rng.random() < 0.9)
           for el, hi in {"Sc": 0.05, "Fe": 5, "Al": 5, "Ti": 0.5, "Zr": 0.1, "Th": 0.01, "U": 0.01,
                          "Y": 0.05, "Nd": 0.05, "Ca": 1, "Mg": 1, "Ra": 1e-8}.items()}
    feed = liquor(n=n, acid_m=rng.uniform(0, 1, n), g_l=g_l)
    res = run(feed, n=n, eluent=eluent, capacity=rng.uniform(0.5, 30, n),
              sc_uptake=rng.uniform(0, 1, n), uptake_scale=rng.uniform(0, 20, n),
              elution_efficiency=rng.uniform(0.1, 1, n), eluent_concentration=rng.uniform(0.01, 5, n),
              eluent_bed_volumes=rng.uniform(0.5, 10, n), utilisation=rng.uniform(0.1, 1, n),
              cycle_time=rng.uniform(2, 100, n), columns=int(rng.integers(1, 5)))
    # floor 1e-9 kg/h for components absent from every input
    assert res.check_balance({"feed": feed}, "ix") <= 1e-9
    for stream in [*res.outlets.values(), *res.added.values()]:
        assert np.all(stream.flows >= 0)
