"""The defender's problem over scenarios: compiled networks, probabilities, a risk measure.

An instance without scenarios is one scenario of probability 1. With scenarios, each is
compiled to its own network (same actions, so the same binaries) and the defender's
objective combines the smuggler's values v_s(x) by a risk measure:

    expected   Σ_s p_s v_s(x)                               (Cormican, Morton & Wood 1998)
    worst      max_s v_s(x)                                  (robust)
    cvar       min_η  η + 1/(1 − α) Σ_s p_s (v_s(x) − η)^+   (Rockafellar & Uryasev 2000)

Exact aggregation: for the expected value, scenarios that differ only in their supplies
(e.g. single shipments from different origins to the same destination, as in the SNIP
benchmark) are merged into one network whose supplies are the probability-weighted sums —
exact when nothing in the network has a finite capacity, because the smuggler's value is
then linear in the supplies (every unit takes its own best route).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..errors import InstanceError, OptionError
from ..errors import Problem as _Problem
from ..instance.beliefs import perceived_instance
from ..instance.model import Instance, Supply
from ..instance.scenarios import scenario_instances
from ..options import Risk
from .network import CompiledNetwork, compile_instance


@dataclass
class ScenarioNet:
    """One block of the problem: a compiled network and its weight. ``members`` lists the
    instance's scenarios merged into it (one unless aggregated). ``perceived``: the network
    as the smuggler sees it (docs/model.md §13; same binaries and flow columns), None when
    it sees the true data."""

    id: str
    probability: float
    net: CompiledNetwork
    members: tuple[str, ...]
    perceived: CompiledNetwork | None = None

    @property
    def seen(self) -> CompiledNetwork:
        """The network the smuggler plans with."""
        return self.net if self.perceived is None else self.perceived


@dataclass
class DefenderProblem:
    instance: Instance
    scenarios: list[ScenarioNet]
    risk: Risk = Risk.EXPECTED
    alpha: float = 0.9

    def __post_init__(self) -> None:
        self.risk = Risk.parse(self.risk, "risk")

    @property
    def net(self) -> CompiledNetwork:
        """The first scenario's network: actions, binaries and budgets are shared."""
        return self.scenarios[0].net

    @property
    def beliefs(self) -> bool:
        """Whether the smuggler plans with perceived data (docs/model.md §13)."""
        return any(s.perceived is not None for s in self.scenarios)

    @property
    def probabilities(self) -> np.ndarray:
        return np.array([s.probability for s in self.scenarios])

    @property
    def stochastic(self) -> bool:
        """Whether the instance has scenarios (even if merged into one block)."""
        return bool(self.instance.scenarios) or len(self.scenarios) > 1

    def groups(self) -> list[tuple[str, float, list[tuple[int, float]]]]:
        """What the risk measure runs over: (scenario id, probability, [(block, weight)])
        — the scenario's value is Σ weight · (value of the block). Here every block is one
        scenario of weight 1; over a horizon a scenario is the discounted sum of its
        period blocks (``compile.horizon``)."""
        return [(sc.id, sc.probability, [(i, 1.0)]) for i, sc in enumerate(self.scenarios)]

    def combine(self, values: Sequence[float]) -> float:
        """The risk measure of the scenarios' values, from the value of each block."""
        groups = self.groups()
        per = [sum(w * values[b] for b, w in members) for _, _, members in groups]
        return risk_value(per, np.array([p for _, p, _ in groups]), self.risk, self.alpha)

    def exclusive(self) -> list[tuple[str, np.ndarray]]:
        """Sets of binaries of which a plan takes at most one, beyond the levels of one
        action (none here; over a horizon, the starts of an action that may not be
        repeated): (name, binaries)."""
        return []

    def aggregates(self) -> list[tuple[str, np.ndarray]]:
        """Sets of binaries whose sum is 0 or 1 in every plan, stated in the MILP as binary
        columns of their own for the solver to branch on (none here; over a horizon, the
        starts of an action acting in each period: docs/model.md §14): (name, binaries)."""
        return []

    def check_plan(self, plan) -> None:
        """Raise ``CertificateError`` if ``plan`` takes two binaries of an exclusive set."""
        if not self.exclusive():
            return
        from ..errors import CertificateError

        x = plan.binaries(self.net)
        for name, members in self.exclusive():
            if x[members].sum() > 1.5:
                raise CertificateError(f"plan takes {name} more than once (an action that "
                                       "may not be repeated starts once; a restart waits "
                                       "until the previous start has ended)")

    @property
    def budgets(self) -> dict[str, float]:
        """The budget of each resource B_b (shared by the scenarios)."""
        net = self.net
        return {r: float(b) for r, b in zip(net.resource_ids, net.budgets)}

    def with_budgets(self, budgets: Mapping[str, float]) -> "DefenderProblem":
        """The same problem with some budgets replaced (the compiled arrays are shared)."""
        unknown = sorted(set(budgets) - set(self.net.resource_ids))
        if unknown:
            raise OptionError(f"unknown resource(s) {unknown}; this instance has "
                              f"{self.net.resource_ids}")
        vec = self.net.budgets.copy()
        for rid, value in budgets.items():
            vec[self.net.resource_ids.index(rid)] = float(value)

        def rebudget(net: CompiledNetwork) -> CompiledNetwork:
            return replace(net, budgets=vec, _cache=net._cache)

        return replace(self, scenarios=[
            replace(s, net=rebudget(s.net),
                    perceived=None if s.perceived is None else rebudget(s.perceived))
            for s in self.scenarios])


