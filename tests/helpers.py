"""Small builders for test instances (records built directly, then validated)."""

from __future__ import annotations

import math

from optimizer.errors import InstanceError
from optimizer.instance.model import (
    Action, Arc, Commodity, Effect, Instance, Level, Node, Recipe, Resource, Supply, Targets,
)
from optimizer.instance.validate import validate

INF = math.inf


def arc(src, dst, cap=INF, cost=0.0, p=0.0, mode="other", id=None, comms=None) -> Arc:
    return Arc(id or f"{src}->{dst}", src, dst, mode, cap, cost, p,
               None if comms is None else tuple(comms))


def action(id, effects, cost=None, levels=None) -> Action:
    """``effects``: list of (type, targets-dict, amounts-tuple-or-number)."""
    if levels is None:
        levels = [cost or {}]
    lv = tuple(Level(dict(c)) for c in levels)
    effs = []
    for etype, targets, amounts in effects:
        if not isinstance(amounts, (tuple, list)):
            amounts = (amounts,) * len(lv)
        t = Targets(**{k: tuple(v) if k != "commodities" else tuple(v) for k, v in targets.items()})
        effs.append(Effect(etype, t, tuple(float(a) for a in amounts)))
    return Action(id, lv, tuple(effs))


def instance(nodes, arcs, *, commodities=None, supplies=(), actions=(), resources=None,
             recipes=(), name="test", check=True) -> Instance:
    """Nodes: list of ids or Node records (ids ending in '*' … use Node for markets)."""
    node_recs = tuple(n if isinstance(n, Node) else Node(n) for n in nodes)
    comms = tuple(commodities or (Commodity("flow", value=1.0),))
    inst = Instance(
        name=name,
        resources=tuple(resources or (Resource("budget", 1.0),)),
        commodities=comms,
        nodes=node_recs,
        arcs=tuple(arcs),
        recipes=tuple(recipes),
        supplies=tuple(Supply(*s) for s in supplies),
        actions=tuple(actions),
    )
    if check:
        problems = validate(inst)
        if problems:
            raise InstanceError(problems)
    return inst


def market(id, **values) -> Node:
    return Node(id, kind="market", values=dict(values))


__all__ = ["arc", "action", "instance", "market", "INF", "Node", "Commodity", "Recipe",
           "Resource", "Supply"]


def assert_certified(result, optimal: bool = True) -> None:
    """The result's certificate checked what it must: the plan re-evaluated, the bound
    valid, and (when optimal) the plan's figure equal to the MILP's claim."""
    cert = result.certificate
    checks = " | ".join(cert.checks)
    assert "budgets and exclusive levels kept" in checks
    assert "re-solved with the plan fixed" in checks
    figure = result.harm.harm_after if result.harm is not None else result.value_after
    assert cert.plan_value == figure
    if optimal:
        assert result.optimal
        if result.harm is None or result.harm.mode == "optimistic":
            assert "= MILP objective (optimal)" in checks, checks
    if result.bound is not None:
        assert "≥ proven bound" in checks, checks
        assert cert.plan_value >= result.bound - cert.tolerance
