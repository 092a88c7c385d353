import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from redmud.errors import BalanceError, InputError
from redmud.streams import (COMPONENT_INDEX, COMPONENTS, N_COMPONENTS, N_PHASES, PHASE_INDEX, Stream, assay, balance_error,
                            check_balance, mix, split)


def random_stream(n, seed):
    rng = np.random.default_rng(seed)
    flows = rng.lognormal(0, 3, size=(N_PHASES, N_COMPONENTS, n)) * (rng.random((N_PHASES, N_COMPONENTS, n)) < 0.7)
    return Stream(flows)


@given(n=st.sampled_from([1, 7, 256]), seed=st.integers(0, 2**32 - 1),
       k=st.integers(1, 4), data=st.data())
def test_split_and_mix_conserve_every_element(n, seed, k, data):
    stream = random_stream(n, seed)
    shape = data.draw(st.sampled_from([(), (n,), (N_COMPONENTS, n)]))
    raw = [data.draw(hnp.arrays(float, shape, elements=st.floats(0, 1))) for _ in range(k)]
    total = sum(raw) if k > 1 else raw[0]
    fractions = [f / np.maximum(total, 1.0) for f in raw]  # keep the sum of fractions <= 1
    outlets = split(stream, fractions)
    assert len(outlets) == k + 1
    assert all((o.flows >= 0).all() for o in outlets)
    assert balance_error([stream], outlets).max() <= 1e-12
    assert balance_error([stream], [mix(*outlets)]).max() <= 1e-12


def test_split_by_hand():
    s = Stream.from_phases({"solid": {"Sc": 10.0, "Fe": 100.0}})
    a, b = split(s, [0.25])
    assert a.component("Sc") == pytest.approx(2.5) and b.component("Sc") == pytest.approx(7.5)
    assert b.component("Fe") == pytest.approx(75.0)


def test_mix_broadcasts_one_against_many_samples():
    one = Stream.from_phases({"solid": {"Sc": 1.0}})
    many = Stream.from_phases({"aqueous": {"Sc": [1.0, 2.0, 3.0]}})
    assert mix(one, many).component("Sc").tolist() == [2.0, 3.0, 4.0]


def test_fractions_outside_unit_interval_are_rejected():
    s = Stream.from_phases({"solid": {"Sc": 1.0}})
    with pytest.raises(InputError):
        split(s, [1.5])
    with pytest.raises(InputError, match="more than 1"):
        split(s, [0.7, 0.7])


def test_assay_units():
    # 1 kg/h Sc in 1000 kg/h of solid = 1000 ppm = 0.1 wt%; as Sc2O3 x 1.5338
    s = Stream.from_phases({"solid": {"Sc": 1.0, "other": 999.0}, "aqueous": {"Sc": 0.5, "O": 999.5}})
    assert assay(s, "Sc").to("ppm").magnitude == pytest.approx(1000)
    assert assay(s, "Sc", unit="wt%").magnitude == pytest.approx(0.1)
    assert assay(s, "Sc", as_oxide=True).to("ppm").magnitude == pytest.approx(1533.823, rel=1e-6)
    # 0.5 kg/h in 1000 kg/h of liquor at 1 kg/L = 0.5 g/L
    assert assay(s, "Sc", "aqueous", "g/L").magnitude == pytest.approx(0.5)


def test_balance_check_catches_created_mass():
    s = Stream.from_phases({"solid": {"Sc": 1.0}})
    bigger = Stream.from_phases({"solid": {"Sc": 1.0 + 1e-6}})
    with pytest.raises(BalanceError, match="Sc"):
        check_balance([s], [bigger], "test")
    assert check_balance([s], [s], "test") == 0.0


def test_quantity_boundary_has_units():
    s = Stream.zeros(3)
    q = s.quantity()
    assert q.units == q._REGISTRY.Unit("kg/h") and q.shape == (N_PHASES, len(COMPONENTS), 3)


# --- the compact layout: only rows that may be non-zero are held ------------------------------

def _dense_split(flows, fractions):
    """The split as the dense arithmetic it replaces: parts x f, remainder inlet minus parts."""
    def shaped(f):
        f = np.asarray(f, dtype=float)
        return f.reshape((1,) * (3 - f.ndim) + f.shape) if f.ndim < 3 else f
    parts = [flows * shaped(f) for f in fractions]
    remainder = flows.copy()
    for part in parts:
        remainder = remainder - part
    return parts + [np.maximum(remainder, 0.0)]


