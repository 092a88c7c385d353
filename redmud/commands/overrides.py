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
            found = ", ".join(f"[{k}]" if isinstance(v, dict) else k for k, v in data.items()) or "nothing"
            raise InputError(args.config, f"expected a single [set] table of parameter paths, found {found}")
        overrides.update(flatten_paths(table, f"{args.config}: set"))
    for text in getattr(args, "sets", []):
        path, value = parse_assignment(text, "--set")
        overrides[path] = value
    return overrides


def flatten_paths(table: dict, where: str, prefix: str = "") -> dict:
    """``{"leach": {"acid": 3}}`` (TOML's reading of ``leach.acid = 3``) -> ``{"leach.acid": 3}``.

    Each value must be one number or a string with a unit; arrays are not one plant's value
    (use ``--grid`` or ``--dist`` for samples).
    """
    flat = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_paths(value, where, f"{path}."))
        elif isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InputError(f"{where}.{path}", f"expected a number or a string with a unit such as "
                                                f"\"3 mol/L\", got {value!r}")
        else:
            flat[path] = value
    return flat
