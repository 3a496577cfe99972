"""Readable summaries of results (plain text through rich tables).

Every figure carries its unit (``report.units``): values and harm in the instance's
``units``, deliveries in each commodity's unit, spends in each resource's. A plan is
explained when the result carries an explanation (``solve(explain=True)``): what each
action does and buys, what the plan displaces, and the routes of each commodity.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table

from ..instance.units import Unit, Units
from ..results.explain import Explanation, Shift
from ..results.horizon import HorizonResult
from ..results.types import BeliefsSummary, InterdictionResult
from ..studies.explain import MODE_WORDS
from .units import amount, header, number, pct, quantity

#: routes shown per commodity when the plan is explained
ROUTES_PER_COMMODITY = 3
#: rows of the displacement table (the JSON output has every one)
SHIFT_ROWS = 12
#: the widest a column of figures of the explanation grows (its title wraps; the words
#: of what each action does get the rest)
FIGURE_WIDTH = 16


def _console(buf: io.StringIO, width: int) -> Console:
    """A plain-text console: tables fit ``width``; a line of prose is never cut (soft wrap:
    the terminal wraps it, or nothing does in a file)."""
    return Console(markup=False, file=buf, width=width, force_terminal=False, color_system=None,
                   highlight=False, emoji=False, soft_wrap=True)


def _gap(v: float | None) -> str:
    return "—" if v is None else f"{v:.4%}"


def status_text(r: InterdictionResult | HorizonResult) -> str:
    """"proven optimal" only for a plan proven within the default tolerance; a solve that
    stopped at a looser requested gap says so, with the gap it proved."""
    if not r.optimal:
        return f"NOT proven optimal ({r.termination.value})"
    requested = float(r.options.get("rel_gap", 1e-6))
    if requested > 1e-6 and (r.gap or 0.0) > 1e-6:
        return (f"optimal within the requested gap of {requested:.2%} (proven gap "
                f"{(r.gap or 0.0):.2%}): a better plan may exist")
    return "proven optimal"


def _measure_unit(r: InterdictionResult) -> Unit:
    """The unit of what the certificate measured: harm, else the smuggler's value."""
    return r.units.harm if r.certificate.measure.startswith("harm") else r.units.value


def headline(r: InterdictionResult) -> list[str]:
    """Instance, status, value, bound, check and harm lines."""
    v, u = r.units.value, r.units
    out = [f"Instance  {r.instance}  ({r.instance_path})",
           f"Status    {status_text(r)}; termination {r.termination.value}; method {r.method}"]
    bel = r.beliefs
    if bel is not None and r.harm is None:
        out.append(f"Value     smuggler's true value {quantity(bel.before.true_value, v)} "
                   f"before → {quantity(bel.after.true_value, v)} after the plan ({bel.mode} "
                   f"tie-break); it believes {quantity(r.value_before, v)} → "
                   f"{quantity(r.value_after, v)}")
    else:
        out.append(f"Value     smuggler's value {quantity(r.value_before, v)} before → "
                   f"{quantity(r.value_after, v)} after the plan ({pct(r.reduction)} less)"
                   + ("; as it believes" if bel is not None else ""))
    cert = r.certificate
    mu = _measure_unit(r)
    figures = (f"{quantity(cert.plan_value, mu, exact=True)} (MILP "
               f"{quantity(cert.claimed_value, mu, exact=True)}, tolerance "
               f"{quantity(cert.tolerance, mu)})")
    if r.harm is None:
        out.append(f"Bound     proven lower bound {quantity(r.bound, mu)}; gap {_gap(r.gap)}")
    if bel is not None and r.harm is None:
        out.append(f"Check     PASSED ({len(cert.checks)} checks): with the plan fixed, the "
                   f"smuggler's LP on the data it believes and its least and most favourable "
                   f"optimal responses re-solved: {cert.measure} {figures}")
    elif r.harm is None:
        out.append(f"Check     PASSED ({len(cert.checks)} checks): smuggler's LP re-solved with "
                   f"the plan fixed gives {figures}")
    else:
        out.append(f"Check     PASSED ({len(cert.checks)} checks): with the plan fixed, the "
                   f"smuggler's LP and its least and most harmful optimal responses "
                   f"re-solved: {r.harm.mode} harm {figures}")
    if r.harm is not None:
        h, hu = r.harm, u.harm
        change = "" if h.harm_before <= 0 else f" ({pct(1 - h.harm_after / h.harm_before)} less)"
        out.append(f"Harm      planner's harm ({h.mode} tie-break) {quantity(h.harm_before, hu)} "
                   f"before → {quantity(h.harm_after, hu)} after{change}; bound "
                   f"{quantity(h.bound, hu)}, gap {_gap(h.gap)}")
        if abs(h.optimistic_after - h.pessimistic_after) > cert.tolerance:
            out.append(f"          this plan: {quantity(h.optimistic_after, hu)} if the smuggler "
                       f"breaks ties in the planner's favour, "
                       f"{quantity(h.pessimistic_after, hu)} if against")
        else:
            out.append("          this plan: the same harm whichever way the smuggler breaks "
                       "ties")
    out.extend(f"Note      {note}" for note in r.notes)
    return out


