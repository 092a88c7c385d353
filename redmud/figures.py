"""Figures: functions that take tables (dicts of arrays or DataFrames) and return a Figure.

Every function builds a :class:`matplotlib.figure.Figure` directly (no pyplot state, the Agg
canvas), draws in one house style (:data:`STYLE`, readable at a column width of about 8.5 cm to
17 cm), labels every axis with its unit and never changes its inputs. Studies and the HTML report
call these; :func:`save` writes a figure as PNG and SVG.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: One house style: small serif-free fonts, light grid, no top/right spines.
STYLE = {
    "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "legend.fontsize": 7, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "0.88", "grid.linewidth": 0.6, "axes.axisbelow": True,
    "figure.dpi": 100, "savefig.dpi": 200, "svg.fonttype": "none",
    "font.family": "DejaVu Sans", "axes.prop_cycle": None,   # set below (palette)
}
#: Colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design").
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#6A3D9A",
           "#999999", "#882255"]
#: Fixed colours of the groups compared across figures.
GROUP_COLOURS = {"red mud (model)": PALETTE[0], "mined ore (model)": PALETTE[1],
                 "producer cost (literature)": PALETTE[8], "price range": PALETTE[6]}
#: Width of a single column and of a full page [inch] (8.5 cm and 17.5 cm).
COLUMN, PAGE = 3.35, 6.9


@contextmanager
def _style():
    import matplotlib
    from cycler import cycler

    rc = dict(STYLE)
    rc["axes.prop_cycle"] = cycler(color=PALETTE)
    with matplotlib.rc_context(rc):
        yield


def new_figure(width: float = PAGE, height: float = 3.0, **subplots):
    """A Figure on the Agg canvas (constrained layout) and its axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(**subplots) if subplots is not None else None
    return fig, axes


def save(fig, folder: Path, name: str) -> list[Path]:
    """Write ``name.png`` and ``name.svg`` into ``folder``; return the paths."""
    folder = Path(folder)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    with _style():
        fig.savefig(paths[0], dpi=STYLE["savefig.dpi"])
        fig.savefig(paths[1])
    return paths


def _finite(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


def _money_formatter(ax, axis="y"):
    from matplotlib.ticker import FuncFormatter

    def fmt(v, _):
        return f"{v:,.0f}" if abs(v) >= 1 or v == 0 else f"{v:.2g}"
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(fmt))


# --- costs --------------------------------------------------------------------------------------

def stacked_cost_bars(labels: list[str], stacks: dict[str, np.ndarray], totals: np.ndarray,
                      ylabel: str = "levelised cost [USD/kg oxide]", title: str = "",
                      ax=None, log: bool = False):
    """Bars of a cost split into items (stacked; negative items such as credits go below zero).

    ``stacks`` maps item -> values per label [USD/kg]; ``totals`` marks each bar's net total.
    """
    with _style():
        fig, ax = (ax.figure, ax) if ax is not None else new_figure(COLUMN * 1.4, 3.0)
        x = np.arange(len(labels))
        pos, neg = np.zeros(len(labels)), np.zeros(len(labels))
        for i, (item, values) in enumerate(stacks.items()):
            v = np.nan_to_num(_finite(values))
            bottom = np.where(v >= 0, pos, neg)
            ax.bar(x, v, 0.7, bottom=bottom, label=item, color=PALETTE[i % len(PALETTE)],
                   edgecolor="white", linewidth=0.4)
            pos, neg = pos + np.maximum(v, 0), neg + np.minimum(v, 0)
        ax.scatter(x, totals, marker="_", s=200, color="black", zorder=3, label="net total")
        _clip_outlier(ax, x, pos, neg)
        ax.set_xticks(x, labels, rotation=30, ha="right")
        ax.set_ylabel(ylabel)
        ax.set_xlabel("route")
        if log:
            ax.set_yscale("symlog", linthresh=max(1.0, float(np.nanmin(np.abs(totals))) / 10))
        _money_formatter(ax)
        if title:
            ax.set_title(title)
        ax.axhline(0, color="0.3", lw=0.6)
    return fig


