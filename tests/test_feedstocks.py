import numpy as np
import pytest

from redmud.chemistry import oxide_factor
from redmud.errors import InputError
from redmud.feedstocks import list_feedstocks, load_feedstock
from redmud.streams import COMPONENT_INDEX
from tests.conftest import MINIMAL_FEEDSTOCK


def test_minimal_feedstock_mass_fractions_close_to_one(write_feedstock):
    f = load_feedstock(write_feedstock())
    fractions = f.mass_fractions()
    assert fractions.sum() == pytest.approx(1.0, rel=1e-12)
    # Fe2O3 40 wt% -> Fe 0.40/1.4297 = 0.27977
    assert fractions[COMPONENT_INDEX["Fe"], 0] == pytest.approx(0.40 / oxide_factor("Fe2O3"))
    # dry total: 0.01 wt% Sc as Sc2O3 (x1.5338) + 40 + 15 + LOI 10
    assert f.dry_total_wt_percent() == pytest.approx(65 + 0.01 * oxide_factor("Sc2O3"))


def test_override_moves_element_and_its_oxygen(write_feedstock):
    f = load_feedstock(write_feedstock())
    fractions = f.mass_fractions({"Sc": np.array([100e-6, 200e-6])})
    assert fractions[COMPONENT_INDEX["Sc"]].tolist() == pytest.approx([100e-6, 200e-6])
    assert np.allclose(fractions.sum(axis=0), 1.0, rtol=1e-12)


def test_stream_carries_moisture_as_water(write_feedstock):
    text = MINIMAL_FEEDSTOCK.format(name="wet") + '\n[moisture]\nvalue = 20\nunit = "wt%"\nsource = "s1"\nevidence = "typical"\n'
    f = load_feedstock(write_feedstock(text, "wet"))
    s = f.stream(100.0)
    # 20 wt% moisture on a wet basis: water = 100 * 0.2/0.8 = 25 kg/h
    assert s.total("aqueous")[0] == pytest.approx(25.0)
    assert s.total("solid")[0] == pytest.approx(100.0)


BAD = [
    ("Sc = { value = 12, unit = \"kg\", source = \"s1\", evidence = \"measured\" }", "not a mass fraction"),
    ("Sc = { value = -12, unit = \"ppm\", source = \"s1\", evidence = \"measured\" }", "expected a value >= 0"),
    ("Sc = { value = nan, unit = \"ppm\", source = \"s1\", evidence = \"measured\" }", "finite"),
    ("Sc = { value = inf, unit = \"ppm\", source = \"s1\", evidence = \"measured\" }", "finite"),
    ("Xq = { value = 12, unit = \"ppm\", source = \"s1\", evidence = \"measured\" }", "unknown element or oxide 'Xq'"),
    ("Sc2O4 = { value = 12, unit = \"ppm\", source = \"s1\", evidence = \"measured\" }", "did you mean 'Sc2O3'"),
    ("Sc = { value = 12, unit = \"ppm\", evidence = \"measured\" }", "missing field 'source'"),
    ("Sc = { value = 12, unit = \"ppm\", source = \"nope\", evidence = \"measured\" }", "unknown source 'nope'"),
    ("Sc = { value = 12, unit = \"ppm\", source = \"s1\", evidence = \"guess\" }", "unknown evidence level"),
    ("Sc = { value = 12, unit = \"ppmm\", source = \"s1\", evidence = \"measured\" }", "unknown unit"),
    ("Sc = { value = 12, unit = \"ppm\", source = \"s1\", evidence = \"measured\", colour = 1 }", "unknown field 'colour'"),
    ("SiO2 = { value = 40, unit = \"wt%\", source = \"s1\", evidence = \"measured\" }", "dry total including LOI is 105"),
    ("Sc2O3 = { value = 12, unit = \"ppm\", source = \"s1\", evidence = \"measured\" }", "Sc is given twice"),
    ("Ce = { value = 12, unit = \"ppm\", source = \"s1\", evidence = \"derived\" }", "needs a 'derivation'"),
]


@pytest.mark.parametrize("line, message", BAD)
def test_bad_records_give_one_clear_line(write_feedstock, line, message):
    text = MINIMAL_FEEDSTOCK.format(name="bad").replace(
        'Sc = { value = 100, unit = "ppm", source = "s1", evidence = "measured" }\n', "") + line + "\n"
    if "Sc" not in line.split("=")[0] and "given twice" not in message:
        text += 'Sc = { value = 100, unit = "ppm", source = "s1", evidence = "measured" }\n'
    if "given twice" in message:
        text += 'Sc = { value = 100, unit = "ppm", source = "s1", evidence = "measured" }\n'
    path = write_feedstock(text, "bad")
    with pytest.raises(InputError, match=message) as err:
        load_feedstock(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_total_between_100_and_102_warns_and_normalises(write_feedstock, caplog):
    text = MINIMAL_FEEDSTOCK.format(name="high") + 'SiO2 = { value = 36, unit = "wt%", source = "s1", evidence = "measured" }\n'
    f = load_feedstock(write_feedstock(text, "high"))
    assert 100 < f.dry_total_wt_percent() < 102
    assert "above 100" in caplog.text
    assert f.mass_fractions().sum() == pytest.approx(1.0)


def test_malformed_toml_and_unknown_name(write_feedstock):
    with pytest.raises(InputError, match="malformed TOML"):
        load_feedstock(write_feedstock("name = \n", "broken"))
    with pytest.raises(InputError, match="unknown feedstock"):
        load_feedstock("no-such-feedstock")


@pytest.mark.parametrize("name", list_feedstocks())
def test_every_library_feedstock_loads_with_sources(name):
    f = load_feedstock(name)
    assert f.records and f.sources
    assert 0 < f.dry_total_wt_percent() <= 102
    fractions = f.mass_fractions()
    assert (fractions >= 0).all() and fractions.sum() == pytest.approx(1.0, rel=1e-12)
