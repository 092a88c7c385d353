"""The ``redmud`` command line.

Exit codes: 0 ok, 1 internal error, 2 bad input, 130 interrupted. Standard output carries only
tables and JSON; logging goes to standard error (``-v``/``-q``), tracebacks only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from redmud.errors import RedmudError

#: Command modules in ``redmud.commands``; each has ``add_parser(subparsers)``.
COMMAND_MODULES = ("listing", "feedstock", "run", "analyses", "cashflow", "costs", "compare", "study", "report")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message):
        raise SystemExit(_fail(f"{self.prog}: {message}"))


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def build_parser() -> argparse.ArgumentParser:
    from redmud import __version__

    parser = _Parser(prog="redmud", description="Techno-economic model of rare-earth and scandium "
                                                "recovery from bauxite residue (red mud).")
    parser.add_argument("--version", action="version", version=f"redmud {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr")
    common.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    common.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"redmud.commands.{name}").add_parser(subparsers, common)
    return parser


class _OncePerRun(logging.Filter):
    """Lets each distinct message through once: a Monte Carlo evaluates the route chunk after
    chunk, and the same warning (a missing price, a market share) would otherwise repeat for
    every chunk."""

    def __init__(self):
        super().__init__()
        self.seen: set[tuple[int, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.levelno, record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def show_each_message_once() -> None:
    """Put :class:`_OncePerRun` on the root handlers of this process (idempotent).

    A process without handlers (a Dask worker evaluating chunks) first gets one on standard
    error in the CLI's format, instead of logging's bare last-resort output.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(handler)
    for handler in root.handlers:
        if not any(isinstance(f, _OncePerRun) for f in handler.filters):
            handler.addFilter(_OncePerRun())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        level = logging.ERROR if args.quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
        logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)
        show_each_message_once()
        args.argv = ["redmud", *argv]
        return int(args.handler(args) or 0)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else _fail(str(exit_.code))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except RedmudError as err:
        if debug:
            raise
        from redmud.errors import ConvergenceError, InputError
        return _fail(str(err), 2 if isinstance(err, (InputError, ConvergenceError)) else 1)
    except BrokenPipeError:
        return 0
    except Exception as err:  # an internal error: one line, or the traceback with --debug
        if debug:
            raise
        return _fail(f"internal error: {err.__class__.__name__}: {err} (run with --debug for the traceback)", 1)


if __name__ == "__main__":
    sys.exit(main())
