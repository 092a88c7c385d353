"""Exception types of redmud.

Every error says *where* (a file, a field, a parameter path), *what* it found and *what was
expected*, in one line, so the command line can print it as is and exit with code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class RedmudError(Exception):
    """Base class of all redmud errors."""


class InputError(RedmudError, ValueError):
    """Bad input: a malformed file, an unknown name, a wrong unit, a value out of range."""

    def __init__(self, where: str, message: str):
        self.where = str(where)
        self.message = message
        super().__init__(f"{self.where}: {message}")


class ConvergenceError(RedmudError, ArithmeticError):
    """An iterative solve (a recycle loop, a reactor, an IRR) did not reach its tolerance."""


class BalanceError(RedmudError, ArithmeticError):
    """A mass balance failed to close within its tolerance: the model created or lost mass."""


def closest(name: str, valid: Iterable[str], n: int = 3) -> str:
    """A ``" (did you mean ...?)"`` suffix naming the closest valid names, or ``""``."""
    valid = list(valid)
    matches = difflib.get_close_matches(name, valid, n=n, cutoff=0.6)
    if not matches:
        lowered = {v.lower(): v for v in valid}
        matches = [lowered[m] for m in difflib.get_close_matches(name.lower(), lowered, n=n, cutoff=0.6)]
    return f" (did you mean {', '.join(repr(m) for m in matches)}?)" if matches else ""


def unknown(where: str, kind: str, name: str, valid: Iterable[str]) -> InputError:
    """An :class:`InputError` for an unknown name, suggesting the closest valid ones."""
    valid = sorted(valid)
    hint = closest(name, valid)
    if not hint:
        shown = ", ".join(valid[:12]) + (", ..." if len(valid) > 12 else "")
        hint = f"; expected one of: {shown}"
    return InputError(where, f"unknown {kind} {name!r}{hint}")
