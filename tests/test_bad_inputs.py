"""The bad-input corpus: every case ends in one line on stderr, exit code 2, and nothing written.

Each case is a command line (with the feedstock, route, config or price file it reads, written
from a valid one with one flaw). It must give exactly one line ``error: WHERE: WHAT`` on stderr
naming where the problem is and what was expected (and, for a misspelt name, the closest valid
one), exit code 2, no traceback, nothing on stdout, and no output file, ``.partial`` folder or
temporary file left in the output folder. The cases run in-process through
:func:`redmud.cli.main`; a few run as subprocesses to check the real exit code.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from redmud.cli import main
from tests.conftest import MINIMAL_FEEDSTOCK, ROOT

FEED = MINIMAL_FEEDSTOCK.format(name="feed")

#: A small valid route written here (not the library's), so that library edits cannot break it.
ROUTE = """\
name = "mini"
title = "A test route: leach, wash, hydroxide precipitation, calcination"
kind = "red-mud"
default_feedstock = "greece-aog"
references = ["Test reference (2024)"]
residues = ["leached_residue"]
effluents = ["barren"]
emissions = ["leach_offgas", "sc_offgas"]

[plant]
capacity = "100000 t/yr"
availability = 0.9

[[operations]]
id = "leach"
type = "leach"
inlets = { feed = "feed" }
outlets = { slurry = "leach_slurry", offgas = "leach_offgas" }
parameters = { acid_type = "H2SO4", acid = "1 mol/L", temperature = "60 degC" }

[[operations]]
id = "wash"
type = "ccd_wash"
inlets = { feed = "leach_slurry" }
outlets = { liquor = "pls", residue = "leached_residue" }
parameters = { stages = 3, wash_ratio = 1.5 }

[[operations]]
id = "precipitation"
type = "hydroxide_precipitation"
inlets = { feed = "pls" }
outlets = { precipitate = "sc_cake", liquor = "barren" }
parameters = { target_pH = 8.0, base = "NaOH", sc_coprecipitation = 0.0 }

[[operations]]
id = "calcine"
type = "calcination"
inlets = { feed = "sc_cake" }
outlets = { product = "sc_concentrate", offgas = "sc_offgas" }

[products]
concentrate = { stream = "sc_concentrate", product = "Sc2O3" }
"""

CONFIG = '[set]\n"leach.acid" = "3 mol/L"\n'
PRICES = '[baseline-2024]\nSc2O3 = { value = 1000, unit = "USD/kg", date = "2024-01", source = "test" }\n'
SWEEP = ["--grid", "plant.availability=0.8:0.9:2"]


def edit(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced once; fails loudly when the corpus no longer matches."""
    assert old in text, old
    return text.replace(old, new, 1)


@dataclass(frozen=True)
class Case:
    argv: tuple            # command line; {feed} {route} {config} {prices} {out} {dir} are filled in
    expect: tuple          # substrings the one error line must contain
    files: tuple = ()      # (placeholder, text or bytes) written to the test folder


def feed_case(text, *expect):
    """A flawed feedstock file, read by a sweep that must write nothing."""
    return Case(("sweep", "{route}", "--feedstock", "{feed}", "-o", "{out}", *SWEEP), ("feed.toml", *expect),
                (("feed", text), ("route", ROUTE)))


def route_case(text, *expect):
    """A flawed route file, read by a sweep that must write nothing."""
    return Case(("sweep", "{route}", "-o", "{out}", *SWEEP), ("route.toml", *expect), (("route", text),))


def run_case(*argv_and_expect):
    *argv, expect = argv_and_expect
    return Case(("run", "{route}", *argv), tuple(expect) if isinstance(expect, tuple) else (expect,),
                (("route", ROUTE),))


def sweep_case(grid, *expect, extra=()):
    return Case(("sweep", "{route}", "-o", "{out}", "--grid", grid, *extra), expect, (("route", ROUTE),))


def mc_case(dist, *expect, extra=()):
    return Case(("mc", "{route}", "-o", "{out}", "-n", "4", *(("--dist", dist) if dist else ()), *extra), expect,
                (("route", ROUTE),))


