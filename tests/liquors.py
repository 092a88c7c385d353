"""Test liquors shared by the extraction and ion-exchange tests."""

import numpy as np

from redmud.operations.common import LIQUOR_CHARGE, MOLAR_MASS
from redmud.streams import COMPONENT_INDEX as CI, Stream


def sulfate_liquor(m3_h: float, acid_m: float, g_l: dict, n: int = 1) -> Stream:
    """An electroneutral sulfate liquor: metals [g/L], free H2SO4 [mol/L], water at 1 kg/L.

    Sulfate balances the metals' charge plus the free acid; H and O come from the acid and water.
    """
    comp = {el: np.asarray(v, float) * m3_h for el, v in g_l.items()}
    cation_eq = sum(comp[el] / MOLAR_MASS[CI[el]] * LIQUOR_CHARGE[CI[el]] for el in comp)
    s_kmol = (cation_eq + 2 * acid_m * m3_h) / 2
    water = m3_h * 1000.0
    comp["S"] = s_kmol * 32.06
    comp["H"] = 2 * acid_m * m3_h * 1.008 + water / 18.015 * 2 * 1.008
    comp["O"] = 4 * s_kmol * 15.999 + water / 18.015 * 15.999
    return Stream.from_phases({"aqueous": comp}, n_samples=n)
