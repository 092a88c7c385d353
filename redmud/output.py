"""Outputs: valid JSON, a metadata block on every output, atomic file writes, plain tables."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from redmud.errors import InputError


def jsonable(value, reasons: dict | None = None, key: str = ""):
    """Turn numpy scalars and arrays, Paths and non-finite floats into plain JSON values.

    A non-finite float becomes ``None``; the caller documents why in a ``<key>_reason`` field.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v, reasons, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, reasons, key) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist(), reasons, key)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(obj) -> str:
    """JSON text with no NaN or Infinity (they become null)."""
    return json.dumps(jsonable(obj), indent=2, allow_nan=False, ensure_ascii=False)


def metadata(command: list[str] | None = None, data_files: list[Path] | None = None, **extra) -> dict:
    """The metadata block every output carries: version, command, data-file hashes, UTC time."""
    from redmud import __version__
    from redmud.paths import DATA_DIR
    from redmud.tomlfile import file_hash

    files = sorted(DATA_DIR.glob("*.toml")) + [Path(p) for p in (data_files or [])]
    libs = {}
    for name in ("numpy", "scipy", "pint", "pandas"):
        module = sys.modules.get(name)
        if module is not None:
            libs[name] = getattr(module, "__version__", "?")
    return {
        "redmud_version": __version__,
        "command": command if command is not None else ["redmud", *sys.argv[1:]],
        "utc_time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "libraries": libs,
        "data_files": {str(p.name if p.parent == DATA_DIR else p): file_hash(p) for p in files if p.exists()},
        **extra,
    }


def check_output_path(path: Path) -> Path:
    """Fail before any work when ``path`` cannot be written as a file; return its folder.

    The folder must exist, be a folder (not a file: ``/etc/hostname/x.json``) and be writable,
    and ``path`` itself must not be a folder.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise InputError(str(path), f"output folder {str(folder)!r} does not exist; create it first")
    if not folder.is_dir():
        raise InputError(str(path), f"{str(folder)!r} is a file, not a folder; expected an output path in a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(str(path), f"output folder {str(folder)!r} is not writable")
    if path.is_dir():
        raise InputError(str(path), "is a folder; expected the name of an output file")
    return folder


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file through a temporary file in the same folder and an atomic rename.

    A reader never sees half a file, and an interrupted write leaves the old file (or none).
    """
    path = Path(path)
    folder = check_output_path(path)
    payload = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def format_table(rows: list[dict], columns: list[str] | None = None, floatfmt: str = ".4g") -> str:
    """A plain-text table of dicts, columns aligned (for standard output)."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])

    def cell(v):
        if isinstance(v, (float, np.floating)):
            return "nan" if not math.isfinite(v) else format(float(v), floatfmt)
        return "" if v is None else str(v)

    text = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(t[i].ljust(w) for i, w in enumerate(widths)) for t in text]
    return "\n".join(lines)
