"""Benchmark results: the JSON document, the markdown table, the baseline comparison.

A run regresses against the baseline (the same case, method and solver) when
- it no longer finishes optimal where the baseline did, or
- its objective differs (both optimal) by more than 1e-6 relative: a wrong answer, or
- its total time exceeds ``slowdown`` × the baseline's plus ``slack`` seconds.
"""

from __future__ import annotations

import json
import math
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .runner import RunRecord

FORMAT = "interdict-bench/1"


def document(records: list[RunRecord], settings: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of a benchmark run (records sorted by key: deterministic order)."""
    import numpy
    import scipy

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=Path(__file__).parent, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    from ..solvers.highs import version

    hv = version()
    return {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": commit,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": _cpus(), "highs": str(hv), "numpy": numpy.__version__,
                    "scipy": scipy.__version__},
        "settings": settings,
        "runs": [_clean(r.to_dict()) for r in sorted(records, key=lambda r: r.key)],
    }


def _cpus() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 0


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def load(path: str | Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a benchmark file of format {FORMAT}")
    return data


def records_of(doc: dict[str, Any]) -> list[RunRecord]:
    return [RunRecord(**r) for r in doc["runs"]]


@dataclass(frozen=True)
class Finding:
    key: str
    kind: str  # "regression" | "mismatch" | "improvement" | "new"
    message: str


def compare(current: list[RunRecord], baseline: list[RunRecord], *, slowdown: float = 1.5,
            slack: float = 1.0) -> list[Finding]:
    """Findings of ``current`` against ``baseline`` (see the module docstring)."""
    old = {r.key: r for r in baseline}
    out: list[Finding] = []
    for r in sorted(current, key=lambda r: r.key):
        b = old.get(r.key)
        if b is None:
            out.append(Finding(r.key, "new", "not in the baseline"))
            continue
        if b.status == "optimal" and r.status != "optimal":
            out.append(Finding(r.key, "regression", f"was optimal, now {r.status}"))
            continue
        if (b.status == r.status == "optimal" and b.objective is not None
                and r.objective is not None
                and abs(b.objective - r.objective) > 1e-6 * max(1.0, abs(b.objective))):
            out.append(Finding(r.key, "mismatch",
                               f"objective {r.objective:.10g} differs from the baseline's "
                               f"{b.objective:.10g}"))
            continue
        if r.total_s is not None and b.total_s is not None:
            if r.total_s > slowdown * b.total_s + slack:
                out.append(Finding(r.key, "regression",
                                   f"{r.total_s:.2f} s against {b.total_s:.2f} s in the baseline"))
            elif b.total_s > slowdown * r.total_s + slack:
                out.append(Finding(r.key, "improvement",
                                   f"{r.total_s:.2f} s against {b.total_s:.2f} s in the baseline"))
        if b.status != "optimal" and r.status == "optimal":
            out.append(Finding(r.key, "improvement", f"now optimal (was {b.status})"))
    return out


def _f(v: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if v is None else fmt.format(v)


def markdown(records: list[RunRecord], findings: list[Finding] | None = None) -> str:
    """One row per run, grouped by case; times in seconds, memory in MiB."""
    lines = ["| case | method | solver | status | objective | bound | gap | nodes | "
             "build s | solve s | check s | total s | peak MiB |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(records, key=lambda r: r.key):
        gap = None if r.gap is None else 100.0 * r.gap
        lines.append(
            f"| {r.case} | {r.method} | {r.solver} | {r.status} | {_f(r.objective, '{:.6g}')} | "
            f"{_f(r.bound, '{:.6g}')} | {_f(gap, '{:.3f}%')} | {_f(r.nodes, '{:d}')} | "
            f"{_f(r.build_s)} | {_f(r.solve_s)} | {_f(r.check_s)} | {_f(r.total_s)} | "
            f"{_f(r.peak_mib, '{:.0f}')} |")
    if findings:
        lines += ["", "| run | finding | detail |", "|---|---|---|"]
        for f in findings:
            lines.append(f"| {f.key} | {f.kind} | {f.message} |")
    return "\n".join(lines) + "\n"


def comparison(records: list[RunRecord]) -> str:
    """Two summary tables: the methods side by side per case (time, status, agreement of
    the certified objectives) and our overhead (engine end to end against HiGHS alone on
    the exported MPS of the same dual MILP)."""
    by_case: dict[str, dict[str, RunRecord]] = {}
    for r in records:
        by_case.setdefault(r.case, {})[f"{r.method}/{r.solver}"] = r
    lines = ["| case | dual (s) | benders (s) | speed-up | dual status | benders status | "
             "same optimum |", "|---|---:|---:|---:|---|---|---|"]
    over = ["| case | engine total (s) | of which solve (s) | HiGHS alone on MPS (s) | "
            "overhead |", "|---|---:|---:|---:|---:|"]
    for case in sorted(by_case):
        runs = by_case[case]
        d, b = runs.get("dual/highs"), runs.get("benders/highs")
        if d and b and d.total_s and b.total_s:
            same = "–"
            if (d.status == b.status == "optimal" and d.objective is not None
                    and b.objective is not None):
                close = abs(d.objective - b.objective) <= 1e-6 * max(1, abs(d.objective))
                same = "yes" if close else "NO"
            lines.append(f"| {case} | {d.total_s:.2f} | {b.total_s:.2f} | "
                         f"{d.total_s / b.total_s:.1f}× | {d.status} | {b.status} | {same} |")
        m = runs.get("dual/highs-mps")
        if (d and m and d.total_s and m.total_s and d.status == m.status
                and d.status in ("optimal", "time_limit")):
            mark = "" if d.status == "optimal" else " (both stopped at the time limit)"
            over.append(f"| {case}{mark} | {d.total_s:.2f} | {_f(d.solve_s)} | {m.total_s:.2f} | "
                        f"{100 * (d.total_s / m.total_s - 1):+.0f}% |")
    return "\n".join(lines) + "\n\n" + "\n".join(over) + "\n"


def literature(records: list[RunRecord]) -> str:
    """Cases with a published optimum (``params["published"]``): the engine's certified value,
    the same plan re-valued by the family's independent oracle (``BenchCase.evaluate``), the
    published value, the difference, and the time taken. Empty when there are none."""
    rows = [r for r in sorted(records, key=lambda r: r.key)
            if (r.extra or {}).get("params", {}).get("published") is not None]
    if not rows:
        return ""
    lines = ["| case | method | status | ours (certified) | our plan re-valued independently | "
             "published | difference | published value confirmed | total s |",
             "|---|---|---|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        p = r.extra["params"]
        diff = None if r.objective is None else r.objective - p["published"]
        lines.append(f"| {r.case} | {r.method} | {r.status} | {_f(r.objective, '{:.10f}')} | "
                     f"{_f(r.extra.get('independent_value'), '{:.10f}')} | "
                     f"{p['published']:.10f} | {_f(diff, '{:+.1e}')} | "
                     f"{'yes' if p.get('confirmed') else 'no'} | {_f(r.total_s)} |")
    return "\n".join(lines) + "\n"


#: the engine run compared with the textbook peer, by preference
_ENGINE_METHODS = ("auto", "dual", "benders")


def against_textbook(records: list[RunRecord]) -> str:
    """The engine end to end against the textbook peer (``method`` textbook), case by
    case: both totals (the median runs with ``--repeat``), their ratio, statuses, whether
    the optima agree (both optimal, within 1e-6 relative), every run's total and the
    range of the machine's load. Empty when no textbook run is among ``records``."""
    by_case: dict[str, dict[str, RunRecord]] = {}
    for r in records:
        if r.solver == "highs":
            by_case.setdefault(r.case, {})[r.method] = r
    lines = ["| case | engine method | engine total s (build + baseline / solve / check) | "
             "textbook total s (build / solve) | engine ÷ textbook | engine status | "
             "textbook status | same optimum | runs: engine / textbook totals s | load |",
             "|---|---|---:|---:|---:|---|---|---|---|---:|"]
    for case in sorted(by_case):
        runs = by_case[case]
        t = runs.get("textbook")
        e = next((runs[m] for m in _ENGINE_METHODS if m in runs), None)
        if t is None or e is None or not t.total_s or not e.total_s:
            continue
        same = "–"
        if e.status == t.status == "optimal" and e.objective is not None \
                and t.objective is not None:
            same = "yes" if abs(e.objective - t.objective) <= \
                1e-6 * max(1.0, abs(e.objective)) else "NO"
        loads = [x for r in (e, t) for x in (r.extra.get("repeat_loads") or [r.load_avg])
                 if x is not None]
        load = f"{min(loads):.1f}–{max(loads):.1f}" if loads else "–"
        lines.append(
            f"| {case} | {e.method} | {e.total_s:.2f} ({_f(e.build_s)} / {_f(e.solve_s)} / "
            f"{_f(e.check_s)}) | {t.total_s:.2f} ({_f(t.build_s)} / {_f(t.solve_s)}) | "
            f"{e.total_s / t.total_s:.2f}× | {e.status} | {t.status} | {same} | "
            f"{_runs(e)} / {_runs(t)} | {load} |")
    return "\n".join(lines) + "\n" if len(lines) > 2 else ""


def _runs(r: RunRecord) -> str:
    """Every run's total of a repeated measurement (``runner.median_run``), or the one."""
    totals = r.extra.get("repeat_totals_s") or [r.total_s]
    return ", ".join(_f(x, "{:.1f}") for x in totals)
