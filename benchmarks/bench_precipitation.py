"""Time the precipitation and calcination operations at 1 and 100,000 samples.

Not a test: run ``python benchmarks/bench_precipitation.py [--samples N]``. Target: 1e5
samples take less than 100 x the time of one sample (the vectorisation works); both times are
the best over alternating rounds (:mod:`scaling`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a source checkout

from scaling import many_samples, print_yardstick, report, scaling_ratio  # noqa: E402

from redmud.chemistry import ATOMIC_WEIGHTS, RARE_EARTHS  # noqa: E402
from redmud.operations import get_spec  # noqa: E402
from redmud.operations.common import formula_flows  # noqa: E402
from redmud.streams import COMPONENT_INDEX, N_COMPONENTS, N_PHASES, PHASE_INDEX, Stream  # noqa: E402


def liquor(n: int, rng) -> Stream:
    """A sulfate strip/leach liquor with REE, Sc, Fe, Al, Ca, Th, U, varied per sample."""
    flows = np.zeros((N_PHASES, N_COMPONENTS, n))
    aq = flows[PHASE_INDEX["aqueous"]]
    aq += formula_flows("H2O", rng.uniform(900, 1100, n))
    for el in RARE_EARTHS + ("Th", "U"):
        aq[COMPONENT_INDEX[el]] = rng.uniform(0.01, 1.0, n)
    for el, kg in {"Fe": 5.0, "Al": 3.0, "Ca": 0.5}.items():
        aq[COMPONENT_INDEX[el]] = kg * rng.uniform(0.5, 1.5, n)
    s = rng.uniform(0.3, 0.6, n)       # kmol/h sulfate
    aq[COMPONENT_INDEX["S"]] += s * ATOMIC_WEIGHTS["S"]
    aq[COMPONENT_INDEX["O"]] += 4 * s * ATOMIC_WEIGHTS["O"]
    return Stream(flows)


def oxalate_cake(n: int, rng) -> Stream:
    flows = np.zeros((N_PHASES, N_COMPONENTS, n))
    flows[PHASE_INDEX["solid"]] = formula_flows("Sc2(C2O4)3(H2O)5", rng.uniform(1, 10, n))
    flows[PHASE_INDEX["solid"]] += formula_flows("Nd2(C2O4)3(H2O)10", rng.uniform(1, 10, n))
    flows[PHASE_INDEX["aqueous"]] = formula_flows("H2O", rng.uniform(1, 5, n))
    flows[PHASE_INDEX["aqueous"]] += formula_flows("H2SO4", rng.uniform(0, 0.5, n))
    return Stream(flows)


CASES = {
    "oxalate_precipitation": (liquor, {"dosage": (5, 20)}),
    "hydroxide_precipitation": (liquor, {"target_pH": (2.5, 6)}),
    "calcination": (oxalate_cake, {"temperature": (1000, 1200)}),
}


def main() -> None:
    n_many = many_samples()
    rng = np.random.default_rng(20240601)
    print("note: at 1e5 samples each (phase, component) row a stream holds is 0.8 MB; an operation "
          "that computes on every component's row is bound by memory traffic (see benchmarks/README.md)")
    for name, (make_feed, ranges) in CASES.items():
        spec = get_spec(name)

        def runner(n):
            feed = make_feed(n, rng)
            values = {k: rng.uniform(lo, hi, n) for k, (lo, hi) in ranges.items()}
            params = spec.parse_parameters(values, "bench")
            return lambda: spec.run({"feed": feed}, params, {"n_samples": n})

        print(report(name, *scaling_ratio(runner(1), runner(n_many)), n_many))
    print_yardstick(n_many)


if __name__ == "__main__":
    main()
