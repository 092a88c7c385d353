"""Chemistry: the elements redmud tracks, their atomic weights, oxides, valences and reagents.

Element <-> oxide factors are computed from atomic weights, never typed in, so that they agree
with the weights to machine precision.

References
----------
Atomic weights: IUPAC/CIAAW standard atomic weights, abridged to five significant figures or
better (the conventional values of Table 2 and the abridged values of Table 3), in Prohaska T
et al. (2022) Standard atomic weights of the elements 2021 (IUPAC Technical Report), Pure Appl.
Chem. 94(5):573-600, doi:10.1515/pac-2019-0603. Ra has no standard atomic weight; the mass of
its longest-lived isotope, Ra-226 (226.0254 u), is used (Wang M et al. (2021) The AME 2020
atomic mass evaluation, Chinese Phys. C 45:030003, doi:10.1088/1674-1137/abddaf).
"""

from __future__ import annotations

import re
from functools import lru_cache

from redmud.errors import unknown

#: Standard atomic weights [g/mol] (Prohaska et al. 2022, see module docstring).
ATOMIC_WEIGHTS: dict[str, float] = {
    # scandium, yttrium and the lanthanides but Pm
    "Sc": 44.955907, "Y": 88.905838, "La": 138.90547, "Ce": 140.116, "Pr": 140.90766,
    "Nd": 144.242, "Sm": 150.36, "Eu": 151.964, "Gd": 157.25, "Tb": 158.925354,
    "Dy": 162.500, "Ho": 164.930329, "Er": 167.259, "Tm": 168.934219, "Yb": 173.045,
    "Lu": 174.9668,
    # radionuclides of the natural decay series
    "Th": 232.0377, "U": 238.02891, "Ra": 226.0254,
    # major elements of bauxite residue
    "Fe": 55.845, "Al": 26.9815384, "Si": 28.085, "Ti": 47.867, "Ca": 40.078,
    "Na": 22.98976928, "Mg": 24.305, "K": 39.0983, "Zr": 91.224, "P": 30.973761998,
    "Mn": 54.938043, "V": 50.9415,
    # elements that reagents bring, so that sulfate, chloride, nitrate, carbonate, fluoride and
    # water balances close
    "S": 32.06, "Cl": 35.45, "N": 14.007, "C": 12.011, "H": 1.008, "O": 15.999, "F": 18.998403162,
}

RARE_EARTHS = ("Sc", "Y", "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er",
               "Tm", "Yb", "Lu")
#: The light and heavy lanthanides and Y, i.e. the rare earths without Sc.
LANTHANIDES_AND_Y = RARE_EARTHS[1:]
RADIONUCLIDES = ("Th", "U", "Ra")
MAJOR_ELEMENTS = ("Fe", "Al", "Si", "Ti", "Ca", "Na", "Mg", "K", "Zr", "P", "Mn", "V")
REAGENT_ELEMENTS = ("S", "Cl", "N", "C", "H", "O", "F")
ELEMENTS = RARE_EARTHS + RADIONUCLIDES + MAJOR_ELEMENTS + REAGENT_ELEMENTS
#: The elements the headline tables report.
KEY_ELEMENTS = ("Sc", "Y", "La", "Ce", "Nd")

#: Usual oxidation state in process liquors and solids (Ce(III) in acid liquor; U as uranyl).
VALENCES: dict[str, int] = {
    **{el: 3 for el in RARE_EARTHS}, "Th": 4, "U": 6, "Ra": 2,
    "Fe": 3, "Al": 3, "Si": 4, "Ti": 4, "Ca": 2, "Na": 1, "Mg": 2, "K": 1, "Zr": 4, "P": 5,
    "Mn": 2, "V": 5, "S": 6, "Cl": -1, "N": 5, "C": 4, "H": 1, "O": -2, "F": -1,
}

#: Oxide in which each element is reported by default (the usual assay and trade forms:
#: CeO2, Pr6O11 and Tb4O7 are the oxides that calcination in air gives).
DEFAULT_OXIDES: dict[str, str] = {
    "Sc": "Sc2O3", "Y": "Y2O3", "La": "La2O3", "Ce": "CeO2", "Pr": "Pr6O11", "Nd": "Nd2O3",
    "Sm": "Sm2O3", "Eu": "Eu2O3", "Gd": "Gd2O3", "Tb": "Tb4O7", "Dy": "Dy2O3", "Ho": "Ho2O3",
    "Er": "Er2O3", "Tm": "Tm2O3", "Yb": "Yb2O3", "Lu": "Lu2O3", "Th": "ThO2", "U": "U3O8",
    "Fe": "Fe2O3", "Al": "Al2O3", "Si": "SiO2", "Ti": "TiO2", "Ca": "CaO", "Na": "Na2O",
    "Mg": "MgO", "K": "K2O", "Zr": "ZrO2", "P": "P2O5", "Mn": "MnO", "V": "V2O5", "S": "SO3",
}
#: Other oxides an element may be reported as in a file.
OTHER_OXIDES = ("Ce2O3", "Pr2O3", "PrO2", "Tb2O3", "TbO2", "UO2", "UO3", "FeO", "Fe3O4",
                "MnO2", "Mn2O3", "V2O3", "RaO")
