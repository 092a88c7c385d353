"""Uncertainty: Monte Carlo distributions of the NPV and of the levelised cost of every red-mud
route, with the probability of a positive NPV.

Run: ``redmud study uncertainty``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from _common import RED_MUD_ROUTES, overrides_from, quiet, sample_inputs, uncertain_inputs, write_outputs

NAME = "uncertainty"
FEEDSTOCK = "greece-aog"
FINITE_COLUMNS = {"summary": ["n_ok", "p_npv_positive", "npv_p05_usd", "npv_p50_usd", "npv_p95_usd",
                              "lc_p05_usd_per_kg", "lc_p50_usd_per_kg", "lc_p95_usd_per_kg"],
                  "samples": ["npv_usd", "levelized_cost_basket_usd_per_kg"]}


def evaluate(fast: bool = False, seed: int = 2024):
    import pandas as pd

    import redmud

    n = 16 if fast else 2000
    seeds = np.random.SeedSequence(seed).spawn(len(RED_MUD_ROUTES))
    samples, summary, sources = [], [], {}
    for route, ss in zip(RED_MUD_ROUTES, seeds):
        entries = uncertain_inputs(redmud.run(route, FEEDSTOCK))
        columns = sample_inputs(entries, n, int(ss.generate_state(1)[0]))
        result = redmud.run(route, FEEDSTOCK, overrides_from(entries, columns), on_failure="nan")
        npv = np.broadcast_to(result.extra["npv_usd"], (n,)).astype(float)
        lc = np.broadcast_to(result.extra["levelized_cost_usd_per_kg"]["basket"], (n,)).astype(float)
        ok = np.isfinite(npv) & np.isfinite(lc)
        table = {"route": route, "sample": np.arange(n), **{k: v for k, v in columns.items()},
                 "npv_usd": npv, "levelized_cost_basket_usd_per_kg": lc}
        samples.append(pd.DataFrame(table)[ok])
        q = np.percentile
        summary.append({"route": route, "feedstock": FEEDSTOCK, "n_samples": n, "n_ok": int(ok.sum()),
                        "p_npv_positive": float(np.mean(npv[ok] > 0)),
                        "npv_p05_usd": q(npv[ok], 5), "npv_p50_usd": q(npv[ok], 50), "npv_p95_usd": q(npv[ok], 95),
                        "lc_p05_usd_per_kg": q(lc[ok], 5), "lc_p50_usd_per_kg": q(lc[ok], 50),
                        "lc_p95_usd_per_kg": q(lc[ok], 95), "seed": seed,
                        "inputs": "; ".join(f"{e['path']} triangular({e['low']:.4g}, {e['base']:.4g}, {e['high']:.4g})"
                                            for e in entries)})
        sources.update({e["path"]: e["source"] for e in entries})
    return pd.DataFrame(summary), pd.concat(samples, ignore_index=True), sources


def figure(summary, samples):
    from redmud import figures

    fig, axes = figures.panels(2, figures.PAGE, 3.0)
    notes = {r.route: f"P(NPV>0) = {r.p_npv_positive:.0%}" for r in summary.itertuples()}
    npv = {r: samples.loc[samples["route"] == r, "npv_usd"].to_numpy() / 1e6 for r in summary["route"]}
    lc = {r: samples.loc[samples["route"] == r, "levelized_cost_basket_usd_per_kg"].to_numpy() for r in summary["route"]}
    figures.distributions(npv, "NPV [million USD]", title="NPV", notes=notes, ax=axes[0], zero_line=True)
    figures.distributions(lc, "levelised cost of all oxides [USD/kg oxide]", title="levelised cost", ax=axes[1], log=True)
    figures.shared_legend(fig, axes[0], ncols=3, only_ax=True)
    return fig


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    summary, samples, sources = evaluate(fast)
    n = int(summary["n_samples"].iloc[0])
    caption = f"""Monte Carlo ({n} samples per route, seeded, one vectorised redmud.run call per route) of the NPV and
the levelised cost of all oxides of the red-mud routes on {FEEDSTOCK}. Inputs are triangular(low, default,
high) over the ranges the data files cite: {'; '.join(f'{k}: {v}' for k, v in sources.items())}. Other inputs
stay at their defaults, so the spread is a lower bound on the true uncertainty. Curves are empirical
cumulative distributions; the legend gives P(NPV > 0). Tables: {NAME}-summary.csv (percentiles and
P(NPV>0) per route, the distributions used), {NAME}-samples.csv (every sample)."""
    return write_outputs(Path(output_dir), NAME, figure(summary, samples),
                         {"summary": summary, "samples": samples}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
