"""Benchmark of the leach operation: 1 sample versus 100,000 samples (not a test).

Prints each reactor mode's best times at 1 sample and at 1e5 samples, measured in alternating
rounds (:mod:`scaling`), and their ratio; target < 100.
Run: ``python benchmarks/bench_leaching.py [--samples N]``.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a source checkout

from scaling import many_samples, print_yardstick, report, scaling_ratio  # noqa: E402

from redmud.feedstocks import load_feedstock  # noqa: E402
from redmud.operations.leaching import SPECS  # noqa: E402

def main():
    n = many_samples()
    fs = load_feedstock("turkey-seydisehir")
    spec = SPECS["leach"]
    rng = np.random.default_rng(1)
    for reactor, vessel, temperature in (("batch", "atmospheric", "70 degC"),
                                         ("cstr", "atmospheric", "70 degC"),
                                         ("cstr", "autoclave", "200 degC")):
        one = spec.parse_parameters({"reactor": reactor, "vessel": vessel,
                                     "temperature": temperature}, "bench")
        many = dict(one)
        many["acid"] = rng.uniform(1.0, 8.0, n)
        many["time"] = rng.uniform(0.5, 4.0, n)
        many["temperature"] = one["temperature"] + rng.uniform(-20.0, 20.0, n)
        feed_one, feed_many = fs.stream(1000.0), fs.stream(np.full(n, 1000.0))
        t1, tn = scaling_ratio(
            lambda: spec.run({"feed": feed_one}, one, {"feedstock": fs, "n_samples": 1}),
            lambda: spec.run({"feed": feed_many}, many, {"feedstock": fs, "n_samples": n}))
        print(report(f"leach {reactor} {vessel}", t1, tn, n))
    print_yardstick(n)


if __name__ == "__main__":
    main()
