"""What each resource buys, and priority lists of nested plans.

**Marginal gains.** At budgets B with optimal plan P (value v(B)), for each resource r and
a step s_r: the gain v(B) − v(B + s_r e_r) of re-optimising with s_r more of r (certified
solves), the plan changes it brings, and the *next action to fund* with r: among single
additions to P (an action not in P at one of its levels, or a higher level of one in P)
that fit the other budgets' slack, the one that lowers the smuggler's value the most per
unit of r it adds (each candidate evaluated exactly by the smuggler's LP).

**Priority list.** For one resource and increasing budgets b_1 < … < b_n, nested plans
P_1 ⊆ P_2 ⊆ … (an action, once funded, stays funded at its level or higher), found either

- ``greedy``: P_i is the best plan at b_i among those containing P_{i−1} (the MILP with
  P_{i−1}'s binaries fixed, ``PlanningSession.fix_at_least``); or
- ``exact`` (default): the nested plans of least total value Σ_i value(P_i), i.e. least
  total regret (``nested.exact_nested``: one MILP over all budgets, started from greedy,
  so never worse).

The actions each step adds are ordered greedily (the largest drop in value per unit of the
resource first, by LP), giving one list whose every prefix is a plan. Each prefix is
compared with the optimal plan at the prefix's own spend (a certified solve):
regret = value(prefix) − v(spend) ≥ 0, and 0 where the prefix is optimal (values within the
session's tolerance count as equal).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..compile.network import Plan
from ..errors import SolveError, UsageError
from .points import PointResult, budget_key
from .session import PlanningSession


# ----------------------------------------------------------------------------- candidates
def single_additions(session: PlanningSession, plan: Plan) -> list[tuple[str, int]]:
    """(action, level) that can be added to ``plan``: actions not in it (any level) and
    higher levels of actions in it."""
    chosen = plan.as_dict()
    out = []
    for j, action in enumerate(session.net.action_ids):
        n_levels = int((session.net.binary_action == j).sum())
        lowest = chosen.get(action, 0) + 1
        out += [(action, lv) for lv in range(lowest, n_levels + 1)]
    return out


def added_cost(session: PlanningSession, plan: Plan, action: str, level: int) -> dict[str, float]:
    after = Plan.of({**plan.as_dict(), action: level})
    s0, s1 = plan.spend(session.net), after.spend(session.net)
    return {r: s1[r] - s0[r] for r in session.resource_ids}


@dataclass(frozen=True)
class Candidate:
    action: str
    level: int
    added: dict[str, float]  # added spend per resource
    value: float  # smuggler's value with the candidate added
    gain: float  # value(plan) − value(plan + candidate)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "level": self.level, "added": self.added,
                "value": self.value, "gain": self.gain}


def rank_additions(session: PlanningSession, plan: Plan, value: float,
                   budgets: Mapping[str, float], resource: str, extra: float) -> list[Candidate]:
    """Single additions that fit ``budgets`` (with ``extra`` more of ``resource``), best
    gain per unit of ``resource`` first (ties: larger gain, then action id)."""
    spend = plan.spend(session.net)
    out = []
    for action, level in single_additions(session, plan):
        add = added_cost(session, plan, action, level)
        fits = all(spend[r] + add[r] <= budgets[r] + (extra if r == resource else 0.0) + 1e-9
                   for r in session.resource_ids)
        if not fits or add[resource] <= 0:
            continue
        v = session.evaluate(Plan.of({**plan.as_dict(), action: level})).value
        out.append(Candidate(action, level, add, v, value - v))
    out.sort(key=lambda c: (-(c.gain / c.added[resource]), -c.gain, c.action, c.level))
    return out


# ----------------------------------------------------------------------------- marginal
@dataclass
class ResourceGain:
    resource: str
    step: float
    value: float  # v(B + step e_r)
    gain: float  # v(B) − v(B + step e_r)
    per_unit: float
    added: dict[str, int]  # actions (level) in the new plan and not in the base plan
    dropped: dict[str, int]
    next_action: Candidate | None
    point: PointResult


@dataclass
class Marginal:
    instance: str
    budgets: dict[str, float]
    base: PointResult
    gains: list[ResourceGain]
    seconds: float = 0.0
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "marginal", "instance": self.instance, "budgets": self.budgets,
                "base": self.base.to_dict(),
                "gains": [{"resource": g.resource, "step": g.step, "value": g.value,
                           "gain": g.gain, "per_unit": g.per_unit, "added": g.added,
                           "dropped": g.dropped,
                           "next_action": (None if g.next_action is None
                                           else g.next_action.to_dict()),
                           "point": g.point.to_dict()} for g in self.gains],
                "seconds": self.seconds, "run_id": self.run_id}

    def to_json(self) -> str:
        from ..results.types import _clean

        return json.dumps(_clean(self.to_dict()), indent=2, sort_keys=True, allow_nan=False) + "\n"


@dataclass(frozen=True)
class SolveTask:
    """One certified solve at ``budgets`` (over the session's base budgets)."""

    budgets: tuple[tuple[str, float], ...]

    def run(self, session: PlanningSession) -> PointResult:
        return session.solve(dict(self.budgets))


def solve_points(run, executor, spec, budget_vectors: list[dict[str, float]],
                 progress: Callable[[int, int], None] | None = None) -> list[PointResult]:
    """Certified solves at each budget vector, in order: read back from ``run`` when stored
    there, else solved as tasks on ``executor`` and stored the moment each is done."""
    from ..parallel import drive
    from .store import _restore
    from .tasks import task_call

    keys = [budget_key(b) for b in budget_vectors]
    have = {k: PointResult.from_dict(_restore(run.get(k))) for k in keys if k in run}
    todo = [(k, SolveTask(tuple(sorted(b.items())))) for k, b in zip(keys, budget_vectors)
            if k not in have]

    def then(key: str, p: PointResult) -> None:
        have[key] = p
        run.put(key, p.to_dict())
        if progress:
            progress(len(have), len(keys))

    drive(executor, [(k, task_call(executor, spec, t)) for k, t in dict(todo).items()], then)
    return [have[k] for k in keys]


def marginal_gains(source, steps: Mapping[str, float], *,
                   budgets: Mapping[str, float] | None = None, options=None,
                   executor=None, store=None, fresh: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> Marginal:
    """What one more step of each resource buys at ``budgets`` (module docstring). The
    solves run on ``executor``; ``store`` keeps each as it is certified (resumable);
    ``progress(done, total)`` after each."""
    from ..parallel import SerialExecutor
    from .store import recording
    from .tasks import spec_of

    t0 = time.perf_counter()
    session = source if isinstance(source, PlanningSession) else PlanningSession(
        source, options, budgets=budgets)
    B = dict(session.base_budgets)
    for r, s in steps.items():
        if r not in B:
            raise UsageError(f"unknown resource '{r}'; this instance has {sorted(B)}")
        if not (s > 0):
            raise UsageError(f"the step of '{r}' must be > 0, got {s:g}")
    order = [r for r in session.resource_ids if r in steps]
    spec = spec_of(session)
    with recording(store, "marginal", spec, {"steps": {r: steps[r] for r in order}},
                   fresh=fresh) as run:
        results = solve_points(run, executor or SerialExecutor(), spec,
                               [B] + [{**B, r: B[r] + steps[r]} for r in order], progress)
        base, more = results[0], results[1:]
        gains = []
        for r, p in zip(order, more):
            gain = base.value - p.value
            if gain < -session.tol:
                raise SolveError(f"more '{r}' raised the optimal value ({base.value:.10g} → "
                                 f"{p.value:.10g}): inconsistent solves, please report")
            gain = max(0.0, gain) if gain > session.tol else 0.0
            cands = rank_additions(session, Plan.of(base.plan), base.value, B, r, steps[r])
            added = {a: lv for a, lv in p.plan.items() if base.plan.get(a) != lv}
            dropped = {a: lv for a, lv in base.plan.items() if p.plan.get(a) != lv}
            gains.append(ResourceGain(r, steps[r], p.value, gain, gain / steps[r], added,
                                      dropped, cands[0] if cands else None, p))
        result = Marginal(session.instance.name, B, base, gains, time.perf_counter() - t0,
                          run.id)
        run.done(result.to_dict())
    return result


# ----------------------------------------------------------------------------- priorities
@dataclass(frozen=True)
class PriorityItem:
    rank: int
    action: str
    level: int
    added: dict[str, float]
    spend: dict[str, float]  # cumulative spend of the prefix ending here
    value: float  # smuggler's value against the prefix (certified by LP)
    optimal_value: float  # v at the prefix's spend in the resource (certified solve)
    regret: float | None  # value − optimal_value (≥ 0; 0 where the prefix is optimal);
    #                       None if the prefix breaks another budget (not a plan on its own)
    plan: dict[str, int]  # the prefix

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PriorityList:
    instance: str
    resource: str
    budgets: list[float]
    base_budgets: dict[str, float]
    value_before: float
    items: list[PriorityItem]
    grid: list[dict[str, Any]]  # per budget b_i: nested plan, its value, v(b_i), regret
    seconds: float = 0.0
    run_id: int | None = None
    method: str = "greedy"
    notes: list[str] | None = None

    @property
    def max_regret(self) -> float:
        return max([i.regret for i in self.items if i.regret is not None]
                   + [g["regret"] for g in self.grid] + [0.0])

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "priorities", "instance": self.instance, "resource": self.resource,
                "budgets": self.budgets, "base_budgets": self.base_budgets,
                "value_before": self.value_before, "items": [i.to_dict() for i in self.items],
                "grid": self.grid, "max_regret": self.max_regret, "seconds": self.seconds,
                "run_id": self.run_id, "method": self.method, "notes": self.notes or []}

    def to_json(self) -> str:
        from ..results.types import _clean

        return json.dumps(_clean(self.to_dict()), indent=2, sort_keys=True, allow_nan=False) + "\n"


def _regret(session: PlanningSession, value: float, optimal: float) -> float:
    diff = value - optimal
    if diff < -2 * session.tol:
        raise SolveError(f"a nested plan beats the optimum ({value:.10g} < {optimal:.10g}): "
                         "inconsistent solves, please report")
    return diff if diff > session.tol else 0.0


def _drop_useless(session: PlanningSession, prefix: Plan, plan: Plan, value: float) -> Plan:
    """``plan`` without the actions (beyond ``prefix``) that do not lower its value."""
    cur = plan.as_dict()
    fixed = prefix.as_dict()
    for action in sorted(cur):
        if fixed.get(action) == cur[action]:
            continue
        trial = dict(cur)
        if action in fixed:
            trial[action] = fixed[action]
        else:
            trial.pop(action)
        if session.value(Plan.of(trial)) <= value + 1e-7 * session.scale:
            cur = trial
    return Plan.of(cur)


def greedy_nested(session: PlanningSession, resource: str, grid: list[float],
                  run=None) -> list[Plan]:
    """P_i = the best plan at grid[i] containing P_{i−1} (actions beyond P_{i−1} that do
    not lower the value are dropped). With ``run`` (a ``store.Run``), each P_i is stored
    as it is found and read back instead of solved again."""
    prefix = Plan.of({})
    plans = []
    try:
        for i, b in enumerate(grid):
            key = f"greedy {i:04d}"
            if run is not None and key in run:
                prefix = Plan.of(run.get(key))
            else:
                session.fix_at_least(prefix)
                p = session.solve({resource: b}, start=prefix, tidy=False)
                if not p.optimal:
                    raise SolveError(f"the nested solve at {resource}={b:g} stopped on "
                                     f"{p.termination}")
                prefix = _drop_useless(session, prefix, Plan.of(p.plan), p.value)
                if run is not None:
                    run.put(key, prefix.as_dict())
            plans.append(prefix)
    finally:
        session.fix_at_least(None)
    return plans


def quarter_points(budget: float) -> list[float]:
    """The default budgets of a priority list: b/4, b/2, 3b/4 and b for a budget b > 0."""
    if not budget > 0:
        raise UsageError(f"a budget of {budget:g} has no quarter points")
    return [budget * q / 4 for q in (1, 2, 3, 4)]


def priority_list(source, resource: str, budgets_grid: Sequence[float], *,
                  budgets: Mapping[str, float] | None = None, options=None,
                  executor=None, method: str = "exact",
                  time_limit: float | None = None, store=None,
                  fresh: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> PriorityList:
    """Nested plans over ``budgets_grid`` and the ordered action list (module docstring).

    ``method``: ``greedy`` (each budget's best plan containing the previous one) or
    ``exact`` (``nested.exact_nested``: the nested plans of least total value over the
    grid, one MILP, started from the greedy plans; ``time_limit`` bounds it). ``store``
    keeps the greedy plans, the exact plans and each comparison solve as they are found
    (resumable). ``progress(done, total)`` counts the comparison solves."""
    from .store import recording
    from .tasks import spec_of

    t0 = time.perf_counter()
    session = source if isinstance(source, PlanningSession) else PlanningSession(
        source, options, budgets=budgets)
    if resource not in session.resource_ids:
        raise UsageError(f"unknown resource '{resource}'; this instance has "
                         f"{session.resource_ids}")
    grid = sorted({float(b) for b in budgets_grid})
    if not grid or grid[0] < 0:
        raise UsageError("the budgets of a priority list must be ≥ 0")
    if method not in ("greedy", "exact"):
        raise UsageError(f"unknown method {method!r} (greedy or exact)")
    spec = spec_of(session)
    params = {"resource": resource, "values": grid, "method": method, "time_limit": time_limit}
    with recording(store, "priorities", spec, params, fresh=fresh) as run:
        result = _priorities(session, resource, grid, method, time_limit, executor, run,
                             progress)
        result.seconds = time.perf_counter() - t0
        run.done(result.to_dict())
    return result


def _priorities(session: PlanningSession, resource: str, grid: list[float], method: str,
                time_limit: float | None, executor, run,
                progress: Callable[[int, int], None] | None = None) -> PriorityList:
    from ..parallel import SerialExecutor
    from .tasks import spec_of

    B = dict(session.base_budgets)
    plans = greedy_nested(session, resource, grid, run)
    notes: list[str] = []
    if method == "exact":
        from .nested import exact_nested

        if "exact" in run:
            stored = run.get("exact")
            plans, note = [Plan.of(p) for p in stored["plans"]], stored["note"]
        else:
            plans, note = exact_nested(session, resource, grid, start=plans,
                                       time_limit=time_limit)
            run.put("exact", {"plans": [p.as_dict() for p in plans], "note": note})
        notes.append(note)
    items = _ordered_items(session, resource, grid, plans)
    # v at each prefix's spend and at each grid budget: independent certified solves
    spends = sorted({round(i.spend[resource], 12) for i in items} | set(grid))
    opt = solve_points(run, executor or SerialExecutor(), spec_of(session),
                       [{**B, resource: s} for s in spends], progress)
    v_at = {s: p.value for s, p in zip(spends, opt)}
    out_items = []
    for it in items:
        v = v_at[round(it.spend[resource], 12)]
        regret = None if it.regret is None else _regret(session, it.value, v)
        out_items.append(PriorityItem(it.rank, it.action, it.level, it.added, it.spend, it.value,
                                      v, regret, it.plan))
    grid_rows = []
    for b, target in zip(grid, plans):
        p = session.point_of(target, {**B, resource: b}, optimal=False)
        v = v_at[b]
        grid_rows.append({"budget": b, "plan": p.plan, "value": p.value, "optimal_value": v,
                          "regret": _regret(session, p.value, v), "spend": p.spend})
    return PriorityList(session.instance.name, resource, grid, B, session.value_before,
                        out_items, grid_rows, 0.0, run_id=run.id, method=method, notes=notes)


def _ordered_items(session: PlanningSession, resource: str, grid: list[float],
                   plans: list[Plan]) -> list[PriorityItem]:
    """The actions each nested plan adds to the one before, best drop in value per unit
    of the resource first (regrets and optimal values still to fill in)."""
    B = dict(session.base_budgets)
    items: list[PriorityItem] = []
    prefix = Plan.of({})
    prefix_value = session.value_before
    for b, target in zip(grid, plans):
        at_b = {**B, resource: b}
        while prefix.as_dict() != target.as_dict():
            cur = prefix.as_dict()
            steps_left = [(a, lv) for a, lv in target.levels if cur.get(a, 0) < lv]
            best = None
            for a, lv in steps_left:
                trial = Plan.of({**cur, a: lv})
                fits = session.fits(trial, at_b)
                add = added_cost(session, prefix, a, lv)
                v = session.evaluate(trial).value
                per = (prefix_value - v) / add[resource] if add[resource] > 0 else float("inf")
                key = (not fits, -per, -(prefix_value - v), a, lv)
                if best is None or key < best[0]:
                    best = (key, a, lv, v, add, fits)
            assert best is not None, "nested plans: the next one adds a level to the prefix"
            _, a, lv, v, add, fits = best
            prefix = Plan.of({**cur, a: lv})
            prefix_value = v
            items.append(PriorityItem(len(items) + 1, a, lv, add, prefix.spend(session.net),
                                      v, float("nan"), float("nan") if fits else None,
                                      prefix.as_dict()))
    return items
