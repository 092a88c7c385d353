"""``redmud list parameters``, ``sensitivity``, ``plot`` and the Dask backend, through cli.main."""

import json
import socket
import time

import numpy as np
import pandas as pd
import pytest

from redmud.cli import main

ROUTE = "h2so4-leach-sx"      # a quick route; the default route runs the same code


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_parameters_text_and_json(capsys):
    code, out, _ = run_cli(capsys, "list", "parameters")
    assert code == 0 and "plant.capacity" in out and "finance.discount_rate" in out
    code, out, _ = run_cli(capsys, "list", "parameters", "--route", "hcl-leach-sx", "--json")
    rows = {r["path"]: r for r in json.loads(out)["parameters"]}
    assert code == 0 and "metadata" in json.loads(out)
    assert rows["leach.temperature"]["unit"] == "degC" and rows["leach.temperature"]["bounds"][0] == pytest.approx(0.0)
    assert rows["feed.Sc"]["unit"] == "ppm" and rows["feed.Sc"]["published_range"] == [70.0, 100.0]
    assert rows["price.Sc2O3"]["unit"] == "USD/kg" and rows["price.Sc2O3"]["source"]
    assert rows["leach.acid_type"]["choices"] == ["HCl", "H2SO4", "HNO3"]


def test_list_parameters_bad_route_is_one_line(capsys):
    code, out, err = run_cli(capsys, "list", "parameters", "--route", "hcl-leach-xs")
    assert code == 2 and out == "" and err.count("\n") == 1 and "hcl-leach-sx" in err


def test_tornado_table_with_units_and_csv(capsys, tmp_path):
    csv = tmp_path / "t.csv"
    code, out, _ = run_cli(capsys, "sensitivity", ROUTE, "-q", "--json", "--param", "leach.acid=2:6",
                           "--param", "price.Sc2O3=1000:3000", "--param", "feed.Sc",
                           "--metric", "npv_usd", "--metric", "recovery_Sc", "-o", str(csv))
    assert code == 0
    rows = json.loads(out)["rows"]
    by = {(r["metric"], r["parameter"]): r for r in rows}
    price = by[("npv_usd", "price.Sc2O3")]
    assert price["unit"] == "USD/kg" and price["metric_unit"] == "USD"
    assert price["metric_at_high"] > price["metric_at_low"]
    # a price moves no mass: the two samples differ only in rounding, since products over the
    # component axis (BLAS, einsum) round by a sample's place in the array (~1e-16 relative)
    recovery = by[("recovery_Sc", "price.Sc2O3")]
    assert abs(recovery["swing"]) <= 1e-12 * abs(recovery["metric_at_low"]) and recovery["metric_at_low"] > 0
    assert by[("npv_usd", "leach.acid")]["base"] == pytest.approx(5.0)  # the route file: 5 mol/L
    npv_rows = [r for r in rows if r["metric"] == "npv_usd"]
    assert [r["swing"] for r in npv_rows] == sorted((r["swing"] for r in npv_rows), reverse=True)
    table = pd.read_csv(csv)
    assert {"parameter", "unit", "low", "high", "metric_at_low", "metric_at_high"} <= set(table.columns)


@pytest.mark.parametrize("method, key", [("sobol", "total_order"), ("morris", "mu_star")])
def test_global_methods_rank_the_factors(capsys, method, key):
    # NPV is negative and its magnitude is mostly discounted operating cost: the discount rate
    # leads, the Sc2O3 price (revenue) follows, and QA/QC labor (a share of a small labor bill) is last
    code, out, _ = run_cli(capsys, "sensitivity", ROUTE, "-q", "--json", "--method", method, "-n", "4",
                           "--param", "price.Sc2O3=1000:3000", "--param", "finance.discount_rate=0.05:0.12",
                           "--param", "labor.qa_qc_fraction=0.05:0.15")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [r["parameter"] for r in rows] == ["finance.discount_rate", "price.Sc2O3", "labor.qa_qc_fraction"]
    assert all(np.isfinite(r[key]) for r in rows)
    assert rows[1]["unit"] == "USD/kg" and rows[1]["metric_unit"] == "USD"


