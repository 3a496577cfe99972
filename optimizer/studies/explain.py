"""Explain a plan: what each chosen action does (its effects in words, from the instance),
what it buys (the objective with that action alone dropped, re-solved afresh), what the
plan displaces (deliveries and transport modes that rise), and which commodities matter
most (harm delivered, when the instance has harm weights).

What an action buys is its leave-one-out value: with the plan P certified at objective
F(P), action j is worth F(P ∖ {j}) − F(P), where F(P ∖ {j}) is the smuggler's LP (for the
harm objective: its least or most harmful optimal response) re-solved with P ∖ {j} fixed,
exactly as ``pipeline.evaluate_plan`` does. The values do not add up to F(∅) − F(P):
actions substitute for one another (two scanners on one lane) or complement one another.

With another objective on an instance with harm weights, the harm each action avoids is
H_t(P ∖ {j}) − H_t(P) under each tie-break t (the smuggler's least harmful optimal
response, optimistic, and its most harmful, pessimistic), as the harm report counts harm;
negative when the action pushes the smuggler into a more harmful mix. ``pipeline.solve``
adds it only when the time limit leaves room for those evaluations.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..certify.evaluate import Evaluator, PlanEvaluation
from ..compile.network import Plan
from ..instance.model import Action, Arc, Effect, Instance
from ..instance.targets import TargetIndex, resolve_targets
from ..instance.units import Unit
from ..options import Tie
from ..report.units import number, quantity
from ..results.explain import ActionExplanation, Explanation, Shift
from ..results.types import InterdictionResult, Response

if TYPE_CHECKING:  # pragma: no cover
    from ..compile.problem import DefenderProblem

#: transport modes in words: (one, several)
MODE_WORDS: dict[str, tuple[str, str]] = {
    "sea_container": ("container route", "container routes"),
    "air_cargo": ("air-cargo route", "air-cargo routes"),
    "parcel": ("parcel route", "parcel routes"),
    "truck": ("truck route", "truck routes"),
    "rail": ("rail route", "rail routes"),
    "road": ("road", "roads"),
    "poe_private": ("private-vehicle lane", "private-vehicle lanes"),
    "poe_commercial": ("commercial lane", "commercial lanes"),
    "pedestrian": ("pedestrian crossing", "pedestrian crossings"),
    "drone": ("drone route", "drone routes"),
    "tunnel": ("tunnel", "tunnels"),
    "wall_breach": ("wall breach", "wall breaches"),
    "maritime": ("maritime route", "maritime routes"),
    "courier": ("courier route", "courier routes"),
    "transfer": ("transfer", "transfers"),
    "other": ("arc", "arcs"),
}
#: at most this many elements are named in a sentence; the rest are counted
NAMED = 3
#: a name that reads as one item in a sentence's lists: word characters, spaces and
#: ``. ' / & -``; no comma, semicolon, parenthesis, quote or en dash (the pair separator)
_PLAIN = re.compile(r"[\w.'/&-]+(?: [\w.'/&-]+)*")


def name_text(name: str) -> str:
    """``name`` as one item of a sentence: as it is when plain (``_PLAIN``, and not holding
    the word ``and``, which joins a list's last two items), else in double quotes with any
    quote inside doubled (``"Heroin processing, Guerrero"``), so that the commas, ``and``
    and ``–`` of a listing never split one name or join two."""
    if _PLAIN.fullmatch(name) and " and " not in f" {name} ":
        return name
    return '"' + name.replace('"', '""') + '"'


def listing(items: Sequence[str], named: int = NAMED) -> str:
    """``a``, ``a and b``, ``a, b and c``, ``a, b, c and 4 more``."""
    if len(items) > named + 1:
        return ", ".join(items[:named]) + f" and {len(items) - named} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class Describer:
    """Effects of an instance's actions in words: ``raises the seizure probability of the
    private-vehicle lanes Tijuana–San Diego and Mexicali–Calexico by 3.6 points``."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.index = TargetIndex(inst)
        self.nodes = {n.id: n for n in inst.nodes}
        self.arcs: dict[str, Arc] = {a.id: a for a in inst.arcs}
        for sc in inst.scenarios:
            self.arcs.update((a.id, a) for a in sc.new_arcs)
        self.recipes = {r.id: r for r in inst.recipes}
        value = inst.units.value
        # a cost per load unit is money, not money per year: the value unit without "per …"
        self.money = Unit(value.name.split(" per ")[0], value.scale)

    def place(self, node_id: str) -> str:
        """A node's name without its parenthesis (``Culiacan``), else its id; quoted when it
        would not read as one item (``name_text``)."""
        n = self.nodes.get(node_id)
        name = (n.name if n is not None and n.name else node_id)
        return name_text(name.split(" (")[0].strip() or node_id)

    def arc_words(self, arc_ids: Iterable[str]) -> list[str]:
        """Arcs grouped by mode: ``the private-vehicle lanes Tijuana–San Diego and …``."""
        by_mode: dict[str, list[str]] = {}
        for a in sorted(arc_ids):
            arc = self.arcs.get(a)
            mode = arc.mode if arc is not None else "other"
            pair = (name_text(a) if arc is None
                    else f"{self.place(arc.source)}–{self.place(arc.target)}")
            by_mode.setdefault(mode, []).append(pair)
        out = []
        for mode, pairs in sorted(by_mode.items()):
            one, several = MODE_WORDS.get(mode, (mode, mode))
            counted = [p if pairs.count(p) == 1 else f"{p} (×{pairs.count(p)})"
                       for p in dict.fromkeys(pairs)]
            out.append(f"the {several if len(pairs) > 1 else one} {listing(counted)}")
        return out

    def targets(self, effect: Effect) -> str:
        """What an effect acts on, in words (selectors kept as such: ``every drone route
        (4)``, ``every route CJNG holds (12)``)."""
        t = effect.targets
        parts = []
        for m in t.modes:
            n = len(self.index.arcs_by_mode.get(m, ()))
            one, several = MODE_WORDS.get(m, (m, m))
            parts.append(f"the {one}" if n == 1 else f"all {n} {several}")
        for org in t.organizations:
            if effect.type == "cut_supply":
                parts.append(f"every place {name_text(org)} holds")
            else:
                n = len(self.index.arcs_by_org.get(org, ()))
                parts.append(f"all {n} routes {name_text(org)} holds")
        if t.arcs:
            parts.append(listing(self.arc_words(t.arcs), 9))
        nodes = [self.place(n) for n in t.nodes]
        if nodes:
            parts.append(listing(nodes))
        recipes = [f"{name_text(r.output)} making at {self.place(r.node)}" if r
                   else name_text(rid) for rid in t.recipes for r in [self.recipes.get(rid)]]
        if recipes:
            parts.append(listing(recipes))
        return listing(parts, 9) or "nothing"

    def effect(self, effect: Effect, level: int, what: str | None = None) -> str:
        """One effect at ``level`` (1-based) as a sentence without the final full stop;
        ``what``: its targets in words (default: ``targets(effect)``)."""
        amt = effect.amounts[level - 1] if effect.amounts else 0.0
        what = self.targets(effect) if what is None else what
        only = (f" (for {listing([name_text(k) for k in effect.targets.commodities], 9)} only)"
                if effect.targets.commodities is not None and effect.type != "cut_supply"
                else "")
        if effect.type == "remove":
            return f"removes {what}"
        if effect.type == "raise_seizure":
            return (f"raises the seizure probability of {what} by {number(amt * 100)} "
                    f"points{only}")
        if effect.type == "raise_cost":
            return (f"raises the smuggler's cost on {what} by {quantity(amt, self.money)} "
                    f"per load unit{only}")
        if effect.type == "cut_capacity":
            return f"cuts the capacity of {what} by {number(amt * 100)}%"
        if effect.type == "cut_supply":
            goods = sorted({name_text(k) for _, k in resolve_targets(self.inst, effect,
                                                                     self.index).supplies})
            return f"cuts the supply of {listing(goods, 9) or 'product'} at {what} by " \
                   f"{number(amt * 100)}%"
        return f"{effect.type} on {what}"  # pragma: no cover - EFFECT_TYPES are all above

    def action(self, action: Action, level: int) -> tuple[str, ...]:
        """Each effect of ``action`` at ``level``; targets named by the previous effect too
        read ``the same``."""
        out, last = [], None
        for e in action.effects:
            what = self.targets(e)
            out.append(self.effect(e, level, "the same" if what == last else what))
            last = what
        return tuple(out)


def action_sources(inst: Instance, action: Action, level: int
                   ) -> tuple[tuple[str, ...], dict[str, str]]:
    """The source notes of an action's effect amounts at ``level`` and of its costs."""
    key = f"actions/{action.id}"
    effects = tuple(inst.sources.get(f"{key}/effects/{i + 1}/level{level}/amount", "")
                    for i in range(len(action.effects)))
    cost_key = f"{key}/cost" if len(action.levels) == 1 else f"{key}/levels/{level}/cost"
    costs = {r: inst.sources[f"{cost_key}/{r}"] for r in action.levels[level - 1].cost
             if f"{cost_key}/{r}" in inst.sources}
    return effects, costs


def leave_one_out(evaluator: Evaluator, plan: Plan, action: str) -> PlanEvaluation:
    """The plan without ``action``, evaluated afresh (the certificate's path)."""
    return evaluator(Plan.of({a: lv for a, lv in plan.levels if a != action}), fresh=True)


def shifts(inst: Instance, before: Response, after: Response) -> tuple[Shift, ...]:
    """What rises under the plan: deliveries per market and commodity, per commodity, and
    units entering each transport mode's arcs per commodity (beyond 10⁻⁶ of the
    commodity's largest total, so solver noise is not a shift)."""
    modes = {a.id: a.mode for a in inst.arcs}
    for sc in inst.scenarios:
        modes.update((a.id, a.mode) for a in sc.new_arcs)

    def by_mode(r: Response) -> dict[tuple[str, str], float]:
        out: dict[tuple[str, str], float] = {}
        for (arc, k), v in r.flows.items():
            key = (modes.get(arc, "other"), k)
            out[key] = out.get(key, 0.0) + v
        return out

    scale = {k: max(1.0, before.delivered_by_commodity.get(k, 0.0),
                    after.delivered_by_commodity.get(k, 0.0)) for k in
             set(before.delivered_by_commodity) | set(after.delivered_by_commodity)}
    out: list[Shift] = []
    pairs: list[tuple[str, dict, dict]] = [
        ("commodity", {("", k): v for k, v in before.delivered_by_commodity.items()},
         {("", k): v for k, v in after.delivered_by_commodity.items()}),
        ("market", before.delivered, after.delivered),
        ("mode", by_mode(before), by_mode(after))]
    for kind, was, now in pairs:
        for key in sorted(set(was) | set(now)):
            b, a = was.get(key, 0.0), now.get(key, 0.0)
            if a - b > 1e-6 * scale.get(key[1], 1.0):
                out.append(Shift(kind, key[0], key[1], b, a))
    return tuple(out)


def harm_by_commodity(problem: DefenderProblem, ev: PlanEvaluation) -> dict[str, float]:
    """Σ over scenario blocks of p × Σ_m h_{m,k} × delivered_{m,k}, per commodity k (the
    harm of the responses ``ev`` counts)."""
    out: dict[str, float] = {}
    for sc, sol in zip(problem.scenarios, ev.responses):
        n = sc.net
        for k, d, h in zip(n.del_comm, sol.delivered, n.del_harm):
            out[n.comm_ids[k]] = out.get(n.comm_ids[k], 0.0) + sc.probability * float(d * h)
    return out


def commodity_order(result: InterdictionResult, harm: dict[str, float]) -> tuple[str, ...]:
    """Delivered commodities, most harm first when the instance weighs harm, else most
    value delivered (summed over the plan's routes)."""
    shown = [k for k in sorted(result.before.delivered_by_commodity)
             if result.before.delivered_by_commodity[k] > 0
             or result.after.delivered_by_commodity.get(k, 0.0) > 0]
    value: dict[str, float] = {}
    for r in result.after.routes:
        value[r.commodity] = value.get(r.commodity, 0.0) + r.value
    if any(v > 0 for v in harm.values()):
        return tuple(sorted(shown, key=lambda k: (-harm.get(k, 0.0), -value.get(k, 0.0), k)))
    return tuple(sorted(shown, key=lambda k: (-value.get(k, 0.0), k)))


#: the tie-breaks the harm an action avoids is counted under (as the harm report counts)
TIES = (Tie.OPTIMISTIC, Tie.PESSIMISTIC)
#: an evaluation of the harm under both tie-breaks costs about this many evaluations of the
#: smuggler's value: per block its LP, then its least and its most harmful optimal response
HARM_EVALUATION_COST = 3


def harm_by_tie(problem: DefenderProblem, harm: Evaluator, plan: Plan) -> dict[str, float]:
    """The planner's harm of ``plan`` under each tie-break (``TIES``): the least and the
    most harmful of the smuggler's optimal responses in each block (``harm``: an
    ``OutcomeEvaluator`` of the harm, whose evaluation holds both), combined over the
    blocks by the problem's risk measure — the figures of the harm report
    (``studies.compare.plan_outcome``)."""
    ranges = harm(plan, fresh=True).harm
    return {t.value: problem.combine([r.outcome(t) for r in ranges]) for t in TIES}


def explain_plan(problem: DefenderProblem, evaluator: Evaluator, after: PlanEvaluation,
                 result: InterdictionResult, harm: Evaluator | None = None) -> Explanation:
    """The explanation of ``result``'s plan (module docstring); ``after`` is the plan's
    certified evaluation, ``evaluator`` the formulation's. ``harm``: an evaluator of the
    planner's harm (``OutcomeEvaluator``), to add the harm each action avoids under each
    tie-break: H_t(P ∖ {j}) − H_t(P), both re-solved (None: not added)."""
    t0 = time.perf_counter()
    inst = problem.instance
    words = Describer(inst)
    by_id = {a.id: a for a in inst.actions}
    plan_harm = None if harm is None else harm_by_tie(problem, harm, after.plan)
    actions = []
    for chosen in result.actions:
        act = by_id[chosen.action]
        ev = leave_one_out(evaluator, after.plan, chosen.action)
        eff_src, cost_src = action_sources(inst, act, chosen.level)
        without = avoided = None
        if harm is not None and plan_harm is not None:
            without = harm_by_tie(problem, harm, ev.plan)
            avoided = {t: without[t] - plan_harm[t] for t in without}
        actions.append(ActionExplanation(
            chosen.action, chosen.level, chosen.name, chosen.label,
            words.action(act, chosen.level), eff_src, cost_src,
            ev.objective, ev.objective - after.objective, ev.value, ev.value - after.value,
            without, avoided))
    by_commodity = harm_by_commodity(problem, after) if inst.has_harm else {}
    what = evaluator.objective.value
    if what == "value" and problem.beliefs:
        what = "true value"
    return Explanation(what, tuple(actions), shifts(inst, result.before, result.after),
                       by_commodity, commodity_order(result, by_commodity),
                       time.perf_counter() - t0, plan_harm)
