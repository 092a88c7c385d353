"""How an operation's time scales from 1 sample to many: the measurement the benchmarks share.

This machine's speed drifts: the best of 30 one-sample runs of the same code moves between
3.4 and 7 ms from one second to the next (the stirred-tank leach, measured 23 Nov 2026), while a
1e5-sample run moves much less. A ratio of two bests taken minutes apart therefore swings by 2x.
:func:`scaling_ratio` alternates the two sizes in rounds and takes the best of each over all
rounds, so that both are measured in the machine's fast spells.

:func:`numpy_op_ratio` is the yardstick: the same ratio for one numpy multiply on arrays of a
given number of rows. An operation whose time goes to numpy calls on r-row arrays has about
their ratio, whatever it computes; only one-sample work that does not grow with the samples
(parsing, dictionaries, loops over rows) brings it lower.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

#: Samples of the many-sample run: the target is stated at 1e5.
TARGET_SAMPLES = 100_000


def many_samples() -> int:
    """The ``--samples N`` of a benchmark's command line (default 1e5): other sizes show how
    the cost per sample changes with the array's length."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=TARGET_SAMPLES,
                        help="samples of the many-sample run (default 100000)")
    return parser.parse_args().samples


def best_of(func, repeat: int) -> float:
    """Shortest wall time [s] of ``repeat`` calls of ``func()``."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def scaling_ratio(run_one, run_many, rounds: int = 4, one_repeat: int = 30,
                  many_repeat: int = 1) -> tuple[float, float]:
    """(best time of ``run_one``, best time of ``run_many``) [s] over alternating rounds.

    Each round times ``run_one`` ``one_repeat`` times and ``run_many`` ``many_repeat`` times;
    both are called once before timing (imports, caches).
    """
    run_one()
    run_many()
    one = many = np.inf
    for _ in range(rounds):
        one = min(one, best_of(run_one, one_repeat))
        many = min(many, best_of(run_many, many_repeat))
    return one, many


def numpy_op_ratio(rows: int, n: int = TARGET_SAMPLES) -> float:
    """t(one multiply on (rows, n) arrays) / t(the same on (rows, 1)), both into a given array."""
    def multiply(size):
        a, b = np.random.default_rng(0).random((2, rows, size)) + 1.0
        out = np.empty_like(a)
        return lambda: np.multiply(a, b, out=out)
    one, many = scaling_ratio(multiply(1), multiply(n), rounds=3, one_repeat=1000, many_repeat=50)
    return many / one


def report(label: str, one: float, many: float, n: int = TARGET_SAMPLES) -> str:
    """One line: both times, the cost per sample at ``n``, and the ratio against the target
    (< 100 at 1e5 samples)."""
    ratio = many / one
    verdict = "ok" if ratio < 100 else "OVER"
    return (f"{label:30s} 1 sample {one * 1e3:7.3f} ms, {n:,} samples {many:7.3f} s "
            f"({many / n * 1e6:5.2f} us each), ratio {ratio:6.1f} {verdict}")


def print_yardstick(n: int = TARGET_SAMPLES, rows=(1, 4, 16, 50)) -> None:
    """Print :func:`numpy_op_ratio` for a few row counts."""
    ratios = ", ".join(f"{r} rows {numpy_op_ratio(r, n):.0f}" for r in rows)
    print(f"yardstick, one numpy multiply at {n:,} samples / at 1 sample: {ratios}")
