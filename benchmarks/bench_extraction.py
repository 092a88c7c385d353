"""Benchmark: solvent_extraction and ion_exchange at 1 sample and at 100,000 samples.

Not a test. Run ``python benchmarks/bench_extraction.py [--samples N]``; prints each best time,
measured in alternating rounds (:mod:`scaling`), and the ratio t(100,000) / t(1) (target: < 100).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a source checkout

from scaling import many_samples, print_yardstick, report, scaling_ratio  # noqa: E402

from redmud.operations import get_spec  # noqa: E402
from redmud.operations.common import LIQUOR_CHARGE, MOLAR_MASS  # noqa: E402
from redmud.streams import COMPONENT_INDEX as CI, Stream  # noqa: E402

SX_LIQUOR = {"Fe": 5.0, "Al": 3.0, "Ti": 0.5, "Sc": 0.015, "Ca": 0.5, "Zr": 0.05, "Y": 0.01,
             "La": 0.01, "Ce": 0.02, "Nd": 0.01, "Th": 0.001, "U": 0.0001, "Na": 1.0, "Mg": 0.2}
IX_LIQUOR = {"Sc": 0.02, "Fe": 0.3, "Al": 1.0, "Ti": 0.03, "Ca": 0.5, "Y": 0.01, "Nd": 0.01,
             "Th": 0.001, "U": 0.0002}


def liquor(n, acid_m, g_l, m3_h=100.0):
    """An electroneutral sulfate liquor: metals [g/L], free H2SO4 [mol/L], water 1 kg/L."""
    comp = {el: np.full(n, v * m3_h) for el, v in g_l.items()}
    cation_eq = sum(comp[el] / MOLAR_MASS[CI[el]] * LIQUOR_CHARGE[CI[el]] for el in comp)
    s_kmol = (cation_eq + 2 * acid_m * m3_h) / 2
    water = m3_h * 1000.0
    comp["S"] = s_kmol * 32.06
    comp["H"] = 2 * acid_m * m3_h * 1.008 + water / 18.015 * 2 * 1.008
    comp["O"] = 4 * s_kmol * 15.999 + water / 18.015 * 15.999
    return Stream.from_phases({"aqueous": comp}, n_samples=n)


def runner(name, liquor_g_l, acid_m, varied, n):
    """The operation on ``n`` samples of the liquor, ``varied`` parameters drawn uniformly."""
    spec = get_spec(name)
    rng = np.random.default_rng(0)
    feed = liquor(n, acid_m, liquor_g_l)
    params = spec.parse_parameters({}, name)
    for key, (lo, hi) in varied.items():
        params[key] = rng.uniform(lo, hi, n)
    return lambda: spec.run({"feed": feed}, params, {"n_samples": n})


def main():
    n = many_samples()
    cases = [("solvent_extraction", SX_LIQUOR, 2.0, {"extraction_oa": (0.5, 2.0)}),
             ("ion_exchange", IX_LIQUOR, 0.05, {"capacity": (3.0, 10.0)})]
    for name, g_l, acid, varied in cases:
        one, many = scaling_ratio(runner(name, g_l, acid, varied, 1),
                                  runner(name, g_l, acid, varied, n))
        print(report(name, one, many, n))
    print_yardstick(n)


if __name__ == "__main__":
    main()