def _clip_outlier(ax, x, tops, bottoms, factor: float = 3.0):
    """Cut the value axis above the second-tallest bar when one bar is ``factor`` times taller,
    and write the cut bar's height on it (so one outlier does not flatten the others)."""
    tops = np.asarray(tops, float)
    if tops.size < 3:
        return
    order = np.argsort(tops)
    tallest, second = tops[order[-1]], tops[order[-2]]
    if second > 0 and tallest > factor * second:
        limit = 1.6 * second
        ax.set_ylim(min(float(np.min(bottoms)) * 1.1, 0), limit)
        ax.annotate(f"{tallest:,.0f} (off scale)", (x[order[-1]], limit), xytext=(0, -4),
                    textcoords="offset points", ha="center", va="top", fontsize=6, rotation=90)


def npv_irr_bars(labels: list[str], npv_usd: np.ndarray, irr: np.ndarray, ax=None, title: str = ""):
    """NPV bars [million USD] with the IRR written above (or "no IRR")."""
    with _style():
        fig, ax = (ax.figure, ax) if ax is not None else new_figure(COLUMN, 3.0)
        x = np.arange(len(labels))
        npv = _finite(npv_usd) / 1e6
        ax.bar(x, npv, 0.6, color=[PALETTE[2] if v > 0 else PALETTE[3] for v in npv])
        for xi, v, r in zip(x, npv, _finite(irr)):
            text = f"IRR {r:.0%}" if np.isfinite(r) else "no IRR"
            ax.annotate(text, (xi, v), xytext=(0, -10 if v < 0 else 3), textcoords="offset points",
                        ha="center", fontsize=6)
        ax.set_xticks(x, labels, rotation=30, ha="right")
        ax.set_ylabel("NPV [million USD]")
        ax.set_xlabel("route")
        ax.axhline(0, color="0.3", lw=0.6)
        if title:
            ax.set_title(title)
    return fig


def grouped_bars(labels: list[str], series: dict[str, np.ndarray], ylabel: str, xlabel: str,
                 title: str = "", log: bool = False, ax=None, annotate: list[str] | None = None):
    """Bars side by side for several series per label (e.g. two price scenarios per route)."""
    with _style():
        fig, ax = (ax.figure, ax) if ax is not None else new_figure(COLUMN * 1.4, 3.0)
        x = np.arange(len(labels))
        width = 0.8 / max(len(series), 1)
        for i, (name, values) in enumerate(series.items()):
            ax.bar(x + (i - (len(series) - 1) / 2) * width, _finite(values), width, label=name,
                   color=PALETTE[i % len(PALETTE)])
        if annotate:
            top = np.nanmax(np.vstack([_finite(v) for v in series.values()]), axis=0)
            for xi, t, text in zip(x, top, annotate):
                ax.annotate(text, (xi, t), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=6)
        ax.set_xticks(x, labels, rotation=30, ha="right")
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        if log:
            ax.set_yscale("log")
        else:
            ax.axhline(0, color="0.3", lw=0.6)
        if title:
            ax.set_title(title)
        ax.legend()
    return fig


def ranked_bars_with_bands(rows: list[dict], xlabel: str, title: str = "", ax=None):
    """Horizontal bars ranked by value, with literature ranges as whiskers and bands.

    ``rows``: dicts with ``label``, ``value``, optional ``low``/``high`` and ``group`` (e.g.
    "red mud (model)", "mined ore (model)", "literature"); a row of group "price range" is drawn
    as a shaded vertical band instead of a bar.
    """
    with _style():
        fig, ax = (ax.figure, ax) if ax is not None else new_figure(PAGE, 0.8 + 0.22 * len(rows))
        bands = [r for r in rows if r.get("group") == "price range"]
        bars = sorted((r for r in rows if r.get("group") != "price range"), key=lambda r: r["value"])
        groups = list(dict.fromkeys(r.get("group", "") for r in bars))
        colour = {g: GROUP_COLOURS.get(g, PALETTE[(i + 4) % len(PALETTE)]) for i, g in enumerate(groups)}
        y = np.arange(len(bars))
        for g in groups:
            idx = [i for i, r in enumerate(bars) if r.get("group", "") == g]
            ax.barh(y[idx], [bars[i]["value"] for i in idx], 0.65, color=colour[g], label=g)
        for yi, r in zip(y, bars):
            lo, hi = r.get("low"), r.get("high")
            if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
                ax.plot([lo, hi], [yi, yi], color="black", lw=1.0)
        for i, b in enumerate(bands):
            ax.axvspan(b["low"], b["high"], color=PALETTE[6], alpha=0.35, lw=0, zorder=0,
                       label=b["label"])
        ax.set_yticks(y, [r["label"] for r in bars])
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        if title:
            ax.set_title(title)
        ax.legend(loc="lower right")
    return fig


