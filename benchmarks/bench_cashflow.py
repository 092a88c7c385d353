"""Throughput of the cash flow on 100,000 samples: table and NPV, IRR, levelised cost, break-even.

Not a test: run ``PYTHONPATH=. python benchmarks/bench_cashflow.py [N]`` from the repository root
(or with redmud installed). Everything runs on whole arrays (one
loop over years, none over samples); the numbers printed are samples per second, best of 3, and
for comparison one sample at a time and numpy-financial's ``irr`` in a Python loop.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def best_of(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(n: int = 100_000) -> None:
    import numpy_financial as npf

    from redmud.costing.cashflow import cash_flow, internal_rate_of_return, qgess_present_values

    rng = np.random.default_rng(1)
    capex = rng.uniform(5e7, 5e8, n)
    opex = rng.uniform(5e6, 5e7, n)
    output = {"Sc2O3": rng.uniform(5e3, 5e4, n), "REO": rng.uniform(1e5, 1e6, n)}
    revenue = {"Sc2O3": rng.uniform(500, 3000, n) * output["Sc2O3"], "REO": rng.uniform(5, 40, n) * output["REO"]}
    rate = rng.uniform(0.05, 0.15, n)
    life = rng.integers(15, 31, n)
    options = dict(discount_rate=rate, plant_life=life, ramp_up=(0.5, 0.8))

    result = cash_flow(capex, opex, revenue, output, **options)
    rows = result.table["net"].shape[0]
    print(f"{n:,} samples, {rows} years, simple convention with MACRS, tax, ramp-up, 2 products")
    print(f"  IRR found for {np.isfinite(result.irr).mean():.1%} of samples; "
          f"NPV > 0 for {(result.npv > 0).mean():.1%}")

    cases = {
        "cash_flow (table, NPV, IRR, payback, levelised cost)": lambda: cash_flow(capex, opex, revenue, output, **options),
        "IRR alone on the net cash flow": lambda: internal_rate_of_return(result.table["net"], result.table["time"]),
        "NPV alone (discounted sum of the table)": lambda: (result.table["net"] * result.table["discount_factor"]).sum(0),
        "break-even price of Sc2O3": lambda: result.breakeven_price("Sc2O3"),
        "cash_flow, qgess convention": lambda: cash_flow(capex, opex, revenue, output, "qgess", discount_rate=rate,
                                                         plant_life=life),
        "qgess_present_values (closed form)": lambda: qgess_present_values(capex, opex, sum(revenue.values()),
                                                                           discount_rate=rate, plant_life=life),
    }
    for name, function in cases.items():
        seconds = best_of(function)
        print(f"  {name:55s} {seconds * 1e3:9.1f} ms  {n / seconds:12,.0f} samples/s")

    one = best_of(lambda: cash_flow(capex[0], opex[0], {k: v[0] for k, v in revenue.items()},
                                    {k: v[0] for k, v in output.items()}, discount_rate=rate[0],
                                    plant_life=int(life[0]), ramp_up=(0.5, 0.8)), repeat=20)
    print(f"  {'one sample (cash_flow)':55s} {one * 1e3:9.3f} ms  {1 / one:12,.0f} samples/s")
    m = 2000
    net = result.table["net"]
    loop = best_of(lambda: [npf.irr(net[:, i]) for i in range(m)], repeat=1)
    print(f"  {'numpy_financial.irr in a Python loop (2,000 samples)':55s} {loop * 1e3:9.1f} ms  "
          f"{m / loop:12,.0f} samples/s")
    ours = internal_rate_of_return(net[:, :m], result.table["time"])[0]
    theirs = np.array([npf.irr(net[:, i]) for i in range(m)])
    both = np.isfinite(ours) & np.isfinite(theirs)
    print(f"  max relative IRR difference from numpy-financial on {both.sum()} samples: "
          f"{np.max(np.abs(ours[both] - theirs[both]) / np.abs(theirs[both])):.1e}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