@given(n=st.sampled_from([1, 5]), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_compact_streams_give_the_dense_arithmetic_bit_for_bit(n, seed, data):
    a, b = random_stream(n, seed), random_stream(n, seed + 1)
    shape = data.draw(st.sampled_from([(), (n,), (N_COMPONENTS, n), (N_PHASES, 1, n), (N_PHASES, N_COMPONENTS, n)]))
    f = data.draw(hnp.arrays(float, shape, elements=st.sampled_from([0.0, 0.3, 1.0])))
    assert np.array_equal(mix(a, b).flows, a.flows + b.flows)
    for got, want in zip(split(a, [f]), _dense_split(a.flows, [f])):
        assert np.array_equal(got.flows, want)
    for phase in ("solid", "aqueous", "organic", "gas"):
        assert np.array_equal(a.phase(phase), a.flows[PHASE_INDEX[phase]])
        assert np.array_equal(a.component("Fe", phase), a.flows[PHASE_INDEX[phase], COMPONENT_INDEX["Fe"]])
        # sums: numpy adds a single sample's column pairwise, the compact rows in order
        np.testing.assert_allclose(a.total(phase), a.flows[PHASE_INDEX[phase]].sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(a.components(), a.flows.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(a.component("Fe"), a.flows[:, COMPONENT_INDEX["Fe"]].sum(axis=0), rtol=1e-14)


def test_rows_that_a_split_sends_nowhere_are_left_out():
    # solids all to the underflow (fraction 1), 40 % of the liquor, no gas: the overflow holds
    # no solid row, the underflow no gas row
    s = Stream.from_phases({"solid": {"Fe": 100.0}, "aqueous": {"H": 11.0, "O": 89.0}, "gas": {"C": 1.0}})
    f = np.zeros((N_PHASES, 1, 1))
    f[PHASE_INDEX["solid"]], f[PHASE_INDEX["aqueous"]] = 1.0, 0.4
    under, over = split(s, [f])
    assert [COMPONENTS[r % N_COMPONENTS] for r in under.rows] == ["Fe", "H", "O"]
    assert [COMPONENTS[r % N_COMPONENTS] for r in over.rows] == ["H", "O", "C"]
    assert over.component("O", "aqueous")[0] == pytest.approx(0.6 * 89.0, rel=1e-15)
    assert under.component("C")[0] == 0.0 and over.total("solid")[0] == 0.0


def test_a_dense_array_keeps_only_its_non_zero_rows_and_nan_counts_as_a_flow():
    flows = np.zeros((N_PHASES, N_COMPONENTS, 3))
    flows[1, COMPONENT_INDEX["Sc"], 1] = 2.0
    flows[0, COMPONENT_INDEX["Fe"], 2] = np.nan
    s = Stream(flows)
    assert sorted(s.rows) == [COMPONENT_INDEX["Fe"], N_COMPONENTS + COMPONENT_INDEX["Sc"]]
    assert np.isnan(s.flows[0, COMPONENT_INDEX["Fe"], 2])
    assert Stream.zeros(4).total().tolist() == [0.0] * 4


def test_dense_view_is_read_only_and_streams_pickle_without_it():
    import pickle
    s = random_stream(3, 1)
    with pytest.raises(ValueError):
        s.flows[0, 0, 0] = 1.0
    back = pickle.loads(pickle.dumps(s))
    assert np.array_equal(back.flows, s.flows) and back._dense is not None and s._dense is not None


def test_take_broadcast_and_with_phase():
    s = random_stream(4, 2)
    assert np.array_equal(s.take(np.array([3, 1])).flows, s.flows[..., [3, 1]])
    one = random_stream(1, 3)
    assert np.array_equal(one.broadcast(4).flows, np.broadcast_to(one.flows, (N_PHASES, N_COMPONENTS, 4)))
    liquor = np.zeros((N_COMPONENTS, 4))
    liquor[COMPONENT_INDEX["Cl"]] = 5.0
    replaced = s.with_phase("aqueous", liquor)
    want = s.flows.copy()
    want[PHASE_INDEX["aqueous"]] = liquor
    assert np.array_equal(replaced.flows, want)


def test_holds_names_the_rows_a_stream_keeps():
    s = Stream.from_phases({"solid": {"Fe": 1.0}, "aqueous": {"S": [0.0]}})
    assert s.holds("Fe", "solid") and s.holds("S", "aqueous")      # a listed row, even all zero
    assert not s.holds("Fe", "aqueous") and not s.holds("Sc", "solid")


def test_from_phases_gives_a_component_in_each_phase_its_own_row():
    a, b = np.array([0.1, 1e16]), np.array([0.2, 1.0])
    s = Stream.from_phases({"aqueous": {"Na": a}, "solid": {"Na": b}})
    assert np.array_equal(s.component("Na", "aqueous"), a) and np.array_equal(s.component("Na", "solid"), b)
    assert s.rows.tolist() == [COMPONENT_INDEX["Na"], N_COMPONENTS + COMPONENT_INDEX["Na"]]


def test_with_changes_moves_rows_and_clears_rounding_negatives():
    from redmud.operations.common import with_changes
    feed = Stream.from_phases({"solid": {"Y": [0.3, 2.0], "O": [1.0, 1.0]}, "aqueous": {"H": [5.0, 5.0]}})
    taken = np.array([0.1 + 0.2, 1.0])          # 0.30000000000000004: the whole row and a rounding more
    out = with_changes(feed, {"solid": {"Y": -taken}, "aqueous": {"Y": taken}}, 2)
    assert out.component("Y", "solid").tolist() == [0.0, 1.0]
    assert np.array_equal(out.component("Y", "aqueous"), taken)
    assert not out.any_below(0.0) and not out.holds("Y", "gas")


def test_with_changes_adds_each_change_to_its_row_with_the_dense_arithmetic():
    from redmud.operations.common import with_changes
    s = random_stream(5, 6)
    fe, na = np.linspace(0.1, 0.5, 5), np.full(5, 0.3)
    out = with_changes(s, {"aqueous": {"Fe": fe}, "gas": {"Na": na}}, 5)
    want = s.flows.copy()
    want[PHASE_INDEX["aqueous"], COMPONENT_INDEX["Fe"]] += fe
    want[PHASE_INDEX["gas"], COMPONENT_INDEX["Na"]] += na
    assert np.array_equal(out.flows, want)
    # a one-sample stream broadcasts against n-sample changes
    one = random_stream(1, 7)
    want = np.broadcast_to(one.flows, (N_PHASES, N_COMPONENTS, 5)).copy()
    want[PHASE_INDEX["solid"], COMPONENT_INDEX["Sc"]] += fe
    assert np.array_equal(with_changes(one, {"solid": {"Sc": fe}}, 5).flows, want)


def test_phase_stream_and_formula_flows_over_a_component_list():
    from redmud.operations.common import formula_kmol_flows, phase_stream
    comps = np.array([COMPONENT_INDEX[el] for el in ("H", "O", "S", "Fe")])
    comps.sort()
    kmol = np.array([1.0, 2.0])
    dense = formula_kmol_flows("Fe2(SO4)3", kmol)
    assert np.array_equal(formula_kmol_flows("Fe2(SO4)3", kmol, comps), dense[comps])
    out = np.ones((comps.size, 2))                     # out= adds into what is there
    formula_kmol_flows("H2SO4", kmol, comps, out=out)
    assert np.array_equal(out, 1.0 + formula_kmol_flows("H2SO4", kmol)[comps])
    stream = phase_stream(2, comps, aqueous=dense[comps], solid=out)
    assert np.array_equal(stream.flows[PHASE_INDEX["aqueous"]], dense)
    assert np.array_equal(stream.flows[PHASE_INDEX["solid"]][comps], out)
    assert not stream.holds("H", "aqueous")           # a zero row is left out
    single = phase_stream(2, comps, gas=out)           # one phase: its rows, not a view of out
    out[:] = 0.0
    assert single.total().min() > 0


def test_phase_and_components_over_a_component_list():
    s = random_stream(3, 4)
    comps = np.sort([COMPONENT_INDEX["Fe"], COMPONENT_INDEX["Sc"], COMPONENT_INDEX["other"]])   # sorted, as documented
    assert np.array_equal(s.phase("aqueous", comps), s.flows[PHASE_INDEX["aqueous"]][comps])
    np.testing.assert_allclose(s.components(comps), s.flows.sum(axis=0)[comps], rtol=1e-14)
    assert s.components(np.array([], dtype=int)).shape == (0, 3)
    out = np.full((comps.size, 3), np.nan)             # written in place, every row
    assert s.phase("aqueous", comps, out=out) is out
    assert np.array_equal(out, s.flows[PHASE_INDEX["aqueous"]][comps])
    held = s.held_components("solid")
    assert np.array_equal(held, np.flatnonzero((s.flows[PHASE_INDEX["solid"]] != 0).any(axis=1)))


def test_keep_freed_memory_applies_on_glibc_and_can_be_switched_off():
    import os
    import platform
    import subprocess
    import sys
    code = "import redmud.memory as m; print(m.keep_freed_memory())"
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "REDMUD_KEEP_FREED_MEMORY": "0"})
    assert on.stdout.strip() == str(platform.libc_ver()[0] == "glibc")
    assert off.stdout.strip() == "False"