def render_solve(result: InterdictionResult, *, routes: int = 10, width: int = 110) -> str:
    """The summary ``interdict solve`` prints."""
    buf = io.StringIO()
    con = _console(buf, width)
    r = result
    for line in headline(r):
        con.print(line)
    if r.beliefs is not None:
        con.print(_beliefs_table(r.beliefs, r.units, expected=bool(r.scenarios)))
    con.print(plan_table(r))
    if r.explanation is not None and r.explanation.actions:
        con.print(explanation_table(r, r.explanation))
    con.print(_delivered_table(r))
    con.print(_per_market_table(r))
    if r.explanation is not None and r.explanation.displaced:
        con.print(displacement_table(r.explanation.displaced, r.units))
    _seizures_per_arc(con, r)
    _per_group(con, r)
    if r.scenarios:
        con.print(_scenario_table(r))
    if routes:
        con.print(_routes_table(r, routes))
    ms, tm = r.model_size, r.timings
    con.print(f"Model     {ms.get('columns', 0):,} columns ({ms.get('integer_columns', 0):,} "
              f"binary), {ms.get('rows', 0):,} rows, {ms.get('nonzeros', 0):,} nonzeros; "
              f"{r.node_count:,} branch-and-bound nodes")
    e = r.explanation
    explained = ("" if e is None else
                 f", explanation {e.seconds:.3f} s ({len(e.actions)} re-solves"
                 + (f", {len(e.actions) + 1} of the harm" if e.harm_avoided else "") + ")")
    con.print(f"Times     build {tm.build:.3f} s, solve {tm.solve:.3f} s, check {tm.check:.3f} s, "
              f"baseline {tm.baseline:.3f} s, total {tm.total:.3f} s{explained}")
    return buf.getvalue()


def plan_table(r: InterdictionResult) -> Table:
    """The chosen actions with their levels and costs, the spend and the budgets."""
    units = "; ".join(f"{res} in {r.units.resource(res).label}" for res in r.budgets
                      if r.units.resource(res).label)
    t = Table(title="Plan", title_justify="left", caption=f"costs: {units}" if units else None,
              caption_justify="left")
    t.add_column("action")
    t.add_column("level", justify="right")
    t.add_column("label / name")
    for res in r.budgets:
        t.add_column(res, justify="right")
    for a in r.actions:
        t.add_row(a.action, str(a.level), a.label or a.name,
                  *[number(a.cost.get(res, 0.0)) for res in r.budgets])
    if not r.actions:
        t.add_row("(no action)", "", "", *["" for _ in r.budgets])
    t.add_row("spent", "", "", *[number(r.spend[res]) for res in r.budgets], style="bold")
    t.add_row("budget", "", "", *[number(r.budgets[res]) for res in r.budgets])
    return t


