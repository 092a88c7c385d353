"""The HTML report: self-contained (every figure a data: image, no external URL), written
atomically, and rendered by headless Chromium when it is installed (required when
REDMUD_REQUIRE_BROWSER=1, as .ci/run sets it)."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from redmud.report import build_report


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    from redmud.report import write_report

    path = tmp_path_factory.mktemp("report") / "report.html"
    n = write_report(path, "hcl-leach-sx", "greece-aog")
    return path, n


def figure_sources(text: str) -> list[str]:
    return re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", text)


def test_report_is_self_contained(report_file):
    path, n = report_file
    text = path.read_text()
    sources = figure_sources(text)
    assert n == len(sources) >= 5
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    # no resource is fetched from anywhere: no src/href/url() pointing outside the page
    assert not re.search(r"\b(src|href)\s*=\s*[\"'](?!data:|#)", text)
    assert "url(" not in text and "<script" not in text and "<link" not in text
    for section in ("inputs", "flowsheet", "balance", "flows", "costs", "cashflow", "sensitivity", "comparison"):
        assert f"id='{section}'" in text
    assert f"content='{n}'" in text


def test_report_escapes_text():
    text = build_report("hcl-leach-sx", "greece-aog", sensitivity=False)
    body = text.split("<body>", 1)[1]
    assert not re.search(r"<td(?: class=\"n\")?><(?!/td>)", body)      # table cells hold escaped text only


def test_report_command_bad_input_leaves_no_file(tmp_path, capsys):
    from redmud.cli import main

    out = tmp_path / "r.html"
    assert main(["report", "hcl-leach-sx", "--feedstock", "no-such-feed", "-o", str(out)]) == 2
    assert not out.exists()
    assert main(["report", "hcl-leach-sx", "-o", str(tmp_path / "r.pdf")]) == 2
    assert main(["report", "hcl-leach-sx", "--set", "leach.temperature=hot", "-o", str(out)]) == 2
    assert not out.exists() and not list(tmp_path.iterdir())
    err = capsys.readouterr().err
    assert all(line.startswith("error:") for line in err.strip().splitlines())


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_headless_chromium(report_file, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("REDMUD_REQUIRE_BROWSER") == "1":
            pytest.fail("REDMUD_REQUIRE_BROWSER=1 but no chromium on PATH")
        pytest.skip("chromium not installed (set REDMUD_REQUIRE_BROWSER=1 to require it)")
    path, n = report_file
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]
    shot = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *flags, f"--user-data-dir={profile}", f"--screenshot={shot}",
                        "--window-size=1200,2400", path.as_uri()], capture_output=True, timeout=120, check=True)
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([browser, *flags, f"--user-data-dir={profile}", "--dump-dom", path.as_uri()],
                             capture_output=True, timeout=120, check=True, text=True).stdout
    rendered = figure_sources(dom)
    assert len(rendered) == n
    assert all(s.startswith("data:image/png;base64,") for s in rendered)
    assert "<svg" not in dom or dom.count("<svg") == 0      # figures are data: PNG here
    # the screenshot is not blank: many distinct colours
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    flat = (pixels[..., :3] * 255).astype(int).reshape(-1, 3)
    assert len({tuple(p) for p in flat[:: max(1, len(flat) // 20000)]}) > 20
    assert flat.std() > 10
