"""Mixing: joins up to four streams into one (a pump box or a launder).

.. math:: F_{out} = \\sum_i F_i

No design quantity: a mixing point is part of the piping of the operations around it.
"""

from __future__ import annotations

from redmud.operations.base import OperationResult, OperationSpec
from redmud.streams import mix


def run(inlets, params, context) -> OperationResult:
    """Sum the inlet streams (sample axes broadcast)."""
    return OperationResult(outlets={"mixed": mix(*inlets.values())})


SPECS = {
    "mixer": OperationSpec(
        name="mixer", description="Joins streams into one", inlets=("a",),
        outlets=("mixed",), parameters={}, run=run, optional_inlets=("b", "c", "d")),
}
