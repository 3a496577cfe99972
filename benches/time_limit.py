"""Bench: how far past ``--time-limit T`` a run of ``interdict solve`` ends (issue 13: the
limit bounds the whole run: reading, baseline, build, solve, tidy, certificate).

    python3 benches/time_limit.py [--json benches/results/time-limit.json]
                                  [--markdown benches/results/time-limit.md]

Each case writes its instance to a JSON file (not timed) and runs the command line of this
checkout as a user would, a fresh process: ``python -m optimizer solve FILE --time-limit T
--threads 2 --json OUT -q``. Measured per run: the process's wall time (Python's start and
imports included), the overrun wall − T, and from the result the termination, gap and the
engine's own timings. The 1-minute load average is recorded before each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: (name, instance builder, time limits in seconds)
CASES = [
    ("layered/s400-f10-seed0 (10,000 nodes, 53,904 arcs)",
     lambda: _layered(400, 10), (30.0, 120.0)),
    ("grid-mf/100x100-b10-s0", lambda: _grid(100, 100, 10), (10.0, 40.0)),
    ("grid-sp/40x40-b10-s0 (method auto)", lambda: _grid(40, 40, 10, "shortest_path"),
     (2.0,)),
    ("shipped/mexico_us", lambda: None, (0.5, 5.0)),
]


def _layered(scale: int, fan_in: int):
    from optimizer.instance.generators.layered import layered_instance

    return layered_instance(scale, seed=0, fan_in=fan_in)


def _grid(rows: int, cols: int, budget: int, kind: str = "max_flow"):
    from optimizer.instance.generators.grid import grid_instance

    return grid_instance(rows, cols, budget=budget, seed=0, kind=kind)


def run_case(name: str, path: Path, limit: float, tmp: Path, method: str) -> dict:
    out = tmp / "result.json"
    out.unlink(missing_ok=True)
    load = os.getloadavg()[0]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "optimizer", "solve", str(path), "--time-limit", f"{limit:g}",
           "--threads", "2", "--method", method, "--json", str(out), "-q"]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    d = json.loads(out.read_text())
    return {"case": name, "time_limit": limit, "wall": wall, "overrun": wall - limit,
            "termination": d["termination"], "gap": d["gap"], "value": d["value_after"],
            "timings": d["timings"], "notes": d.get("notes", []), "load": load}


def markdown(runs: list[dict]) -> str:
    lines = ["| case | --time-limit T (s) | wall (s) | wall − T (s) | termination | gap | "
             "engine: baseline / build / solve / check (s) | load |",
             "|---|---:|---:|---:|---|---:|---|---:|"]
    for r in runs:
        t = r["timings"]
        gap = "–" if r["gap"] is None else f"{100 * r['gap']:.3f}%"
        lines.append(f"| {r['case']} | {r['time_limit']:g} | {r['wall']:.1f} | "
                     f"{r['overrun']:+.1f} | {r['termination']} | {gap} | "
                     f"{t['baseline']:.1f} / {t['build']:.1f} / {t['solve']:.1f} / "
                     f"{t['check']:.1f} | {r['load']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", default=str(ROOT / "benches/results/time-limit.json"))
    ap.add_argument("--markdown", default=str(ROOT / "benches/results/time-limit.md"))
    args = ap.parse_args()
    from optimizer.instance.writer import write_instance

    runs = []
    with tempfile.TemporaryDirectory(prefix="interdict-time-limit-") as d:
        tmp = Path(d)
        for name, build, limits in CASES:
            inst = build()
            if inst is None:
                path = ROOT / "instances" / "mexico_us.yaml"
            else:
                path = tmp / "instance.json"
                write_instance(inst, path)
            method = "auto" if "method auto" in name else "dual"
            for limit in limits:
                r = run_case(name, path, limit, tmp, method)
                print(f"{name} T={limit:g}: wall {r['wall']:.1f} s ({r['overrun']:+.1f} s), "
                      f"{r['termination']}, load {r['load']:.1f}", file=sys.stderr)
                runs.append(r)
    doc = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "python": platform.python_version(),
           "cpus": len(os.sched_getaffinity(0)), "runs": runs}
    Path(args.json).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    Path(args.markdown).write_text(markdown(runs), encoding="utf-8")
    print(markdown(runs), end="")


if __name__ == "__main__":
    main()
