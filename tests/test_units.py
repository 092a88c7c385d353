import numpy as np
import pytest

from redmud.errors import InputError
from redmud.units import parse_quantity, to_kelvin, ureg


@pytest.mark.parametrize("text, unit, value", [
    ("3 mol/L", "mol/L", 3.0), ("120 ppm", "ppm", 120.0), ("5 wt%", "wt_percent", 5.0),
    ("1e5 t/yr", "tonne/year", 1e5), ("2.5e-3 USD/kWh", "USD/kWh", 2.5e-3), ("-1.5 degC", "degC", -1.5),
])
def test_parse_quantity(text, unit, value):
    q = parse_quantity(text, "test")
    assert q.to(unit).magnitude == pytest.approx(value)


def test_temperature_to_kelvin_before_physics():
    assert to_kelvin(parse_quantity("80 degC")) == pytest.approx(353.15)
    assert np.allclose(to_kelvin(ureg.Quantity(np.array([25.0, 90.0]), "degC")), [298.15, 363.15])


def test_wt_percent_and_ppm_are_consistent():
    assert parse_quantity("1 wt%").to("ppm").magnitude == pytest.approx(1e4)


@pytest.mark.parametrize("text", ["3 furlongs/fortnight/banana", "mol/L", "__import__('os')", "3 mol/L)"])
def test_bad_strings_raise_input_error(text):
    with pytest.raises(InputError):
        parse_quantity(text, "leach.acid", "mol/L")


def test_wrong_dimension_names_the_path():
    with pytest.raises(InputError, match="leach.acid.*wrong unit"):
        parse_quantity("12 kg", "leach.acid", "mol/L")


def test_bare_number_takes_expected_unit():
    assert parse_quantity("2", "leach.acid", "mol/L").to("mol/L").magnitude == 2.0
