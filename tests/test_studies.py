"""The study scripts: each runs in its fast form, writes its figure (PNG, SVG), caption and CSV
tables, and the tables have the expected columns with finite values. Also the ``redmud study``
command (names, errors) and the stacked cost split summing to the levelised cost."""

import numpy as np
import pandas as pd
import pytest

from redmud.commands.study import load_study, run_studies, study_names

EXPECTED = {"route-comparison", "refinery-comparison", "red-mud-vs-mined-ore", "element-flows", "sensitivity",
            "uncertainty", "breakeven-map", "export-controls", "jurisdiction", "supply-potential", "cost-footprint"}


def test_every_issue_study_is_present():
    assert EXPECTED <= set(study_names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_study_fast(name, tmp_path):
    module = load_study(name)
    paths = [p for p in module.main(tmp_path, fast=True)]
    stem = module.NAME
    for suffix in (".png", ".svg", ".txt"):
        path = tmp_path / f"{stem}{suffix}"
        assert path.exists() and path.stat().st_size > 0, path
    assert (tmp_path / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    caption = (tmp_path / f"{stem}.txt").read_text()
    assert "redmud" in caption or "data" in caption.lower()       # names its data sources
    for suffix, columns in module.FINITE_COLUMNS.items():
        csv = tmp_path / f"{stem}{'-' + suffix if suffix else ''}.csv"
        assert csv in paths and csv.exists(), csv
        table = pd.read_csv(csv)
        assert len(table) > 0
        missing = set(columns) - set(table.columns)
        assert not missing, f"{csv.name} lacks {missing}"
        values = table[columns].to_numpy(dtype=float)
        assert np.isfinite(values).all(), f"{csv.name}: non-finite values in {columns}"


def test_cost_stack_sums_to_levelised_cost():
    import redmud
    from redmud.report import COST_ITEMS, cost_stack

    result = redmud.run("hcl-leach-sx", "greece-aog", {"plant.capacity": [5e4, 2e5]})
    for product in ("basket", "scandium_oxide", "mixed_reo"):
        stack = cost_stack(result, product)
        assert set(stack) == set(COST_ITEMS)
        total = sum(stack.values())
        np.testing.assert_allclose(total, result.extra["levelized_cost_usd_per_kg"][product], rtol=1e-12)
        assert np.all(stack["capital charge"] > 0)       # capital is a cost, not a remainder gone negative


def test_study_command_unknown_name_is_one_clear_line(tmp_path, capsys):
    from redmud.cli import main

    assert main(["study", "no-such-study", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-study" in err and "route-comparison" in err
    assert not any(tmp_path.iterdir())


def test_study_command_output_must_be_a_folder(tmp_path, capsys):
    from redmud.cli import main

    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["study", "element-flows", "-o", str(target)]) == 2


def test_run_studies_writes_into_folder(tmp_path):
    written = run_studies(["element-flows"], tmp_path / "new", fast=True)
    assert (tmp_path / "new" / "element-flows.png") in written["element-flows"]
