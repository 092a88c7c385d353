"""Reading TOML data files with errors that name the file and the field."""

from __future__ import annotations

import hashlib
import math
import tomllib
from pathlib import Path

from redmud.errors import InputError, unknown


def load_toml(path: Path) -> dict:
    """Parse a TOML file; a missing or malformed file raises an InputError naming it."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, expected a TOML file") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(str(path), f"malformed TOML: {err}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "not a UTF-8 text file, expected TOML") from None


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (for output metadata)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def require(table: dict, key: str, where: str, kind: type | tuple = object):
    """``table[key]``, or an InputError when it is missing or of the wrong type."""
    if key not in table:
        raise InputError(where, f"missing field {key!r}")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and not {bool, object} & set(_kinds(kind))):
        names = " or ".join(TOML_NAMES.get(k, k.__name__) for k in _kinds(kind))
        raise InputError(field_path(where, key), f"expected {names}, got {type(value).__name__} {value!r}")
    return value


#: How TOML calls the Python types a field may hold (for messages).
TOML_NAMES = {dict: "a table", list: "an array", str: "a string", int: "an integer", float: "a number",
              bool: "true or false"}


def _kinds(kind) -> tuple:
    return (kind,) if isinstance(kind, type) else tuple(kind)


def field_path(where: str, key: str) -> str:
    """``"file.toml: key"`` for a top-level field, ``"file.toml: table.key"`` below it."""
    return f"{where}.{key}" if ": " in where else f"{where}: {key}"


def string_list(table: dict, key: str, where: str) -> list[str]:
    """An optional array of strings (``[]`` when absent), or an InputError."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(field_path(where, key), f"expected an array of strings, got {value!r}")
    return value


def check_fields(table: dict, allowed, where: str) -> None:
    """Reject fields that a schema does not know (a typo would otherwise be ignored silently)."""
    for key in table:
        if key not in allowed:
            raise unknown(where, "field", key, allowed)


def finite_number(value, where: str, minimum: float | None = 0.0) -> float:
    """A finite float at or above ``minimum``, or an InputError saying what was expected."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(where, f"expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(where, f"expected a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise InputError(where, f"expected a value >= {minimum:g}, got {value:g}")
    return value
