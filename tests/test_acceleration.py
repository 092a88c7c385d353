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


def test_an_extrapolation_to_negative_flows_is_rejected_for_a_plain_step():
    # x = A x + b with row sums 1.2 (loop gain 1.2) and b > 0: the only fixed point,
    # (I - A)^-1 b, is negative, and the accelerated step points there. The accelerator must
    # take the plain step g instead, flag the sample, and leave a converging sample alone.
    rng = np.random.default_rng(5)
    matrices = rng.uniform(0.0, 1.0, (2, 4, 4))
    matrices *= np.array([0.5, 1.2])[:, None, None] / matrices.sum(axis=2, keepdims=True)
    offsets = rng.uniform(1.0, 10.0, (4, 2))
    assert (np.linalg.solve(np.eye(4) - matrices[1], offsets[:, 1]) < 0).all()
    accelerator, x, rejected = Anderson(4, 2), np.zeros((4, 2)), []
    for _ in range(6):
        g = np.einsum("nij,jn->in", matrices, x) + offsets
        x_next = accelerator.step(x, g, np.maximum(np.abs(g), 1e-300), np.arange(2), np.zeros(2, bool))
        rejected.append(accelerator.rejected.copy())
        if accelerator.rejected[1]:
            assert np.array_equal(x_next[:, 1], g[:, 1])
        x = x_next
    rejected = np.array(rejected[1:])          # the first step is always plain
    assert rejected[:, 1].all() and not rejected[:, 0].any()
