import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from redmud.errors import BalanceError, InputError
from redmud.streams import (COMPONENTS, N_COMPONENTS, N_PHASES, Stream, assay, balance_error,
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
