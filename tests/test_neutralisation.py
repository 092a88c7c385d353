"""Lime/limestone neutralisation: hand-checked reagent, gypsum and radium numbers; conservation."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from redmud.chemistry import molar_mass
from redmud.operations import get_spec
from redmud.operations.common import free_acid_kmol_h, reagent_stream
from redmud.operations.neutralisation import (gypsum_dissolved_kmol_h, gypsum_precipitated_kmol_h,
                                              hydroxide_fraction, radium_to_gypsum_fraction)
from redmud.streams import COMPONENT_INDEX, Stream, balance_error, mix

SPEC = get_spec("neutralisation")
K_GYPSUM = 2.43e-4          # (15.6 mmol/L)^2, neutralisation.toml


def acid_liquor():
    # 1000 kg/h water, 0.1 kmol/h H2SO4 (free acid 0.2 kmol/h H+), 0.05 kmol/h Fe2(SO4)3
    return (reagent_stream("H2SO4", 0.1 * molar_mass("H2SO4"), water_kg_h=1000.0)
            + reagent_stream("Fe2(SO4)3", 0.05 * molar_mass("Fe2(SO4)3")))


def run(feed, **values):
    result = SPEC.run({"feed": feed}, SPEC.parse_parameters(values, "neutralisation"), {"n_samples": 1})
    result.check_balance({"feed": feed}, "neutralisation")
    return result


def test_hydroxide_windows():
    f = hydroxide_fraction(np.array([3.2]))
    # Fe: (3.2 - 2.3)/(4.1 - 2.3) = 0.5; Al not started (4.0); Na never
    assert f[COMPONENT_INDEX["Fe"], 0] == pytest.approx(0.5)
    assert f[COMPONENT_INDEX["Al"], 0] == 0.0
    assert hydroxide_fraction(np.array([12.0]))[COMPONENT_INDEX["Na"], 0] == 0.0
    # Sc 4.8-6.0 (RUSAL patent): at 5.4 half
    assert hydroxide_fraction(np.array([5.4]))[COMPONENT_INDEX["Sc"], 0] == pytest.approx(0.5)


def test_quicklime_hand_numbers():
    # H+ to neutralise: 0.2 (free acid) + 3 x 0.1 (Fe3+ hydrolysis) = 0.5 kmol/h -> 0.25 kmol/h CaO
    # reacted; at 90 % utilisation 0.25/0.9 x 56.077 = 15.577 kg/h CaO fed.
    r = run(acid_liquor(), reagent="CaO", target_pH=7.5, lime_utilisation=0.9)
    assert r.info["reagent_kg_h"][0] == pytest.approx(0.25 / 0.9 * molar_mass("CaO"), rel=1e-6)
    assert r.added["CaO"].total()[0] == pytest.approx(15.577, abs=1e-3)
    assert r.info["precipitated_Fe"][0] == pytest.approx(1.0)
    # gypsum: Ca = SO4 = 0.25 mol/L in 1000 L: x = 0.25 - sqrt(2.43e-4) = 0.234412 mol/L
    # -> 234.41 mol/h x 172.17 g/mol = 40.36 kg/h
    assert r.info["gypsum_kg_h"][0] == pytest.approx((0.25 - np.sqrt(K_GYPSUM)) * molar_mass("CaSO4(H2O)2"), rel=1e-3)
    # treated effluent is no longer acidic and has no iron
    eff = r.outlets["effluent"]
    assert eff.component("Fe", "aqueous")[0] == pytest.approx(0.0, abs=1e-12)
    assert free_acid_kmol_h(eff.phase("aqueous"))[0] == pytest.approx(0.0, abs=1e-6)


def test_hydrated_lime_and_limestone():
    r = run(acid_liquor(), reagent="Ca(OH)2", lime_utilisation=1.0)
    assert r.info["reagent_kg_h"][0] == pytest.approx(0.25 * molar_mass("Ca(OH)2"), rel=1e-6)
    # limestone: pH capped at 7.0; 0.25 kmol/h CO2 released; 30 % utilisation
    r = run(acid_liquor(), reagent="CaCO3", target_pH=9.0, limestone_utilisation=0.3)
    assert r.info["pH"][0] == 7.0
    assert r.info["co2_kg_h"][0] == pytest.approx(0.25 * molar_mass("CO2"), rel=1e-6)
    assert r.outlets["effluent"].component("C", "gas")[0] + r.outlets["sludge"].component("C", "gas")[0] == \
        pytest.approx(0.25 * 12.011, rel=1e-6)
    assert r.info["reagent_kg_h"][0] == pytest.approx(0.25 / 0.3 * molar_mass("CaCO3"), rel=1e-6)


def test_gypsum_solubility_functions():
    # saturated pure gypsum solution: nothing precipitates, and CaSO4 dissolves to 15.6 mmol/L
    s = np.sqrt(K_GYPSUM)
    assert gypsum_precipitated_kmol_h(s, s, 1000.0, K_GYPSUM) == pytest.approx(0.0, abs=1e-15)
    assert gypsum_dissolved_kmol_h(1.0, 0.0, 1000.0, K_GYPSUM) == pytest.approx(s)
    # common ion: in 0.1 mol/L sulfate x(0.1 + x) = K -> x = 2.37e-3 mol/L
    x = 2 * K_GYPSUM / (0.1 + np.sqrt(0.01 + 4 * K_GYPSUM))
    assert gypsum_dissolved_kmol_h(1.0, 0.1, 1000.0, K_GYPSUM) == pytest.approx(x)


def test_radium_follows_gypsum():
    # D = 0.32: 0.2344 kmol/h gypsum, 0.0156 kmol/h Ca left in the liquor -> 0.828 of the Ra
    assert radium_to_gypsum_fraction(0.2344, 0.0156, 0.32) == pytest.approx(0.075 / (0.075 + 0.0156), rel=1e-3)
    feed = acid_liquor() + Stream.from_phases({"aqueous": {"Ra": 1e-6}})
    r = run(feed, reagent="CaO", target_pH=7.5)
    sludge = r.outlets["sludge"]
    ra_solid = sludge.component("Ra", "solid")[0]
    assert ra_solid / 1e-6 == pytest.approx(r.info["precipitated_Ra"][0])
    assert 0.7 < r.info["precipitated_Ra"][0] < 0.9


def test_salts_lime_does_not_remove_stay_in_the_effluent_and_th_u_go_to_sludge():
    feed = mix(acid_liquor(), reagent_stream("NaCl", 5.0), reagent_stream("Th(SO4)2", 0.01),
               reagent_stream("UO2SO4", 0.01))
    r = run(feed, reagent="Ca(OH)2", target_pH=8.0)
    for el in ("Na", "Cl"):
        assert sum(o.component(el, "solid")[0] for o in r.outlets.values()) == 0.0
    assert r.info["precipitated_Th"][0] == 1.0 and r.info["precipitated_U"][0] == 1.0
    assert r.outlets["effluent"].component("Th")[0] == 0.0


def test_reagent_grows_with_target_pH_through_the_al_window():
    feed = mix(acid_liquor(), reagent_stream("Al2(SO4)3", 10.0))
    use = [run(feed, target_pH=pH).info["reagent_kg_h"][0] for pH in (3.0, 4.5, 5.5, 9.0)]
    assert np.all(np.diff(use) >= 0)


def random_liquor(rng, n):
    def kg(scale):
        return rng.uniform(0, scale, n) * (rng.random(n) < 0.8)
    parts = [reagent_stream("H2O", rng.uniform(300, 3000, n)),
             reagent_stream("H2SO4", kg(40)), reagent_stream("HCl", kg(10)),
             reagent_stream("Fe2(SO4)3", kg(40)), reagent_stream("Al2(SO4)3", kg(30)),
             reagent_stream("MgSO4", kg(10)), reagent_stream("Na2SO4", kg(20)),
             reagent_stream("NaCl", kg(10)), reagent_stream("CaCl2", kg(10)),
             reagent_stream("Sc2(SO4)3", kg(0.05)), reagent_stream("Nd2(SO4)3", kg(0.5)),
             reagent_stream("Y2(SO4)3", kg(0.5)), reagent_stream("Th(SO4)2", kg(0.01)),
             reagent_stream("UO2SO4", kg(0.01)), reagent_stream("RaSO4", kg(1e-7)),
             reagent_stream("TiOSO4", kg(2)), reagent_stream("MnSO4", kg(1)),
             reagent_stream("SiO2", kg(50), phase="solid"), reagent_stream("Fe2O3", kg(50), phase="solid")]
    return mix(*parts)


def random_params(n, rng):
    values = {"reagent": str(rng.choice(["CaO", "Ca(OH)2", "CaCO3"]))}
    for name, p in SPEC.parameters.items():
        if p.kind == "integer":
            values[name] = rng.integers(int(p.bounds[0]), int(p.bounds[1]) + 1, n).astype(float)
        elif p.kind == "quantity":
            values[name] = rng.uniform(*p.bounds, n)
    return SPEC.parse_parameters(values, "neutralisation")


@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([1, 7, 256]))
def test_every_element_balances_and_no_flow_is_negative(seed, n):
    # random acidic sulfate/chloride liquors with suspended solids; floor 1e-9 kg/h
    rng = np.random.default_rng(seed)
    feed = random_liquor(rng, n)
    r = SPEC.run({"feed": feed}, random_params(n, rng), {"n_samples": n})
    r.check_balance({"feed": feed}, "neutralisation")
    assert balance_error([feed, *r.added.values()], r.outlets.values()).max() <= 1e-9
    for s in (*r.outlets.values(), *r.added.values()):
        assert (s.flows >= 0).all()
