"""Throughput, peak memory, pint overhead and import time of the default route's full evaluation.

Not a test: run ``PYTHONPATH=. python benchmarks/bench_pipeline.py [--sizes 1000 10000] [--mc N]``
from the repository root (or with redmud installed). "Full evaluation" is ``redmud.run`` on the
default route and feedstock with economics: mass balance with its recycle, capex, opex, cash
flow with NPV, IRR, payback, levelised costs and break-even prices, for N samples of
``leach.acid``, ``price.Sc2O3`` and ``feed.Sc`` in one vectorised call. Each size runs in a fresh
process so that its peak resident memory (``resource.getrusage``) is its own.

``--mc N`` times ``redmud mc`` from the command line (chunked through the executor, serial).
The figures measured on the project's machine are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROUTE = "hcl-leach-sx"
ROOT = Path(__file__).resolve().parent.parent


def samples(n: int, seed: int = 1, quantities: bool = True) -> dict:
    """Overrides of n samples: uniform leach acid, Sc2O3 price and feed Sc (within documented bounds)."""
    rng = np.random.default_rng(seed)
    columns = {"leach.acid": ("mol/L", rng.uniform(4.0, 8.0, n)),
               "price.Sc2O3": ("USD/kg", rng.uniform(800.0, 3000.0, n)),
               "feed.Sc": ("ppm", rng.uniform(70.0, 100.0, n))}
    if not quantities:
        return {path: values for path, (_, values) in columns.items()}
    from redmud.units import ureg
    return {path: ureg.Quantity(values, unit) for path, (unit, values) in columns.items()}


def peak_rss_mb() -> float:
    """Peak resident set size of this process [MB] (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(n: int, compare_plain: bool) -> dict:
    """Evaluate n samples (after a 1-sample warm-up); seconds, samples/s, peak memory."""
    import logging

    import redmud
    logging.disable(logging.WARNING)
    redmud.run(ROUTE, overrides=samples(64), on_failure="nan")     # warm-up: data files, pint, caches
    start = time.perf_counter()
    result = redmud.run(ROUTE, overrides=samples(n), on_failure="nan")
    seconds = time.perf_counter() - start
    out = {"n": n, "seconds": seconds, "samples_per_s": n / seconds, "peak_rss_mb": peak_rss_mb(),
           "recycle_iterations": int(result.flowsheet.iterations), "failed": int(result.flowsheet.failed.sum())}
    if compare_plain:
        # the same pipeline entered with plain float arrays in the paths' units: no Quantity
        # crosses the boundary for the sampled columns (the fixed defaults are parsed either way)
        # (best of two each, alternating, so that neither order nor a busy moment favours one)
        timings = {True: [seconds], False: []}
        for quantities in (False, True, False):
            start = time.perf_counter()
            run = redmud.run(ROUTE, overrides=samples(n, quantities=quantities), on_failure="nan")
            timings[quantities].append(time.perf_counter() - start)
            if not quantities:
                plain = run
        out["plain_seconds"] = min(timings[False])
        out["pint_over_plain"] = min(timings[True]) / out["plain_seconds"]
        out["identical"] = bool(np.array_equal(result.extra["npv_usd"], plain.extra["npv_usd"], equal_nan=True))
    return out


def import_time(repeat: int = 5) -> float:
    """Median wall time of ``import redmud`` in a fresh interpreter [s]."""
    code = "import time; t = time.perf_counter(); import redmud; print(time.perf_counter() - t)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                  cwd=ROOT).stdout) for _ in range(repeat)]
    return statistics.median(times)


def pint_micro(n: int = 100_000, repeat: int = 20) -> dict:
    """One mass-balance step (mix two streams and take a component) with and without pint.

    With pint: the streams are Quantities in kg/h, added and indexed as Quantities; plain: the
    same on float arrays, the way operations compute between boundaries.
    """
    from redmud.streams import N_COMPONENTS, N_PHASES
    from redmud.units import KG_PER_H, ureg

    rng = np.random.default_rng(0)
    a, b = (rng.random((N_PHASES, N_COMPONENTS, n)) for _ in range(2))
    qa, qb = ureg.Quantity(a, KG_PER_H), ureg.Quantity(b, KG_PER_H)

    def best(function):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return min(times)

    plain = best(lambda: (a + b).sum(axis=0)[3])
    tracked = best(lambda: (qa + qb).sum(axis=0)[3].to(KG_PER_H))
    return {"n": n, "plain_ms": plain * 1e3, "pint_ms": tracked * 1e3, "ratio": tracked / plain}


def cli_mc(n: int, chunk_size: int) -> dict:
    """Wall time and peak memory of ``redmud mc -n N`` (serial, chunked) in a child process."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "mc.parquet"
        code = ("import resource, sys, time; from redmud.cli import main; t = time.perf_counter(); "
                f"rc = main(['mc', '-q', '-n', '{n}', '--chunk-size', '{chunk_size}', '-o', r'{out}']); "
                "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rc)")
        lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                               cwd=ROOT).stdout.strip().splitlines()
    seconds, rss, rc = lines[-1].split()
    return {"n": n, "chunk_size": chunk_size, "seconds": float(seconds), "samples_per_s": n / float(seconds),
            "peak_rss_mb": float(rss), "exit": int(rc)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000])
    parser.add_argument("--compare-plain", type=int, default=10_000, help="size at which pint vs plain is timed")
    parser.add_argument("--mc", type=int, nargs="*", default=[], help="sample counts of a CLI Monte Carlo")
    parser.add_argument("--chunk-size", type=int, default=8192)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(one_size(args.child, args.child == args.compare_plain)))
        return
    print(f"import redmud: {import_time():.3f} s (median of 5 fresh interpreters)")
    micro = pint_micro()
    print(f"one mass-balance step on {micro['n']:,} samples: plain {micro['plain_ms']:.2f} ms, "
          f"pint {micro['pint_ms']:.2f} ms, ratio {micro['ratio']:.2f}")
    for n in args.sizes:
        lines = subprocess.run([sys.executable, __file__, "--child", str(n), "--compare-plain",
                                str(args.compare_plain)], capture_output=True, text=True, check=True,
                               cwd=ROOT).stdout.strip().splitlines()
        r = json.loads(lines[-1])
        text = (f"full evaluation, {n:>9,} samples: {r['seconds']:8.2f} s  {r['samples_per_s']:10,.0f} samples/s  "
                f"peak {r['peak_rss_mb']:8,.0f} MB  recycle iterations {r['recycle_iterations']}")
        if "pint_over_plain" in r:
            text += f"  pint/plain {r['pint_over_plain']:.3f} (identical: {r['identical']})"
        print(text, flush=True)
    for n in args.mc:
        r = cli_mc(n, args.chunk_size)
        print(f"redmud mc -n {n:,} --chunk-size {r['chunk_size']:,}: {r['seconds']:.1f} s, "
              f"{r['samples_per_s']:,.0f} samples/s, peak {r['peak_rss_mb']:,.0f} MB, exit {r['exit']}", flush=True)


if __name__ == "__main__":
    main()