def cash_flow_chart(years: np.ndarray, net_usd: np.ndarray, cumulative_discounted_usd: np.ndarray):
    """Yearly net cash flow (bars) and cumulative discounted cash flow (line) [million USD]."""
    with _style():
        fig, ax = new_figure(COLUMN * 1.6, 2.6)
        net = _finite(net_usd) / 1e6
        ax.bar(years, net, 0.8, color=[PALETTE[2] if v >= 0 else PALETTE[3] for v in net],
               label="net cash flow")
        ax.plot(years, _finite(cumulative_discounted_usd) / 1e6, color="black", lw=1.2,
                label="cumulative discounted")
        ax.axhline(0, color="0.3", lw=0.6)
        ax.set_xlabel("year from start of construction [yr]")
        ax.set_ylabel("cash flow [million USD]")
        ax.legend()
    return fig


# --- flows --------------------------------------------------------------------------------------

def element_alluvial(shares: dict[str, dict[str, float]], title: str = ""):
    """Alluvial (Sankey-like) diagram: each element's feed (scaled to 100 %) to its destinations.

    ``shares[element][destination]`` is the fraction of the element's feed that leaves in that
    destination (products, residues, effluents, ..., and unaccounted losses); ribbons are drawn
    between a column of elements and a column of destinations, heights proportional to share.
    """
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path as MplPath

    elements = list(shares)
    destinations = list(dict.fromkeys(d for s in shares.values() for d in s))
    gap = 0.06
    with _style():
        fig, ax = new_figure(PAGE * 0.8, 3.4)
        total = len(elements)
        dest_size = {d: sum(shares[e].get(d, 0.0) for e in elements) for d in destinations}
        scale = 1.0 / (total + gap * (total - 1))
        dscale = 1.0 / (total + gap * (len(destinations) - 1))
        dest_top, y = {}, 1.0
        for d in destinations:
            dest_top[d] = y
            y -= dest_size[d] * dscale + gap * dscale
        dest_cursor = dict(dest_top)
        colour = {e: PALETTE[i % len(PALETTE)] for i, e in enumerate(elements)}
        y = 1.0
        for e in elements:
            ax.add_patch(Rectangle((0.0, y - scale), 0.04, scale, color=colour[e]))
            ax.text(-0.01, y - scale / 2, e, ha="right", va="center", fontsize=8)
            cursor = y
            for d in destinations:
                h = shares[e].get(d, 0.0)
                if h <= 0:
                    continue
                y0a, y0b = cursor, cursor - h * scale
                y1a, y1b = dest_cursor[d], dest_cursor[d] - h * dscale
                verts = [(0.04, y0a), (0.5, y0a), (0.5, y1a), (0.96, y1a), (0.96, y1b), (0.5, y1b),
                         (0.5, y0b), (0.04, y0b), (0.04, y0a)]
                codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
                         MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
                ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=colour[e], alpha=0.45, lw=0))
                cursor, dest_cursor[d] = y0b, y1b
            y -= scale + gap * scale
        for d in destinations:
            h = dest_size[d] * dscale
            ax.add_patch(Rectangle((0.96, dest_top[d] - h), 0.04, h, color="0.35"))
            ax.text(1.01, dest_top[d] - h / 2, f"{d}", ha="left", va="center", fontsize=7)
        ax.set_xlim(-0.12, 1.35)
        ax.set_ylim(min(dest_cursor.values()) - 0.02, 1.02)
        ax.set_xticks([0.02, 0.98], ["element in feed", "destination"])
        ax.set_yticks([])
        ax.set_ylabel("share of each element's feed (each scaled to 100 %) [%]")
        ax.set_xlabel("flow through the route")
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if title:
            ax.set_title(title)
    return fig


# --- sensitivity and uncertainty ----------------------------------------------------------------

