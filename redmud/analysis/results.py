"""Reading the Parquet files ``redmud sweep`` and ``redmud mc`` write, with their metadata."""

from __future__ import annotations

import json
from pathlib import Path

from redmud.errors import InputError


def read_results(path: Path):
    """``(DataFrame, inputs)`` of a sweep or Monte Carlo file; ``inputs`` is its ``redmud`` metadata.

    The metadata holds ``grid`` (a sweep's axes) or ``distributions`` (a Monte Carlo), and
    ``units`` (the unit of each sampled column).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "no such file; expected a Parquet file written by redmud sweep or mc")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        raise InputError(str(path), f"not a readable Parquet file ({err.__class__.__name__})") from None
    raw = (table.schema.metadata or {}).get(b"redmud")
    if raw is None:
        raise InputError(str(path), "no redmud metadata; expected a file written by redmud sweep or mc")
    try:
        inputs = json.loads(raw)
    except ValueError:
        raise InputError(str(path), "its redmud metadata is not valid JSON") from None
    return table.to_pandas(), inputs


def kind_of(inputs: dict) -> str:
    """``"sweep"`` or ``"mc"`` from a file's metadata."""
    if "grid" in inputs:
        return "sweep"
    if "distributions" in inputs:
        return "mc"
    raise InputError("metadata", "neither a sweep grid nor Monte Carlo distributions in the file")
