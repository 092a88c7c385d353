import pytest

from redmud import chemistry as chem
from redmud.errors import InputError


def test_sc2o3_factor_by_hand():
    # Sc2O3: (2*44.955907 + 3*15.999) / (2*44.955907) = 137.908814/89.911814 = 1.533823...
    assert chem.oxide_factor("Sc2O3") == pytest.approx(137.908814 / 89.911814, rel=1e-12)


@pytest.mark.parametrize("oxide", chem.OXIDES)
def test_oxide_factors_agree_with_atomic_weights(oxide):
    atoms = chem.parse_formula(oxide)
    element = chem.oxide_element(oxide)
    expected = (atoms[element] * chem.ATOMIC_WEIGHTS[element] + atoms["O"] * chem.ATOMIC_WEIGHTS["O"]) / (
        atoms[element] * chem.ATOMIC_WEIGHTS[element])
    assert chem.oxide_factor(oxide) == pytest.approx(expected, rel=1e-9)


def test_formula_parser_handles_groups_and_hydrates():
    assert chem.parse_formula("Ca(OH)2") == {"Ca": 1, "O": 2, "H": 2}
    assert chem.parse_formula("(NH4)2SO4") == {"N": 2, "H": 8, "S": 1, "O": 4}
    assert chem.parse_formula("H2C2O4(H2O)2") == {"H": 6, "C": 2, "O": 6}
    # D2EHPA C16H35O4P: 16*12.011 + 35*1.008 + 4*15.999 + 30.973761998 = 322.4258
    assert chem.molar_mass(chem.REAGENTS["D2EHPA"]) == pytest.approx(322.425762, rel=1e-9)


@pytest.mark.parametrize("bad", ["Xx2O3", "Ca(OH", "2H", "", "h2o"])
def test_bad_formulas_raise(bad):
    with pytest.raises(InputError):
        chem.parse_formula(bad)


def test_resolve_species_accepts_any_oxide_and_suggests():
    assert chem.resolve_species("Ce2O3")[0] == "Ce"
    assert chem.resolve_species("Pr6O11")[0] == "Pr"
    with pytest.raises(InputError, match="did you mean 'Sc2O3'"):
        chem.resolve_species("Sc2O4")


def test_every_default_oxide_element_is_tracked():
    for element, oxide in chem.DEFAULT_OXIDES.items():
        assert chem.oxide_element(oxide) == element
        assert element in chem.VALENCES