def tornado(labels: list[str], base: float, low: np.ndarray, high: np.ndarray, xlabel: str,
            title: str = "", ax=None):
    """One-at-a-time swings around ``base``, largest on top; bars for the low and high ends."""
    with _style():
        fig, ax = (ax.figure, ax) if ax is not None else new_figure(COLUMN * 1.3, 0.8 + 0.25 * len(labels))
        low, high = _finite(low), _finite(high)
        order = np.argsort(np.abs(high - low))
        y = np.arange(len(labels))
        ax.barh(y, low[order] - base, left=base, color=PALETTE[0], label="parameter at low end")
        ax.barh(y, high[order] - base, left=base, color=PALETTE[1], label="parameter at high end")
        ax.axvline(base, color="black", lw=0.8)
        ax.set_yticks(y, [labels[i] for i in order])
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        if title:
            ax.set_title(title)
        ax.legend(loc="lower right")
    return fig


def sobol_bars(labels: list[str], first: np.ndarray, total: np.ndarray, title: str = "", ax=None):
    """First-order and total Sobol indices per parameter [-], ranked by the total index."""
    with _style():
        fig, ax = (ax.figure, ax) if ax is not None else new_figure(COLUMN * 1.3, 0.8 + 0.25 * len(labels))
        first, total = _finite(first), _finite(total)
        order = np.argsort(np.nan_to_num(total))
        y = np.arange(len(labels))
        ax.barh(y + 0.18, total[order], 0.36, color=PALETTE[7], label="total Sobol index S_T")
        ax.barh(y - 0.18, first[order], 0.36, color=PALETTE[2], label="first-order Sobol index S_1")
        ax.set_yticks(y, [labels[i] for i in order])
        ax.set_xlabel("Sobol index [-]")
        ax.grid(axis="y", visible=False)
        if title:
            ax.set_title(title)
        ax.legend(loc="lower right")
    return fig


def distributions(samples: dict[str, np.ndarray], xlabel: str, title: str = "", notes: dict | None = None,
                  ax=None, log: bool = False, zero_line: bool = False):
    """Empirical cumulative distributions of one output per case (e.g. NPV per route)."""
    with _style():
        fig, ax = (ax.figure, ax) if ax is not None else new_figure(COLUMN * 1.4, 2.8)
        for i, (name, values) in enumerate(samples.items()):
            v = np.sort(_finite(values)[np.isfinite(_finite(values))])
            if v.size == 0:
                continue
            label = f"{name} ({notes[name]})" if notes and name in notes else name
            ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", color=PALETTE[i % len(PALETTE)],
                    label=label, lw=1.2)
        if log:
            ax.set_xscale("log")
        if zero_line:
            ax.axvline(0, color="0.3", lw=0.8, ls="--")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("cumulative probability [-]")
        ax.set_ylim(0, 1)
        if title:
            ax.set_title(title)
        ax.legend(loc="best")
    return fig


# --- maps -----------------------------------------------------------------------------------------

def contour_map(x: np.ndarray, y: np.ndarray, z: np.ndarray, xlabel: str, ylabel: str, zlabel: str,
                band: tuple[float, float] | None = None, band_label: str = "", title: str = "",
                logx: bool = True):
    """Filled contours of z over an (x, y) grid (z shaped (len(y), len(x))), log colour scale,
    with the contour lines of a price band drawn where the surface reaches them."""
    from matplotlib.colors import LogNorm

    with _style():
        fig, ax = new_figure(COLUMN * 1.6, 3.0)
        z = np.ma.masked_invalid(_finite(z))
        positive = z[z > 0]
        lo, hi = float(positive.min()), float(positive.max())
        levels = np.geomspace(lo, hi * 1.0001, 12) if hi > lo else np.array([lo * 0.9, lo * 1.1])
        cs = ax.contourf(x, y, z, levels=levels, norm=LogNorm(lo, hi), cmap="viridis")
        lines = ax.contour(x, y, z, levels=levels[::2], colors="white", linewidths=0.4)
        ax.clabel(lines, fmt=lambda v: f"{v:,.0f}", fontsize=6)
        if band is not None:
            inside = [b for b in band if lo <= b <= hi]
            if inside:
                ax.contour(x, y, z, levels=sorted(inside), colors=PALETTE[3], linewidths=1.5)
            ax.plot([], [], color=PALETTE[3], lw=1.5,
                    label=f"{band_label}: {band[0]:,.0f}-{band[1]:,.0f}" + ("" if inside else " (not reached)"))
            ax.legend(loc="upper right", fontsize=6)
        if logx:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(False)
        from matplotlib.ticker import FuncFormatter

        fig.colorbar(cs, ax=ax, label=zlabel, format=FuncFormatter(lambda v, _: f"{v:,.0f}"))
        if title:
            ax.set_title(title)
    return fig


