"""Sensitivity: one-at-a-time tornado, Sobol indices, Morris screening, Spearman correlations.

Every method takes a vectorised model ``f(X) -> y`` where ``X`` is an ``(n, d)`` array of
parameter values and returns ``(n,)`` (or ``(k, n)`` for k outputs); the samples are built here
and evaluated in one call (or through the executor's chunks).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def tornado(f: Callable, base: np.ndarray, low: np.ndarray, high: np.ndarray) -> dict[str, np.ndarray]:
    """One-at-a-time swings: each parameter at its low and high bound, the others at base.

    Returns ``{"base": y0, "low": y(low_i), "high": y(high_i)}`` with arrays of length d, sorted by
    nothing (the caller ranks by ``|high - low|``).
    """
    base, low, high = (np.asarray(a, dtype=float) for a in (base, low, high))
    d = base.size
    X = np.repeat(base[None, :], 2 * d + 1, axis=0)
    idx = np.arange(d)
    X[1 + idx, idx] = low
    X[1 + d + idx, idx] = high
    y = np.asarray(f(X), dtype=float)
    return {"base": y[..., 0], "low": y[..., 1:1 + d], "high": y[..., 1 + d:]}


def sobol(f: Callable, low: np.ndarray, high: np.ndarray, n: int, seed: int = 0,
          ppf: Callable | None = None) -> dict[str, np.ndarray]:
    """First-order and total Sobol indices with Saltelli's A, B, AB matrices.

    The matrices are built from a scrambled Sobol sequence (``scipy.stats.qmc.Sobol``; n must be
    a power of two) and evaluated by ``f`` in one call; the indices come from
    ``scipy.stats.sobol_indices(func={"f_A", "f_B", "f_AB"})`` (Saltelli A et al. (2010)
    Comput. Phys. Commun. 181:259-270, doi:10.1016/j.cpc.2009.09.018; Jansen's total-effect
    estimator). ``ppf(u) -> x`` maps [0,1) to parameter values; by default uniform on
    [low, high].
    """
    from scipy.stats import qmc, sobol_indices

    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    d = low.size
    if n & (n - 1) or n < 2:
        raise ValueError(f"n must be a power of two, got {n}")
    u = qmc.Sobol(2 * d, scramble=True, seed=np.random.default_rng(seed)).random(n)
    to_x = ppf or (lambda v: low + (high - low) * v)
    A, B = to_x(u[:, :d]), to_x(u[:, d:])
    AB = np.repeat(A[None, :, :], d, axis=0)
    AB[np.arange(d), :, np.arange(d)] = B[:, np.arange(d)].T
    X = np.concatenate([A, B, AB.reshape(d * n, d)])
    y = np.atleast_2d(np.asarray(f(X), dtype=float))
    # scipy wants f_AB shaped (d, outputs, n); our AB rows are parameter-major
    f_A, f_B, f_AB = y[:, :n], y[:, n:2 * n], y[:, 2 * n:].reshape(y.shape[0], d, n).transpose(1, 0, 2)
    result = sobol_indices(func={"f_A": f_A, "f_B": f_B, "f_AB": f_AB}, n=n)
    return {"first_order": np.squeeze(result.first_order), "total_order": np.squeeze(result.total_order)}


def morris(f: Callable, low: np.ndarray, high: np.ndarray, trajectories: int = 20, levels: int = 4,
           seed: int = 0) -> dict[str, np.ndarray]:
    """Morris elementary effects: mu* (mean absolute effect) and sigma per parameter.

    Each trajectory starts at a random grid point of ``levels`` levels and moves one parameter at
    a time by Delta = levels / (2 (levels - 1)) of its range (Morris MD (1991) Technometrics
    33(2):161-174; mu* of Campolongo F, Cariboni J, Saltelli A (2007) Environ. Model. Softw.
    22:1509-1518, doi:10.1016/j.envsoft.2006.10.004).
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    d = low.size
    rng = np.random.default_rng(seed)
    delta = levels / (2 * (levels - 1))
    start_levels = np.arange(levels // 2) / (levels - 1)
    points = []
    orders = []
    for _ in range(trajectories):
        x = rng.choice(start_levels, size=d)
        order = rng.permutation(d)
        path = [x.copy()]
        for j in order:
            x = x.copy()
            x[j] += delta
            path.append(x)
        points.append(path)
        orders.append(order)
    U = np.array(points)                           # (r, d+1, d) in [0, 1]
    X = low + (high - low) * U.reshape(-1, d)
    raw = np.asarray(f(X), dtype=float)
    y = np.atleast_2d(raw).reshape(-1, trajectories, d + 1)          # (outputs, r, d+1)
    effects = np.empty((y.shape[0], trajectories, d))
    for t, order in enumerate(orders):
        effects[:, t, order] = (y[:, t, 1:] - y[:, t, :-1]) / delta
    shape = (lambda a: a[0]) if raw.ndim == 1 else (lambda a: a)  # (d,) for one output, else (k, d)
    return {"mu_star": shape(np.abs(effects).mean(axis=1)), "mu": shape(effects.mean(axis=1)),
            "sigma": shape(effects.std(axis=1, ddof=1))}


def spearman(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each input column of X with y (finite rows only)."""
    from scipy.stats import rankdata

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(y) & np.isfinite(X).all(axis=1)
    rx = rankdata(X[keep], axis=0)
    ry = rankdata(y[keep])
    rx -= rx.mean(axis=0)
    ry -= ry.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry[:, None]).sum(axis=0) / np.sqrt((rx ** 2).sum(axis=0) * (ry ** 2).sum())
