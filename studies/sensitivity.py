"""Sensitivity: tornado (one at a time) and Sobol indices of the levelised cost and the NPV of a
route to the inputs whose ranges the data files cite.

Run: ``redmud study sensitivity``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from _common import overrides_from, quiet, uncertain_inputs, write_outputs

NAME = "sensitivity"
ROUTE, FEEDSTOCK = "hcl-leach-sx", "greece-aog"
OUTPUTS = (("levelized_cost_basket_usd_per_kg", "levelised cost of all oxides [USD/kg oxide]"),
           ("npv_usd", "NPV [USD]"))
FINITE_COLUMNS = {"tornado": ["low_value", "base_value", "high_value", "output_at_low", "output_at_base",
                              "output_at_high"],
                  "sobol": ["first_order", "total_order"]}


class RouteModel:
    """Vectorised model f(X) -> Y for redmud.analysis.sensitivity: X is (n, d) in the entries'
    units, Y is (2, n): levelised cost of the basket [USD/kg] and NPV [USD]; one redmud.run call
    evaluates every row."""

    def __init__(self, route, feedstock, entries):
        self.route, self.feedstock, self.entries = route, feedstock, entries

    def __call__(self, X):
        import redmud

        X = np.atleast_2d(X)
        columns = {e["path"]: X[:, j] for j, e in enumerate(self.entries)}
        result = redmud.run(self.route, self.feedstock, overrides_from(self.entries, columns), on_failure="nan")
        n = X.shape[0]
        lc = np.broadcast_to(result.extra["levelized_cost_usd_per_kg"]["basket"], (n,))
        npv = np.broadcast_to(result.extra["npv_usd"], (n,))
        return np.vstack([lc, npv])


def evaluate(fast: bool = False, seed: int = 20240):
    import pandas as pd

    import redmud
    from redmud.analysis.sensitivity import sobol, tornado

    entries = uncertain_inputs(redmud.run(ROUTE, FEEDSTOCK))
    model = RouteModel(ROUTE, FEEDSTOCK, entries)
    base = np.array([e["base"] for e in entries])
    low = np.array([e["low"] for e in entries])
    high = np.array([e["high"] for e in entries])
    swing = tornado(model, base, low, high)
    n = 8 if fast else 256
    indices = sobol(model, low, high, n=n, seed=seed)
    t_rows, s_rows = [], []
    for k, (output, label) in enumerate(OUTPUTS):
        for j, e in enumerate(entries):
            t_rows.append({"output": output, "parameter": e["path"], "label": e["label"], "unit": e["unit"],
                           "low_value": e["low"], "base_value": e["base"], "high_value": e["high"],
                           "output_at_low": swing["low"][k][j], "output_at_base": float(swing["base"][k]),
                           "output_at_high": swing["high"][k][j], "range_source": e["source"]})
            s_rows.append({"output": output, "parameter": e["path"], "label": e["label"],
                           "first_order": float(np.atleast_2d(indices["first_order"])[k][j]),
                           "total_order": float(np.atleast_2d(indices["total_order"])[k][j]),
                           "n_base_samples": n, "seed": seed, "distribution": "uniform(low, high)"})
    return pd.DataFrame(t_rows), pd.DataFrame(s_rows)


def figure(t_table, s_table):
    from redmud import figures

    fig, axes = figures.panels(4, figures.PAGE, 5.2, nrows=2)
    for k, (output, label) in enumerate(OUTPUTS):
        t = t_table[t_table["output"] == output]
        scale = 1e6 if output == "npv_usd" else 1.0
        xlabel = "NPV [million USD]" if output == "npv_usd" else "levelised cost [USD/kg oxide]"
        figures.tornado(list(t["label"]), float(t["output_at_base"].iloc[0]) / scale,
                        t["output_at_low"].to_numpy() / scale, t["output_at_high"].to_numpy() / scale,
                        xlabel=xlabel, title=f"tornado: {'NPV' if output == 'npv_usd' else 'levelised cost'}",
                        ax=axes[2 * k])
        s = s_table[s_table["output"] == output]
        figures.sobol_bars(list(s["label"]), s["first_order"].to_numpy(), s["total_order"].to_numpy(),
                           title=f"Sobol: {'NPV' if output == 'npv_usd' else 'levelised cost'}", ax=axes[2 * k + 1])
    figures.shared_legend(fig, axes[0], ncols=4)
    return fig


def main(output_dir, fast: bool = False) -> list[Path]:
    quiet()
    t_table, s_table = evaluate(fast)
    n = int(s_table["n_base_samples"].iloc[0])
    sources = "; ".join(dict.fromkeys(f"{r.label}: {r.range_source}" for r in t_table.itertuples()))
    caption = f"""Sensitivity of the levelised cost of all oxides and of the NPV of {ROUTE} on {FEEDSTOCK} to the inputs
whose ranges the data files cite. Tornado: each input at its low and high end, the others at their
defaults (bars from the default output). Sobol: first-order and total indices (Saltelli/Jansen estimators,
scipy.stats.sobol_indices via redmud.analysis.sensitivity.sobol, inputs uniform over [low, high]), {n}
base samples x (d + 2) model rows, evaluated in one vectorised redmud.run call per analysis; with few
samples the indices are noisy and may fall outside [0, 1]. Ranges and their sources: {sources}.
Tables: {NAME}-tornado.csv, {NAME}-sobol.csv."""
    return write_outputs(Path(output_dir), NAME, figure(t_table, s_table),
                         {"tornado": t_table, "sobol": s_table}, caption)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "studies/output")
