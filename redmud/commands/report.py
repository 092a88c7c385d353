"""``redmud report ROUTE --feedstock F [-o report.html]``: one self-contained HTML page.

The page (see :mod:`redmud.report`) embeds every figure as a ``data:`` PNG and needs no network;
it is written atomically (a temporary file renamed into place), so a failed run leaves no file.
"""

from __future__ import annotations

from pathlib import Path

from redmud.commands.overrides import add_override_arguments, collect_overrides


def add_parser(subparsers, common) -> None:
    parser = subparsers.add_parser(
        "report", parents=[common], help="a self-contained HTML report of a route on a feedstock",
        description="Evaluate a route and write one HTML page: inputs with sources, flowsheet, mass "
                    "balance, element flows, equipment and costs, cash flow, sensitivity and the "
                    "comparison with mined ore (figures embedded; opens offline in any browser).")
    parser.add_argument("route", metavar="ROUTE|PATH.toml", help="route name or file")
    parser.add_argument("--feedstock", default=None, help="feedstock name or file (default: the route's)")
    parser.add_argument("-o", "--output", default="report.html", metavar="FILE",
                        help="HTML file to write (default: report.html)")
    parser.add_argument("--no-sensitivity", action="store_true",
                        help="leave out the sensitivity section (saves 2d+1 model evaluations)")
    add_override_arguments(parser)
    parser.set_defaults(handler=report_command)


def report_command(args) -> int:
    from redmud.errors import InputError
    from redmud.output import dumps
    from redmud.report import write_report

    output = Path(args.output)
    if output.suffix.lower() not in (".html", ".htm"):
        raise InputError("-o/--output", f"expected an .html file name, got {str(output)!r}")
    overrides = collect_overrides(args)
    n = write_report(output, args.route, args.feedstock, overrides, sensitivity=not args.no_sensitivity,
                     command=getattr(args, "argv", None))
    if args.json:
        print(dumps({"report": str(output), "figures": n}))
    else:
        print(f"wrote {output} ({n} figures)")
    return 0