def supply_bars(elements: list[str], series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
                references: list[dict], ylabel: str, title: str = "", ax=None):
    """Bars on a log axis per element: ``series[name] = (value, low, high)``; references are
    dicts ``{element, value, label}`` drawn as markers on the element's position."""
    with _style():
        fig, ax = (ax.figure, ax) if ax is not None else new_figure(PAGE, 3.2)
        x = np.arange(len(elements))
        width = 0.8 / max(len(series), 1)
        for i, (name, (value, low, high)) in enumerate(series.items()):
            xs = x + (i - (len(series) - 1) / 2) * width
            value, low, high = _finite(value), _finite(low), _finite(high)
            ax.bar(xs, value, width, color=PALETTE[i % len(PALETTE)], label=name)
            ax.errorbar(xs, value, yerr=[value - low, high - value], fmt="none", ecolor="black", lw=0.8)
        markers = ["D", "s", "^", "v", "o", "P", "X"]
        kinds = list(dict.fromkeys(r["label"] for r in references))
        for r in references:
            k = kinds.index(r["label"])
            xi = elements.index(r["element"])
            ax.scatter([xi], [r["value"]], marker=markers[k % len(markers)], s=28, color="black", zorder=4,
                       label=r["label"] if r is next(q for q in references if q["label"] == r["label"]) else None)
        ax.set_xticks(x, elements)
        ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.set_xlabel("element (as its oxide)")
        if title:
            ax.set_title(title)
        ax.legend(loc="upper left", fontsize=6, ncols=2)
    return fig


def scatter_with_bands(points: list[dict], bands: list[dict], xlabel: str, ylabel: str, title: str = "",
                       logx: bool = True, logy: bool = True, xbands: list[dict] = ()):
    """Scatter of points ``{x, y, label, group}`` with horizontal bands ``{low, high, label}`` (on
    the y axis) and vertical ``xbands`` (on the x axis)."""
    with _style():
        fig, ax = new_figure(PAGE * 0.8, 3.6)
        groups = list(dict.fromkeys(p.get("group", "") for p in points))
        for i, g in enumerate(groups):
            pts = [p for p in points if p.get("group", "") == g]
            ax.scatter([p["x"] for p in pts], [p["y"] for p in pts], color=PALETTE[i % len(PALETTE)], s=18,
                       label=g, zorder=3)
            for p in pts:
                ax.annotate(p["label"], (p["x"], p["y"]), xytext=(3, 2), textcoords="offset points", fontsize=5)
        for j, b in enumerate(bands):
            colour = PALETTE[(j + 5) % len(PALETTE)]
            if b["high"] > b["low"]:
                ax.axhspan(b["low"], b["high"], color=colour, alpha=0.25, lw=0, label=b["label"])
            else:                                     # a single reported value: a line
                ax.axhline(b["low"], color=colour, lw=1.2, ls="--", label=b["label"])
        for j, b in enumerate(xbands):
            ax.axvspan(b["low"], b["high"], color=PALETTE[(j + 2) % len(PALETTE)], alpha=0.18, lw=0,
                       label=b["label"])
        if logx:
            ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend(fontsize=6)
    return fig


def shared_legend(fig, ax, ncols: int = 5, only_ax: bool = False):
    """One legend below all panels of ``fig`` (entries of every panel, ``ax``'s first, deduplicated)."""
    with _style():
        entries = {}
        for a in [ax, *fig.axes]:
            for h, label in zip(*a.get_legend_handles_labels()):
                if a is ax or not only_ax:
                    entries.setdefault(label, h)
            if a.get_legend():
                a.get_legend().remove()
        fig.legend(list(entries.values()), list(entries), loc="outside lower center", ncols=ncols, fontsize=6)


def panels(n: int, width: float = PAGE, height: float = 3.0, vertical: bool = False, **kwargs):
    """A styled Figure with ``n`` axes side by side (or stacked, ``vertical``)."""
    with _style():
        shape = {"nrows": kwargs.pop("nrows")} if "nrows" in kwargs else {}
        if shape:
            shape["ncols"] = -(-n // shape["nrows"])
        else:
            shape = {"nrows": n} if vertical else {"ncols": n}
        fig, axes = new_figure(width, height, **shape, **kwargs)
    return fig, np.atleast_1d(axes).ravel()


def png_bytes(fig, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (for embedding in the HTML report)."""
    import io

    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
