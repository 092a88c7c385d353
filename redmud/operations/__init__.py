"""Unit operations, one module each; route files name them by their ``OperationSpec.name``.

Each module defines ``SPECS``, a dict of the operation specs it provides; :func:`get_spec`
finds one by name, importing only the module that holds it.
"""

from __future__ import annotations

import importlib

from redmud.errors import unknown

#: Operation name -> module that defines it (in that module's ``SPECS``).
OPERATION_MODULES = {
    "leach": "redmud.operations.leaching",
    "sulfation_roast": "redmud.operations.roasting",
    "oxidative_roast": "redmud.operations.roasting",
    "thickener": "redmud.operations.separation",
    "ccd_wash": "redmud.operations.separation",
    "filter": "redmud.operations.separation",
    "neutralisation": "redmud.operations.neutralisation",
    "ammonium_sulfate_desorption": "redmud.operations.desorption",
    "solvent_extraction": "redmud.operations.solvent_extraction",
    "ion_exchange": "redmud.operations.ion_exchange",
    "oxalate_precipitation": "redmud.operations.precipitation",
    "hydroxide_precipitation": "redmud.operations.precipitation",
    "calcination": "redmud.operations.calcination",
    "mixer": "redmud.operations.mixing",
}


def get_spec(name: str, where: str = "operation"):
    """The :class:`~redmud.operations.base.OperationSpec` called ``name``."""
    if name not in OPERATION_MODULES:
        raise unknown(where, "operation", name, OPERATION_MODULES)
    module = importlib.import_module(OPERATION_MODULES[name])
    return module.SPECS[name]
