"""The README's generated parts: the sample output of ``interdict solve`` on the shipped
instance (a real run), excerpts of other commands' output (each a real run of the command
the block shows: ``COMMANDS``), the performance figures (read from
``benches/results/*.json``), and the figure of a budget sweep. They sit between markers in
README.md::

    <!-- generated: NAME (python -m optimizer.report.readme) -->
    …
    <!-- /generated: NAME -->

(``… readme --all)`` for the parts whose runs take minutes). ``python -m
optimizer.report.readme`` rewrites them (``--no-solve``: only the parts that need no solve;
``--all``: also the parts whose runs take minutes; ``--figures``: also draw the sweep
figure, about a minute); ``--check`` exits 1 when a part differs from what it would write.
``tests/test_readme.py`` checks them against the results files and real runs (the long
ones in the slow tier), so the README cannot go stale.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
RESULTS = ROOT / "benches" / "results"
SHIPPED = ROOT / "instances" / "mexico_us.yaml"
FIGURE = ROOT / "docs" / "figures" / "sweep-usd_m.png"
#: the sweep drawn for the README's figure
FIGURE_SWEEP = ("usd_m", [0.0, 25.0, 50.0, 75.0, 100.0, 125.0, 150.0, 175.0, 200.0])
WIDTH = 100


GENERATOR = "python -m optimizer.report.readme"


def _marker(name: str) -> tuple[str, str]:
    """The start and end markers of part ``name`` (the start names the command that
    rewrites it)."""
    slow = name in COMMANDS and COMMANDS[name].slow
    return (f"<!-- generated: {name} ({GENERATOR}{' --all' if slow else ''}) -->",
            f"<!-- /generated: {name} -->")


def block(text: str, name: str) -> str:
    """The generated part ``name`` of README ``text`` (without the markers)."""
    start, end = _marker(name)
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f"README has no generated part {name!r} ({start} … {end})")
    return text[i + len(start):j].strip("\n")


def replace_block(text: str, name: str, body: str) -> str:
    start, end = _marker(name)
    block(text, name)  # it exists
    i, j = text.find(start), text.find(end)
    return text[:i + len(start)] + "\n" + body.strip("\n") + "\n" + text[j:]


# ----------------------------------------------------------------------------- sample output


def sample(result) -> str:
    """The README's excerpt of ``interdict solve``'s output for ``result`` (solved with
    ``explain=True``): the headline (the check line cut after its verdict), the plan, what
    the four most valuable actions buy and do, and the deliveries; the rest named. Nothing
    in it depends on the machine (no times)."""
    import io

    from .text import _console, _delivered_table, explanation_table, headline, plan_table

    lines = [_cut_check(ln) for ln in headline(result)]
    buf = io.StringIO()
    con = _console(buf, WIDTH)
    for ln in lines:
        con.print(ln)
    con.print(plan_table(result))
    if result.explanation is not None:
        con.print(explanation_table(result, result.explanation, limit=4))
    con.print(_delivered_table(result))
    con.print("… then deliveries per market (rises flagged), displacement, seizures, the "
              "scenarios, the main routes per commodity, model size and times")
    out = "\n".join(ln.rstrip() for ln in buf.getvalue().splitlines())
    return "```\n$ interdict solve instances/mexico_us.yaml\n" + out + "\n```"


def solve_sample() -> str:
    """The sample from a real solve of the shipped instance (named by its path in the
    repository, whatever the working directory)."""
    from dataclasses import replace

    from ..instance.reader import load_instance
    from ..pipeline import solve

    inst = replace(load_instance(SHIPPED), path=str(SHIPPED.relative_to(ROOT)))
    return sample(solve(inst, explain=True))


# ----------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Command:
    """A README part that is an excerpt of a real run of ``interdict ARGS`` (``args``, as
    the block shows it, paths from the repository's root). ``quiet``: options added to the
    run that leave its output as shown (no run store); ``excerpt``: the lines kept, with
    what depends on the machine (times) taken out; ``slow``: the run takes minutes (only
    with ``--all``)."""

    args: tuple[str, ...]
    excerpt: Callable[[list[str]], list[str]]
    quiet: tuple[str, ...] = ()
    slow: bool = False

    def shown(self) -> str:
        return "$ interdict " + " ".join(self.args)


def run_command(args: Sequence[str]) -> str:
    """The standard output of ``interdict ARGS`` run in a fresh process from the
    repository's root (the progress display, on stderr, is dropped); a failure raises."""
    done = subprocess.run([sys.executable, "-m", "optimizer", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"interdict {' '.join(args)} exited {done.returncode}: "
                           f"{(done.stderr or done.stdout)[-2000:]}")
    return done.stdout


def command_block(command: Command) -> str:
    """The part for ``command``: its command line and the excerpt of a real run."""
    lines = run_command([*command.args, *command.quiet]).splitlines()
    body = "\n".join(ln.rstrip() for ln in command.excerpt(lines))
    return f"```\n{command.shown()}\n{body}\n```"


def _cut_check(line: str) -> str:
    """A summary's certificate line cut after its verdict (its last digits depend on the
    solver's path, not on the plan); any other line as it is."""
    if not line.startswith("Check"):
        return line
    verdict, _, what = line.partition("): ")
    figure = re.search(r"(?:\S*\$ )?-?\d", what)
    return f"{verdict}): {what[:figure.start() if figure else len(what)].rstrip()} …"


def _from(first: str) -> Callable[[list[str]], list[str]]:
    """The lines from the first one starting with ``first`` to the end, after ``…``."""
    def excerpt(lines: list[str]) -> list[str]:
        i = next(i for i, ln in enumerate(lines) if ln.startswith(first))
        return ["…", *lines[i:]]
    return excerpt


def _untimed(lines: list[str]) -> list[str]:
    """Every line, the run's duration (``; 165.84 s`` at the end of a line) and its count of
    MILP solves elided: with pieces on a pool, which worker's warm session solves a step
    decides which of two equally good plans comes back first, and so whether the cheapest
    plan of that value needs a solve of its own (the frontier itself is the same)."""
    return [re.sub(r"\b\d+ MILP solves", "… MILP solves",
                   re.sub(r"; \d+(?:\.\d+)? s(?=$|; run )", "; … s", ln)) for ln in lines]


def _headline_and_beliefs(lines: list[str]) -> list[str]:
    """A solve's headline (the check line cut) and the table of what the smuggler believes,
    up to the plan; the rest elided."""
    end = next(i for i, ln in enumerate(lines) if ln.startswith("Plan"))
    return [_cut_check(ln) for ln in lines[1:end]] + ["… then the plan, what each action "
                                                      "buys, deliveries, routes and times"]


#: the README's parts that are excerpts of real runs, by name
COMMANDS: dict[str, Command] = {
    "substitution": Command(
        ("solve", "instances/mexico_us.yaml", "--scenario", "status_quo", "--objective", "harm",
         "--focus", "heroin_kg", "--tie", "optimistic"),
        _from("Zero-sum plan versus harm plan"), slow=True),
    "violence-frontier": Command(
        ("frontier", "instances/mexico_us.yaml", "-r", "violence"), _untimed,
        quiet=("--no-store",), slow=True),
    "beliefs": Command(
        ("solve", "instances/mexico_us_beliefs.yaml", "--tie", "optimistic"),
        _headline_and_beliefs),
}


# ----------------------------------------------------------------------------- performance


def _runs(name: str) -> list[dict[str, Any]]:
    return json.loads((RESULTS / f"{name}.json").read_text())["runs"]


def _pick(runs: Sequence[dict[str, Any]], *, case: str = "", method: str | None = None,
          solver: str = "highs") -> list[dict[str, Any]]:
    return [r for r in runs if r["case"].startswith(case) and r["solver"] == solver
            and (method is None or r["method"] == method)]


def _span(values: Sequence[float], fmt: Callable[[float], str]) -> str:
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def _s(v: float) -> str:
    """Seconds: one decimal below 10 s, whole seconds above."""
    return f"{v:.1f}" if v < 10 else f"{v:.0f}"


def performance() -> str:
    """The README's performance bullets, every figure read from ``benches/results``
    (end-to-end times ``total_s`` unless said)."""
    sp = _runs("grid-sp-large")
    cover40 = _pick(sp, case="grid-sp/40x40", method="benders")
    cover60 = _pick(sp, case="grid-sp/60x60", method="benders")
    dual_big = _pick(sp, method="dual")
    open_dual = [r for r in dual_big if r["status"] != "optimal"]
    small = _runs("small")
    cover20 = _pick(small, case="grid-sp/20x20-b10", method="benders")[0]
    dual20 = _pick(small, case="grid-sp/20x20-b10", method="dual")[0]
    mf = _pick(_runs("grid-mf-large"), case="grid-mf/60x60", method="dual")
    lay_run = json.loads((RESULTS / "layered-large.json").read_text())
    lay = lay_run["runs"]
    big = _pick(lay, method="dual")[0]
    mps = _pick(lay, method="dual", solver="highs-mps")[0]
    info = big["size_info"]
    snip = _runs("snip-large")
    sweep_run = json.loads((RESULTS / "sweep_vs_solves.json").read_text())
    sweep = sweep_run["summary"]
    pool = sum(sweep["sweep_pool_seconds"]) / len(sweep["sweep_pool_seconds"])
    alone = sum(sweep["independent_seconds"]) / len(sweep["independent_seconds"])
    bullets = [
        f"- **Shortest-path interdiction on grids** (Israeli & Wood), where the dual MILP's LP "
        f"relaxation is weak: the covering decomposition (`--method benders`, supervalid cover "
        f"rows added to one loaded master, csgraph Dijkstra for the cuts) proves every 40×40 "
        f"grid with budgets 3, 5 and 10 optimal in {_span([r['total_s'] for r in cover40], _s)} "
        f"s, and 60×60 in {_span([r['total_s'] for r in cover60], _s)} s; the dual MILP leaves "
        f"{len(open_dual)} of those {len(dual_big)} cases open after "
        f"{_s(min(r['solve_s'] for r in open_dual))} s. 20×20 with 10 removals: "
        f"{_s(cover20['total_s'])} s against {_s(dual20['total_s'])} s.",
        f"- **Max-flow grids, layered smuggling networks, the shipped instance**: the dual MILP "
        f"wins (Wood's form is solved at the root: 60×60 max-flow in "
        f"{_span([r['total_s'] for r in mf], _s)} s); `--method auto` picks per instance.",
        f"- **{info['nodes']:,} nodes / {info['arcs']:,} arcs** (layered, "
        f"{info['integer_columns']:,} binaries): built in {_s(big['build_s'])} s, certified gap "
        f"{big['gap']:.3%} after a {_s(lay_run['settings']['time_limit'])} s solve limit, "
        f"{_s(big['total_s'])} s end to end, peak {big['peak_mib'] / 1024:.1f} GiB; "
        f"{_gap_run(_runs('layered-large-gap1e-4'))}.",
        f"- **Overhead** against HiGHS alone solving the exported MPS: "
        f"{big['total_s'] / mps['total_s'] - 1:+.0%} end to end on the largest instance; on "
        f"sub-second solves the certificate and tidying dominate.",
        f"- **Sweeps**: a {sweep_run['points']}-point "
        f"budget sweep on the shipped instance took {sweep['median_ratio_pool']:.2f} of the "
        f"time of independent `interdict solve` calls with the default process pool "
        f"({_s(pool)} s against {_s(alone)} s), {sweep['median_ratio_serial']:.2f} run serially "
        f"on one loaded model (`python3 benches/sweep_vs_solves.py --rounds 2`; every point "
        f"equals its independent solve), measured on {sweep_run['when'][:10]} on the shipped "
        f"instance of that date.",
        shipped_bullet(),
        snip_bullet(snip),
    ]
    return "\n".join(bullets)


def _gap_run(runs: list[dict[str, Any]]) -> str:
    """The layered instance run to gap 1e-4 (``benches/results/layered-large-gap1e-4.json``)."""
    r = runs[0]
    if r["status"] == "optimal":
        return (f"with `--gap 1e-4` it is proven (gap {r['gap']:.4%}) in {_s(r['total_s'])} s "
                f"end to end (solve {_s(r['solve_s'])} s, tidy and certificate "
                f"{_s(r['check_s'])} s)")
    return f"with `--gap 1e-4` it stops at a {r['gap']:.3%} gap after {_s(r['total_s'])} s"


def shipped_bullet() -> str:
    """The shipped instance's timings (``interdict bench -f shipped``, the engine's settings:
    method ``dual``), from ``benches/results/shipped-{medium,large}.json``; the five-year
    horizon from ``horizon-shipped-proof.json`` (its run with a limit long enough for the
    proof), which wins over the 600 s run of ``shipped-large``."""
    runs = {r["case"].split("/", 1)[1]: r
            for r in _pick(_runs("shipped-medium") + _runs("shipped-large")
                           + _runs("horizon-shipped-proof"), method="dual")}
    value, sweep, target = runs["mexico_us"], runs["sweep-usd_m-10-200"], \
        runs["target-value-25pct"]
    beliefs, harm = runs["beliefs-both"], runs["harm-optimistic"]
    frontier, horizon = runs["frontier-usd_m-0-200"], runs["horizon"]
    targets = [("proven optimal in 0.3 s of solve", value["solve_s"] <= 0.3),
               ("a 20-point sweep in 3 s", sweep["total_s"] <= 3.0),
               ("a target in 10 s", target["total_s"] <= 10.0),
               ("the perceived-data plans in 10 s", beliefs["total_s"] <= 10.0),
               ("the harm plan in 10 s", harm["total_s"] <= 10.0),
               ("the frontier in 60 s", frontier["total_s"] <= 60.0)]
    met = [name for name, ok in targets if ok]
    missed = [name for name, ok in targets if not ok]
    horizon_text = (f"is proven optimal in {_s(horizon['total_s'])} s"
                    + (" (30 s aimed for: missed)" if horizon["total_s"] > 30.0 else "")
                    if horizon["status"] == "optimal" else
                    f"stops at a {horizon['gap']:.1%} gap after {_s(horizon['solve_s'])} s")
    return (
        f"- **The shipped instance** (four scenarios, {value['size_info']['integer_columns']} "
        f"binaries; `interdict bench -f shipped --size medium|large`, engine end to end): "
        f"proven optimal in {_s(value['total_s'])} s, a 20-point budget sweep in "
        f"{_s(sweep['total_s'])} s, a target in {_s(target['total_s'])} s, the perceived-data "
        f"plans (both tie-breaks) in {_s(beliefs['total_s'])} s, the harm plan (optimistic) in "
        f"{_s(harm['total_s'])} s, the frontier over US$ 0–200 million "
        f"({int(frontier['objective'])} steps) in {_s(frontier['total_s'])} s; the five-year "
        f"horizon {horizon_text}. Issue 13's targets met: {', '.join(met) or 'none'}; "
        f"missed: {', '.join(missed) or 'none'}; `benches/README.md` (\"The shipped "
        f"instance\") has the profile of each.")


def snip_bullet(snip: list[dict]) -> str:
    """The SNIP line from ``benches/results/snip-large.json``: how many cases were proven
    optimal (a time-limited run is not counted as proven), their times, and the agreement
    with the published values."""
    proven = [r for r in snip if r["status"] == "optimal"]
    open_ = [r for r in snip if r["status"] != "optimal"]
    within = [r for r in proven if r["total_s"] <= 60.0]
    # relative difference from the published value
    off = {r["case"]: (r["objective"] - r["extra"]["params"]["published"])
           / abs(r["extra"]["params"]["published"]) for r in snip}
    lower = [r for r in snip if off[r["case"]] < -1e-4]
    higher = [r for r in snip if off[r["case"]] > 1e-4]
    methods = ", ".join(f"`--method {m}`" for m in sorted({r["method"] for r in snip}))
    text = (f"- **SNIP** (literature, {methods}): {len(proven)} of {len(snip)} published "
            f"cases proven optimal")
    if proven:
        text += (f" in {_span([r['total_s'] for r in proven], _s)} s each "
                 f"({len(within)} within 60 s)")
    if open_:
        text += (f"; {len(open_)} stopped at the {_s(max(r['total_s'] for r in open_))} s "
                 f"limit with gaps up to {max(r['gap'] or 0.0 for r in open_):.2e}")
    text += (f"; {sum(r['total_s'] for r in snip) / 60:.0f} min in all, peak "
             f"{_span([r['peak_mib'] for r in snip], lambda v: f'{v:.0f}')} MiB; "
             f"{len(snip) - len(lower) - len(higher)} values equal the published ones "
             f"within 1e-4")
    if lower:
        text += ", " + ", ".join(r["case"] for r in lower) + " below (better than) it"
    if higher:
        text += ", " + ", ".join(r["case"] for r in higher) + " above (worse than) it"
    return text + "; `benches/README.md` has the table and command."


# ----------------------------------------------------------------------------- figure


def draw_figure(path: Path = FIGURE) -> None:
    """The README's figure: a budget sweep of the shipped instance (serial, no store)."""
    from ..instance.reader import load_instance
    from ..planning.sweep import SweepSpec, run_sweep
    from .plots import sweep_png

    inst = load_instance(SHIPPED)
    resource, values = FIGURE_SWEEP
    result = run_sweep(inst, SweepSpec.values(resource, values))
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_png(result, path, inst)


# ----------------------------------------------------------------------------- command


def generated(solve: bool = True, slow: bool = False) -> dict[str, str]:
    """The generated parts, by name: those that need no solve; with ``solve`` also the
    sample output and the commands' excerpts that run in seconds; with ``slow`` also those
    whose runs take minutes."""
    parts = {"performance": performance()}
    if solve:
        parts["solve-sample"] = solve_sample()
    for name, command in COMMANDS.items():
        if solve and (slow or not command.slow):
            parts[name] = command_block(command)
    return parts


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m optimizer.report.readme",
        description="Rewrite README.md's generated parts (module docstring).")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a part is stale")
    runs = parser.add_mutually_exclusive_group()
    runs.add_argument("--no-solve", dest="solve", action="store_false",
                      help="only the parts that need no solve")
    runs.add_argument("--all", dest="slow", action="store_true",
                      help="also the parts whose runs take minutes (" +
                      ", ".join(n for n, c in COMMANDS.items() if c.slow) + ")")
    parser.add_argument("--figures", action="store_true",
                        help="also draw the sweep figure (about a minute)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    check, figures = args.check, args.figures
    text = README.read_text(encoding="utf-8")
    new = text
    parts = generated(args.solve, args.slow)
    for name, body in parts.items():
        new = replace_block(new, name, body)
    if check:
        stale = [name for name in parts if block(text, name) != block(new, name)]
        for name in stale:
            print(f"README.md: the generated part {name!r} is stale; run python -m "
                  f"optimizer.report.readme", file=sys.stderr)
        return 1 if stale else 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    if figures:
        draw_figure()
    print("README.md: generated parts up to date" + ("; figure drawn" if figures else ""))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

__all__ = ["COMMANDS", "Command", "block", "command_block", "generated", "main", "performance",
           "replace_block", "run_command", "sample"]
