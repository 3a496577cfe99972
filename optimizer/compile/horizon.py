"""Plans over several periods, compiled: start binaries and one network per period.

A horizon of T periods (``instance.model.Horizon``) is one defender's problem whose
binaries are the **starts** y_{j,l,s} — action j at level l started in period s — and whose
blocks are the pairs (scenario σ, period t) (docs/model.md §14). Block (σ, t) is scenario σ's
network in period t (the period's data changes applied) as a *time-expanded compiled
network*: every lever (b, element, amount) of the single-period binary b = (j, l) becomes the
levers ((j, l, s), element, amount · S_{j,l}(t − s)) for every start s ≤ t whose strength
S_{j,l}(t − s) (``Timing.strengths``) is not 0. The period-t data is then linear in the
starts, and every product in the dual MILP is still a binary times a bounded dual, linearised
exactly as in one period (``formulation.interdiction``): no new big-M. Removals have
strengths 0 or 1 (validated), so a removal lever is present or absent.

The starts of one action in one period form one *group* (a virtual action ``"j@label"``
whose levels are j's levels): at most one level per action and start. An action that may
not be repeated starts at most once over the horizon; one that may is restarted only once
its previous start has ended (``exclusive``). So in every period at most one start of an
action acts, and the products of a dual with all the starts of one action share one cap
row, as the levels of one action do in one period: the relaxation stays as tight.

**Budgets.** Resource b in period t is a row over the starts: a one-off cost counts in the
start period, a recurring one in every period the start is active. With carry-over the
row bounds the cumulative spend, Σ_{τ≤t} spend_{b,τ} ≤ Σ_{τ≤t} B_{b,τ} — the same set of
plans as carrying unspent money forward with variables c_{b,t} ≥ 0 (spend_t + c_t ≤ B_t +
c_{t−1}, c_{−1} = 0) without the variables. A total caps the spend over the horizon. Each
row is a resource ``b@label`` (``b@total``) of the expanded network, so budgets, plans,
tidying and the certificate's budget check work as in one period.

**Objective.** Period t weighs δ^t = 1/(1 + r)^t; a scenario's value is Σ_t δ^t V_{σ,t}, and
the risk measure runs over the scenarios (``groups``): a scenario is a state of the world
that holds for the whole horizon. The smuggler re-optimises in every period independently
(no stocks carried between periods).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import OptionError, UsageError
from ..instance.horizon import period_instance
from ..instance.model import Horizon, Instance
from ..options import Risk
from .network import LEVER_FIELDS, CompiledNetwork, Levers, Plan
from .problem import DefenderProblem, ScenarioNet, build_problem


@dataclass(frozen=True)
class Starts:
    """The start binaries y_{j,l,s}: for binary i, its action ``action[i]`` (index into
    the instance's actions), 0-based ``level[i]``, start period ``period[i]``, its group
    ``group[i]`` (index into ``group_ids``, ``"j@label"``), its single-period binary
    ``base[i]`` (index in a compiled network of one period), its strength in every period
    ``strength[i, t]`` and whether its cost is paid in period t ``pays[i, t]``."""

    labels: tuple[str, ...]
    action: np.ndarray
    level: np.ndarray
    period: np.ndarray
    group: np.ndarray
    group_ids: list[str]
    base: np.ndarray
    strength: np.ndarray  # (S × T)
    pays: np.ndarray  # (S × T) 0/1
    cost: np.ndarray  # (S × R) cost per payment, in each resource
    running: np.ndarray  # (S × T) bool: the start is active in period t

    def __len__(self) -> int:
        return len(self.action)


def start_binaries(inst: Instance) -> Starts:
    """Every start an action's timing allows (``Timing.starts``; default every period)."""
    horizon = inst.horizon
    assert horizon is not None
    T, labels = horizon.count, horizon.labels
    res = {r.id: i for i, r in enumerate(inst.resources)}
    rows: dict[str, list] = {k: [] for k in ("action", "level", "period", "group", "base",
                                             "strength", "pays", "cost", "running")}
    group_ids: list[str] = []
    b0 = 0
    for j, act in enumerate(inst.actions):
        for s in range(T):
            group = None
            for lv, level in enumerate(act.levels):
                timing = act.timing_of(lv)
                if timing.starts is not None and labels[s] not in timing.starts:
                    continue
                if group is None:
                    group = len(group_ids)
                    group_ids.append(f"{act.id}@{labels[s]}")
                by_age = timing.strengths(T)
                active = timing.active_periods(T)
                one_off = timing.cost == "one_off"
                cost = np.zeros(len(res))
                for rid, amount in level.cost.items():
                    cost[res[rid]] = amount
                rows["action"].append(j)
                rows["level"].append(lv)
                rows["period"].append(s)
                rows["group"].append(group)
                rows["base"].append(b0 + lv)
                rows["strength"].append([by_age[t - s] if t >= s else 0.0 for t in range(T)])
                running = [s <= t < s + active for t in range(T)]
                rows["running"].append(running)
                rows["pays"].append([float(t == s if one_off else running[t])
                                     for t in range(T)])
                rows["cost"].append(cost)
        b0 += len(act.levels)
    n = len(rows["action"])
    return Starts(
        labels, np.array(rows["action"], np.int64), np.array(rows["level"], np.int64),
        np.array(rows["period"], np.int64), np.array(rows["group"], np.int64), group_ids,
        np.array(rows["base"], np.int64), np.array(rows["strength"], float).reshape(n, T),
        np.array(rows["pays"], float).reshape(n, T),
        np.array(rows["cost"], float).reshape(n, len(res)),
        np.array(rows["running"], bool).reshape(n, T))


@dataclass(frozen=True)
class BudgetRows:
    """The horizon's budget rows as resources of the expanded network: ids, limits and
    the cost of every start binary in each (``cost``: S × rows)."""

    ids: list[str]
    limits: np.ndarray
    cost: np.ndarray


def budget_rows(inst: Instance, starts: Starts, per_period: np.ndarray,
                totals: Mapping[str, float]) -> BudgetRows:
    """Rows ``b@label`` (per period, cumulative with carry-over) and ``b@total``.
    ``per_period``: R × T budgets B_{b,t}."""
    horizon = inst.horizon
    assert horizon is not None
    ids: list[str] = []
    limits: list[float] = []
    cols: list[np.ndarray] = []
    for i, r in enumerate(inst.resources):
        carry = horizon.carry_over and r.kind == "budget"
        paid = starts.cost[:, i:i + 1] * starts.pays  # S × T: spend of each start per period
        for t, label in enumerate(horizon.labels):
            ids.append(f"{r.id}@{label}")
            limits.append(float(per_period[i, :t + 1].sum() if carry else per_period[i, t]))
            cols.append(paid[:, :t + 1].sum(axis=1) if carry else paid[:, t])
        if r.id in totals:
            ids.append(f"{r.id}@total")
            limits.append(float(totals[r.id]))
            cols.append(paid.sum(axis=1))
    cost = np.column_stack(cols) if cols else np.zeros((len(starts), 0))
    return BudgetRows(ids, np.array(limits, float), cost.reshape(len(starts), len(ids)))


def expand_network(net: CompiledNetwork, starts: Starts, t: int,
                   rows: BudgetRows) -> CompiledNetwork:
    """Period t of ``net`` (a compiled network of one period) as a network whose binaries
    are the starts: lever (b, e, a) → ((j, l, s), e, a · S(t − s)) for each start of b with
    a non-zero strength in period t (module docstring)."""
    strength = starts.strength[:, t]
    acting = np.flatnonzero(strength != 0.0)
    of_base: dict[int, list[int]] = {}
    for i in acting.tolist():
        of_base.setdefault(int(starts.base[i]), []).append(i)
    levers: dict[str, Any] = {}
    for name in LEVER_FIELDS:
        lv: Levers = getattr(net, name)
        b_l: list[int] = []
        e_l: list[int] = []
        a_l: list[float] = []
        for b, e, a in zip(lv.binary.tolist(), lv.element.tolist(), lv.amount.tolist()):
            for i in of_base.get(b, ()):
                b_l.append(i)
                e_l.append(e)
                a_l.append(a * float(strength[i]))
        order = np.lexsort((np.array(e_l, np.int64), np.array(b_l, np.int64)))
        levers[name] = Levers(np.array(b_l, np.int64)[order], np.array(e_l, np.int64)[order],
                              np.array(a_l, float)[order])
    exclusive, names = exclusive_groups(net.instance, starts)
    return replace(
        net, action_ids=list(starts.group_ids), binary_action=starts.group.copy(),
        exclusive_group=exclusive, exclusive_names=names,
        binary_level=starts.level.copy(), binary_cost=rows.cost, resource_ids=list(rows.ids),
        budgets=rows.limits.copy(),
        _cache={"potentials": net.potentials(), "reachable": net.reachable()}, **levers)


def exclusive_groups(inst: Instance, starts: Starts) -> tuple[np.ndarray, list[str]]:
    """The exclusive groups of the starts: all starts of one action. An action that may
    not be repeated starts once; one that may is restarted only once its previous start
    has ended (``HorizonProblem.exclusive``), so in any period at most one of its starts
    acts, and a block's products with them share one cap row."""
    return starts.action.copy(), [a.id for a in inst.actions]


@dataclass
class HorizonProblem(DefenderProblem):
    """The defender's problem over a horizon: blocks (scenario, period) sharing the start
    binaries (module docstring). ``block_period[b]`` and ``block_scenario[b]`` place block
    b; ``per_period`` (R × T) and ``totals`` are the budgets the rows were built from."""

    horizon: Horizon | None = None
    starts: Starts | None = None
    block_period: list[int] = field(default_factory=list)
    block_scenario: list[int] = field(default_factory=list)
    scenario_ids: list[str] = field(default_factory=list)
    scenario_probabilities: list[float] = field(default_factory=list)
    per_period: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    totals: dict[str, float] = field(default_factory=dict)

    @property
    def hz(self) -> Horizon:
        assert self.horizon is not None
        return self.horizon

    @property
    def st(self) -> Starts:
        assert self.starts is not None
        return self.starts

    @property
    def labels(self) -> tuple[str, ...]:
        return self.hz.labels

    def groups(self) -> list[tuple[str, float, list[tuple[int, float]]]]:
        """One group per scenario: its period blocks weighted by δ^t."""
        weights = self.hz.weights()
        return [(sid, p, [(b, weights[self.block_period[b]])
                          for b in range(len(self.scenarios)) if self.block_scenario[b] == k])
                for k, (sid, p) in enumerate(zip(self.scenario_ids, self.scenario_probabilities))]

    def exclusive(self) -> list[tuple[str, np.ndarray]]:
        """Starts of which a schedule takes at most one: every start of an action that
        may not be repeated; for one that may, the starts still running in each period
        (a restart waits until the previous start has ended: restarts never overlap)."""
        st = self.st
        out = []
        for j, act in enumerate(self.instance.actions):
            members = np.flatnonzero(st.action == j)
            if len(set(st.period[members].tolist())) < 2:
                continue  # one start period: its levels are exclusive already
            if not (act.timing is not None and act.timing.repeat):
                out.append((f"{act.id} (not repeatable)", members))
                continue
            running = st.running[members]
            for t, label in enumerate(self.labels):
                here = members[running[:, t]]
                if len(set(st.period[here].tolist())) > 1:
                    out.append((f"{act.id} running in {label}", here))
        return out

    def aggregates(self) -> list[tuple[str, np.ndarray]]:
        """For every action and period, its starts acting then (running: ``Starts.running``),
        and all its starts if it may not be repeated; the same for each level of an action
        with several — each set of two or more starts. By the schedule rules (``exclusive``
        and one level per start) a schedule takes at most one start of each set, so its sum
        is 0 or 1: "is j acting in year t", "is j done at all". The MILP states each sum as
        a binary column (docs/model.md §14): the relaxation is the same, but the solver can
        branch on whether before when."""
        st = self.st
        out: dict[tuple[int, ...], str] = {}
        for j, act in enumerate(self.instance.actions):
            members = np.flatnonzero(st.action == j)
            repeat = act.timing is not None and act.timing.repeat
            parts = [(act.id, members)]
            if len(act.levels) > 1:
                parts += [(f"{act.id} level {lv + 1}", members[st.level[members] == lv])
                          for lv in range(len(act.levels))]
            for prefix, mine in parts:
                sets = [(f"{prefix} acting in {label}", mine[st.running[mine, t]])
                        for t, label in enumerate(self.labels)]
                sets += [] if repeat else [(f"{prefix} started", mine)]
                for name, here in sets:
                    if len(here) > 1:
                        out.setdefault(tuple(here.tolist()), name)
        return [(name, np.array(key, np.int64)) for key, name in out.items()]

    def period_budgets(self, budgets: Mapping[str, float]) -> tuple[np.ndarray, dict[str, float]]:
        """The per-period budgets and totals with ``budgets`` applied: ``b`` sets b's budget
        in every period, ``b@label`` in one period, ``b@total`` its total."""
        rids = [r.id for r in self.instance.resources]
        per = self.per_period.copy()
        totals = dict(self.totals)
        for key, value in budgets.items():
            rid, _, where = key.partition("@")
            if rid not in rids or (where and where != "total" and where not in self.labels):
                raise OptionError(
                    f"unknown budget '{key}': give a resource ({', '.join(rids)}) for every "
                    f"period, RESOURCE@PERIOD for one ({', '.join(self.labels)}) or "
                    "RESOURCE@total")
            i = rids.index(rid)
            if where == "total":
                totals[rid] = float(value)
            elif where:
                per[i, self.labels.index(where)] = float(value)
            else:
                per[i, :] = float(value)
        return per, totals

    def with_budgets(self, budgets: Mapping[str, float]) -> "HorizonProblem":
        """The same problem with budgets replaced (``period_budgets``); the compiled
        arrays are shared."""
        per, totals = self.period_budgets(budgets)
        rows = budget_rows(self.instance, self.st, per, totals)
        return replace(self, per_period=per, totals=totals, scenarios=[
            replace(s, net=replace(s.net, resource_ids=list(rows.ids), budgets=rows.limits,
                                   binary_cost=rows.cost, _cache=s.net._cache))
            for s in self.scenarios])

    def schedule(self, plan: Plan) -> list[int]:
        """The start binaries ``plan`` takes."""
        return np.flatnonzero(plan.binaries(self.net) > 0.5).tolist()

    def spend(self, plan: Plan) -> np.ndarray:
        """R × T: what ``plan`` spends of each resource in each period."""
        x = plan.binaries(self.net)
        return np.einsum("s,sr,st->rt", x, self.st.cost, self.st.pays)


def build_horizon_problem(inst: Instance, *, risk: Risk | str | None = None,
                          alpha: float | None = None,
                          budgets: Mapping[str, float] | None = None) -> HorizonProblem:
    """Compile ``inst``'s horizon (module docstring). ``budgets``: ``b`` (every period),
    ``b@label`` or ``b@total``."""
    horizon = inst.horizon
    if horizon is None:
        raise UsageError(f"{inst.path} has no 'horizon' section: a horizon solve needs "
                         "periods and budgets per period (docs/format.md, 'Horizons')")
    starts = start_binaries(inst)
    per = np.array([[horizon.budget(r, t) for t in range(horizon.count)]
                    for r in inst.resources], float).reshape(len(inst.resources), horizon.count)
    rows = budget_rows(inst, starts, per, horizon.totals)
    base = build_problem(inst, risk=risk, alpha=alpha, aggregate=False)
    blocks: list[ScenarioNet] = []
    block_period: list[int] = []
    block_scenario: list[int] = []
    for t, label in enumerate(horizon.labels):
        here = period_instance(inst, t)
        problem = base if here is inst else build_problem(here, risk=base.risk,
                                                          alpha=base.alpha, aggregate=False)
        for k, sc in enumerate(problem.scenarios):
            blocks.append(ScenarioNet(f"{sc.id}@{label}", sc.probability,
                                      expand_network(sc.net, starts, t, rows), sc.members))
            block_period.append(t)
            block_scenario.append(k)
    out = HorizonProblem(
        inst, blocks, base.risk, base.alpha, horizon=horizon, starts=starts,
        block_period=block_period, block_scenario=block_scenario,
        scenario_ids=[sc.id for sc in base.scenarios],
        scenario_probabilities=[sc.probability for sc in base.scenarios],
        per_period=per, totals=dict(horizon.totals))
    return out.with_budgets(budgets) if budgets else out


__all__ = ["BudgetRows", "HorizonProblem", "Starts", "budget_rows", "build_horizon_problem",
           "expand_network", "start_binaries"]