CASES = {
    # --- feedstock files ---------------------------------------------------------------------
    "feed-malformed-toml": feed_case(edit(FEED, 'kind = "red-mud"', 'kind = "red-mud'), "malformed TOML", "line 3"),
    "feed-missing-field": feed_case(edit(FEED, 'title = "A test residue"\n', ""), "missing field 'title'"),
    "feed-extra-field": feed_case("colour = 'red'\n" + FEED, "unknown field 'colour'", "did you mean 'country'"),
    "feed-extra-record-field": feed_case(edit(FEED, 'evidence = "measured" }\nFe2O3', 'evidence = "measured", colour = 1 }\nFe2O3'),
                                         "composition.Sc", "unknown field 'colour'"),
    "feed-unknown-element": feed_case(FEED + 'Xq = { value = 5, unit = "ppm", source = "s1", evidence = "measured" }\n',
                                      "composition.Xq", "unknown element or oxide 'Xq'", "expected one of"),
    "feed-unknown-oxide": feed_case(FEED + 'Sc2O5 = { value = 5, unit = "ppm", source = "s1", evidence = "measured" }\n',
                                    "composition.Sc2O5", "did you mean 'Sc2O3'"),
    "feed-wrong-unit-dimension": feed_case(edit(FEED, 'unit = "ppm"', 'unit = "mol/L"'),
                                           "composition.Sc.unit", "not a mass fraction", "ppm, wt%"),
    "feed-unit-typo": feed_case(edit(FEED, 'unit = "ppm"', 'unit = "ppn"'), "composition.Sc.unit", "did you mean 'ppm'"),
    "feed-negative": feed_case(edit(FEED, "value = 100", "value = -100"), "composition.Sc.value", "expected a value >= 0"),
    "feed-nan": feed_case(edit(FEED, "value = 100", "value = nan"), "composition.Sc.value", "finite"),
    "feed-infinite": feed_case(edit(FEED, "value = 100", "value = inf"), "composition.Sc.value", "finite"),
    "feed-value-as-text": feed_case(edit(FEED, "value = 100", 'value = "100"'), "composition.Sc.value", "expected a number"),
    "feed-over-102-with-loi": feed_case(edit(FEED, "LOI = { value = 10", "LOI = { value = 50"),
                                        "composition", "including LOI is 105.0 wt%", "at most 102 wt%"),
    "feed-one-value-over-100": feed_case(edit(FEED, "value = 40", "value = 140"), "composition.Fe2O3.value", "more than 100 wt%"),
    "feed-moisture-100": feed_case(edit(FEED, "[sources.s1]", 'moisture = { value = 100, unit = "wt%", source = "s1", '
                                                              'evidence = "measured" }\n\n[sources.s1]'),
                                   "moisture", "below 100 wt%"),
    "feed-low-above-high": feed_case(edit(FEED, 'evidence = "measured" }\nFe2O3', 'evidence = "measured", low = 200, high = 50 }\nFe2O3'),
                                     "composition.Sc", "low 200 is above high 50"),
    "feed-evidence-typo": feed_case(edit(FEED, 'evidence = "measured" }\nFe2O3', 'evidence = "measurd" }\nFe2O3'),
                                    "composition.Sc.evidence", "did you mean 'measured'"),
    "feed-kind-typo": feed_case(edit(FEED, 'kind = "red-mud"', 'kind = "redmud"'), "kind", "did you mean 'red-mud'"),
    "feed-unknown-source": feed_case(edit(FEED, 'source = "s1", evidence = "measured" }\nFe2O3', 'source = "s2", evidence = "measured" }\nFe2O3'),
                                     "composition.Sc.source", "unknown source 's2'"),
    "feed-mineral-typo": feed_case(FEED + '[mineralogy]\nhematit = { value = 5, unit = "wt%", source = "s1", evidence = "measured" }\n',
                                   "mineralogy", "did you mean 'hematite'"),
    "feed-not-utf8": feed_case(b"\xff\xfe\x00 not text", "not a UTF-8 text file"),
    "feed-name-typo": Case(("sweep", "{route}", "--feedstock", "greece-aogg", "-o", "{out}", *SWEEP),
                           ("--feedstock", "unknown feedstock 'greece-aogg'", "did you mean 'greece-aog'"), (("route", ROUTE),)),
    "feed-file-missing": Case(("sweep", "{route}", "--feedstock", "{dir}/nowhere.toml", "-o", "{out}", *SWEEP),
                              ("nowhere.toml", "file not found"), (("route", ROUTE),)),
    # --- route files ---------------------------------------------------------------------------
    "route-malformed-toml": route_case(edit(ROUTE, 'kind = "red-mud"', "kind = red-mud"), "malformed TOML"),
    "route-missing-field": route_case(edit(ROUTE, '[plant]\ncapacity = "100000 t/yr"\navailability = 0.9\n', ""),
                                      "missing field 'plant'"),
    "route-extra-field": route_case(edit(ROUTE, 'id = "wash"', 'id = "wash"\ncolour = "red"'),
                                    "operations[1]", "unknown field 'colour'"),
    "route-unknown-operation": route_case(edit(ROUTE, '"ccd_wash"', '"ccd_wahs"'),
                                          "operations.wash.type", "did you mean 'ccd_wash'"),
    "route-unknown-parameter": route_case(edit(ROUTE, "stages = 3", "stagse = 3"),
                                          "operations.wash.parameters", "did you mean 'stages'"),
    "route-zero-capacity": route_case(edit(ROUTE, '"100000 t/yr"', '"0 t/yr"'), "plant.capacity", "within [1, 1e+08]"),
    "route-negative-capacity": route_case(edit(ROUTE, '"100000 t/yr"', '"-5 t/yr"'), "plant.capacity", "within [1, 1e+08]"),
    "route-capacity-wrong-dimension": route_case(edit(ROUTE, '"100000 t/yr"', '"100000 t"'),
                                                 "plant.capacity", "wrong unit", "tonne/year"),
    "route-capacity-unit-typo": route_case(edit(ROUTE, '"100000 t/yr"', '"100000 tt/yr"'),
                                           "plant.capacity", "unknown unit 'tt'", "did you mean 't'"),
    "route-capacity-nan": route_case(edit(ROUTE, '"100000 t/yr"', "nan"), "plant.capacity", "finite"),
    "route-capacity-infinite": route_case(edit(ROUTE, '"100000 t/yr"', '"inf t/yr"'), "plant.capacity", "finite"),
    "route-capacity-array": route_case(edit(ROUTE, '"100000 t/yr"', "[1e5, 2e5]"), "plant.capacity", "expected a number"),
    "route-availability-above-1": route_case(edit(ROUTE, "availability = 0.9", "availability = 1.5"),
                                             "plant.availability", "within [0.05, 1]"),
    "route-fraction-negative": route_case(edit(ROUTE, "sc_coprecipitation = 0.0", "sc_coprecipitation = -0.1"),
                                          "parameters.sc_coprecipitation", "within [0, "),
    "route-zero-stages": route_case(edit(ROUTE, "stages = 3", "stages = 0"), "wash.parameters.stages", "whole number >= 1"),
    "route-fractional-stages": route_case(edit(ROUTE, "stages = 3", "stages = 2.5"), "wash.parameters.stages", "whole number"),
    "route-temperature-wrong-dimension": route_case(edit(ROUTE, '"60 degC"', '"60 kg"'),
                                                    "leach.parameters.temperature", "wrong unit"),
    "route-choice-typo": route_case(edit(ROUTE, 'acid_type = "H2SO4"', 'acid_type = "H2SO5"'),
                                    "leach.parameters.acid_type", "did you mean 'H2SO4'"),
    "route-unknown-stream": route_case(edit(ROUTE, 'inlets = { feed = "pls" }', 'inlets = { feed = "plss" }'),
                                       "operations.precipitation.inlets.feed", "stream 'plss' is not"),
    "route-stream-wired-to-nothing": route_case(edit(ROUTE, 'emissions = ["leach_offgas", "sc_offgas"]', 'emissions = ["leach_offgas"]'),
                                                "operations.calcine", "'sc_offgas' is wired to nothing"),
    "route-unknown-product": route_case(edit(ROUTE, 'product = "Sc2O3"', 'product = "Sc2O5"'),
                                        "products.concentrate.product", "did you mean 'Sc2O3'"),
    "route-duplicate-operation-id": route_case(edit(ROUTE, 'id = "wash"', 'id = "leach"'), "operations.leach", "used twice"),
    "route-parameters-not-a-table": route_case(edit(ROUTE, "parameters = { stages = 3, wash_ratio = 1.5 }", "parameters = 5"),
                                               "operations.wash.parameters", "expected a table"),
    "route-default-feedstock-typo": route_case(edit(ROUTE, 'default_feedstock = "greece-aog"', 'default_feedstock = "greece-aogg"'),
                                               "default_feedstock", "did you mean 'greece-aog'"),
    "route-residues-not-a-list": route_case(edit(ROUTE, 'residues = ["leached_residue"]', 'residues = "leached_residue"'),
                                            "residues", "expected an array of strings"),
    "route-name-typo": Case(("sweep", "hcl-leach-sxx", "-o", "{out}", *SWEEP), ("route", "did you mean 'hcl-leach-sx'")),
    "route-file-missing": Case(("sweep", "{dir}/nowhere.toml", "-o", "{out}", *SWEEP), ("nowhere.toml", "file not found")),
    # --- --set strings -----------------------------------------------------------------------
    "set-unknown-path": run_case("--set", "leach.acidd=3 mol/L", ("leach.acidd", "did you mean 'leach.acid'")),
    "set-wrong-dimension": run_case("--set", "leach.acid=3 kg", ("leach.acid", "wrong unit", "mol/L")),
    "set-unit-typo": run_case("--set", "leach.acid=3 mol/LL", ("leach.acid", "unknown unit 'LL'", "did you mean 'L'")),
    "set-unit-case-typo": run_case("--set", "leach.temperature=80 degc", ("leach.temperature", "did you mean 'degC'")),
    "set-nan": run_case("--set", "leach.acid=nan mol/L", ("leach.acid", "finite")),
    "set-infinite": run_case("--set", "leach.acid=inf mol/L", ("leach.acid", "finite")),
    "set-overflow": run_case("--set", "leach.acid=1e999 mol/L", ("leach.acid", "finite")),
    "set-negative": run_case("--set", "leach.acid=-1 mol/L", ("leach.acid", "within [0, 24] mol/L", "'-1 mol/L'")),
    "set-zero-capacity": run_case("--set", "plant.capacity=0 t/yr", ("plant.capacity", "within [1, 1e+08]")),
    "set-negative-capacity": run_case("--set", "plant.capacity=-1000 t/yr", ("plant.capacity", "within [1, 1e+08]")),
    "set-fraction-above-1": run_case("--set", "plant.availability=1.2", ("plant.availability", "within [0.05, 1]")),
    "set-zero-stages": run_case("--set", "wash.stages=0", ("wash.stages", "whole number >= 1")),
    "set-feed-over-100": run_case("--set", "feed.Fe=60 wt%", ("feed.Fe", "at most 100 wt%")),
    "set-unknown-element": run_case("--set", "feed.Xq=5 ppm", ("feed.Xq", "unknown parameter path")),
    "set-negative-price": run_case("--set", "price.Sc2O3=-1 USD/kg", ("price.Sc2O3", "within [0,")),
    "set-choice-typo": run_case("--set", "finance.convention=qgesss", ("finance.convention", "did you mean 'qgess'")),
    "set-no-equals": run_case("--set", "leach.acid", ("--set", "expected PATH=VALUE")),
    "set-code-is-text": run_case("--set", "leach.acid=__import__('os')", ("leach.acid", "cannot read")),
    # --- --config files ------------------------------------------------------------------------
    "config-missing": run_case("--config", "{dir}/nowhere.toml", ("nowhere.toml", "file not found")),
    "config-malformed": Case(("run", "{route}", "--config", "{config}"), ("config.toml", "malformed TOML"),
                             (("route", ROUTE), ("config", "[set\n"))),
    "config-wrong-table": Case(("run", "{route}", "--config", "{config}"), ("config.toml", "a single [set] table", "[sett]"),
                               (("route", ROUTE), ("config", CONFIG.replace("[set]", "[sett]")))),
    "config-array-value": Case(("run", "{route}", "--config", "{config}"), ("config.toml: set.leach.acid", "expected a number"),
                               (("route", ROUTE), ("config", '[set]\n"leach.acid" = [1, 2]\n'))),
    "config-unknown-path": Case(("run", "{route}", "--config", "{config}"), ("leach.acidd", "did you mean 'leach.acid'"),
                                (("route", ROUTE), ("config", '[set]\nleach.acidd = 3\n'))),
    # --- data files (a price file of one's own) ------------------------------------------------
    "prices-bad-value": Case(("costs", "show", "{route}", "--prices", "{prices}"), ("prices.toml", "Sc2O3.value", "expected a number"),
                             (("route", ROUTE), ("prices", PRICES.replace("value = 1000", 'value = "abc"')))),
    "prices-unit-typo": Case(("costs", "show", "{route}", "--prices", "{prices}"), ("prices.toml", "Sc2O3.unit", "did you mean 'kg'"),
                             (("route", ROUTE), ("prices", PRICES.replace("USD/kg", "USD/kgg")))),
    "prices-wrong-dimension": Case(("costs", "show", "{route}", "--prices", "{prices}"), ("prices.toml", "Sc2O3.unit", "wrong unit"),
                                   (("route", ROUTE), ("prices", PRICES.replace("USD/kg", "USD/L")))),
    "prices-negative": Case(("costs", "show", "{route}", "--prices", "{prices}"), ("prices.toml", "Sc2O3.value", ">= 0"),
                            (("route", ROUTE), ("prices", PRICES.replace("value = 1000", "value = -5")))),
    # --- --grid strings ------------------------------------------------------------------------
    "grid-zero-points": sweep_case("leach.acid=1:3:0", "--grid leach.acid", "whole number >= 1"),
    "grid-two-parts": sweep_case("leach.acid=1:3", "--grid leach.acid", "start:stop:n"),
    "grid-not-numbers": sweep_case("leach.acid=a:3:2", "--grid leach.acid", "start:stop:n"),
    "grid-nan": sweep_case("leach.acid=nan:3:2", "--grid leach.acid", "plain numbers"),
    "grid-unknown-path": sweep_case("leach.acidd=1:3:2", "leach.acidd", "did you mean 'leach.acid'"),
    "grid-a-choice": sweep_case("leach.acid_type=1:3:2", "leach.acid_type", "cannot be swept"),
    "grid-and-set": sweep_case("leach.acid=1:3:2", "leach.acid", "both in --set and in --grid", extra=("--set", "leach.acid=2")),
    "grid-outside-bounds": sweep_case("leach.acid=1:30:2", "leach.acid", "within [0, 24] mol/L"),
    "grid-fractional-stages": sweep_case("wash.stages=1:3:4", "wash.stages", "whole number"),
    "grid-infinite-points": sweep_case("leach.acid=1:3:1e999", "--grid leach.acid", "whole number"),
    "grid-too-many-points": sweep_case("leach.acid=1:3:1e12", "--grid leach.acid"),
    # --- --dist strings -------------------------------------------------------------------------
    "dist-lower-above-upper": mc_case("leach.acid=uniform(3,1)", "--dist leach.acid", "lower bound 3 must be below upper bound 1"),
    "dist-unknown-name": mc_case("leach.acid=unifrom(1,3)", "--dist leach.acid", "did you mean 'uniform'"),
    "dist-argument-count": mc_case("leach.acid=uniform(1)", "--dist leach.acid", "takes 2 arguments"),
    "dist-unbalanced": mc_case("leach.acid=uniform(1,3", "--dist leach.acid", "NAME(a, b, ...)"),
    "dist-negative-sd": mc_case("leach.acid=normal(3,-1)", "--dist leach.acid", "standard deviation must be positive"),
    "dist-nan": mc_case("leach.acid=uniform(nan,3)", "--dist leach.acid", "plain numbers"),
    "dist-outside-bounds": mc_case("leach.acid=uniform(20,30)", "leach.acid", "within [0, 24] mol/L"),
    "dist-infinite-argument": mc_case("leach.acid=triangular(1,1,1e999)", "leach.acid", "finite"),
    "dist-path-twice": mc_case("leach.acid=uniform(1,3)", "--dist", "twice", extra=("--dist", "leach.acid=uniform(1,2)")),
    "dist-zero-samples": mc_case("leach.acid=uniform(1,3)", "-n", "at least 1", extra=("-n", "0")),
    # --- command-line arguments and output paths ------------------------------------------------
    "output-folder-missing": Case(("sweep", "{route}", "-o", "{dir}/missing/out.parquet", *SWEEP),
                                  ("missing/out.parquet", "does not exist"), (("route", ROUTE),)),
    "output-under-a-file": Case(("sweep", "{route}", "-o", "{dir}/route.toml/out.parquet", *SWEEP),
                                ("route.toml/out.parquet",), (("route", ROUTE),)),
    "output-is-a-folder": Case(("sweep", "{route}", "-o", "{dir}", *SWEEP), ("is a folder",), (("route", ROUTE),)),
    "cli-unknown-command": Case(("frobnicate",), ("invalid choice: 'frobnicate'",)),
    "cli-unknown-option": Case(("run", "--bogus"), ("unrecognized arguments: --bogus",)),
    "cli-samples-not-a-number": Case(("mc", "-o", "{out}", "-n", "abc"), ("-n/--samples", "invalid int value")),
    "cli-sampler-typo": Case(("mc", "-o", "{out}", "--sampler", "halton"), ("--sampler", "invalid choice")),
    "cli-chunk-size-zero": mc_case("leach.acid=uniform(1,3)", "--chunk-size", extra=("--chunk-size", "0")),
    "cli-feedstock-is-a-folder": Case(("feedstock", "show", "{dir}"), ("is a folder",)),
}


