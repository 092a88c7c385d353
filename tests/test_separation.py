"""Thickener, filter and CCD washing: hand-checked numbers, the CCD formula, and conservation."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from redmud.operations import get_spec
from redmud.operations.separation import ccd_feed_fraction_to_residue, liquid_to_underflow_fraction
from redmud.streams import N_COMPONENTS, N_PHASES, PHASE_INDEX, Stream, balance_error


def slurry(solids=100.0, water=400.0, na=10.0, n=None):
    return Stream.from_phases({"solid": {"Fe": solids * 0.7, "O": solids * 0.3},
                               "aqueous": {"H": water * 0.1119, "O": water * 0.8881, "Na": na}},
                              n_samples=n)


def run(name, inlets, **values):
    spec = get_spec(name)
    result = spec.run(inlets, spec.parse_parameters(values, name), {"n_samples": 1})
    result.check_balance(inlets, name)
    return result


def test_thickener_hand_numbers():
    # 100 kg/h solids at 50 % underflow solids carry 100 kg/h liquor: 100/410 of the liquid.
    r = run("thickener", {"feed": slurry()}, underflow_solids_fraction=0.5, unit_area="1.28 m^2/(t/d)")
    under = r.outlets["underflow"]
    assert under.total("solid")[0] == pytest.approx(100.0)
    assert under.total("aqueous")[0] == pytest.approx(100.0)
    assert under.component("Na")[0] == pytest.approx(10 * 100 / 410)
    # same composition in both liquors
    over = r.outlets["overflow"]
    assert (under.component("Na", "aqueous") / under.total("aqueous"))[0] == pytest.approx(
        (over.component("Na", "aqueous") / over.total("aqueous"))[0])
    # area: 1.28 m2/(t/d) x 100 kg/h x 24 h/d / 1000 kg/t = 3.072 m2; drive 0.2 kW/m x D
    assert r.equipment["thickener"].size[0] == pytest.approx(3.072)
    assert r.consumption["electricity_kW"][0] == pytest.approx(0.2 * np.sqrt(4 * 3.072 / np.pi))


def test_radionuclides_follow_their_phase():
    # 100.02 kg/h solids (with Th) at 50 % carry 100.02 of the 410.01 kg/h liquid (with U): solid
    # Th and Ra all go down, dissolved U splits as the liquor, 100.02/410.01 down
    feed = Stream.from_phases({"solid": {"Fe": 70.0, "O": 30.0, "Th": 0.02, "Ra": 1e-9},
                               "aqueous": {"H": 400 * 0.1119, "O": 400 * 0.8881, "Na": 10.0, "U": 0.01}})
    r = run("thickener", {"feed": feed}, underflow_solids_fraction=0.5)
    under, over = r.outlets["underflow"], r.outlets["overflow"]
    for el in ("Th", "Ra"):
        assert under.component(el, "solid")[0] == feed.component(el)[0] and over.component(el)[0] == 0.0
    assert under.component("U")[0] == pytest.approx(0.01 * (100.02 + 1e-9) / 410.01, rel=1e-12)


def test_thickener_feed_thicker_than_underflow_sends_all_liquid_down():
    assert liquid_to_underflow_fraction(50.0, 100.0, 0.5) == 1.0
    r = run("thickener", {"feed": slurry(water=50.0, na=0.0)}, underflow_solids_fraction=0.5)
    assert r.outlets["overflow"].total()[0] == 0.0


def test_filter_hand_numbers():
    # cake at 20 % moisture: 100 kg/h solids hold 25 kg/h liquor; area 100/500 = 0.2 m2
    r = run("filter", {"feed": slurry()}, cake_moisture=0.2, filtration_flux="500 kg/m^2/h",
            specific_power="12 kW/m^2")
    assert r.outlets["cake"].total("aqueous")[0] == pytest.approx(25.0)
    assert r.equipment["filter"].size[0] == pytest.approx(0.2)
    assert r.consumption["electricity_kW"][0] == pytest.approx(2.4)


@pytest.mark.parametrize("r, n", [(2.0, 3), (3.0, 1), (0.5, 4), (1.0, 3), (1.0 + 1e-12, 5)])
def test_ccd_formula_matches_textbook_form_for_feed_at_underflow_density(r, n):
    # F = U: phi = (r - 1)/(r^(n+1) - 1), recovery R = (r^(n+1) - r)/(r^(n+1) - 1); r = 1: 1/(n+1)
    expected = 1 / (n + 1) if abs(r - 1) < 1e-9 else (r - 1) / (r ** (n + 1) - 1)
    assert ccd_feed_fraction_to_residue(100.0, 100.0, 100.0 * r, n) == pytest.approx(expected, rel=1e-9)


def test_ccd_single_stage_is_a_dilution():
    # one stage: phi = U / (F + W)
    assert ccd_feed_fraction_to_residue(300.0, 100.0, 200.0, 1) == pytest.approx(100 / 500)


def test_ccd_wash_hand_numbers():
    # 100 kg/h solids at 50 % solids: U = 100; feed liquor 100 kg/h (F = U) with 1 kg/h Na;
    # r = 2, n = 3: phi = 1/15, so the residue keeps 1/15 kg/h Na and 100 kg/h liquor.
    feed = slurry(water=99.0, na=1.0)
    r = run("ccd_wash", {"feed": feed}, stages=3, wash_ratio=2.0, underflow_solids_fraction=0.5)
    residue = r.outlets["residue"]
    assert residue.component("Na")[0] == pytest.approx(1 / 15)
    assert residue.total("aqueous")[0] == pytest.approx(100.0)
    assert r.added["water"].total()[0] == pytest.approx(200.0)
    assert r.info["soluble_recovery"][0] == pytest.approx(14 / 15)
    assert r.equipment["thickeners"].count == 3


def test_ccd_more_stages_and_more_wash_recover_more():
    feed = slurry()
    rec = [run("ccd_wash", {"feed": feed}, stages=k).info["soluble_recovery"][0] for k in (1, 2, 4, 8)]
    assert np.all(np.diff(rec) > 0)
    rec = [run("ccd_wash", {"feed": feed}, wash_ratio=w).info["soluble_recovery"][0] for w in (0.5, 1, 2, 4)]
    assert np.all(np.diff(rec) > 0)


def test_ccd_with_a_wash_inlet_uses_it():
    feed = slurry(water=99.0, na=1.0)
    wash = Stream.from_phases({"aqueous": {"H": 200 * 0.1119, "O": 200 * 0.8881}})
    r = run("ccd_wash", {"feed": feed, "wash": wash}, stages=3, underflow_solids_fraction=0.5)
    assert r.added["water"].total()[0] == pytest.approx(0.0)
    assert r.outlets["residue"].component("Na")[0] == pytest.approx(1 / 15)


def random_stream(rng, n):
    flows = rng.lognormal(0, 2, size=(N_PHASES, N_COMPONENTS, n)) * (rng.random((N_PHASES, N_COMPONENTS, n)) < 0.6)
    flows[PHASE_INDEX["gas"]] *= rng.random() < 0.3
    return Stream(flows)


def random_params(spec, n, rng):
    values = {}
    for name, p in spec.parameters.items():
        if p.kind == "integer":
            values[name] = rng.integers(int(p.bounds[0]), int(p.bounds[1]) + 1, n).astype(float)
        elif p.kind == "quantity" and p.bounds is not None:
            values[name] = rng.uniform(*p.bounds, n)
    return spec.parse_parameters(values, spec.name)


@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([1, 7, 256]),
       name=st.sampled_from(["thickener", "filter", "ccd_wash"]), with_wash=st.booleans())
def test_every_element_balances_and_no_flow_is_negative(seed, n, name, with_wash):
    # floor 1e-9 kg/h where an input is zero (streams.check_balance)
    rng = np.random.default_rng(seed)
    spec = get_spec(name)
    params = random_params(spec, n, rng)
    inlets = {"feed": random_stream(rng, n)}
    if with_wash and name == "ccd_wash":
        inlets["wash"] = random_stream(rng, n)
    r = spec.run(inlets, params, {"n_samples": n})
    r.check_balance(inlets, name)
    assert balance_error([*inlets.values(), *r.added.values()], r.outlets.values()).max() <= 1e-9
    for s in (*r.outlets.values(), *r.added.values()):
        assert (s.flows >= 0).all()
    for e in r.equipment.values():
        assert np.all(np.asarray(e.size) >= 0)
