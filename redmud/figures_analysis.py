"""Figures of sweeps and Monte Carlo runs: line, contour and histogram.

Each function takes plain arrays and axis labels (with units) and returns a
:class:`matplotlib.figure.Figure` built without pyplot state (Agg canvas); it never changes its
inputs. :func:`axis_label` spells a label as ``name [unit]``.
"""

from __future__ import annotations

import numpy as np

#: Figure size [inch] of every analysis figure (matplotlib's default aspect, a little wider).
FIGSIZE_IN = (6.4, 4.4)


def axis_label(name: str, unit: str) -> str:
    """``"leach.acid [mol/L]"``; a dimensionless quantity is ``[-]``."""
    shown = unit if unit and unit != "dimensionless" else "-"
    return f"{name} [{shown}]"


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE_IN, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def sweep_line(x: np.ndarray, ys: dict[str, np.ndarray], x_label: str, y_label: str,
               legend_title: str | None = None):
    """One line per entry of ``ys`` (label -> values at ``x``); NaN (failed samples) leave gaps."""
    fig = _figure()
    ax = fig.add_subplot()
    for label, y in ys.items():
        ax.plot(x, y, marker="o", markersize=3, label=label)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    if len(ys) > 1:
        ax.legend(title=legend_title, fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def sweep_contour(x: np.ndarray, y: np.ndarray, z: np.ndarray, x_label: str, y_label: str,
                  z_label: str, levels: int = 12):
    """Filled contours of ``z`` shaped ``(len(y), len(x))`` with a labelled colour bar."""
    fig = _figure()
    ax = fig.add_subplot()
    masked = np.ma.masked_invalid(np.asarray(z, dtype=float))
    filled = ax.contourf(x, y, masked, levels=levels, cmap="viridis")
    ax.contour(x, y, masked, levels=filled.levels, colors="k", linewidths=0.4)
    bar = fig.colorbar(filled, ax=ax)
    bar.set_label(z_label)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    return fig


def mc_histogram(values: np.ndarray, label: str, bins: int | str = "auto"):
    """Histogram of the finite values with the 5, 50 and 95 % quantiles marked."""
    fig = _figure()
    ax = fig.add_subplot()
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    ax.hist(finite, bins=bins, color="tab:blue", alpha=0.8)
    if finite.size:
        for q, style in zip(np.quantile(finite, [0.05, 0.5, 0.95]), (":", "--", ":")):
            ax.axvline(q, color="k", linestyle=style, linewidth=1)
    ax.set_xlabel(label)
    ax.set_ylabel("samples [-]")
    ax.set_title(f"{finite.size} samples; lines: 5, 50, 95 % quantiles", fontsize="small")
    return fig
