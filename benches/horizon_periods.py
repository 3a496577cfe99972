"""How the horizon solve grows with the number of periods (benches/README.md).

The shipped instance's horizon (timings, budgets per year) cut or extended to T periods
(T = 1, 2, 5, 10 by default): every budget the same each year, profiles cut at T. Each T is
solved once with ``interdict solve --horizon`` semantics (``pipeline.solve_horizon``) on the
given threads and time limit; the table gives the model size (start binaries, integer
columns: the starts and the aggregate binaries of docs/model.md §14), build / solve / check
seconds, nodes, and the proven gap.

    python3 benches/horizon_periods.py --periods 1,2,5,10 --threads 2 --time-limit 600

The table goes to stdout and, with its machine, load and options, to ``--json``
(``benches/results/horizon-periods.json`` by default).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import replace
from pathlib import Path

from optimizer import SolveOptions
from optimizer.compile.horizon import build_horizon_problem
from optimizer.instance.reader import load_instance
from optimizer.pipeline import solve_horizon

ROOT = Path(__file__).resolve().parent.parent


def with_periods(inst, count: int):
    """The instance's horizon with ``count`` yearly periods from its first year (budgets: the
    first year's, every year; timings unchanged — strengths past ``count`` are unused)."""
    h = inst.horizon
    start = int(h.labels[0])
    labels = tuple(str(start + t) for t in range(count))
    budgets = {r: (v[0],) * count for r, v in h.budgets.items()}
    return replace(inst, horizon=replace(h, labels=labels, budgets=budgets, changes=()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instance", default=str(ROOT / "instances" / "mexico_us.yaml"))
    ap.add_argument("--periods", default="1,2,5,10")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--json", default=str(ROOT / "benches" / "results" / "horizon-periods.json"),
                    help="write the rows here ('' for none)")
    args = ap.parse_args()
    rows: list[dict] = []
    inst = load_instance(args.instance)
    print("| periods | starts | integer columns | rows | columns | build s | solve s | check s "
          "| total s | nodes | status | gap | objective after |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for count in [int(x) for x in args.periods.split(",")]:
        cut = with_periods(inst, count)
        starts = len(build_horizon_problem(cut).st)
        t0 = time.perf_counter()
        r = solve_horizon(cut, SolveOptions(threads=args.threads, time_limit=args.time_limit))
        total = time.perf_counter() - t0
        ms, tm = r.model_size, r.timings
        print(f"| {count} | {starts} | {ms.get('integer_columns', 0)} | {ms.get('rows', 0)} | "
              f"{ms.get('columns', 0)} | {tm.build:.2f} | {tm.solve:.2f} | {tm.check:.2f} | "
              f"{total:.2f} | {r.node_count} | {'optimal' if r.optimal else r.termination.value}"
              f" | {(r.gap or 0.0):.4%} | {r.objective_after:,.0f} |", flush=True)
        rows.append(dict(periods=count, starts=starts, model_size=ms, build_s=tm.build,
                         solve_s=tm.solve, check_s=tm.check, total_s=total,
                         nodes=r.node_count, optimal=r.optimal,
                         termination=r.termination.value, gap=r.gap,
                         objective_after=r.objective_after, bound=r.bound))
        if args.json:  # after every row: a long run leaves what it measured so far
            out = dict(bench="horizon_periods", instance=os.path.relpath(args.instance, ROOT),
                       threads=args.threads,
                       time_limit=args.time_limit, machine=platform.machine(),
                       cpus=os.cpu_count(), load_average=os.getloadavg(),
                       date=time.strftime("%Y-%m-%d"), rows=rows)
            Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
