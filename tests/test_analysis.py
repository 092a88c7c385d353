"""Sampling, distributions, executor (chunks, seeds, resume) and sensitivity methods."""

import numpy as np
import pandas as pd
import pytest

from redmud.analysis import sensitivity
from redmud.analysis.distributions import full_factorial, parse_distribution, parse_grid
from redmud.analysis.executor import BLOCK_SIZE, Design, execute
from redmud.errors import InputError


def ishigami(X, a=7.0, b=0.1):
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def test_sobol_indices_of_ishigami_match_analytic():
    # Analytic (a=7, b=0.1): V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2
    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    first = np.array([v1, v2, 0.0]) / v
    total = np.array([v1 + v13, v2, v13]) / v
    result = sensitivity.sobol(ishigami, np.full(3, -np.pi), np.full(3, np.pi), n=2 ** 14, seed=1)
    assert np.allclose(result["first_order"], first, atol=0.02)
    assert np.allclose(result["total_order"], total, atol=0.02)


def test_morris_ranks_ishigami_inputs():
    result = sensitivity.morris(ishigami, np.full(3, -np.pi), np.full(3, np.pi), trajectories=50, seed=3)
    # x3 acts only through its interaction with x1, x2 strongly: mu* of x3 is the smallest
    assert result["mu_star"][2] < result["mu_star"][0] and result["mu_star"][2] < result["mu_star"][1]


def test_tornado_by_hand():
    f = lambda X: 2 * X[:, 0] - 3 * X[:, 1]   # base (1,1): -1; low: (0,1) -3, (1,0) 2; high: (2,1) 1, (1,3) -7
    out = sensitivity.tornado(f, np.array([1.0, 1.0]), np.array([0.0, 0.0]), np.array([2.0, 3.0]))
    assert out["base"] == pytest.approx(-1.0)
    assert out["low"].tolist() == [-3.0, 2.0] and out["high"].tolist() == [1.0, -7.0]


def test_spearman_is_one_for_monotone():
    x = np.linspace(0, 1, 50)
    X = np.column_stack([x, np.random.default_rng(0).random(50)])
    rho = sensitivity.spearman(X, np.exp(x))
    assert rho[0] == pytest.approx(1.0) and abs(rho[1]) < 0.4


@pytest.mark.parametrize("text, message", [
    ("uniform(3, 1)", "lower bound 3 must be below"), ("uniform(1)", "takes 2 arguments"),
    ("gauss(1, 2)", "unknown distribution"), ("uniform(1, __import__)", "plain numbers"),
    ("normal(1, -2)", "positive"), ("uniform 1 2", "expected NAME"),
])
def test_bad_distributions(text, message):
    with pytest.raises(InputError, match=message):
        parse_distribution("leach.acid", text)


@pytest.mark.parametrize("text", ["1:2:0", "1:2", "a:b:3", "1:2:2.5"])
def test_bad_grids(text):
    with pytest.raises(InputError):
        parse_grid("leach.acid", text)


def test_grid_and_factorial():
    assert parse_grid("x", "500:3000:11")[[0, -1]].tolist() == [500, 3000]
    cols = full_factorial({"a": np.array([1.0, 2.0]), "b": np.array([10.0, 20.0, 30.0])})
    assert cols["a"].tolist() == [1, 1, 1, 2, 2, 2] and cols["b"].tolist() == [10, 20, 30] * 2


@pytest.mark.parametrize("dist, mean", [("uniform(1, 3)", 2.0), ("triangular(0, 1, 2)", 1.0),
                                        ("normal(5, 1)", 5.0), ("discrete(1, 2, 3)", 2.0)])
def test_inverse_cdf_means(dist, mean):
    u = (np.arange(100_000) + 0.5) / 100_000
    assert parse_distribution("x", dist).ppf(u).mean() == pytest.approx(mean, rel=1e-3)


