"""Parsing ``--grid PATH=start:stop:n`` and ``--dist PATH=uniform(a,b)`` without ``eval``.

Distributions are sampled by their inverse CDF from uniform numbers in [0, 1), so that the same
code serves pseudo-random (``numpy.random.Generator``) and quasi-random (Sobol, Latin hypercube)
designs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from redmud.errors import InputError, unknown

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CALL = re.compile(r"^\s*(?P<name>[a-z_]+)\s*\((?P<args>[^()]*)\)\s*$")

#: Distribution -> (argument names, what they mean).
DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "gsd"),          # geometric standard deviation > 1
    "discrete": (),                          # any number of values, equally likely
}


@dataclass(frozen=True)
class Distribution:
    """A named distribution with its arguments (in the parameter's unit)."""

    name: str
    args: tuple[float, ...]
    path: str

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF at ``u`` in [0, 1): the sample values."""
        u = np.asarray(u, dtype=float)
        a = self.args
        if self.name == "uniform":
            return a[0] + (a[1] - a[0]) * u
        if self.name == "triangular":
            low, mode, high = a
            span = high - low
            cut = (mode - low) / span if span > 0 else 0.5
            left = low + np.sqrt(np.clip(u * span * (mode - low), 0, None))
            right = high - np.sqrt(np.clip((1 - u) * span * (high - mode), 0, None))
            return np.where(u < cut, left, right)
        if self.name in ("normal", "lognormal"):
            from scipy.special import ndtri   # the standard normal inverse CDF
            z = ndtri(np.clip(u, 1e-12, 1 - 1e-12))
            return a[0] + a[1] * z if self.name == "normal" else a[0] * np.exp(np.log(a[1]) * z)
        values = np.asarray(a)
        return values[np.minimum((u * len(values)).astype(int), len(values) - 1)]

    @property
    def bounds(self) -> tuple[float, float]:
        """The interval where samples fall (for tornado and Sobol bounds)."""
        a = self.args
        if self.name in ("uniform", "triangular"):
            return a[0], a[-1]
        if self.name == "normal":
            return a[0] - 2 * a[1], a[0] + 2 * a[1]
        if self.name == "lognormal":
            return a[0] / a[1] ** 2, a[0] * a[1] ** 2
        return min(a), max(a)


def parse_distribution(path: str, text: str) -> Distribution:
    """``"uniform(1, 3)"`` -> Distribution; errors say which path and what was expected."""
    where = f"--dist {path}"
    match = _CALL.match(text)
    if not match:
        raise InputError(where, f"expected NAME(a, b, ...) such as uniform(1,3), got {text!r}")
    name = match["name"]
    if name not in DISTRIBUTIONS:
        raise unknown(where, "distribution", name, DISTRIBUTIONS)
    parts = [p.strip() for p in match["args"].split(",") if p.strip()]
    if not all(re.fullmatch(_NUMBER, p) for p in parts):
        raise InputError(where, f"arguments must be plain numbers in the path's unit, got {text!r}")
    args = tuple(float(p) for p in parts)
    if not all(np.isfinite(args)):
        raise InputError(where, f"arguments must be finite numbers, got {text!r}")
    expected = DISTRIBUTIONS[name]
    if expected and len(args) != len(expected):
        raise InputError(where, f"{name} takes {len(expected)} arguments ({', '.join(expected)}), got {len(args)}")
    if name == "discrete" and not args:
        raise InputError(where, "discrete needs at least one value")
    if name == "uniform" and not args[0] < args[1]:
        raise InputError(where, f"lower bound {args[0]:g} must be below upper bound {args[1]:g}")
    if name == "triangular" and not (args[0] <= args[1] <= args[2] and args[0] < args[2]):
        raise InputError(where, f"expected low <= mode <= high with low < high, got {args}")
    if name == "normal" and not args[1] > 0:
        raise InputError(where, f"standard deviation must be positive, got {args[1]:g}")
    if name == "lognormal" and not (args[0] > 0 and args[1] > 1):
        raise InputError(where, f"expected median > 0 and geometric sd > 1, got {args}")
    return Distribution(name, args, path)


#: A grid axis beyond this many points is a typo, not a sweep (10^7 floats is 80 MB per axis).
MAX_GRID_POINTS = 10_000_000


def parse_grid(path: str, text: str) -> np.ndarray:
    """``"500:3000:11"`` -> 11 evenly spaced values from 500 to 3000 (inclusive)."""
    where = f"--grid {path}"
    parts = text.split(":")
    if len(parts) != 3 or not all(re.fullmatch(_NUMBER, p.strip()) for p in parts):
        raise InputError(where, f"expected start:stop:n with plain numbers in the path's unit, got {text!r}")
    start, stop, n = float(parts[0]), float(parts[1]), float(parts[2])
    if not np.isfinite(n) or n > MAX_GRID_POINTS:
        raise InputError(where, f"the number of points must be a whole number from 1 to "
                                f"{MAX_GRID_POINTS:,}, got {parts[2]!r}")
    if n != int(n) or n < 1:
        raise InputError(where, f"the number of points must be a whole number >= 1, got {parts[2]!r}")
    if not (np.isfinite(start) and np.isfinite(stop)):
        raise InputError(where, "start and stop must be finite")
    return np.linspace(start, stop, int(n))


def full_factorial(axes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every combination of the grid axes, as flat columns (the first axis varies slowest)."""
    mesh = np.meshgrid(*axes.values(), indexing="ij")
    return {path: m.reshape(-1) for path, m in zip(axes, mesh)}