def risk_value(values: Sequence[float] | np.ndarray, probs: np.ndarray, risk: Risk | str,
               alpha: float) -> float:
    v = np.asarray(values, float)
    p = np.asarray(probs, float)
    if risk == "expected":
        return float(p @ v)
    if risk == "worst":
        return float(v[p > 0].max()) if np.any(p > 0) else 0.0
    if risk == "cvar":
        # convex piecewise linear in η: the minimum is at one of the values
        return float(min(eta + (p @ np.maximum(v - eta, 0.0)) / (1.0 - alpha) for eta in v))
    raise ValueError(f"unknown risk measure {risk!r}")


def build_problem(inst: Instance, *, risk: Risk | str | None = None, alpha: float | None = None,
                  budgets: Mapping[str, float] | None = None,
                  aggregate: bool = True) -> DefenderProblem:
    """Compile every scenario of ``inst`` (see the module docstring)."""
    risk = Risk.parse(risk or inst.risk, "risk")
    alpha = inst.cvar_alpha if alpha is None else alpha
    if not 0.0 <= alpha < 1.0:
        raise InstanceError([_Problem(inst.path, "uncertainty", "cvar_alpha",
                                      f"must be in [0, 1), got {alpha}", None)])
    if budgets:
        inst = inst.with_budgets(dict(budgets))
    pairs = scenario_instances(inst)
    groups: list[tuple[str, list[tuple[str, float, Instance]]]] = []
    if aggregate and risk == "expected" and len(pairs) > 1:
        index: dict[str, int] = {}
        mergeable: dict[str, bool] = {}
        for sc, sub in pairs:
            key = _overrides_except_supplies(sc)
            if key not in mergeable:
                mergeable[key] = _uncapacitated(sub)
            if not mergeable[key]:
                key = f"solo:{sc.id}"
            if key not in index:
                index[key] = len(groups)
                groups.append((sc.id, []))
            groups[index[key]][1].append((sc.id, sc.probability, sub))
    else:
        groups = [(sc.id, [(sc.id, sc.probability, sub)]) for sc, sub in pairs]
    scenarios = []
    for gid, members in groups:
        total = sum(p for _, p, _ in members)
        if len(members) == 1:
            sid, p, sub = members[0]
            merged = sub
        else:
            weights: dict[tuple[str, str], float] = {}
            for _, p, sub in members:
                share = p / total if total > 0 else 0.0
                for s in sub.supplies:
                    at = (s.node, s.commodity)
                    weights[at] = weights.get(at, 0.0) + share * s.amount
            supplies = tuple(Supply(n, k, a) for (n, k), a in sorted(weights.items()))
            merged = replace(members[0][2], name=f"{inst.name}[{gid}+{len(members) - 1}]",
                             supplies=supplies)
        label = gid if len(members) == 1 else f"{gid}+{len(members) - 1} merged"
        scenarios.append(ScenarioNet(label, total, compile_instance(merged),
                                     tuple(m[0] for m in members),
                                     compile_perceived(merged)))
    return DefenderProblem(inst, scenarios, risk, alpha)


def compile_perceived(inst: Instance) -> CompiledNetwork | None:
    """The network as the smuggler sees it (``instance.beliefs``), None when it sees the
    true data. Same records in the same order, so the same binaries and flow columns."""
    if not inst.has_beliefs:
        return None
    return compile_instance(perceived_instance(inst))


def _uncapacitated(inst: Instance) -> bool:
    """Nothing limits how many units take their best route, and each unit's value is fixed
    (no demand or supply curve): the smuggler's value is then linear in the supplies."""
    return (not inst.markets and not any(s.curve for s in inst.supplies)
            and all(math.isinf(a.capacity) or a.capacity == 0 for a in inst.arcs)
            and all(math.isinf(r.capacity) for r in inst.recipes)
            and all(math.isinf(n.capacity) for n in inst.nodes))


def _overrides_except_supplies(sc) -> str:
    """A digest of a scenario's overrides other than its supplies (materialising is
    deterministic, so equal digests mean equal data apart from supplies)."""
    sh = sc.shipment
    parts = (sorted(sc.arcs.items()), sorted(sc.remove_arcs), sc.new_arcs,
             sorted((k, sorted(v.items()) if isinstance(v, dict) else v)
                    for k, v in sc.nodes.items()),
             sorted(sc.commodities.items()), sorted(sc.recipes.items()),
             None if sh is None else (sh.destination, sh.commodity, sh.value))
    return hashlib.sha256(repr(parts).encode()).hexdigest()
