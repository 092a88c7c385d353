"""The command line: exit codes, one-line errors, JSON validity (in-process and by subprocess)."""

import json
import subprocess
import sys

import pytest

from redmud.cli import main
from redmud.feedstocks import list_feedstocks


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_through_python_m():
    proc = subprocess.run([sys.executable, "-m", "redmud", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("redmud ")


def test_bad_feedstock_file_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [\n")
    proc = subprocess.run([sys.executable, "-m", "redmud", "feedstock", "show", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and str(bad) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unknown_feedstock_name_suggests(capsys):
    code, out, err = run_cli(capsys, "feedstock", "show", "greece-aogg")
    assert code == 2 and "unknown feedstock 'greece-aogg'" in err and out == ""


def test_unknown_command_is_one_line_exit_2(capsys):
    code, out, err = run_cli(capsys, "frobnicate")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_user_feedstock_file_json(capsys, write_feedstock):
    path = write_feedstock()
    code, out, err = run_cli(capsys, "feedstock", "show", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)
    sc = data["feedstock"]["composition"]["Sc"]
    assert sc["element_ppm"] == pytest.approx(100) and sc["oxide"] == "Sc2O3"
    assert sc["evidence"] == "measured"
    assert {"redmud_version", "command", "utc_time", "data_files"} <= set(data["metadata"])


@pytest.mark.skipif("greece-aog" not in list_feedstocks(), reason="feedstock library not present")
def test_list_and_show_default_feedstock(capsys):
    code, out, err = run_cli(capsys, "list", "feedstocks", "--json")
    assert code == 0, err
    listed = json.loads(out)["feedstocks"]
    kinds = [f["kind"] for f in listed]
    assert kinds.count("red-mud") >= 5 and "coal-refuse" in kinds
    assert sum(k in ("ore", "concentrate") for k in kinds) >= 3
    code, out, err = run_cli(capsys, "feedstock", "show", "greece-aog", "--json")
    comp = json.loads(out)["feedstock"]["composition"]
    for element in ("Sc", "Y", "La", "Ce", "Nd"):
        assert comp[element]["element_ppm"] > 0 and comp[element]["oxide_ppm"] > comp[element]["element_ppm"]


def test_import_is_light():
    code = ("import sys, time; t=time.perf_counter(); import redmud; dt=time.perf_counter()-t; "
            "heavy=[m for m in ('pandas','matplotlib','dask','scipy.optimize','scipy.stats','pint') if m in sys.modules];"
            "print(dt, heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, heavy = proc.stdout.split(" ", 1)
    assert heavy.strip() == "[]"


def test_no_eval_exec_or_pickle_of_input():
    import pathlib
    import re
    package = pathlib.Path(__file__).resolve().parent.parent / "redmud"
    pattern = re.compile(r"\b(eval|exec)\(|pickle\.loads?\(|yaml\.load\(")
    offenders = [f"{p}:{i}" for p in package.rglob("*.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []
