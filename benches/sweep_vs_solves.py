"""Bench: a 20-point budget sweep against 20 independent ``interdict solve`` calls, measured
in the same run on the same machine (issue #3: the sweep must take at most half their time).

    python3 benches/sweep_vs_solves.py [--instance instances/mexico_us.yaml] [--rounds 2]

Both sides run the command line of this checkout (``python -m optimizer``) as a user
would, each call a fresh process:

- independent: ``solve FILE --budget usd_m=B --json …`` for B = 10, 20, …, 200;
- sweep: ``sweep FILE -r usd_m --from 10 --to 200 --step 10 --json …`` with the default
  executor (local process pool), and once more with ``--executor serial``.

Rounds alternate the order of the three to spread machine noise. Every sweep point's value
is checked against the independent solve at the same budget (certified values, tolerance
1e-6 relative). Per point: build, solve and total seconds as each side reports them, and
the wall time of each independent call. Results: benches/results/sweep_vs_solves.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def independent(instance: str, budgets: list[float], tmp: Path) -> dict:
    calls = []
    t0 = time.perf_counter()
    for b in budgets:
        out = tmp / f"solve-{b:g}.json"
        wall = run([sys.executable, "-m", "optimizer", "solve", instance, "--budget",
                    f"usd_m={b:g}", "--json", str(out), "-q"])
        d = json.loads(out.read_text())
        calls.append({"budget": b, "wall": wall, "value": d["value_after"],
                      "plan": d["plan"], **{k: d["timings"][k] for k in ("build", "solve",
                                                                          "total")}})
    return {"seconds": time.perf_counter() - t0, "calls": calls}


def sweep(instance: str, tmp: Path, executor: str) -> dict:
    out = tmp / f"sweep-{executor}.json"
    wall = run([sys.executable, "-m", "optimizer", "sweep", instance, "-r", "usd_m",
                "--from", "10", "--to", "200", "--step", "10", "--executor", executor,
                "--no-store", "-q", "--json", str(out)])
    d = json.loads(out.read_text())
    return {"seconds": wall, "executor": executor, "inner_seconds": d["seconds"],
            "points": [{"budget": p["budgets"]["usd_m"], "value": p["value"], "plan": p["plan"],
                        "warm_started": p["warm_started"], "fallback": p["fallback"],
                        **{k: p["timings"][k] for k in ("build", "solve", "total")}}
                       for p in d["points"]]}


def pick_instance() -> str:
    sys.path.insert(0, str(ROOT))
    from optimizer import InstanceError, load_instance

    main_copy = Path("/work/main/instances/mexico_us.yaml")
    if main_copy.exists():
        try:
            load_instance(main_copy)
            return str(main_copy)
        except InstanceError as exc:
            print(f"(the main checkout's instance needs newer readers: {len(exc.problems)} "
                  "problem(s); using this checkout's)", flush=True)
    return str(ROOT / "instances/mexico_us.yaml")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instance", default=None,
                    help="default: the shipped instance of the main checkout if this "
                    "checkout's reader accepts it, else this checkout's instances/mexico_us.yaml")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "benches/results/sweep_vs_solves.json"))
    args = ap.parse_args()
    if args.instance is None:
        args.instance = pick_instance()
    print(f"instance: {args.instance}", flush=True)
    with tempfile.TemporaryDirectory() as td:
        # a private copy: the file may be edited while the bench runs
        inst = Path(td) / "instance.yaml"
        inst.write_bytes(Path(args.instance).read_bytes())
        budgets = [float(b) for b in range(10, 201, 10)]
        rounds = []
        for r in range(args.rounds):
            order = ["independent", "pool", "serial"] if r % 2 == 0 else \
                ["serial", "pool", "independent"]
            res = {}
            for what in order:
                tmp = Path(td) / f"r{r}-{what}"
                tmp.mkdir()
                res[what] = independent(str(inst), budgets, tmp) if what == "independent" \
                    else sweep(str(inst), tmp, what)
            # every sweep point equals the independent solve at its budget
            ref = {c["budget"]: c["value"] for c in res["independent"]["calls"]}
            for what in ("pool", "serial"):
                for p in res[what]["points"]:
                    tol = 1e-6 * max(1.0, abs(ref[p["budget"]]))
                    assert abs(p["value"] - ref[p["budget"]]) <= tol, (what, p["budget"])
            rounds.append(res)
            print(f"round {r + 1}: independent {res['independent']['seconds']:.2f} s, "
                  f"sweep (pool) {res['pool']['seconds']:.2f} s, "
                  f"sweep (serial) {res['serial']['seconds']:.2f} s", flush=True)
    ind = [r["independent"]["seconds"] for r in rounds]
    pool = [r["pool"]["seconds"] for r in rounds]
    ser = [r["serial"]["seconds"] for r in rounds]
    summary = {
        "independent_seconds": ind, "sweep_pool_seconds": pool, "sweep_serial_seconds": ser,
        "ratio_pool": [p / i for p, i in zip(pool, ind)],
        "ratio_serial": [s / i for s, i in zip(ser, ind)],
        "median_ratio_pool": statistics.median(p / i for p, i in zip(pool, ind)),
        "median_ratio_serial": statistics.median(s / i for s, i in zip(ser, ind)),
        "requirement": "sweep (default executor) ≤ 0.5 × independent",
    }
    summary["passes"] = summary["median_ratio_pool"] <= 0.5
    doc = {"bench": "sweep_vs_solves", "instance": args.instance, "points": 20,
           "resource": "usd_m", "budgets": [10 * i for i in range(1, 21)],
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "platform": platform.platform()},
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "summary": summary, "rounds": rounds}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