def explanation_table(r: InterdictionResult, e: Explanation, limit: int | None = None
                      ) -> Table:
    """Per chosen action, most valuable first: what it buys (the objective lost if it
    alone is dropped) and what it does; ``limit``: only the first few (the rest counted)."""
    harm = e.objective == "harm"
    lost_unit = r.units.harm if harm else r.units.value
    what = "harm" if harm else ("true value" if e.objective == "true value" else "value")
    t = Table(title=f"What each action buys and does (the smuggler's {what} with that action "
                    "alone dropped, re-solved)" if not harm else
              "What each action buys and does (the planner's harm with that action alone "
              "dropped, re-solved)", title_justify="left")
    shown = sorted(e.actions, key=lambda a: (-a.objective_lost, a.action))
    more = len(shown) - limit if limit is not None and len(shown) > limit else 0
    captions = []
    if more:
        shown = shown[:limit]
        captions.append(f"… and {more} more actions")
    t.add_column("action", overflow="fold")
    figure: dict[str, Any] = {"justify": "right", "overflow": "fold", "max_width": FIGURE_WIDTH}
    t.add_column(header(f"buys: {what} lost if dropped", lost_unit), **figure)
    if harm:
        t.add_column(header("smuggler's value lost", r.units.value), **figure)
    if e.harm_avoided:
        t.add_column(header("harm avoided", r.units.harm), **figure)
        captions.append(HARM_AVOIDED_CAPTION)
    t.add_column("what it does", overflow="fold")
    for a in shown:
        row = [f"{a.action} @ {a.level}", amount(a.objective_lost, lost_unit)]
        if harm:
            row.append(amount(a.value_lost, r.units.value, signed=True))
        if e.harm_avoided:
            row.append(tie_pair(a.harm_avoided or {}, r.units.harm, signed=True))
        row.append("; ".join(a.does))
        t.add_row(*row)
    if captions:
        t.caption, t.caption_justify = "\n".join(captions), "left"
    return t


#: what the explanation's harm column means
HARM_AVOIDED_CAPTION = (
    "harm avoided: the planner's harm with the action dropped less the plan's (both "
    "re-solved); a / b: if the smuggler breaks ties in the planner's favour / against, shown "
    "only where they differ; negative: the action pushes the smuggler into more harm")


def tie_pair(by_tie: dict[str, float], unit: Unit, digits: int = 3, *,
             signed: bool = False) -> str:
    """A figure counted under each tie-break it was counted under (``optimistic``,
    ``pessimistic``): ``a / b`` where they differ (beyond 10⁻⁶ of their size, and as
    printed), else one."""
    vals = [float(by_tie[m]) for m in ("optimistic", "pessimistic") if m in by_tie]
    if not vals:
        return "—"
    texts = [amount(v, unit, digits, signed=signed) for v in vals]
    if len(vals) == 2 and abs(vals[0] - vals[1]) > 1e-6 * max(1.0, abs(vals[0])) \
            and texts[0] != texts[1]:
        return " / ".join(texts)
    return texts[0]


def _delivered_table(r: InterdictionResult) -> Table:
    u, e = r.units, r.explanation
    bel = r.beliefs
    harm = e.harm_by_commodity if e is not None else {}
    t = Table(title="Delivered per commodity", title_justify="left")
    t.add_column("commodity")
    t.add_column("before", justify="right")
    t.add_column("after", justify="right")
    t.add_column("change", justify="right")
    t.add_column("seized after" + (" (believed)" if bel is not None else ""), justify="right")
    if harm:
        t.add_column(header("harm after", u.harm), justify="right")
    order = e.commodity_order if e is not None else sorted(r.before.delivered_by_commodity)
    for k in order:
        before = r.before.delivered_by_commodity.get(k, 0.0)
        after = r.after.delivered_by_commodity.get(k, 0.0)
        if before == 0 and after == 0:
            continue
        uk = u.commodity(k)
        row = [k, quantity(before, uk), quantity(after, uk), _change(before, after),
               quantity(r.after.seized.get(k, 0.0), uk)]
        if harm:
            row.append(amount(harm.get(k, 0.0), u.harm))
        t.add_row(*row)
    return t


def _change(before: float, after: float) -> str:
    """``-32.5%``; a rise is flagged ``▲ +3.7%``."""
    if before == 0:
        return "—" if after == 0 else "▲ new"
    change = after / before - 1
    if abs(change) < 0.0005:
        return "0.0%"
    text = pct(change, signed=True)
    return f"▲ {text}" if change > 0 else text


def _per_market_table(r: InterdictionResult) -> Table:
    t = Table(title="Delivered per market and commodity (▲: rises under the plan)",
              title_justify="left")
    for col in ("market", "commodity", "before", "after", "change"):
        t.add_column(col, justify="right" if col in ("before", "after", "change") else "left")
    for key in sorted(set(r.before.delivered) | set(r.after.delivered)):
        was, now = r.before.delivered.get(key, 0.0), r.after.delivered.get(key, 0.0)
        if abs(was) < 1e-9 and abs(now) < 1e-9:
            continue
        uk = r.units.commodity(key[1])
        t.add_row(key[0], key[1], quantity(was, uk), quantity(now, uk), _change(was, now))
    return t


