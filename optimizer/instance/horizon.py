"""Horizons: check them against the instance and give each period's data.

A horizon (``model.Horizon``) spreads the defender's plan over several periods
(docs/model.md §14). Each period may change the data (``changes``: the same fields and the
same checks as scenarios); actions carry a ``timing`` (``model.Timing``). The checks here
need the whole instance (resources, actions, period labels); the field-level ones happened
while reading. Each problem names the file, the line, the record and the field.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import Problem
from .model import Action, Horizon, Instance, Scenario, Timing
from .scenarios import changed_problems, check_changes, materialize

#: Effects whose work can be undone by regeneration (what they removed comes back).
REGENERATING = ("remove", "cut_capacity", "cut_supply")


def horizon_problems(inst: Instance) -> list[Problem]:
    """Every problem of the horizon and of the actions' timings (empty when fine)."""
    problems: list[Problem] = []
    horizon = inst.horizon
    if horizon is None:
        for act in inst.actions:
            for where, timing in _timings(act):
                if timing is not None:
                    problems.append(Problem(inst.path, f"{where} timing", None,
                                            "a timing needs a 'horizon' section (the periods "
                                            "it counts in)", _line(inst, act)))
                    break
        return problems
    problems += _budget_problems(inst, horizon)
    for act in inst.actions:
        problems += _timing_problems(inst, horizon, act)
    if not problems:
        problems += _change_problems(inst, horizon)
    return problems


def period_instance(inst: Instance, t: int) -> Instance:
    """The instance as it stands in period t (0-based): the base data with the period's
    changes, keeping the scenarios (a scenario's own change of a field wins over the
    period's: a scenario is a state of the world, a period the base trend)."""
    horizon = inst.horizon
    assert horizon is not None
    change = _change_of(horizon, horizon.labels[t])
    if change is None:
        return inst
    return replace(materialize(inst, change), name=inst.name, scenarios=inst.scenarios,
                   horizon=horizon)


def _change_of(horizon: Horizon, label: str) -> Scenario | None:
    return next((c for c in horizon.changes if c.id == label), None)


def _line(inst: Instance, act: Action) -> int | None:
    """Where the action's timing is written: in the horizon section, else the action."""
    return inst.lines.get(f"horizon/timing/{act.id}", inst.lines.get(f"actions/{act.id}"))


def _timings(act: Action) -> list[tuple[str, Timing | None]]:
    """(record name, timing) of the action and of each of its levels."""
    out: list[tuple[str, Timing | None]] = [(f"action '{act.id}'", act.timing)]
    if len(act.levels) > 1:
        out += [(f"action '{act.id}' level {i + 1}", lv.timing)
                for i, lv in enumerate(act.levels)]
    else:
        out += [(f"action '{act.id}'", lv.timing) for lv in act.levels]
    return out


def _budget_problems(inst: Instance, horizon: Horizon) -> list[Problem]:
    """Budgets and totals name known resources."""
    known = {r.id for r in inst.resources}
    line = inst.lines.get("horizon/horizon")
    out = []
    for fld, ids in (("budgets", horizon.budgets), ("total", horizon.totals)):
        for rid in ids:
            if rid not in known:
                out.append(Problem(inst.path, f"horizon {fld}", rid,
                                   f"unknown resource '{rid}' (resources: {sorted(known)})",
                                   line))
    return out


def _timing_problems(inst: Instance, horizon: Horizon, act: Action) -> list[Problem]:
    """A timing must fit the horizon: a profile no longer than it, starts among its
    periods, removals at full strength or none, regeneration of something removed."""
    out: list[Problem] = []
    T = horizon.count
    kinds = {e.type for e in act.effects}
    line = _line(inst, act)

    def err(where: str, fld: str, msg: str) -> None:
        out.append(Problem(inst.path, f"{where} timing", fld, msg, line))

    for where, timing in _timings(act):
        if timing is None:
            continue
        if timing.profile is not None and len(timing.profile) > T:
            err(where, "profile", f"has {len(timing.profile)} strengths but the horizon has "
                f"{T} periods")
        for label in timing.starts or ():
            if label not in horizon.labels:
                err(where, "starts", f"period '{label}' is outside the horizon (periods: "
                    f"{', '.join(horizon.labels)})")
        if timing.starts is not None and not timing.starts:
            err(where, "starts", "is empty: the action could never start")
        strengths = timing.strengths(T)
        if "remove" in kinds and any(s not in (0.0, 1.0) for s in strengths):
            fld = "profile" if timing.profile is not None else "decay"
            err(where, fld, "a 'remove' effect acts fully or not at all: its strengths must "
                f"be 0 or 1, got {', '.join(f'{s:g}' for s in strengths)}")
        if timing.regenerates_after is not None:
            if not kinds & set(REGENERATING):
                err(where, "regenerates_after", "nothing to regenerate: the action removes "
                    "or cuts nothing (its effects: " + ", ".join(sorted(kinds)) + ")")
            elif timing.lag >= T:
                err(where, "regenerates_after", f"nothing to regenerate: with a lag of "
                    f"{timing.lag} the action takes effect after the horizon's {T} periods")
    return out


def _change_problems(inst: Instance, horizon: Horizon) -> list[Problem]:
    """Each period's changes: a known period, once; known references; the changed data
    (and every scenario on top of it) valid."""
    out: list[Problem] = []
    seen: set[str] = set()
    for change in horizon.changes:
        record = f"horizon period '{change.id}'"
        line = inst.lines.get(f"horizon/{change.id}")

        def err(fld: str | None, msg: str, record: str = record, line=line) -> None:
            out.append(Problem(inst.path, record, fld, msg, line))

        if change.id not in horizon.labels:
            err("period", f"'{change.id}' is not a period of the horizon (periods: "
                f"{', '.join(horizon.labels)})")
            continue
        if change.id in seen:
            err("period", "changed twice (give one record per period)")
            continue
        seen.add(change.id)
        check_changes(inst, change, err)
    if out:
        return out
    for t, label in enumerate(horizon.labels):
        found = _change_of(horizon, label)
        if found is None:
            continue
        change = found
        record = f"horizon period '{label}'"
        line = inst.lines.get(f"horizon/{label}")
        sub = period_instance(inst, t)
        out += changed_problems(sub, bool(change.new_arcs), record, line)
        for sc in inst.scenarios:
            both = materialize(sub, sc)
            out += changed_problems(both, bool(change.new_arcs or sc.new_arcs),
                                    f"{record} in scenario '{sc.id}'", line)
    return out


__all__ = ["horizon_problems", "period_instance"]
