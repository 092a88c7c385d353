"""Shared fixtures and the hypothesis profiles (``ci`` by default; ``fuzz`` on demand)."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent

MINIMAL_FEEDSTOCK = """\
name = "{name}"
title = "A test residue"
kind = "red-mud"

[sources.s1]
citation = "Test source (2024)"

[composition]
Sc = {{ value = 100, unit = "ppm", source = "s1", evidence = "measured" }}
Fe2O3 = {{ value = 40, unit = "wt%", source = "s1", evidence = "measured" }}
Al2O3 = {{ value = 15, unit = "wt%", source = "s1", evidence = "measured" }}
LOI = {{ value = 10, unit = "wt%", source = "s1", evidence = "measured" }}
"""


@pytest.fixture
def write_feedstock(tmp_path):
    """Write a feedstock TOML (the minimal one, or given text) and return its path."""

    def write(text=None, name="test-residue"):
        path = tmp_path / f"{name}.toml"
        path.write_text(text if text is not None else MINIMAL_FEEDSTOCK.format(name=name))
        return path

    return write