OXIDES: tuple[str, ...] = tuple(DEFAULT_OXIDES.values()) + OTHER_OXIDES

#: Reagents by name and formula (D2EHPA: di(2-ethylhexyl)phosphoric acid, (C8H17O)2PO2H;
#: TBP: tributyl phosphate; kerosene taken as n-dodecane, its usual surrogate).
REAGENTS: dict[str, str] = {
    "HCl": "HCl", "H2SO4": "H2SO4", "HNO3": "HNO3", "NaOH": "NaOH", "Ca(OH)2": "Ca(OH)2",
    "CaO": "CaO", "CaCO3": "CaCO3", "H2C2O4": "H2C2O4", "D2EHPA": "C16H35O4P",
    "TBP": "C12H27O4P", "kerosene": "C12H26", "(NH4)2SO4": "(NH4)2SO4", "NH3": "NH3",
    "Na2SO3": "Na2SO3", "Na2CO3": "Na2CO3", "H2O": "H2O", "CO2": "CO2", "SO2": "SO2",
    "SO3": "SO3", "H2C2O4.2H2O": "H2C2O4(H2O)2",
}

_TOKEN = re.compile(r"([A-Z][a-z]?|\(|\)|\d+)")


@lru_cache(maxsize=None)
def parse_formula(formula: str) -> dict[str, float]:
    """Atoms per formula unit of a chemical formula such as ``"Ca(OH)2"`` or ``"Na8Al6Si6O24Cl2"``.

    Raises InputError for an unknown element or unbalanced parentheses.
    """
    tokens = _TOKEN.findall(formula)
    if "".join(tokens) != formula or not tokens:
        raise unknown("formula", "chemical formula", formula, REAGENTS)
    stack: list[dict[str, float]] = [{}]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        count = 1
        if i + 1 < len(tokens) and tokens[i + 1].isdigit():
            count = int(tokens[i + 1])
        if token == "(":
            stack.append({})
            i += 1
            continue
        if token == ")":
            if len(stack) == 1:
                raise unknown("formula", "chemical formula", formula, REAGENTS)
            group = stack.pop()
            for element, n in group.items():
                stack[-1][element] = stack[-1].get(element, 0) + n * count
        elif token.isdigit():
            raise unknown("formula", "chemical formula", formula, REAGENTS)
        else:
            if token not in ATOMIC_WEIGHTS:
                raise unknown(f"formula {formula}", "element", token, ATOMIC_WEIGHTS)
            stack[-1][token] = stack[-1].get(token, 0) + count
        i += 2 if i + 1 < len(tokens) and tokens[i + 1].isdigit() else 1
    if len(stack) != 1:
        raise unknown("formula", "chemical formula", formula, REAGENTS)
    return stack[0]


def molar_mass(formula: str) -> float:
    """Molar mass [g/mol] of a formula, from standard atomic weights."""
    return sum(ATOMIC_WEIGHTS[el] * n for el, n in parse_formula(formula).items())


def mass_fractions(formula: str) -> dict[str, float]:
    """Mass fraction of each element in a formula [kg element / kg compound]."""
    total = molar_mass(formula)
    return {el: ATOMIC_WEIGHTS[el] * n / total for el, n in parse_formula(formula).items()}


def oxide_element(oxide: str) -> str:
    """The element (other than O) of a binary oxide, e.g. ``"Sc"`` for ``"Sc2O3"``."""
    atoms = parse_formula(oxide)
    others = [el for el in atoms if el != "O"]
    if len(others) != 1 or "O" not in atoms:
        raise unknown("oxide", "oxide", oxide, OXIDES)
    return others[0]


def oxide_factor(oxide: str) -> float:
    """Mass of oxide per mass of its element [kg oxide / kg element], e.g. 1.5338 for Sc2O3.

    .. math:: f = \\frac{M_{oxide}}{n_{el} \\, A_{el}}
    """
    element = oxide_element(oxide)
    return molar_mass(oxide) / (parse_formula(oxide)[element] * ATOMIC_WEIGHTS[element])


def resolve_species(name: str, where: str = "composition") -> tuple[str, float]:
    """The element of a composition key and the factor that turns the key's mass into element mass.

    ``"Sc"`` gives ``("Sc", 1.0)``; ``"Sc2O3"`` gives ``("Sc", 1/1.5338)``. Unknown names raise an
    InputError suggesting the closest element or oxide.
    """
    if name in ATOMIC_WEIGHTS:
        return name, 1.0
    if name in OXIDES:
        return oxide_element(name), 1.0 / oxide_factor(name)
    raise unknown(where, "element or oxide", name, list(ATOMIC_WEIGHTS) + list(OXIDES))
