"""Anderson acceleration of tear streams (redmud/acceleration.py)."""

import numpy as np

from redmud.acceleration import Anderson


def _iterate(matrices, offsets, accelerate, steps=60, tol=1e-13):
    """Solve x = A x + b per sample; return the iterates' count and the last x (D, N)."""
    d, n = offsets.shape
    x = np.zeros((d, n))
    accelerator = Anderson(d, n)
    active = np.arange(n)
    for k in range(1, steps + 1):
        g = np.einsum("nij,jn->in", matrices, x) + offsets
        if np.max(np.abs(g - x) / np.maximum(np.abs(g), 1e-300)) < tol:
            return k, x
        if accelerate:
            x = accelerator.step(x, g, np.maximum(np.abs(g), 1e-300), active, np.zeros(n, bool))
        else:
            x = g
    return steps, x


def _contraction(n, d=6, seed=0):
    rng = np.random.default_rng(seed)
    matrices = rng.uniform(0.0, 1.0, (n, d, d))
    matrices *= 0.9 / matrices.sum(axis=2, keepdims=True)      # row sums 0.9: a contraction, x >= 0
    return matrices, rng.uniform(1.0, 10.0, (d, n))


def test_linear_recycle_converges_to_the_exact_solution_faster_than_substitution():
    matrices, offsets = _contraction(8)
    exact = np.stack([np.linalg.solve(np.eye(6) - matrices[s], offsets[:, s]) for s in range(8)], axis=1)
    k_anderson, x = _iterate(matrices, offsets, accelerate=True)
    k_direct, _ = _iterate(matrices, offsets, accelerate=False, steps=1000)
    assert np.allclose(x, exact, rtol=1e-11, atol=0)
    # substitution contracts by 0.9 a step: ~ln(1e-13)/ln(0.9) = 284 steps
    assert k_direct > 250 and 5 * k_anderson < k_direct


def test_each_sample_is_accelerated_on_its_own():
    matrices, offsets = _contraction(5, seed=3)
    _, together = _iterate(matrices, offsets, accelerate=True)
    for s in range(5):
        _, alone = _iterate(matrices[s:s + 1], offsets[:, s:s + 1], accelerate=True)
        assert np.allclose(alone[:, 0], together[:, s], rtol=1e-12, atol=0)
