"""``redmud study NAME|all [-o DIR] [--fast]``: run the study scripts in ``studies/``.

Each script ``studies/<name_with_underscores>.py`` exposes ``main(output_dir, fast=False)`` and
writes its figures (PNG, SVG), the CSV tables behind them and a caption file into the output
folder (default ``studies/output/``, ignored by git). ``--fast`` uses tiny sample counts (for
tests and quick looks); the figures keep their form but not their statistical precision.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
from pathlib import Path

from redmud.errors import InputError, unknown

log = logging.getLogger(__name__)


def study_names(folder: Path | None = None) -> list[str]:
    """The studies available: script names with dashes (helpers starting with ``_`` excluded)."""
    from redmud.paths import STUDY_DIR

    folder = folder or STUDY_DIR
    return sorted(p.stem.replace("_", "-") for p in folder.glob("*.py") if not p.stem.startswith("_"))


def load_study(name: str, folder: Path | None = None):
    """Import a study script by name (``route-comparison`` -> ``studies/route_comparison.py``)."""
    from redmud.paths import STUDY_DIR

    folder = folder or STUDY_DIR
    names = study_names(folder)
    if name not in names:
        raise unknown("study", "study", name, names)
    path = folder / f"{name.replace('-', '_')}.py"
    if str(folder) not in sys.path:          # the scripts share studies/_common.py
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(f"redmud_study_{name.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "main", None)):
        raise InputError(str(path), "a study script must define main(output_dir, fast=False)")
    return module


def run_studies(names: list[str], output_dir: Path, fast: bool = False) -> dict[str, list[Path]]:
    """Run the named studies (or ``["all"]``) into ``output_dir``; return the files each wrote."""
    available = study_names()
    chosen = available if "all" in names else list(dict.fromkeys(names))
    for name in chosen:
        if name not in available:
            raise unknown("study", "study", name, available + ["all"])
    output_dir = Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise InputError(str(output_dir), "the output path exists and is not a folder")
    output_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in chosen:
        start = time.perf_counter()
        module = load_study(name)
        written[name] = [Path(p) for p in module.main(output_dir, fast=fast)]
        log.info("study %s: %d files in %.1f s", name, len(written[name]), time.perf_counter() - start)
    return written


def add_parser(subparsers, common) -> None:
    from redmud.paths import STUDY_DIR

    parser = subparsers.add_parser(
        "study", parents=[common], help="make the figures and tables of the studies in studies/",
        description="Run study scripts (studies/*.py): each writes PNG and SVG figures, the CSV tables "
                    "behind them and a caption naming its data sources. Studies: "
                    + ", ".join(study_names()) + ".")
    parser.add_argument("names", nargs="+", metavar="NAME", help="study names, or 'all'")
    parser.add_argument("-o", "--output", default=str(STUDY_DIR / "output"), metavar="DIR",
                        help="output folder (default: studies/output/, ignored by git)")
    parser.add_argument("--fast", action="store_true", help="tiny sample counts (quick look, tests)")
    parser.set_defaults(handler=study_command)


def study_command(args) -> int:
    from redmud.output import dumps

    written = run_studies(args.names, Path(args.output), fast=args.fast)
    if args.json:
        print(dumps({name: [str(p) for p in paths] for name, paths in written.items()}))
    else:
        for name, paths in written.items():
            print(f"{name}: " + ", ".join(p.name for p in paths if p.suffix == ".png"))
        print(f"written to {args.output}")
    return 0