_SHIFT_WHERE = {"commodity": "delivered in all", "market": "delivered to {}",
                "mode": "carried on {}"}


def displacement_table(shifts: tuple[Shift, ...], units: Units) -> Table:
    """What rises under the plan, largest relative rise first (``SHIFT_ROWS`` rows)."""
    def size(s: Shift) -> float:
        return s.rise / s.before if s.before > 0 else float("inf")

    order = {"commodity": 0, "market": 1, "mode": 2}
    shown = sorted(shifts, key=lambda s: (order[s.kind], -size(s), s.where, s.commodity))
    more = len(shown) - SHIFT_ROWS
    t = Table(title="Displacement: what rises under the plan", title_justify="left",
              caption=f"{more} more in --json" if more > 0 else None, caption_justify="left")
    for col in ("where", "commodity", "before", "after", "change"):
        t.add_column(col, justify="right" if col in ("before", "after", "change") else "left")
    for s in shown[:SHIFT_ROWS]:
        uk = units.commodity(s.commodity)
        where = _SHIFT_WHERE[s.kind].format(MODE_WORDS.get(s.where, (s.where,) * 2)[1]
                                            if s.kind == "mode" else s.where)
        t.add_row(where, s.commodity, quantity(s.before, uk), quantity(s.after, uk),
                  _change(s.before, s.after))
    return t


def _scenario_table(r: InterdictionResult) -> Table:
    v = r.units.value
    t = Table(title=f"Scenarios (risk measure: {r.risk}"
                    + (f", α = {r.cvar_alpha:g}" if r.cvar_alpha is not None else "") + ")",
              title_justify="left")
    t.add_column("scenario", overflow="fold")
    t.add_column("probability", justify="right")
    t.add_column(header("value before", v), justify="right")
    t.add_column(header("value after", v), justify="right")
    comms = sorted({k for s in r.scenarios for k, x in s.delivered_before.items() if x > 1e-9})
    for k in comms:
        t.add_column(header(f"{k} after", r.units.commodity(k)), justify="right")
    for s in r.scenarios:
        t.add_row(s.id, f"{s.probability:.4g}", amount(s.value_before, v, 4),
                  amount(s.value_after, v, 4),
                  *[amount(s.delivered_after.get(k, 0.0), r.units.commodity(k))
                    for k in comms])
    return t


def _routes_table(r: InterdictionResult, routes: int) -> Table:
    """The smuggler's main routes: per commodity (the explanation's order, a few each) when
    the plan is explained, else the ``routes`` most valuable."""
    v = r.units.value
    e = r.explanation
    if e is not None:
        per = max(1, min(routes, ROUTES_PER_COMMODITY))
        rows = [rt for k in e.commodity_order
                for rt in [x for x in r.after.routes if x.commodity == k][:per]]
        why = ("most harm delivered first" if e.harm_by_commodity
               else "most value delivered first")
        title = f"Main routes of the smuggler's best response, per commodity (top {per}; {why})"
    else:
        rows = list(r.after.routes[:routes])
        title = f"Main routes of the smuggler's best response (top {routes})"
    t = Table(title=title, title_justify="left")
    t.add_column("commodity")
    t.add_column("delivered", justify="right")
    t.add_column(header("value", v), justify="right")
    t.add_column("route", overflow="fold")
    for rt in rows:
        t.add_row(rt.commodity, quantity(rt.units_delivered, r.units.commodity(rt.commodity)),
                  amount(rt.value, v), rt.describe())
    if not rows:
        t.add_row("", "0", "", "(nothing reaches a market)")
    return t


def _beliefs_table(b: BeliefsSummary, units: Units, *, expected: bool) -> Table:
    """The counted response before and after, as the smuggler believes it and as it is."""
    t = Table(title="What the smuggler believes and what happens (" + b.mode + " tie-break"
                    + ("; expected over scenarios" if expected else "") + ")",
              title_justify="left")
    t.add_column("")
    t.add_column("before", justify="right")
    t.add_column("after", justify="right")
    value, harm, none = units.value, units.harm, Unit("units (all commodities)")
    rows: tuple[tuple[str, str, Unit], ...] = (
        ("smuggler's value, believed", "believed_value", value),
        ("smuggler's value, true", "true_value", value),
        ("units seized, believed", "believed_seized", none),
        ("units seized, true", "true_seized", none),
        ("harm (deliveries as planned)", "harm", harm))
    for label, attr, unit in rows:
        t.add_row(label, quantity(getattr(b.before, attr), unit),
                  quantity(getattr(b.after, attr), unit))
    return t


