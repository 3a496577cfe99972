"""Summaries of the uncertainty studies (``interdict evaluate``, ``vss``, ``saa``), every
figure with its unit (``report.units``)."""

from __future__ import annotations

import io

from rich.table import Table

from ..compile.network import Plan
from ..instance.units import Unit, Units
from ..studies.uncertainty import MonteCarlo, SAAResult, Summary, ValueOfUncertainty
from .text import _console
from .units import amount, header, quantity


def plan_text(plan: Plan | dict[str, int]) -> str:
    """``a@1, b@2`` (sorted), or ``(no action)``."""
    levels = plan.as_dict() if isinstance(plan, Plan) else plan
    return ", ".join(f"{a}@{lv}" for a, lv in sorted(levels.items())) or "(no action)"


def render_monte_carlo(mc: MonteCarlo, units: Units, *, origin: str, uncertain: int,
                       width: int = 110) -> str:
    buf = io.StringIO()
    con = _console(buf, width)
    con.print(f"Plan      {plan_text(mc.plan)} (from {origin})")
    drawn = ", ".join(f"{k} {v}" for k, v in sorted(mc.scenario_counts.items()))
    con.print(f"Samples   {mc.samples:,} (seed {mc.seed}); uncertain numbers: {uncertain}; "
              f"scenarios drawn: {drawn}")
    t = Table(title="Smuggler's value and units delivered under the plan", title_justify="left")
    for col in ("measure", "mean", "95% CI of mean", "5%", "50%", "95%"):
        t.add_column(col, justify="left" if col == "measure" else "right")
    rows: list[tuple[str, Summary, Unit]] = [("smuggler's value", mc.value, units.value)]
    rows += [(f"{k} delivered", s, units.commodity(k)) for k, s in sorted(mc.delivered.items())
             if s.quantiles.get("q95", 0.0) > 0 or s.mean > 0]
    for name, s, unit in rows:
        q = s.quantiles
        t.add_row(header(name, unit), amount(s.mean, unit, 4),
                  f"[{amount(s.ci95[0], unit, 4)}, {amount(s.ci95[1], unit, 4)}]",
                  *[amount(q.get(k, 0.0), unit) for k in ("q05", "q50", "q95")])
    con.print(t)
    return buf.getvalue()


def render_vss(vu: ValueOfUncertainty, units: Units, *, width: int = 110) -> str:
    buf = io.StringIO()
    con = _console(buf, width)
    v = units.value

    def q(x: float) -> str:
        return quantity(x, v, 4)

    con.print(f"RP   (stochastic plan, expected value)        {q(vu.rp)}   plan "
              f"{plan_text(vu.rp_plan)}")
    con.print(f"EEV  (mean-scenario plan, over the scenarios)  {q(vu.eev)}   plan "
              f"{plan_text(vu.mean_value_plan)}")
    con.print(f"WS   (each scenario's own optimum, averaged)   {q(vu.ws)}")
    con.print(f"VSS = EEV − RP = {q(vu.vss)}     EVPI = RP − WS = {q(vu.evpi)}")
    t = Table(title="Each scenario alone", title_justify="left")
    t.add_column("scenario")
    t.add_column("optimal value", justify="right")
    t.add_column("its plan")
    for sid in sorted(vu.scenario_plans):
        t.add_row(sid, q(vu.scenario_values[sid]), plan_text(vu.scenario_plans[sid]))
    con.print(t)
    return buf.getvalue()


def render_saa(res: SAAResult, units: Units, *, width: int = 110) -> str:
    """The chosen plan, the bounds, the gap (a negative estimate is sampling noise: said so),
    and each distinct candidate plan once, with how many replications chose it."""
    buf = io.StringIO()
    con = _console(buf, width)
    v = units.value

    def q(x: float) -> str:
        return quantity(x, v, 4)

    lb, ub = res.lower_bound, res.upper_bound
    con.print(f"Chosen plan   {plan_text(res.plan)}")
    con.print(f"Lower bound   {q(lb.mean)}  (95% CI [{q(lb.ci95[0])}, {q(lb.ci95[1])}], "
              f"{res.replications} replications of N = {res.samples})")
    con.print(f"Upper bound   {q(ub.mean)}  (95% CI [{q(ub.ci95[0])}, {q(ub.ci95[1])}], "
              f"{res.eval_samples:,} fresh samples)")
    noise = ("; below 0: sampling noise — the lower bound's estimate exceeds the upper's, "
             "and the true gap is ≥ 0" if res.gap < 0 else "")
    con.print(f"Gap estimate  {q(res.gap)}  (95% upper bound {q(res.gap_ci95_upper)}){noise}")
    t = Table(title="Candidate plans (each distinct plan once)", title_justify="left")
    t.add_column("plan", overflow="fold")
    t.add_column("chosen by", justify="right")
    t.add_column(header("SAA optimum", v), justify="right")
    t.add_column(header("evaluated", v), justify="right")
    groups: dict[Plan, list[tuple[float, float]]] = {}
    for plan, optimum_m, ev in res.candidates:
        groups.setdefault(plan, []).append((optimum_m, ev))
    for plan, runs in sorted(groups.items(), key=lambda kv: (kv[1][0][1], kv[0].levels)):
        optima = [r[0] for r in runs]
        optimum = amount(optima[0], v, 4) if len(optima) == 1 else \
            f"{amount(min(optima), v, 4)} to {amount(max(optima), v, 4)}"
        t.add_row(plan_text(plan), f"{len(runs)} of {res.replications}", optimum,
                  amount(runs[0][1], v, 4))
    con.print(t)
    return buf.getvalue()


__all__ = ["plan_text", "render_monte_carlo", "render_saa", "render_vss"]
