"""Ammonium sulfate desorption: exchange stoichiometry, NH4+ limitation, electroneutrality."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from redmud.chemistry import molar_mass
from redmud.feedstocks import load_feedstock
from redmud.operations import get_spec
from redmud.operations.common import free_acid_kmol_h, reagent_stream
from redmud.operations.desorption import AMMONIUM_LIQUOR_CHARGE, ammonium_limited_scale, pump_power_kw
from redmud.streams import balance_error, mix

SPEC = get_spec("ammonium_sulfate_desorption")


def run(ore, **values):
    result = SPEC.run({"ore": ore}, SPEC.parse_parameters(values, SPEC.name), {"n_samples": 1})
    result.check_balance({"ore": ore}, SPEC.name)
    return result


def clay(y_kmol=0.01, al_kg=50.0):
    return mix(reagent_stream("Y2O3", y_kmol / 2 * molar_mass("Y2O3"), phase="solid"),
               reagent_stream("Al2O3", al_kg, phase="solid"),
               reagent_stream("SiO2", 1000.0 - al_kg, phase="solid"))


def test_exchange_hand_numbers():
    # 0.01 kmol/h Y; exchangeable 50 %, efficiency 90 % -> 0.0045 kmol/h Y desorbed, with
    # 2.05 x 0.0045 = 0.009225 kmol/h Al; NH4+ taken up 3 x (0.0045 + 0.009225) = 0.041175 kmol/h.
    # Lixiviant 1 kg/kg x ~1000 kg/h ore at 20 g/L: 20.0 kg/h (NH4)2SO4.
    ore = clay()
    r = run(ore, exchangeable_fraction=0.5, leaching_efficiency=0.9, al_per_ree=2.05,
            liquid_solid=1.0, lixiviant_concentration="20 g/L")
    assert r.info["desorbed_Y"][0] == pytest.approx(0.45)
    assert r.info["nh4_taken_up_kg_h"][0] == pytest.approx(0.041175 * molar_mass("NH4"))
    total_dry = ore.total("solid")[0]
    assert r.added["(NH4)2SO4"].total()[0] == pytest.approx(20.0 * total_dry / 1000.0)
    al_liquor = sum(o.component("Al", "aqueous")[0] for o in r.outlets.values())
    assert al_liquor == pytest.approx(0.009225 * 26.9815384)
    # the liquor the leached ore retains carries 0.16 kg/kg of the same liquor
    tails = r.outlets["tailings"]
    assert tails.total("aqueous")[0] == pytest.approx(0.16 * tails.total("solid")[0])
    assert r.info["recovery_Y"][0] < r.info["desorbed_Y"][0]


def test_leachate_is_electroneutral_with_ammonium_charge():
    r = run(clay())
    for outlet in r.outlets.values():
        assert free_acid_kmol_h(outlet.phase("aqueous"), AMMONIUM_LIQUOR_CHARGE)[0] == pytest.approx(0.0, abs=1e-12)


def test_ammonium_shortage_scales_the_exchange():
    assert ammonium_limited_scale(1.0, 4.0) == 0.25
    assert ammonium_limited_scale(5.0, 4.0) == 1.0
    r = run(clay(y_kmol=0.5), lixiviant_concentration="1 g/L", liquid_solid=0.1)
    assert r.info["ammonium_scale"][0] < 1.0
    # all NH4+ taken up: no ammonium left in the liquor
    assert sum(o.component("N", "aqueous")[0] for o in r.outlets.values()) == pytest.approx(0.0, abs=1e-12)


def test_not_exchangeable_elements_stay_in_the_tailings():
    ore = mix(clay(), reagent_stream("ThO2", 0.01, phase="solid"), reagent_stream("Sc2O3", 0.01, phase="solid"))
    r = run(ore)
    for el in ("Th", "Sc"):
        assert r.outlets["leachate"].component(el)[0] == 0.0


def test_ion_adsorption_feedstock():
    ore = load_feedstock("ion-adsorption-clay").stream(1000.0)
    r = run(ore)
    assert r.info["desorbed_Y"][0] == pytest.approx(0.5 * 0.9)


def test_pump_power():
    # 1000 kg/m3 x 9.80665 x 30 m x 36 m3/h / 3600 / 0.7 / 1000 = 4.203 kW
    assert pump_power_kw(36.0, 30.0, 0.7) == pytest.approx(4.2029, rel=1e-4)


def random_params(n, rng):
    values = {}
    for name, p in SPEC.parameters.items():
        values[name] = rng.uniform(*p.bounds, n)
    return SPEC.parse_parameters(values, SPEC.name)


@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([1, 7, 256]))
def test_every_element_balances_and_no_flow_is_negative(seed, n):
    # random clays (REY, Al, Th, U oxides, moisture); floor 1e-9 kg/h
    rng = np.random.default_rng(seed)
    parts = [reagent_stream(f, rng.uniform(0, s, n) * (rng.random(n) < 0.8), phase="solid")
             for f, s in {"SiO2": 800, "Al2O3": 200, "Fe2O3": 50, "Y2O3": 2, "La2O3": 1, "Nd2O3": 1,
                          "Dy2O3": 0.2, "Sc2O3": 0.01, "ThO2": 0.05, "U3O8": 0.01}.items()]
    parts.append(reagent_stream("H2O", rng.uniform(0, 300, n)))
    ore = mix(*parts)
    r = SPEC.run({"ore": ore}, random_params(n, rng), {"n_samples": n})
    r.check_balance({"ore": ore}, SPEC.name)
    assert balance_error([ore, *r.added.values()], r.outlets.values()).max() <= 1e-9
    for s in (*r.outlets.values(), *r.added.values()):
        assert (s.flows >= 0).all()
