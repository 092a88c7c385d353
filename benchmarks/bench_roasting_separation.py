"""Benchmark of the roasting, separation, neutralisation and desorption operations (not a test).

Times each operation at 1 sample and at 100,000 samples (random parameters within their
bounds, feeds at 1 t/h), in alternating rounds (:mod:`scaling`), and prints the ratio
t(1e5) / t(1); target < 100. The separations run twice: on a made-up sulfate liquor (7
dissolved components) and on the leached slurry of the default route (``hcl-leach-sx`` on
``greece-aog``: 16 solid and 17 dissolved components), since their cost at 1e5 samples grows
with the rows a stream holds; for these the time to write their outlets' rows into fresh
arrays, and nothing else, is printed too (the floor).
Run: ``python benchmarks/bench_roasting_separation.py [--samples N]``.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a source checkout

from scaling import best_of, many_samples, print_yardstick, report, scaling_ratio  # noqa: E402

from redmud.feedstocks import load_feedstock  # noqa: E402
from redmud.operations import get_spec  # noqa: E402
from redmud.operations.common import reagent_stream  # noqa: E402
from redmud.streams import mix  # noqa: E402

def runner(spec, inlets, params):
    n = next(iter(inlets.values())).n_samples
    return lambda: spec.run(inlets, params, {"feedstock": None, "n_samples": n})


def random_params(spec, n, rng):
    values = {}
    for name, p in spec.parameters.items():
        if p.kind == "quantity" and p.bounds is not None:
            values[name] = rng.uniform(*p.bounds, n)
        elif p.kind == "integer":
            values[name] = rng.integers(int(p.bounds[0]), int(p.bounds[1]) + 1, n).astype(float)
    return spec.parse_parameters(values, spec.name)


def acid_liquor(n):
    rate = np.full(n, 1.0)
    return mix(reagent_stream("H2SO4", 10.0 * rate, water_kg_h=1000.0 * rate),
               reagent_stream("Fe2(SO4)3", 20.0 * rate), reagent_stream("Al2(SO4)3", 10.0 * rate),
               reagent_stream("Na2SO4", 5.0 * rate), reagent_stream("Nd2(SO4)3", 0.1 * rate),
               reagent_stream("Fe2O3", 100.0 * rate, phase="solid"))


def route_slurry():
    """The leached slurry of the default route at one sample, as a maker of n-sample feeds."""
    import warnings

    import redmud
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stream = redmud.run("hcl-leach-sx").flowsheet.streams["leach_slurry"]
    return lambda n: stream.broadcast(n)


def write_floor(outlets, feed, repeat=5):
    """Best time [s] to write outlets of these row counts from the feed's rows into fresh
    arrays, one multiply per row: what the operation cannot go below, however it computes."""
    def write():
        for stream in outlets.values():
            out = np.empty_like(stream.data)
            for row in range(out.shape[0]):
                np.multiply(feed.data[row % feed.data.shape[0]], 0.5, out=out[row])
            del out
    return best_of(write, repeat)


def main():
    n = many_samples()
    rng = np.random.default_rng(1)
    residue = load_feedstock("greece-aog")
    concentrate = load_feedstock("mountain-pass-concentrate")
    clay = load_feedstock("ion-adsorption-clay")
    cases = {
        "sulfation_roast": ("feed", lambda n: residue.stream(np.full(n, 1000.0))),
        "oxidative_roast": ("feed", lambda n: concentrate.stream(np.full(n, 1000.0))),
        "thickener": ("feed", acid_liquor),
        "filter": ("feed", acid_liquor),
        "ccd_wash": ("feed", acid_liquor),
        "neutralisation": ("feed", acid_liquor),
        "ammonium_sulfate_desorption": ("ore", lambda n: clay.stream(np.full(n, 1000.0))),
    }
    slurry = route_slurry()
    for separation in ("thickener", "filter", "ccd_wash"):
        cases[f"{separation} (route slurry)"] = ("feed", slurry)
    for label, (port, make) in cases.items():
        name = label.split(" ")[0]
        spec = get_spec(name)
        one = spec.parse_parameters({}, name)
        feed, params = make(n), random_params(spec, n, rng)
        t1, tn = scaling_ratio(runner(spec, {port: make(1)}, one),
                               runner(spec, {port: feed}, params))
        print(report(label, t1, tn, n))
        if label.endswith("(route slurry)"):
            result = spec.run({port: feed}, params, {"feedstock": None, "n_samples": n})
            floor = write_floor(result.outlets, feed)
            rows = sum(s.data.shape[0] for s in result.outlets.values())
            print(f"{'':30s} writing its {rows} outlet rows alone: {floor:7.3f} s, "
                  f"{floor / t1:6.1f} x one sample")
    print_yardstick(n)


if __name__ == "__main__":
    main()
