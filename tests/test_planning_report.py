"""Pictures: the PNG of a frontier, and the offline HTML report rendered by headless
Chromium (Debian's /usr/bin/chromium; the README's test command installs it,
.ci/install-chromium.sh): the page is not blank, and moving the slider changes the plan shown."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from optimizer.cli import main

EXAMPLE = "docs/example.yaml"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists()
                                        else None)
    if path is None:
        pytest.fail("headless Chromium is required for the report test: apt-get install -y "
                    "chromium (the README's test command runs .ci/install-chromium.sh)")
    return path


def run_chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}",
                           "--virtual-time-budget=5000", *args, url],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    html, png, js = d / "sweep.html", d / "sweep.png", d / "sweep.json"
    res = CliRunner().invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,5,13,25,31",
                                    "--executor", "serial", "--no-store", "-q",
                                    "--html", str(html), "--png", str(png), "--json", str(js)])
    assert res.exit_code == 0, res.output
    return d, html, png, js


def test_report_is_self_contained(report):
    _, html, _, _ = report
    text = html.read_text()
    assert "<script src" not in text and "<link" not in text and "http://" not in text.replace(
        "http://www.w3.org/2000/svg", "")
    assert "https://" not in text


def _plan_shown(dom: str) -> list[str]:
    m = re.search(r'<ul id="plan">(.*?)</ul>', dom, re.S)
    assert m, "the plan list is missing from the rendered page"
    return [unescape(re.sub(r"<[^>]+>", "", li)).split(" @ ")[0]
            for li in re.findall(r"<li>(.*?)</li>", m.group(1), re.S)]


@pytest.mark.slow
def test_report_renders_and_slider_changes_the_plan(report, tmp_path):
    import json

    d, html, _, js = report
    points = json.loads(js.read_text())["points"]
    shot = tmp_path / "shot.png"
    out = run_chromium(tmp_path, html.as_uri() + "#point=3", "--window-size=1300,1400",
                       f"--screenshot={shot}")
    assert shot.exists(), out.stderr[-2000:]
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # not a blank page
    background = max(colours)[1]
    non_bg = sum(n for n, c in colours if c != background)
    assert non_bg > 0.05 * img.width * img.height
    # the slider at two positions: the same page shows two different plans
    shown = {}
    for i in (0, 3):
        res = run_chromium(tmp_path, html.as_uri() + f"#point={i}", "--dump-dom")
        assert res.returncode == 0, res.stderr[-2000:]
        assert f'data-point="{i}"' in res.stdout
        shown[i] = _plan_shown(res.stdout)
        expected = sorted(points[i]["plan"]) or ["(no action)"]
        assert shown[i] == expected
    assert shown[0] != shown[3]


def test_frontier_png_and_html(tmp_path):
    png, html = tmp_path / "f.png", tmp_path / "f.html"
    res = CliRunner().invoke(main, ["frontier", EXAMPLE, "-r", "usd_m", "--to", "40",
                                    "--executor", "serial", "--no-store", "-q",
                                    "--png", str(png), "--html", str(html)])
    assert res.exit_code == 0, res.output
    from PIL import Image

    img = Image.open(png)
    assert img.size[0] > 500 and img.size[1] > 400
    assert len(img.convert("RGB").getcolors(maxcolors=1 << 20)) > 20
    assert "Exact frontier" in html.read_text()


def test_stored_runs_are_drawn_again_without_solving(tmp_path):
    import shutil as sh

    inst = tmp_path / "example.yaml"
    sh.copy(EXAMPLE, inst)
    store = str(tmp_path / "runs.sqlite")
    runner = CliRunner()
    for cmd in (["sweep", str(inst), "-r", "usd_m", "--values", "0,13,31"],
                ["frontier", str(inst), "-r", "usd_m", "--to", "40"]):
        res = runner.invoke(main, [*cmd, "--executor", "serial", "--store", store, "-q"])
        assert res.exit_code == 0, res.output
    for run_id in ("1", "2"):
        html, png = tmp_path / f"r{run_id}.html", tmp_path / f"r{run_id}.png"
        res = runner.invoke(main, ["runs", "--store", store, "report", run_id,
                                   "--html", str(html), "--png", str(png)])
        assert res.exit_code == 0, res.output
        assert html.read_text().startswith("<!DOCTYPE html>") and png.stat().st_size > 10_000
    # the instance changed since the run: refused, no file written
    inst.write_text(inst.read_text().replace("capacity: 40,", "capacity: 41,", 1))
    res = runner.invoke(main, ["runs", "--store", store, "report", "1", "--html",
                               str(tmp_path / "x.html")])
    assert res.exit_code == 1 and "content changed" in res.output
    assert not (tmp_path / "x.html").exists()


HOSTILE_NAMES = r"""
name: "odd <b>names</b> $\\alpha$"
resources: [{id: "usd[/]m", budget: 2}, {id: "usd[millions]", budget: 1}]
commodities: [{id: "fent[bold]", value: 10}]
nodes:
  - {id: "src$\\alpha$", kind: source}
  - {id: "<!--<script>", kind: crossing}
  - {id: "nyc[/red]", kind: market}