def test_random_design_is_independent_of_chunking():
    design = Design(n=3 * BLOCK_SIZE // 2, dimensions=2, seed=42)
    whole = design.uniforms(0, design.n)
    parts = np.concatenate([design.uniforms(s, min(s + 1000, design.n)) for s in range(0, design.n, 1000)])
    assert np.array_equal(whole, parts)


def _chunk_model(design):
    def evaluate(start, stop):
        u = design.uniforms(start, stop)
        return pd.DataFrame({"x": u[:, 0], "y": u[:, 0] * 2 + u[:, 1]})
    return evaluate


def test_resume_after_interruption_equals_uninterrupted(tmp_path):
    design = Design(n=5000, dimensions=2, seed=7)
    full = execute(_chunk_model(design), design.n, tmp_path / "full.parquet", {"seed": 7}, chunk_size=1000)
    calls = {"n": 0}
    inner = _chunk_model(design)

    def flaky(start, stop):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return inner(start, stop)

    out = tmp_path / "resumed.parquet"
    with pytest.raises(KeyboardInterrupt):
        execute(flaky, design.n, out, {"seed": 7}, chunk_size=1000)
    assert not out.exists() and len(list((tmp_path / "resumed.parquet.partial").glob("chunk-*"))) == 2
    resumed = execute(inner, design.n, out, {"seed": 7}, chunk_size=1000)
    pd.testing.assert_frame_equal(full, resumed)
    assert pd.read_parquet(out).equals(full) and not (tmp_path / "resumed.parquet.partial").exists()


def test_changed_inputs_refuse_to_resume(tmp_path):
    design = Design(n=3000, dimensions=2, seed=7)
    out = tmp_path / "o.parquet"
    (tmp_path / "o.parquet.partial").mkdir()
    (tmp_path / "o.parquet.partial" / "manifest.json").write_text('{"hash": "other"}')
    with pytest.raises(InputError, match="--restart"):
        execute(_chunk_model(design), design.n, out, {"seed": 7}, chunk_size=1000)
    execute(_chunk_model(design), design.n, out, {"seed": 7}, chunk_size=1000, restart=True)
    assert out.exists()


def test_missing_output_folder_fails_before_work(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        execute(lambda a, b: None, 10, tmp_path / "nope" / "o.parquet", {})


def test_sobol_and_morris_take_several_outputs_at_once():
    def two(X):
        return np.vstack([ishigami(X), 3.0 * X[:, 2]])     # the second output depends on x3 alone
    out = sensitivity.sobol(two, np.full(3, -np.pi), np.full(3, np.pi), n=2 ** 12, seed=2)
    single = sensitivity.sobol(ishigami, np.full(3, -np.pi), np.full(3, np.pi), n=2 ** 12, seed=2)
    assert out["first_order"].shape == (2, 3)
    assert np.allclose(out["first_order"][0], single["first_order"])
    assert np.allclose(out["first_order"][1], [0, 0, 1], atol=1e-9) and np.allclose(out["total_order"][1], [0, 0, 1])
    screening = sensitivity.morris(two, np.full(3, -np.pi), np.full(3, np.pi), trajectories=10, seed=3)
    assert screening["mu_star"].shape == (2, 3) and np.allclose(screening["mu_star"][1, :2], 0.0)
    assert np.allclose(screening["mu_star"][0], sensitivity.morris(ishigami, np.full(3, -np.pi), np.full(3, np.pi),
                                                                   trajectories=10, seed=3)["mu_star"])


def test_bad_input_in_the_first_chunk_leaves_no_partial_folder(tmp_path):
    def bad(start, stop):
        raise InputError("feed.Fe", "too much")
    with pytest.raises(InputError):
        execute(bad, 10, tmp_path / "o.parquet", {}, chunk_size=5)
    assert not (tmp_path / "o.parquet.partial").exists()


def test_freed_memory_is_kept_for_reuse_under_glibc():
    import platform
    from redmud.analysis.memory import keep_freed_memory
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt thresholds are a glibc feature")
    assert keep_freed_memory() and keep_freed_memory()      # accepted, and idempotent
