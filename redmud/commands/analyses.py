"""``redmud sweep``, ``redmud mc``, ``redmud sensitivity`` and ``redmud plot``: many plants at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from redmud.commands.overrides import add_override_arguments, collect_overrides, parse_assignment
from redmud.errors import InputError
from redmud.output import dumps, format_table, metadata

DEFAULT_ROUTE = "hcl-leach-sx"


def add_parser(subparsers, common) -> None:
    sweep = subparsers.add_parser("sweep", parents=[common], help="full-factorial parameter sweep")
    _model_arguments(sweep)
    sweep.add_argument("--grid", action="append", default=[], metavar="PATH=start:stop:n", required=True)
    sweep.set_defaults(handler=run_sweep)
    mc = subparsers.add_parser("mc", parents=[common], help="Monte Carlo over parameter distributions")
    _model_arguments(mc)
    mc.add_argument("-n", "--samples", type=int, default=1000, help="number of samples")
    mc.add_argument("--dist", action="append", default=[], metavar="PATH=uniform(a,b)",
                    help="a distribution; default: uniform over the published ranges of the "
                         "feedstock's trace elements (ppm)")
    mc.add_argument("--seed", type=int, default=0)
    mc.add_argument("--sampler", choices=("random", "sobol", "lhs"), default="random")
    mc.set_defaults(handler=run_mc)
    _add_sensitivity_parser(subparsers, common)
    _add_plot_parser(subparsers, common)


def _model_arguments(parser) -> None:
    parser.add_argument("route", nargs="?", default=DEFAULT_ROUTE, metavar="ROUTE|PATH.toml")
    parser.add_argument("--feedstock", default=None)
    parser.add_argument("-o", "--output", required=True, type=Path, help="output Parquet file")
    parser.add_argument("--chunk-size", type=int, default=None, help="samples per vectorised chunk")
    parser.add_argument("--backend", choices=("serial", "dask"), default="serial")
    parser.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    parser.add_argument("--scheduler-timeout", type=float, default=None, metavar="SECONDS",
                        help="how long to wait for the --scheduler to answer (default 10 s)")
    parser.add_argument("--restart", action="store_true", help="discard a partial run with other inputs")
    add_override_arguments(parser)


def _fixed_overrides(args, sampled_paths) -> dict:
    fixed = collect_overrides(args)
    for path in sampled_paths:
        if path in fixed:
            raise InputError(path, "is both in --set and in --grid/--dist; give it once")
    return {k: str(v) for k, v in fixed.items()}


def _model_fingerprint(route: str, feedstock: str | None) -> dict:
    """The version and the hashes of every file the model reads (data, route, feedstock): part
    of the inputs a partial run must match, so that a resumed run never joins chunks computed
    by another model."""
    from redmud import __version__
    from redmud.feedstocks import feedstock_path
    from redmud.paths import DATA_DIR
    from redmud.routes import load_route
    from redmud.tomlfile import file_hash

    loaded = load_route(route)
    files = [*sorted(DATA_DIR.glob("*.toml")), loaded.path, feedstock_path(feedstock or loaded.default_feedstock)]
    return {"redmud_version": __version__, "files": {p.name: file_hash(p) for p in files}}


def _execute(args, model, columns_for, n: int, inputs: dict):
    from redmud.analysis.executor import DEFAULT_CHUNK_SIZE, SCHEDULER_TIMEOUT_S, execute

    chunk = DEFAULT_CHUNK_SIZE if args.chunk_size is None else args.chunk_size
    if chunk < 1 or n < 1:
        raise InputError("--chunk-size/-n", "expected whole numbers >= 1")
    timeout = SCHEDULER_TIMEOUT_S if args.scheduler_timeout is None else args.scheduler_timeout
    if not timeout > 0:
        raise InputError("--scheduler-timeout", f"expected a positive number of seconds, got {timeout:g}")
    evaluate = _ChunkEvaluator(model, columns_for)
    table = execute(evaluate, n, args.output, {**inputs, "route": args.route, "feedstock": args.feedstock,
                                                 "fixed": model.fixed,
                                                 "model": _model_fingerprint(args.route, args.feedstock)},
                    chunk_size=chunk, backend=args.backend, scheduler=args.scheduler, restart=args.restart,
                    scheduler_timeout=timeout)
    summary = {"output": str(args.output), "samples": len(table), "failed": int((table["status"] != "ok").sum()),
               "chunk_size": chunk}
    numeric = table.select_dtypes("number")
    stats = numeric.describe(percentiles=[0.05, 0.5, 0.95]).T
    if args.json:
        print(dumps({"metadata": metadata(args.argv, inputs=inputs), "summary": summary,
                     "statistics": stats.to_dict(orient="index")}))
    else:
        print(f"wrote {len(table)} samples to {args.output} ({summary['failed']} failed)")
        print(stats[["mean", "5%", "50%", "95%"]].to_string())
    return 0


class _ChunkEvaluator:
    """Picklable chunk function: sample indices -> DataFrame."""

    def __init__(self, model, columns_for):
        self.model = model
        self.columns_for = columns_for

    def __call__(self, start: int, stop: int):
        from redmud.analysis.memory import keep_freed_memory
        from redmud.cli import show_each_message_once
        keep_freed_memory()           # in this process: the main one, or a Dask worker
        show_each_message_once()
        return self.model(self.columns_for(start, stop))


class _GridColumns:
    def __init__(self, columns):
        self.columns = columns

    def __call__(self, start, stop):
        return {p: v[start:stop] for p, v in self.columns.items()}


class _DistColumns:
    def __init__(self, design, dists):
        self.design = design
        self.dists = dists

    def __call__(self, start, stop):
        u = self.design.uniforms(start, stop)
        return {d.path: d.ppf(u[:, i]) for i, d in enumerate(self.dists)}


def run_sweep(args) -> int:
    from redmud.analysis.distributions import full_factorial, parse_grid
    from redmud.analysis.model import ModelCall, path_units

    axes = {}
    for text in args.grid:
        path, spec = parse_assignment(text, "--grid")
        axes[path] = parse_grid(path, spec)
    units = path_units(args.route, args.feedstock, list(axes))
    fixed = _fixed_overrides(args, axes)
    columns = full_factorial(axes)
    model = ModelCall(args.route, args.feedstock, fixed, tuple(units.items()))
    n = len(next(iter(columns.values())))
    return _execute(args, model, _GridColumns(columns), n,
                    {"grid": {p: v.tolist() for p, v in axes.items()}, "units": units})


def default_distributions(route: str, feedstock: str | None):
    """Uniform distributions over the published ranges of the feedstock's trace elements (ppm).

    Major oxides (records in wt%) are held at their file values: drawn independently they do not
    respect closure (their sum may pass 100 wt%, which the feedstock check rejects), so their
    joint variation needs explicit ``--dist`` choices.
    """
    from redmud.analysis.distributions import Distribution
    from redmud.commands.parameters import feed_ranges
    from redmud.feedstocks import load_feedstock
    from redmud.routes import load_route

    feed = load_feedstock(feedstock or load_route(route).default_feedstock)
    return [Distribution("uniform", bounds, path) for path, bounds in feed_ranges(feed).items()
            if feed.records[path[5:]].unit == "ppm"]


def run_mc(args) -> int:
    from redmud.analysis.distributions import parse_distribution
    from redmud.analysis.executor import Design
    from redmud.analysis.model import ModelCall, path_units

    dists = [parse_distribution(*parse_assignment(text, "--dist")) for text in args.dist]
    if not dists:
        dists = default_distributions(args.route, args.feedstock)
        if not dists:
            raise InputError("--dist", "no distribution given and the feedstock publishes no ranges of trace "
                                      "elements; give --dist PATH=uniform(a,b)")
    paths = [d.path for d in dists]
    if len(set(paths)) != len(paths):
        raise InputError("--dist", "a path is given twice")
    units = path_units(args.route, args.feedstock, paths)
    fixed = _fixed_overrides(args, paths)
    if args.samples < 1:
        raise InputError("-n", f"expected at least 1 sample, got {args.samples}")
    design = Design(args.samples, len(dists), args.seed, args.sampler)
    model = ModelCall(args.route, args.feedstock, fixed, tuple(units.items()))
    inputs = {"distributions": {d.path: [d.name, *d.args] for d in dists}, "units": units,
              "seed": args.seed, "sampler": args.sampler}
    return _execute(args, model, _DistColumns(design, dists), args.samples, inputs)


# --- sensitivity ------------------------------------------------------------------------------

SENSITIVITY_METHODS = ("tornado", "sobol", "morris")
DEFAULT_METRICS = ("npv_usd",)


def _add_sensitivity_parser(subparsers, common) -> None:
    parser = subparsers.add_parser("sensitivity", parents=[common],
                                   help="tornado, Sobol or Morris sensitivity of a route's metrics")
    parser.add_argument("route", nargs="?", default=DEFAULT_ROUTE, metavar="ROUTE|PATH.toml")
    parser.add_argument("--feedstock", default=None)
    parser.add_argument("--method", choices=SENSITIVITY_METHODS, default="tornado")
    parser.add_argument("--param", action="append", default=[], metavar="PATH[=low:high]",
                        help="a factor and its interval in the path's unit (default: the published "
                             "feedstock range or the documented bounds); default: every published feed range")
    parser.add_argument("--metric", action="append", default=[], metavar="COLUMN",
                        help=f"metric column (repeatable; default {', '.join(DEFAULT_METRICS)})")
    parser.add_argument("-n", "--samples", type=int, default=None,
                        help="sobol: base samples, a power of two (default 64); morris: trajectories (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-size", type=int, default=None, help="samples per vectorised model call")
    parser.add_argument("--from-mc", type=Path, default=None, metavar="FILE.parquet",
                        help="Spearman rank correlations of an existing Monte Carlo output instead")
    parser.add_argument("-o", "--output", type=Path, default=None, help="also write the table as CSV")
    add_override_arguments(parser)
    parser.set_defaults(handler=run_sensitivity)


def run_sensitivity(args) -> int:
    from redmud.analysis import route_sensitivity as rs

    metrics = args.metric or list(DEFAULT_METRICS)
    if args.output is not None:
        from redmud.analysis.executor import check_output_path
        check_output_path(args.output)
    if args.from_mc is not None:
        rows, inputs = _spearman_from_file(args.from_mc, metrics), {"from_mc": str(args.from_mc)}
        method = "spearman"
    else:
        rows, inputs = _evaluate_sensitivity(args, metrics, rs)
        method = args.method
    if args.output is not None:
        import pandas as pd

        from redmud.output import write_atomic
        write_atomic(args.output, pd.DataFrame(rows).to_csv(index=False))
    if args.json:
        print(dumps({"metadata": metadata(args.argv, inputs=inputs), "method": method, "rows": rows}))
    else:
        print(format_table(rows))
    return 0


def _evaluate_sensitivity(args, metrics, rs):
    from redmud.analysis.executor import DEFAULT_CHUNK_SIZE
    from redmud.analysis.model import ModelCall

    fixed = {k: str(v) for k, v in collect_overrides(args).items()}
    factors = rs.resolve_factors(args.route, args.feedstock, args.param, fixed)
    n = args.samples
    if args.method == "sobol":
        n = n or 64
        if n < 2 or n & (n - 1):
            raise InputError("-n", f"Sobol indices need a power of two of base samples (e.g. 64, 1024), got {n}")
    elif args.method == "morris":
        n = n or 20
        if n < 2:
            raise InputError("-n", f"Morris screening needs at least 2 trajectories, got {n}")
    chunk = DEFAULT_CHUNK_SIZE if args.chunk_size is None else args.chunk_size
    if chunk < 1:
        raise InputError("--chunk-size", "expected a whole number >= 1")
    units = tuple((f.path, f.unit) for f in factors)
    model = ModelCall(args.route, args.feedstock, fixed, units)
    f = rs.RouteFunction(model, factors, metrics, chunk)
    rs.check_metrics(f.frame(np.array([[x.base for x in factors]])).columns, metrics)   # before the long run
    if args.method == "tornado":
        rows = rs.tornado_rows(f)
    elif args.method == "sobol":
        rows = rs.sobol_rows(f, n, args.seed)
    else:
        rows = rs.morris_rows(f, n, args.seed)
    inputs = {"route": args.route, "feedstock": args.feedstock, "method": args.method, "fixed": fixed,
              "factors": [vars(x) for x in factors], "samples": n, "seed": args.seed}
    return rows, inputs


def _spearman_from_file(path: Path, metrics: list[str]) -> list[dict]:
    """Spearman table of a Parquet file written by ``redmud mc`` (its inputs from the metadata)."""
    from redmud.analysis.route_sensitivity import spearman_rows
    from redmud.analysis.results import read_results

    table, info = read_results(path)
    units = info.get("units") or {}
    if not units:
        raise InputError(str(path), "no sampled inputs in the file's metadata; expected a file written by redmud mc")
    return spearman_rows(table, units, metrics)


# --- plot -------------------------------------------------------------------------------------

FIGURE_FORMATS = ("png", "svg", "pdf")
DEFAULT_PLOT_METRIC = "npv_usd"


def _add_plot_parser(subparsers, common) -> None:
    parser = subparsers.add_parser("plot", parents=[common], help="plot a sweep or Monte Carlo Parquet file")
    parser.add_argument("file", type=Path, metavar="FILE.parquet")
    parser.add_argument("-o", "--output", type=Path, required=True, help="figure file (.png, .svg or .pdf)")
    parser.add_argument("--x", default=None, help="sweep: the x-axis path; mc: the metric to histogram")
    parser.add_argument("--y", default=None, help="1-D sweep: the metric; 2-D sweep: the y-axis path "
                                                  "(or a metric for one line per value of the other axis)")
    parser.add_argument("--z", default=None, help=f"2-D sweep: the contoured metric (default {DEFAULT_PLOT_METRIC})")
    parser.set_defaults(handler=run_plot)


def run_plot(args) -> int:
    import io

    from redmud.analysis.results import kind_of, read_results
    from redmud.output import write_atomic

    suffix = args.output.suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise InputError(str(args.output), f"unknown figure format {suffix!r}; expected one of {', '.join(FIGURE_FORMATS)}")
    from redmud.analysis.executor import check_output_path
    check_output_path(args.output)
    table, inputs = read_results(args.file)
    units = inputs.get("units") or {}
    fig = _sweep_figure(table, inputs, units, args) if kind_of(inputs) == "sweep" else _mc_figure(table, args)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=suffix, dpi=150)
    write_atomic(args.output, buffer.getvalue())
    if args.json:
        print(dumps({"metadata": metadata(args.argv, inputs=inputs), "figure": str(args.output)}))
    else:
        print(f"wrote {args.output}")
    return 0


def _metric(table, name: str, option: str) -> str:
    from redmud.analysis.route_sensitivity import check_metrics

    if name not in table.columns or table[name].dtype.kind not in "fiu":
        try:
            check_metrics([c for c in table.columns if table[c].dtype.kind in "fiu"], [name])
        except InputError as err:
            raise InputError(option, err.message) from None
    return name


def _mc_figure(table, args):
    from redmud.analysis.route_sensitivity import metric_unit
    from redmud.figures_analysis import axis_label, mc_histogram

    metric = _metric(table, args.x or args.y or DEFAULT_PLOT_METRIC, "--x")
    values = table.loc[table["status"] == "ok", metric] if "status" in table else table[metric]
    return mc_histogram(values.to_numpy(dtype=float), axis_label(metric, metric_unit(metric)))


def _sweep_figure(table, inputs, units, args):
    from redmud.analysis.route_sensitivity import metric_unit
    from redmud.errors import unknown
    from redmud.figures_analysis import axis_label, sweep_contour, sweep_line

    axes = list(inputs["grid"])
    if len(axes) > 2:
        raise InputError(str(args.file), f"plots take a sweep of one or two axes; this one has {len(axes)}")
    x = args.x or axes[0]
    if x not in axes:
        raise unknown("--x", "sweep axis", x, axes)
    others = [a for a in axes if a != x]
    label = lambda path: axis_label(path, units.get(path, ""))
    if not others or (args.y is not None and args.y not in axes and args.z is None):
        metric = _metric(table, args.y or DEFAULT_PLOT_METRIC, "--y")
        if not others:
            frame = table.sort_values(x)
            return sweep_line(frame[x].to_numpy(), {metric: frame[metric].to_numpy(dtype=float)},
                              label(x), axis_label(metric, metric_unit(metric)))
        other = others[0]
        lines = {f"{value:g}": group.sort_values(x) for value, group in table.groupby(other, sort=True)}
        return sweep_line(next(iter(lines.values()))[x].to_numpy(),
                          {k: g[metric].to_numpy(dtype=float) for k, g in lines.items()},
                          label(x), axis_label(metric, metric_unit(metric)), legend_title=label(other))
    y = args.y or others[0]
    if y not in others:
        raise unknown("--y", "sweep axis", y, others)
    metric = _metric(table, args.z or DEFAULT_PLOT_METRIC, "--z")
    grid = table.pivot_table(index=y, columns=x, values=metric, aggfunc="first", dropna=False)
    if min(grid.shape) < 2:
        raise InputError(str(args.file), "a contour needs at least two points on each axis")
    return sweep_contour(grid.columns.to_numpy(dtype=float), grid.index.to_numpy(dtype=float),
                         grid.to_numpy(dtype=float), label(x), label(y), axis_label(metric, metric_unit(metric)))