#: arcs shown in the table of seizures (the JSON output has every one)
SEIZURE_ROWS = 15


def _seizures_per_arc(con: Console, r: InterdictionResult) -> None:
    """Expected units seized per arc and commodity (p·f), before and after the plan: the
    largest ``SEIZURE_ROWS`` (compared in each commodity's base unit)."""
    keys = set(r.before.seized_by_arc) | set(r.after.seized_by_arc)
    if not keys:
        return
    size = {k: max(r.before.seized_by_arc.get(k, 0.0), r.after.seized_by_arc.get(k, 0.0))
            for k in keys}
    shown = sorted(keys, key=lambda k: (-size[k], k))[:SEIZURE_ROWS]
    more = len(keys) - len(shown)
    t = Table(title="Seized per arc and commodity (expected)", title_justify="left",
              caption=f"the largest {len(shown)}; {more} more in --json" if more else None,
              caption_justify="left")
    for col in ("arc", "commodity", "before", "after"):
        t.add_column(col, justify="right" if col in ("before", "after") else "left")
    for arc, k in shown:
        uk = r.units.commodity(k)
        t.add_row(arc, k, quantity(r.before.seized_by_arc.get((arc, k), 0.0), uk),
                  quantity(r.after.seized_by_arc.get((arc, k), 0.0), uk))
    con.print(t)


def _per_group(con: Console, r: InterdictionResult) -> None:
    """Units seized on and delivered to each group of the instance, before and after."""
    b, a = r.before, r.after
    keys = sorted(set(b.seized_by_group) | set(a.seized_by_group) | set(b.delivered_by_group)
                  | set(a.delivered_by_group))
    if not keys:
        return
    t = Table(title="Seized on and delivered to each group (expected)", title_justify="left")
    for col in ("group", "commodity", "seized before", "seized after", "delivered before",
                "delivered after"):
        t.add_column(col, justify="left" if col in ("group", "commodity") else "right")
    for g, k in keys:
        uk = r.units.commodity(k)
        t.add_row(g, k, *[quantity(d.get((g, k), 0.0), uk) for d in (
            b.seized_by_group, a.seized_by_group, b.delivered_by_group, a.delivered_by_group)])
    con.print(t)


# ----------------------------------------------------------------------------- harm plans


def render_harm(comp: Any, *, routes: int = 10, width: int = 110) -> str:
    """``interdict solve --objective harm``: the harm plan's report once when both
    tie-breaks chose the same plan (else once per tie-break), then the comparison."""
    modes = list(comp.harm_results)
    first = comp.harm_results[modes[0]]
    parts = [render_solve(first, routes=routes, width=width)]
    for m in modes[1:]:
        other = comp.harm_results[m]
        if other.plan == first.plan:
            h = other.harm
            parts.append(f"Harm plan ({m} tie-break): the same plan; its harm "
                         f"{quantity(h.harm_after, other.units.harm)} (bound "
                         f"{quantity(h.bound, other.units.harm)}, gap {_gap(h.gap)}), "
                         f"certified ({len(other.certificate.checks)} checks)\n")
        else:
            parts.append(render_solve(other, routes=routes, width=width))
    parts.append(render_comparison(comp, width=width))
    return "\n".join(parts)