#: Cases that fail today in files this suite does not own; each reason names the file and line.
KNOWN_BUGS: dict[str, str] = {}


def materialise(case: Case, folder: Path) -> list[str]:
    names = {"out": str(folder / "out.parquet"), "dir": str(folder)}
    for placeholder, text in case.files:
        path = folder / f"{placeholder}.toml"
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
        names[placeholder] = str(path)
    return [arg.format(**names) for arg in case.argv]


def assert_clean_failure(code, out, err, expect, folder: Path, before: set):
    lines = err.strip().splitlines()
    assert code == 2, (code, err)
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for text in expect:
        assert text in lines[0], (text, lines[0])
    assert out == ""
    left = {p.name for p in folder.iterdir()} - before
    assert not left, f"left behind: {sorted(left)}"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(name, tmp_path, capsys, request):
    if name in KNOWN_BUGS:
        request.applymarker(pytest.mark.xfail(strict=False, reason=KNOWN_BUGS[name]))
    case = CASES[name]
    argv = materialise(case, tmp_path)
    before = {p.name for p in tmp_path.iterdir()}
    code = main(argv)
    out, err = capsys.readouterr()
    assert_clean_failure(code, out, err, case.expect, tmp_path, before)


def test_output_folder_without_write_permission(tmp_path, capsys):
    """A read-only folder. As root, mode bits do not stop writes: skip when root can still write."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (tmp_path / "route.toml").write_text(ROUTE)
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user can write to a folder with mode 0500 (root)")
        code = main(["sweep", str(tmp_path / "route.toml"), "-o", str(folder / "out.parquet"), *SWEEP])
        out, err = capsys.readouterr()
        assert_clean_failure(code, out, err, ("not writable",), folder, set())
    finally:
        folder.chmod(0o700)


def test_scheduler_that_does_not_answer_fails_after_a_bounded_wait(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    (tmp_path / "route.toml").write_text(ROUTE)
    before = {p.name for p in tmp_path.iterdir()}
    start = time.perf_counter()
    code = main(["sweep", str(tmp_path / "route.toml"), "-o", str(tmp_path / "out.parquet"), *SWEEP,
                 "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1"])
    out, err = capsys.readouterr()
    assert_clean_failure(code, out, err, ("--scheduler", "127.0.0.1:9"), tmp_path, before)
    assert time.perf_counter() - start < 30


# --- the real exit code, through a subprocess -------------------------------------------------

def redmud_process(*argv, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "redmud", *argv], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def run_redmud(*argv):
    proc = redmud_process(*argv)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.mark.parametrize("name", ["set-unit-typo", "route-zero-capacity", "dist-lower-above-upper",
                                  "output-under-a-file", "cli-unknown-option"])
def test_exit_code_2_in_a_subprocess(name, tmp_path):
    case = CASES[name]
    argv = materialise(case, tmp_path)
    before = {p.name for p in tmp_path.iterdir()}
    code, out, err = run_redmud(*argv)
    assert_clean_failure(code, out, err, case.expect, tmp_path, before)


# --- no lost work: two runs on one output -----------------------------------------------------

MC = ("mc", "h2so4-leach-sx", "-n", "40", "--dist", "leach.acid=uniform(2,6)", "-q")
CHUNKS = ("--chunk-size", "8")          # five chunks: long enough for a second run to meet the first


def _wait_for_chunk(partial: Path, proc, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if partial.is_dir() and any(partial.glob("chunk-*.parquet")):
            return
        time.sleep(0.02)


@pytest.fixture(scope="module")
def reference_mc(tmp_path_factory):
    """The table of one undisturbed run (in-process, one chunk: the samples do not depend on it)."""
    import pandas as pd
    path = tmp_path_factory.mktemp("reference") / "mc.parquet"
    assert main([*MC, "--chunk-size", "40", "-o", str(path)]) == 0
    return pd.read_parquet(path)


def test_two_runs_on_one_output_do_not_corrupt_it(tmp_path, reference_mc):
    """The second run fails cleanly (exit 2, the lock) or waits its turn; the file is whole."""
    import pandas as pd
    out = tmp_path / "mc.parquet"
    first = redmud_process(*MC, *CHUNKS, "-o", str(out))
    _wait_for_chunk(tmp_path / "mc.parquet.partial", first)
    second = redmud_process(*MC, *CHUNKS, "-o", str(out))
    (_, err1), (_, err2) = first.communicate(timeout=300), second.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode in (0, 2), err2
    if second.returncode == 2:
        assert len(err2.strip().splitlines()) == 1 and "Traceback" not in err2
    pd.testing.assert_frame_equal(pd.read_parquet(out), reference_mc)
    assert not (tmp_path / "mc.parquet.partial").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_restart_does_not_take_over_a_live_run(tmp_path, reference_mc):
    import pandas as pd
    out = tmp_path / "mc.parquet"
    first = redmud_process(*MC, *CHUNKS, "-o", str(out))
    _wait_for_chunk(tmp_path / "mc.parquet.partial", first)
    # paused, the first run holds its lock however fast its remaining chunks would have gone
    first.send_signal(signal.SIGSTOP)
    try:
        second = redmud_process(*MC, *CHUNKS, "--seed", "5", "--restart", "-o", str(out))
        _, err2 = second.communicate(timeout=300)
    finally:
        first.send_signal(signal.SIGCONT)
    _, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    pd.testing.assert_frame_equal(pd.read_parquet(out), reference_mc)
    assert second.returncode == 2 and "another run" in err2, err2


# --- random text into every parser: an InputError or a value, never anything else --------------

from hypothesis import given, strategies as st  # noqa: E402

UNIT_WORDS = st.sampled_from(["", " ", "mol/L", "degC", "wt%", "ppm", "t/yr", "kg", "USD/kg", "%", "(", ")", "/",
                              "*", "**", "^", "e", "nan", "inf", "-", "+", ".", ",", ":", "=", "1e999", "__", "'"])
TEXT = st.one_of(st.text(max_size=24), st.lists(st.one_of(UNIT_WORDS, st.integers(-5, 5).map(str)),
                                                max_size=6).map("".join))


@given(text=TEXT)
def test_parameter_text_is_a_value_or_one_input_error(text):
    from redmud.errors import InputError
    from redmud.routes import PLANT_PARAMETERS
    from redmud.operations.base import Param
    params = [PLANT_PARAMETERS["capacity"], Param("K", 300.0, "temperature", "test", bounds=(273.15, 543.15)),
              Param("dimensionless", 1, "stages", "test", bounds=(1, 30), kind="integer")]
    for param in params:
        try:
            value = param.parse(text, "test.path")
        except InputError as err:
            assert "\n" not in str(err) and str(err).startswith("test.path: ")
        else:
            assert np.all(np.isfinite(value))


@given(text=TEXT)
def test_grid_and_distribution_text_is_a_value_or_one_input_error(text):
    from redmud.analysis.distributions import parse_distribution, parse_grid
    from redmud.errors import InputError
    for parse, spec in ((parse_grid, text), (parse_distribution, text), (parse_distribution, f"uniform({text})"),
                        (parse_grid, f"1:{text}:3")):
        try:
            parse("leach.acid", spec)
        except InputError as err:
            assert "\n" not in str(err)


# --- safety of inputs: nothing a user writes is run as code ---------------------------------------

def test_no_code_execution_or_unsafe_deserialisation_in_the_package():
    """No eval/exec/compile, pickle/marshal/yaml.load, shell=True or os.system in redmud/.

    (tests/test_cli.py greps for eval/exec/pickle.load; this adds the other doors.) Study scripts
    are imported by ``redmud study`` only from the project's studies/ folder by a checked name.
    """
    import re
    pattern = re.compile(r"\b(eval|exec)\(|(?<![.\w])compile\(|\bpickle\.|\bmarshal\.|\bshelve\.|yaml\.(unsafe_)?load\(|"
                         r"shell\s*=\s*True|os\.system\(|os\.popen\(|__import__\(")
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in sorted((ROOT / "redmud").rglob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []
