"""The flowsheet engine on toy operations: wiring checks, recycle convergence, plant balance."""

import numpy as np
import pytest

from redmud.errors import ConvergenceError, InputError, unknown
from redmud.feedstocks import load_feedstock
from redmud.flowsheet import evaluate
from redmud.api import resolve
from redmud.operations.base import OperationResult, OperationSpec, Param
from redmud.operations.common import reagent_stream
from redmud.routes import load_route
from redmud.streams import PHASE_INDEX, Stream, split


def _dissolve(inlets, params, context):
    """Toy leach: dissolves a fraction of every solid component, adds HCl per kg feed."""
    feed = inlets["feed"]
    if "recycle" in inlets:
        feed = feed + inlets["recycle"]
    moved, kept = split(Stream(feed.flows * (np.arange(4) == 0)[:, None, None]), [params["extraction"]])
    flows = kept.flows.copy()
    flows[PHASE_INDEX["aqueous"]] += moved.flows[PHASE_INDEX["solid"]]
    flows += feed.flows * (np.arange(4) != 0)[:, None, None]
    acid = reagent_stream("HCl", params["acid_dose"] * feed.total("solid"), water_kg_h=feed.total("solid"))
    # a diluent dosed per kg of liquid received (as SX scrub liquor at a fixed O/A)
    diluent = reagent_stream("H2O", params["dilution"] * feed.total("aqueous"))
    return OperationResult(outlets={"slurry": Stream(flows) + acid + diluent},
                           added={"HCl": acid, "water": diluent})


def _separate(inlets, params, context):
    """Toy separator: solids to residue, liquor to overflow."""
    s = inlets["slurry"]
    solid_mask = (np.arange(4) == 0)[:, None, None]
    return OperationResult(outlets={"solids": Stream(s.flows * solid_mask), "liquor": Stream(s.flows * ~solid_mask)})


SPECS = {
    "toy_leach": OperationSpec("toy_leach", "toy", ("feed",), ("slurry",), {
        "extraction": Param("dimensionless", 0.5, "fraction dissolved", "test", bounds=(0, 1)),
        "acid_dose": Param("dimensionless", 0.1, "kg HCl per kg solid", "test", bounds=(0, 10)),
        "dilution": Param("dimensionless", 0.0, "kg water per kg liquid fed", "test", bounds=(0, 10)),
    }, _dissolve, optional_inlets=("recycle",)),
    "toy_separate": OperationSpec("toy_separate", "toy", ("slurry",), ("solids", "liquor"), {}, _separate),
}


def lookup(name, where):
    if name not in SPECS:
        raise unknown(where, "operation", name, SPECS)
    return SPECS[name]


ROUTE = """
name = "toy"
title = "Toy route"
kind = "red-mud"
residues = ["residue"]
[plant]
capacity = "10000 t/yr"
[[operations]]
id = "leach"
type = "toy_leach"
inlets = {{ feed = "feed"{recycle_in} }}
outlets = {{ slurry = "slurry" }}
parameters = {{ extraction = {extraction} }}
[[operations]]
id = "sep"
type = "toy_separate"
inlets = {{ slurry = "slurry" }}
outlets = {{ solids = "residue", liquor = "liquor" }}
{recycles}
[products]
liquor = {{ stream = "{product}", product = "Sc2O3" }}
"""

RECYCLE = '[[recycles]]\nstream = "liquor"\nreturns = "back"\nfraction = {fraction}\npurge = "bleed"\n'


def write_route(tmp_path, recycle=True, fraction=0.9, extraction=0.5, product=None, **replace):
    text = ROUTE.format(recycle_in=', recycle = "back"' if recycle else "", extraction=extraction,
                        recycles=RECYCLE.format(fraction=fraction) if recycle else "",
                        product=product or ("bleed" if recycle else "liquor"))
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / "toy.toml"
    path.write_text(text)
    return path


@pytest.fixture
def feedstock(write_feedstock):
    return load_feedstock(write_feedstock())


def run(path, feedstock, overrides=None, **kw):
    route = load_route(path, lookup)
    values, n = resolve(route, feedstock, overrides)
    return evaluate(route, feedstock, values, n, **kw)


def test_straight_route_balances(tmp_path, feedstock):
    result = run(write_route(tmp_path, recycle=False), feedstock)
    assert result.balance_error.max() <= 1e-9
    # half of the solid Sc dissolves: product Sc = 0.5 * feed Sc
    feed_sc = result.streams["feed"].component("Sc")
    assert result.streams["liquor"].component("Sc") == pytest.approx(0.5 * feed_sc, rel=1e-12)


def test_recycle_converges_to_the_geometric_series(tmp_path, feedstock):
    # The liquor (with all dissolved Sc) returns 90 %; recycled Sc is liquid so it passes through:
    # steady state: L = 0.5 F + 0.9 L  ->  L = 5 F, purge = 0.1 L = 0.5 F.
    result = run(write_route(tmp_path, fraction=0.9), feedstock)
    feed_sc = result.streams["feed"].component("Sc")
    assert result.streams["liquor"].component("Sc") == pytest.approx(5 * feed_sc, rel=1e-9)
    assert result.streams["bleed"].component("Sc") == pytest.approx(0.5 * feed_sc, rel=1e-9)
    assert result.balance_error.max() <= 1e-9
    assert result.iterations < 60


def test_recycle_fraction_as_sample_array(tmp_path, feedstock):
    fractions = np.array([0.0, 0.5, 0.9, 0.99])
    result = run(write_route(tmp_path), feedstock, {"recycle.back.fraction": fractions})
    feed_sc = result.streams["feed"].component("Sc")
    expected = 0.5 * feed_sc / (1 - fractions)
    assert np.allclose(result.streams["liquor"].component("Sc"), expected, rtol=1e-9)


def test_nonconvergence_raises_or_marks_nan(tmp_path, feedstock, monkeypatch):
    import redmud.flowsheet as fs
    monkeypatch.setattr(fs, "MAX_ITERATIONS", 2)
    path = write_route(tmp_path, fraction=0.99)
    with pytest.raises(ConvergenceError, match="recycle back did not converge"):
        run(path, feedstock)
    result = run(path, feedstock, {"recycle.back.fraction": np.array([0.0, 0.99])}, on_failure="nan")
    assert result.failed.tolist() == [False, True]
    assert np.isnan(result.streams["liquor"].flows[..., 1]).all()
    assert "did not converge" in result.failure_reason[1]


def test_a_loop_that_returns_more_than_it_is_given_has_no_steady_state(tmp_path, feedstock):
    # Liquid fed to the leach is diluted by d; 90 % of the liquor returns: loop gain 0.9 (1 + d).
    # d = 0.05: gain 0.945, a steady state (water W = 0.9 (1.05 W + w0)); d = 0.2: gain 1.08,
    # the returned water grows without bound. The second is a failed sample with that reason,
    # found in a few passes instead of running out of iterations.
    path = write_route(tmp_path, fraction=0.9)
    result = run(path, feedstock, {"leach.dilution": np.array([0.05, 0.2])}, on_failure="nan")
    assert result.failed.tolist() == [False, True]
    assert "has no steady state" in result.failure_reason[1]
    assert result.iterations < 60
    assert result.balance_error[:, 0].max() <= 1e-9
    with pytest.raises(ConvergenceError, match="recycle back has no steady state"):
        run(path, feedstock, {"leach.dilution": 0.2})


def test_a_nan_in_a_sample_not_marked_failed_fails_the_plant_balance(tmp_path, feedstock):
    import redmud.flowsheet as fs
    from redmud.errors import BalanceError
    result = run(write_route(tmp_path, recycle=False), feedstock, {"leach.extraction": np.array([0.5, 0.6])})
    flows = result.streams["liquor"].flows.copy()
    flows[PHASE_INDEX["aqueous"], :, 1] = np.nan
    result.streams["liquor"] = Stream(flows)
    with pytest.raises(BalanceError, match="in sample 1"):
        fs._check_plant_balance(result, {}, {})
    result.failed = np.array([False, True])           # a failed sample is skipped
    fs._check_plant_balance(result, {}, {})


@pytest.mark.parametrize("replace, message", [
    ({'type = "toy_separate"': 'type = "toy_separat"'}, "unknown operation 'toy_separat'"),
    ({'residues = ["residue"]': "residues = []"}, "stream 'residue' is wired to nothing"),
    ({"extraction = 0.5": 'extraction = "5 kg"'}, "wrong unit"),
    ({"extraction = 0.5": "extraction = 1.5"}, r"within \[0, 1\]"),
    ({"extraction = 0.5": "extractoin = 0.5"}, "did you mean 'extraction'"),
    ({'inlets = { slurry = "slurry" }': 'inlets = { slurry = "slury" }'}, "stream 'slury' is not the feed"),
    ({'capacity = "10000 t/yr"': 'capacity = "-5 t/yr"'}, "expected a value within"),
    ({'capacity = "10000 t/yr"': 'capacity = "0 t/yr"'}, "expected a value within"),
])
def test_wiring_and_parameter_errors(tmp_path, replace, message):
    path = write_route(tmp_path, recycle=False, **replace)
    with pytest.raises(InputError, match=message) as err:
        load_route(path, lookup)
    assert str(path) in str(err.value)


def test_unknown_override_path_suggests(tmp_path, feedstock):
    route = load_route(write_route(tmp_path), lookup)
    with pytest.raises(InputError, match="did you mean 'leach.extraction'"):
        resolve(route, feedstock, {"leach.extration": 0.5})


def test_trial_passes_evaluate_only_what_the_loop_needs():
    # hcl-leach-sx: the leach is upstream of the wash-water return (evaluated once, reused);
    # the calcinations make products only (evaluated on the closing pass only).
    import redmud.flowsheet as fs
    route = load_route("hcl-leach-sx")
    independent, needed = fs._loop_structure(route)
    assert independent == {"leach"}
    assert {"sc_calcine", "reo_calcine"}.isdisjoint(needed)
    assert {"wash", "sx", "neutralise", "sc_filter"} <= needed
    calls = {}
    for step in route.steps:
        original = step.spec.run
        def counted(inlets, params, context, _id=step.id, _run=original):
            calls[_id] = calls.get(_id, 0) + 1
            return _run(inlets, params, context)
        object.__setattr__(step, "spec", type(step.spec)(**{**step.spec.__dict__, "run": counted}))
    feedstock = load_feedstock(route.default_feedstock)
    values, n = resolve(route, feedstock, {})
    result = evaluate(route, feedstock, values, n)
    assert calls["leach"] == 1 and calls["sc_calcine"] == 1 and calls["reo_calcine"] == 1
    assert calls["sx"] == result.iterations > 3
