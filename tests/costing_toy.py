"""A toy route whose operations report equipment, reagents and utilities, for the costing tests.

The operations are not physics: they scale design quantities with the feed so that the cost
layer can be tested through the real flowsheet engine and ``redmud.api.run``.
"""

import numpy as np

from redmud.errors import unknown
from redmud.operations.base import Equipment, OperationResult, OperationSpec, Param
from redmud.operations.common import reagent_stream
from redmud.routes import load_route
from redmud.streams import COMPONENT_INDEX, PHASE_INDEX, Stream

SC2O3_O_PER_SC = 3 * 15.999 / (2 * 44.955908)


def _leach(inlets, params, context):
    feed = inlets["feed"]
    solid = feed.total("solid")
    hcl = params["acid_dose"] * solid
    acid = reagent_stream("HCl", hcl, water_kg_h=hcl * (1 - 0.36) / 0.36)   # as 36 wt% acid
    flows = feed.flows.copy()
    sc = flows[PHASE_INDEX["solid"], COMPONENT_INDEX["Sc"]] * params["extraction"]
    flows[PHASE_INDEX["solid"], COMPONENT_INDEX["Sc"]] -= sc
    flows[PHASE_INDEX["aqueous"], COMPONENT_INDEX["Sc"]] += sc
    volume_m3_h = solid / 1000.0 * 5.0          # toy slurry volume
    tanks = Equipment("agitated_tank", volume_m3_h * params["residence"] / 4 / 0.8, "m^3", count=4,
                      acid_service=params["acid_service"] > 0.5)
    return OperationResult(outlets={"slurry": Stream(flows) + acid}, added={"HCl": acid},
                           equipment={"leach_tanks": tanks},
                           consumption={"electricity_kW": 0.5 * volume_m3_h, "heat_kW": 20.0 * volume_m3_h})


def _separate(inlets, params, context):
    s = inlets["slurry"]
    solid_mask = np.zeros_like(s.flows)
    solid_mask[PHASE_INDEX["solid"]] = 1.0
    residue = Stream(s.flows * solid_mask)
    liquor = Stream(s.flows * (1 - solid_mask))
    area = s.total("solid") / 1000.0 * 2.0      # toy: 2 m^2 per t/h of solids
    return OperationResult(outlets={"solids": residue, "liquor": liquor},
                           equipment={"filter": Equipment("filter", area, "m^2"),
                                      "pump": Equipment("pump", s.total() / 1000.0 * 0.3, "kW")},
                           consumption={"electricity_kW": area * 1.0})


def _precipitate(inlets, params, context):
    liquor = inlets["liquor"]
    flows = liquor.flows.copy()
    aq = PHASE_INDEX["aqueous"]
    sc = flows[aq, COMPONENT_INDEX["Sc"]].copy()
    o = sc * SC2O3_O_PER_SC
    product = np.zeros_like(flows)
    product[PHASE_INDEX["solid"], COMPONENT_INDEX["Sc"]] = sc
    product[PHASE_INDEX["solid"], COMPONENT_INDEX["O"]] = o
    # impurity co-precipitated: chloride, a multiple of the Sc mass
    fe = np.minimum(flows[aq, COMPONENT_INDEX["Cl"]], sc * params["impurity"])
    product[PHASE_INDEX["solid"], COMPONENT_INDEX["Cl"]] = fe
    flows[aq, COMPONENT_INDEX["Sc"]] -= sc
    flows[aq, COMPONENT_INDEX["O"]] -= o
    flows[aq, COMPONENT_INDEX["Cl"]] -= fe
    lime = reagent_stream("CaO", 0.01 * liquor.total(), phase="solid")
    effluent = Stream(flows) + lime
    return OperationResult(outlets={"product": Stream(product), "effluent": effluent}, added={"CaO": lime},
                           equipment={"tank": Equipment("storage_tank", liquor.total() / 1000.0 * 24, "m^3")})


SPECS = {
    "toy_leach": OperationSpec("toy_leach", "toy", ("feed",), ("slurry",), {
        "acid_dose": Param("dimensionless", 0.3, "kg HCl per kg solid", "test", bounds=(0, 10)),
        "extraction": Param("dimensionless", 0.5, "Sc extracted", "test", bounds=(0, 1)),
        "residence": Param("hour", 4.0, "residence time", "test", bounds=(0.1, 100)),
        "acid_service": Param("dimensionless", 1.0, "acid service", "test", bounds=(0, 1)),
    }, _leach),
    "toy_separate": OperationSpec("toy_separate", "toy", ("slurry",), ("solids", "liquor"), {}, _separate),
    "toy_precipitate": OperationSpec("toy_precipitate", "toy", ("liquor",), ("product", "effluent"), {
        "impurity": Param("dimensionless", 0.0, "kg Cl per kg Sc in the product", "test", bounds=(0, 1e6)),
    }, _precipitate),
}


def lookup(name, where):
    if name not in SPECS:
        raise unknown(where, "operation", name, SPECS)
    return SPECS[name]


ROUTE = """
name = "toy-costs"
title = "Toy route for costing"
kind = "red-mud"
residues = ["leached_residue"]
effluents = ["barren"]
[plant]
capacity = "100000 t/yr"
[[operations]]
id = "leach"
type = "toy_leach"
inlets = { feed = "feed" }
outlets = { slurry = "slurry" }
[[operations]]
id = "sep"
type = "toy_separate"
inlets = { slurry = "slurry" }
outlets = { solids = "leached_residue", liquor = "liquor" }
[[operations]]
id = "precip"
type = "toy_precipitate"
inlets = { liquor = "liquor" }
outlets = { product = "sc_oxide", effluent = "barren" }
[products]
scandium_oxide = { stream = "sc_oxide", product = "Sc2O3" }
"""


def toy_route(folder):
    path = folder / "toy-costs.toml"
    path.write_text(ROUTE)
    return load_route(path, lookup)
