"""``redmud sweep``, ``redmud mc`` and ``redmud sensitivity``: many plants at once."""

from __future__ import annotations

import json
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
                    help="a distribution; default: uniform over the feedstock's published ranges")
    mc.add_argument("--seed", type=int, default=0)
    mc.add_argument("--sampler", choices=("random", "sobol", "lhs"), default="random")
    mc.set_defaults(handler=run_mc)


def _model_arguments(parser) -> None:
    parser.add_argument("route", nargs="?", default=DEFAULT_ROUTE, metavar="ROUTE|PATH.toml")
    parser.add_argument("--feedstock", default=None)
    parser.add_argument("-o", "--output", required=True, type=Path, help="output Parquet file")
    parser.add_argument("--chunk-size", type=int, default=None, help="samples per vectorised chunk")
    parser.add_argument("--backend", choices=("serial", "dask"), default="serial")
    parser.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    parser.add_argument("--restart", action="store_true", help="discard a partial run with other inputs")
    add_override_arguments(parser)


def _fixed_overrides(args, sampled_paths) -> dict:
    fixed = collect_overrides(args)
    for path in sampled_paths:
        if path in fixed:
            raise InputError(path, "is both in --set and in --grid/--dist; give it once")
    return {k: str(v) for k, v in fixed.items()}


def _execute(args, model, columns_for, n: int, inputs: dict):
    from redmud.analysis.executor import DEFAULT_CHUNK_SIZE, execute

    chunk = args.chunk_size or DEFAULT_CHUNK_SIZE
    if chunk < 1 or n < 1:
        raise InputError("--chunk-size/-n", "expected whole numbers >= 1")
    evaluate = _ChunkEvaluator(model, columns_for)
    table = execute(evaluate, n, args.output, {**inputs, "route": args.route, "feedstock": args.feedstock,
                                                 "fixed": model.fixed},
                    chunk_size=chunk, backend=args.backend, scheduler=args.scheduler, restart=args.restart)
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
    """Uniform distributions over the feedstock's published ranges (``low``/``high``)."""
    from redmud.analysis.distributions import Distribution
    from redmud.feedstocks import load_feedstock
    from redmud.routes import load_route

    feed = load_feedstock(feedstock or load_route(route).default_feedstock)
    dists = []
    for element, rec in feed.records.items():
        if rec.low is not None and rec.high is not None and rec.high > rec.low and element not in ("LOI", "CO2"):
            scale = rec.fraction / rec.value if rec.value else 0.0    # the record's unit -> ppm
            to_ppm = scale * 1e6 * (rec.element_fraction / rec.fraction if rec.fraction else 1.0)
            dists.append(Distribution("uniform", (rec.low * to_ppm, rec.high * to_ppm), f"feed.{element}"))
    return dists


def run_mc(args) -> int:
    from redmud.analysis.distributions import parse_distribution
    from redmud.analysis.executor import Design
    from redmud.analysis.model import ModelCall, path_units

    dists = [parse_distribution(*parse_assignment(text, "--dist")) for text in args.dist]
    if not dists:
        dists = default_distributions(args.route, args.feedstock)
        if not dists:
            raise InputError("--dist", "no distribution given and the feedstock publishes no ranges")
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