def render_comparison(comp: Any, *, width: int = 110) -> str:
    """The zero-sum plan against the harm plan(s): one column per plan, one row per figure
    (smuggler's value, deliveries and harm per commodity, total harm); a figure that
    depends on how the smuggler breaks ties shows both (optimistic / pessimistic)."""
    buf = io.StringIO()
    con = _console(buf, width)
    units: Units = comp.zero_sum.units
    by_label: dict[str, dict[str, Any]] = {}
    for o in comp.outcomes:
        by_label.setdefault(o.label, {})[o.mode] = o
    labels = [lb for lb in by_label if not (lb.startswith("harm plan (") and _same_plan(
        by_label, lb))]
    con.print("Zero-sum plan versus harm plan (the smuggler re-optimises its value; deliveries "
              "and harm counted under each tie-break, shown twice only where they differ)")
    for lb in labels:
        o = next(iter(by_label[lb].values()))
        con.print(f"  {_short(lb)}: {_plan_text(o.plan.as_dict())}")
    comms = sorted({k for o in comp.outcomes for k, x in o.delivered.items() if x > 1e-9}
                   | {k for o in comp.outcomes for k, x in o.harm.items() if x > 1e-9})
    t = Table(title_justify="left")
    t.add_column("")
    for lb in labels:
        t.add_column(_short(lb), justify="right")
    rows: list[tuple[str, Any, Unit]] = [("smuggler's value", "smuggler_value", units.value)]
    rows += [(f"{k} delivered", ("delivered", k), units.commodity(k)) for k in comms]
    rows += [(f"{k} harm", ("harm", k), units.harm) for k in comms]
    rows.append(("total harm", "total_harm", units.harm))
    for title, attr, unit in rows:
        t.add_row(header(title, unit), *[_cell(by_label[lb], attr, unit) for lb in labels])
    con.print(t)
    con.print(_shift_text(comp, by_label, labels))
    return buf.getvalue()


def _same_plan(by_label: dict[str, dict[str, Any]], label: str) -> bool:
    """A later tie-break's harm plan equal to the first one's (listed once)."""
    harm = [lb for lb in by_label if lb.startswith("harm plan (")]
    if label == harm[0]:
        return False
    plan = next(iter(by_label[label].values())).plan
    return plan == next(iter(by_label[harm[0]].values())).plan


def _short(label: str) -> str:
    return label.replace("harm plan (optimistic)", "harm plan").replace(
        "harm plan (pessimistic)", "harm plan (pess.)") if label.startswith("harm") else label


def _cell(outcomes: dict[str, Any], attr: Any, unit: Unit) -> str:
    """One figure of one plan under each tie-break it was counted under (``tie_pair``)."""
    def figure(o: Any) -> float:
        return getattr(o, attr) if isinstance(attr, str) else getattr(o, attr[0]).get(attr[1],
                                                                                       0.0)

    return tie_pair({mode: figure(o) for mode, o in outcomes.items()}, unit, 4)


def _plan_text(plan: dict[str, int]) -> str:
    return ", ".join(f"{a}@{lv}" for a, lv in sorted(plan.items())) or "(no action)"


def _shift_text(comp: Any, by_label: dict[str, dict[str, Any]], shown: list[str]) -> str:
    """The substitution warning: each plan that raises the deliveries of some commodity
    above the no-action level, with the units before and after; or that no plan does. The
    plans are those of the table (``shown``: a harm plan both tie-breaks chose, once)."""
    units: Units = comp.zero_sum.units
    shifts = comp.shifts()
    if not shifts:
        return "No plan raises the deliveries of any commodity above the no-action level."
    lines = ["WARNING - substitution: these plans raise the deliveries of a commodity above "
             "the no-action level (suppressing one drug pushes the smuggler into another):"]
    by_rise: dict[tuple[str, str, float, float], list[str]] = {}
    for s in shifts:  # a rise the same under both tie-breaks is listed once
        label = s.label if s.label in shown else _shown_as(by_label, s.label, shown)
        key = (label, s.commodity, round(s.before, 6), round(s.after, 6))
        by_rise.setdefault(key, []).append(s.mode)
    for (label, k, before, after), modes in by_rise.items():
        rise = pct((after - before) / before, signed=True) if before > 0 else "from none"
        u = units.commodity(k)
        ties = "both tie-breaks" if len(modes) > 1 else f"{modes[0]} ties"
        lines.append(f"  {_short(label)} ({ties}): {k} delivered {quantity(before, u)} → "
                     f"{quantity(after, u)} ({rise})")
    raised = {label for label, *_ in by_rise}
    clean = [lb for lb in shown if lb != "no action" and lb not in raised]
    if clean:
        lines.append(f"  raising none: {', '.join(_short(lb) for lb in clean)}")
    return "\n".join(lines)


def _shown_as(by_label: dict[str, dict[str, Any]], label: str, shown: list[str]) -> str:
    """The table's label for a plan listed under another label (the same harm plan)."""
    plan = next(iter(by_label[label].values())).plan
    return next(lb for lb in shown if next(iter(by_label[lb].values())).plan == plan
                and lb.startswith("harm plan ("))


__all__ = ["displacement_table", "explanation_table", "headline", "plan_table",
           "render_comparison", "render_harm", "render_solve", "status_text", "tie_pair"]
