"""Benchmark of the leach operation: 1 sample versus 100,000 samples (not a test).

Prints the wall time of each reactor mode (best of 5 runs at 1 sample, of 3 at 1e5, as the
other benchmarks take a best of several) and the ratio t(1e5) / t(1); target < 100.
Run: ``python benchmarks/bench_leaching.py``.
"""

import time

import numpy as np

from redmud.feedstocks import load_feedstock
from redmud.operations.leaching import SPECS


def timed(spec, feed, params, fs, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        spec.run({"feed": feed}, params, {"feedstock": fs, "n_samples": feed.n_samples})
        best = min(best, time.perf_counter() - start)
    return best


def main():
    fs = load_feedstock("turkey-seydisehir")
    spec = SPECS["leach"]
    rng = np.random.default_rng(1)
    for reactor, vessel, temperature in (("batch", "atmospheric", "70 degC"),
                                         ("cstr", "atmospheric", "70 degC"),
                                         ("cstr", "autoclave", "200 degC")):
        one = spec.parse_parameters({"reactor": reactor, "vessel": vessel,
                                     "temperature": temperature}, "bench")
        n = 100_000
        many = dict(one)
        many["acid"] = rng.uniform(1.0, 8.0, n)
        many["time"] = rng.uniform(0.5, 4.0, n)
        many["temperature"] = one["temperature"] + rng.uniform(-20.0, 20.0, n)
        t1 = timed(spec, fs.stream(1000.0), one, fs, 5)
        tn = timed(spec, fs.stream(np.full(n, 1000.0)), many, fs, 3)
        print(f"leach {reactor:5s} {vessel:11s}: 1 sample {t1 * 1e3:8.2f} ms, 1e5 samples "
              f"{tn:7.3f} s, ratio {tn / t1:6.1f}")


if __name__ == "__main__":
    main()
