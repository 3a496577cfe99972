"""Read a plan file and check it against an instance.

A plan file is JSON (or YAML): ``{"action": level, …}``, or a result written by
``interdict solve --json`` (its ``plan`` field). Every problem is reported at once with the
file, the line and the action: a repeated action, an unknown action, a level the action
does not have, a level that is not a whole number, and a plan that breaks a budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..compile.network import Plan
from ..errors import InstanceError, Problem
from .loader import parse, quote
from .model import Instance


def read_plan(path: str | Path, inst: Instance, *, check_budgets: bool = True) -> Plan:
    """The plan in ``path``, checked against ``inst`` (see the module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstanceError([Problem(str(p), "file", None, "no such file", None)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError([Problem(str(p), "file", None, f"cannot read: {exc}", None)]) \
            from None
    fmt = "yaml" if p.suffix.lower() in (".yaml", ".yml") else "json"
    data, problems = parse(text, str(p), fmt)  # duplicate keys are problems here
    if problems:
        raise InstanceError(problems)
    return plan_of(data, str(p), inst, check_budgets=check_budgets)


def plan_of(data: Any, path: str, inst: Instance, *, check_budgets: bool = True) -> Plan:
    """A plan from plain data (a mapping action → level, or a solve result)."""
    if isinstance(data, dict) and isinstance(data.get("plan"), dict):
        data = data["plan"]
    if not isinstance(data, dict):
        raise InstanceError([Problem(path, "plan", None, "must be a mapping action → level "
                                     f"(or a solve result), got {quote(data)}", None)])
    line = getattr(data, "line", None)
    actions = {a.id: a for a in inst.actions}
    problems: list[Problem] = []
    levels: dict[str, int] = {}
    for action, level in data.items():
        record = f"action '{action}'"
        if action not in actions:
            known = ", ".join(sorted(actions)) or "none"
            problems.append(Problem(path, record, None, f"unknown action (actions: "
                                    f"{quote(known, 200)})", line))
            continue
        if isinstance(level, bool) or not isinstance(level, int) or level < 0:
            problems.append(Problem(path, record, "level", f"must be a whole number ≥ 0, got "
                                    f"{quote(level)}", line))
            continue
        n = len(actions[action].levels)
        if level > n:
            problems.append(Problem(path, record, "level", f"is {level} but the action has "
                                    f"levels 1..{n}", line))
            continue
        levels[action] = level
    plan = Plan.of(levels)
    if check_budgets and not problems:
        spend = {r.id: 0.0 for r in inst.resources}
        for action, level in plan.levels:
            for rid, amount in actions[action].levels[level - 1].cost.items():
                spend[rid] = spend.get(rid, 0.0) + amount
        for r in inst.resources:
            if spend[r.id] > r.budget + 1e-9 * max(1.0, abs(r.budget)):
                problems.append(Problem(path, "plan", r.id,
                                        f"spends {spend[r.id]:g} {r.unit or ''} of '{r.id}' "
                                        f"but the budget is {r.budget:g} (raise it with "
                                        f"--budget {r.id}=…)".replace("  ", " "), line))
    if problems:
        raise InstanceError(problems)
    return plan
