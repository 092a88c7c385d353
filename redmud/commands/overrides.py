"""Reading ``--set PATH=VALUE`` and ``--config FILE`` into parameter overrides.

Precedence: data defaults < route/feedstock file < ``--config FILE`` < ``--set``.
"""

from __future__ import annotations

from redmud.errors import InputError
from redmud.tomlfile import load_toml


def add_override_arguments(parser) -> None:
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                        help="override a parameter, e.g. --set leach.temperature=80degC (repeatable)")
    parser.add_argument("--config", default=None, metavar="FILE",
                        help="TOML file whose [set] table maps parameter paths to values")


def parse_assignment(text: str, option: str) -> tuple[str, str]:
    """``"PATH=VALUE"`` -> (path, value text); one clear error otherwise."""
    if "=" not in text:
        raise InputError(option, f"expected PATH=VALUE, got {text!r}")
    path, value = text.split("=", 1)
    path, value = path.strip(), value.strip()
    if not path or not value:
        raise InputError(option, f"expected PATH=VALUE with both parts, got {text!r}")
    return path, value


def collect_overrides(args) -> dict:
    """Overrides from ``--config`` then ``--set`` (later wins)."""
    overrides: dict = {}
    if getattr(args, "config", None):
        data = load_toml(args.config)
        table = data.get("set")
        if not isinstance(table, dict) or set(data) - {"set"}:
            raise InputError(args.config, "expected a single [set] table of parameter paths")
        overrides.update(table)
    for text in getattr(args, "sets", []):
        path, value = parse_assignment(text, "--set")
        overrides[path] = value
    return overrides