arcs:
  - {id: "a</script>", from: "src$\\alpha$", to: "<!--<script>", capacity: 10}
  - {id: "b[x]", from: "<!--<script>", to: "nyc[/red]", capacity: 8}
supplies: [{node: "src$\\alpha$", commodity: "fent[bold]", amount: 20}]
actions:
  - {id: "cut[/]it", name: "$\\foo$ <i>", cost: {"usd[/]m": 1, "usd[millions]": 1},
     effects: [{type: cut_capacity, arcs: ["b[x]"], amount: 0.5}]}
"""


def test_names_are_text_everywhere(tmp_path):
    """Ids with rich markup, matplotlib mathtext and HTML/script fragments are shown as
    written: in the terminal tables, the PNG and the HTML report (which must not go blank)."""
    path = tmp_path / "names.yaml"
    path.write_text(HOSTILE_NAMES)
    res = CliRunner().invoke(main, ["solve", str(path)])
    assert res.exit_code == 0, res.output
    for name in ("usd[/]m", "usd[millions]", "fent[bold]", "nyc[/red]", "cut[/]it", "<!--<script>"):
        assert name in res.output, name
    html, png = tmp_path / "n.html", tmp_path / "n.png"
    res = CliRunner().invoke(main, ["sweep", str(path), "-r", "usd[/]m", "--values", "0,1,2",
                                    "--executor", "serial", "--no-store", "-q",
                                    "--png", str(png), "--html", str(html)])
    assert res.exit_code == 0, res.output
    assert png.stat().st_size > 1000
    assert "<!--<script>" not in html.read_text()  # escaped inside the page's data
    out = run_chromium(tmp_path, html.as_uri(), "--dump-dom")
    assert out.returncode == 0, out.stderr[-2000:]
    dom = unescape(out.stdout)
    assert 'odd <b>names</b> $\\alpha$' in dom  # the title, as text
    assert "cut[/]it" in dom and "usd[/]m" in dom


def test_map_has_outline_labels_and_no_script_errors(report, tmp_path):
    """The rendered report (headless Chromium): the shipped outline of coasts and borders is
    drawn under the nodes, the example's nodes are labelled (Mexican ones too), no script
    error or console error occurs, and no number on the page is in e-notation or a raw
    Python dict."""
    _, html, _, _ = report
    res = run_chromium(tmp_path, html.as_uri() + "#point=2", "--dump-dom",
                       "--enable-logging=stderr", "--v=0")
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body and 'data-point="2"' in body.group(0), body
    assert "data-errors" not in body.group(0), body.group(0)  # script errors are noted there
    assert "Uncaught" not in res.stderr and "CONSOLE" not in res.stderr, res.stderr[-2000:]
    land = dict(re.findall(r'<path d="(M[^"]+)"[^>]*class="land" data-name="([^"]+)"', dom))
    names = sorted(land.values())
    assert names == ["Mexico", "United States"], names
    assert all(len(d.split(" L")) > 100 for d in land)  # real outlines, not boxes
    assert re.search(r'class="border" data-name="United States–Mexico"', dom)
    labelled = set(re.findall(r'class="label" data-node="([^"]+)"', dom))
    # every node on the map of the example is labelled, Mexican ones included
    assert {"manzanillo", "culiacan", "tijuana", "san_diego", "los_angeles"} <= labelled
    text = unescape(re.sub(r"<[^>]+>", " ", dom.split('<script type="application/json"')[0]))
    assert not re.search(r"\d[eE][+-]?\d", text), re.findall(r"\S*\d[eE][+-]?\d\S*", text)
    assert "{'" not in text and "US$" in text  # units, not dict reprs
    assert "Natural Earth" in text  # where the outline comes from


def test_labels_never_overlap():
    """place_labels on a dense cluster: the labels kept overlap neither one another nor a
    node other than their own, and stay on the map; the market is labelled first."""
    from optimizer.report.html import place_labels

    nodes = [{"id": f"n{i}", "name": f"Place number {i}", "kind": "transit", "pinned": False,
              "x": 300 + 6 * (i % 5), "y": 200 + 6 * (i // 5)} for i in range(25)]
    nodes.append({"id": "m", "name": "Market (big)", "kind": "market", "pinned": False,
                  "x": 340, "y": 212})
    labels = place_labels(nodes)
    assert labels[0]["id"] == "m" and labels[0]["text"] == "Market"
    assert 0 < len(labels) < len(nodes)  # the cluster cannot hold every label

    def box(lb):
        w = 5.2 * len(lb["text"])
        x0 = {"start": lb["x"], "end": lb["x"] - w, "middle": lb["x"] - w / 2}[lb["anchor"]]
        return x0, lb["y"] - 7, x0 + w, lb["y"] + 1

    boxes = [box(lb) for lb in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