@pytest.mark.parametrize("argv, message", [
    (["--method", "sobol", "-n", "6"], "power of two"),
    (["--metric", "npv"], "unknown metric 'npv'"),
    (["--param", "leach.acid=5:2"], "low < high"),
    (["--param", "leach.acid=1:99"], "documented bounds"),
    (["--param", "leach.acid=a:b"], "low:high"),
    (["--param", "leach.acid_type"], "choice"),
    (["--param", "leach.acd=1:2"], "did you mean 'leach.acid'"),
    (["--param", "leach.acid=2:3", "--set", "leach.acid=3mol/L"], "both in --set and in --param"),
])
def test_sensitivity_bad_input_is_one_line(capsys, tmp_path, argv, message):
    out_file = tmp_path / "t.csv"
    code, out, err = run_cli(capsys, "sensitivity", ROUTE, "-q", "-o", str(out_file), *argv)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1
    assert not out_file.exists()


def test_plots_of_sweeps_and_monte_carlo(capsys, tmp_path):
    png = b"\x89PNG"
    sweep1, sweep2, mc = tmp_path / "s1.parquet", tmp_path / "s2.parquet", tmp_path / "mc.parquet"
    assert main(["sweep", ROUTE, "-q", "-o", str(sweep1), "--grid", "price.Sc2O3=1000:3000:3"]) == 0
    assert main(["sweep", ROUTE, "-q", "-o", str(sweep2), "--grid", "price.Sc2O3=1000:3000:3",
                 "--grid", "leach.acid=3:5:2"]) == 0
    assert main(["mc", ROUTE, "-q", "-o", str(mc), "-n", "8", "--dist", "leach.acid=uniform(3,5)"]) == 0
    capsys.readouterr()
    for source, extra in [(sweep1, []), (sweep2, ["--z", "recovery_Sc"]), (sweep2, ["--y", "capex_usd"]),
                          (mc, ["--x", "capex_usd"])]:
        fig = tmp_path / f"{source.stem}{len(extra)}.png"
        code, out, err = run_cli(capsys, "plot", str(source), "-o", str(fig), *extra)
        assert code == 0, err
        assert fig.read_bytes()[:4] == png
    code, out, err = run_cli(capsys, "plot", str(sweep2), "-o", str(tmp_path / "x.jpg"))
    assert code == 2 and "figure format" in err
    code, out, err = run_cli(capsys, "plot", str(sweep1), "-o", str(tmp_path / "y.png"), "--y", "npv")
    assert code == 2 and "unknown metric" in err and not (tmp_path / "y.png").exists()
    code, out, err = run_cli(capsys, "sensitivity", "--from-mc", str(mc), "--json", "--metric", "capex_usd")
    rows = json.loads(out)["rows"]
    assert code == 0 and rows[0]["parameter"] == "leach.acid" and rows[0]["unit"] == "mol/L"
    assert rows[0]["spearman_rho"] > 0.9          # more acid, bigger tanks and acid service: monotone


def test_figure_functions_label_axes_with_units():
    from redmud.figures_analysis import axis_label, mc_histogram, sweep_contour, sweep_line

    x = np.array([1.0, 2.0, 3.0])
    line = sweep_line(x, {"a": x ** 2}, axis_label("leach.acid", "mol/L"), axis_label("npv_usd", "USD"))
    contour = sweep_contour(x, x, np.outer(x, x), axis_label("a", "mol/L"), axis_label("b", "degC"),
                            axis_label("irr", "1/year"))
    hist = mc_histogram(np.array([1.0, np.nan, 2.0, 3.0]), axis_label("capex_usd", "USD"))
    assert line.axes[0].get_xlabel() == "leach.acid [mol/L]" and line.axes[0].get_ylabel() == "npv_usd [USD]"
    assert contour.axes[0].get_ylabel() == "b [degC]" and contour.axes[1].get_ylabel() == "irr [1/year]"
    assert hist.axes[0].get_xlabel() == "capex_usd [USD]" and hist.axes[0].get_ylabel() == "samples [-]"
    assert axis_label("x", "dimensionless") == "x [-]"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_scheduler_is_one_line_after_bounded_wait(capsys, tmp_path):
    pytest.importorskip("dask.distributed")
    out_file = tmp_path / "o.parquet"
    start = time.perf_counter()
    code, out, err = run_cli(capsys, "mc", ROUTE, "-q", "-n", "4", "-o", str(out_file),
                             "--dist", "leach.acid=uniform(3,5)",
                             "--scheduler", f"tcp://127.0.0.1:{_closed_port()}", "--scheduler-timeout", "2")
    assert code == 2 and out == "" and err.count("\n") == 1 and "no Dask scheduler answered" in err
    assert time.perf_counter() - start < 15
    assert not out_file.exists() and not (tmp_path / "o.parquet.partial").exists()


def test_dask_local_cluster_equals_serial_bit_for_bit(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    argv = ["mc", ROUTE, "-q", "-n", "64", "--chunk-size", "32", "--seed", "11",
            "--dist", "leach.acid=uniform(2,6)", "--dist", "price.Sc2O3=triangular(800,1500,3000)"]
    serial = tmp_path / "serial.parquet"
    assert main([*argv, "-o", str(serial)]) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        on_dask = tmp_path / "dask.parquet"
        assert main([*argv, "-o", str(on_dask), "--scheduler", cluster.scheduler_address]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(serial), pd.read_parquet(on_dask), check_exact=True)


def test_a_warning_repeated_by_every_chunk_is_shown_once(capsys, tmp_path):
    # The default route has no price for TBP: every chunk's cost estimate warns about it.
    out = tmp_path / "mc.parquet"
    assert main(["mc", ROUTE, "-o", str(out), "-n", "4", "--chunk-size", "2"]) == 0
    err = capsys.readouterr().err
    assert err.count("no price for reagent TBP") == 1


def test_a_partial_run_of_another_model_is_not_resumed(capsys, tmp_path, monkeypatch):
    import redmud.commands.analyses as analyses
    from redmud.routes import route_path

    route = tmp_path / "route.toml"
    route.write_text(route_path(ROUTE).read_text())
    argv = ["mc", str(route), "-q", "-o", str(tmp_path / "mc.parquet"), "-n", "4", "--chunk-size", "2"]
    evaluate = analyses._ChunkEvaluator.__call__
    calls = []

    def interrupted_after_one_chunk(self, start, stop):
        calls.append(start)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return evaluate(self, start, stop)

    monkeypatch.setattr(analyses._ChunkEvaluator, "__call__", interrupted_after_one_chunk)
    assert main(argv) == 130 and (tmp_path / "mc.parquet.partial" / "chunk-000000.parquet").exists()
    monkeypatch.setattr(analyses._ChunkEvaluator, "__call__", evaluate)
    route.write_text(route.read_text().replace("availability = 0.9", "availability = 0.8"))
    capsys.readouterr()
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and "--restart" in err and len(err.strip().splitlines()) == 1
    assert run_cli(capsys, *argv, "--restart")[0] == 0


def test_a_process_without_log_handlers_shows_each_warning_once(capsys):
    # a Dask worker has no root handler: redmud's warnings would reach logging's last resort
    import logging
    from redmud.cli import show_each_message_once
    root = logging.getLogger()
    saved, level, disabled = root.handlers[:], root.level, logging.root.manager.disable
    root.handlers.clear()
    root.setLevel(logging.WARNING)          # a fresh process's default (other tests ran -q)
    logging.disable(logging.NOTSET)
    try:
        show_each_message_once()
        show_each_message_once()
        for _ in range(3):
            logging.getLogger("redmud.costing").warning("no price for reagent X")
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
        logging.disable(disabled)
    assert capsys.readouterr().err.count("WARNING: no price for reagent X") == 1
