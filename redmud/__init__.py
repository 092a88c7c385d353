"""redmud: techno-economic model of rare-earth and scandium recovery from bauxite residue.

Submodules load on first use (PEP 562), so ``import redmud`` stays fast and pulls in neither
pandas, matplotlib, scipy nor dask.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("redmud")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from redmud.memory import keep_freed_memory

keep_freed_memory()      # reuse freed pages: at 1e5 samples page faults cost as much as the arithmetic

_SUBMODULES = {"units", "chemistry", "streams", "feedstocks", "errors", "cli", "operations",
               "routes", "costing", "analysis", "environment", "figures", "report", "paths", "memory"}
_API = {"run": "redmud.api", "load_feedstock": "redmud.feedstocks", "load_route": "redmud.routes"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"redmud.{name}")
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'redmud' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_API))
