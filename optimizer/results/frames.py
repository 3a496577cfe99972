"""Results as pandas DataFrames (the optional dependency ``pandas``: ``pip install
'interdict[frames]'``).

``result_frames(result)`` (``InterdictionResult.to_frames()``) gives one table per part of
a certified solve, each column in its own unit:

- ``plan``: action, level, label, name, then the cost in each resource;
- ``delivered``: per commodity, units delivered before and after the plan, the change,
  units seized after, and the commodity's unit;
- ``markets``: per (market, commodity), units delivered before and after;
- ``flows``: per (arc, commodity), units entering the arc before and after;
- ``routes``: the smuggler's main routes after the plan (origin, market, commodities,
  units shipped and delivered, value, the path as text);
- ``scenarios``: per scenario (block), probability and the smuggler's value before and
  after (one row, ``base``, without scenarios).

``sweep_frame(sweep)`` (``SweepResult.to_frames()``) gives one row per budget point.
"""

from __future__ import annotations

from typing import Any

PANDAS_MISSING = ("results as DataFrames need pandas, an optional dependency: "
                  "pip install 'interdict[frames]' (or pip install pandas)")


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(PANDAS_MISSING) from exc
    return pandas


def result_frames(result) -> dict[str, Any]:
    """The tables of an ``InterdictionResult`` (module docstring), by name."""
    pd = _pandas()
    resources = sorted(result.budgets)
    plan = pd.DataFrame([{"action": a.action, "level": a.level, "label": a.label,
                          "name": a.name, **{r: a.cost.get(r, 0.0) for r in resources}}
                         for a in result.actions],
                        columns=["action", "level", "label", "name", *resources])
    before, after = result.before, result.after
    comms = sorted(set(before.delivered_by_commodity) | set(after.delivered_by_commodity))
    delivered = pd.DataFrame(
        [{"commodity": k, "before": before.delivered_by_commodity.get(k, 0.0),
          "after": after.delivered_by_commodity.get(k, 0.0),
          "change": after.delivered_by_commodity.get(k, 0.0)
          - before.delivered_by_commodity.get(k, 0.0),
          "seized_after": after.seized.get(k, 0.0),
          "unit": after.units.get(k, before.units.get(k, ""))} for k in comms],
        columns=["commodity", "before", "after", "change", "seized_after", "unit"])
    return {
        "plan": plan,
        "delivered": delivered,
        "markets": _paired(pd, before.delivered, after.delivered, ("market", "commodity")),
        "flows": _paired(pd, before.flows, after.flows, ("arc", "commodity")),
        "routes": pd.DataFrame(
            [{"origin": r.origin, "origin_commodity": r.origin_commodity, "market": r.market,
              "commodity": r.commodity, "units_shipped": r.units_shipped,
              "units_delivered": r.units_delivered, "value": r.value, "path": r.describe()}
             for r in after.routes],
            columns=["origin", "origin_commodity", "market", "commodity", "units_shipped",
                     "units_delivered", "value", "path"]),
        "scenarios": pd.DataFrame(
            [{"scenario": s.id, "probability": s.probability, "value_before": s.value_before,
              "value_after": s.value_after} for s in result.scenarios]
            or [{"scenario": "base", "probability": 1.0, "value_before": result.value_before,
                 "value_after": result.value_after}],
            columns=["scenario", "probability", "value_before", "value_after"]),
    }


def _paired(pd: Any, before: dict, after: dict, keys: tuple[str, str]) -> Any:
    """One row per key of either mapping: its value before and after (0 where absent)."""
    rows = [{keys[0]: a, keys[1]: b, "before": before.get((a, b), 0.0),
             "after": after.get((a, b), 0.0)} for a, b in sorted(set(before) | set(after))]
    return pd.DataFrame(rows, columns=[*keys, "before", "after"])


def sweep_frame(sweep) -> Any:
    """One row per point of a sweep: the swept budgets, the certified value, the gap, the
    spend per resource, the units delivered per commodity and the plan as text."""
    pd = _pandas()
    swept = list(sweep.resources)
    comms = sorted({k for p in sweep.points for k in p.delivered})
    rows = []
    for p in sweep.points:
        rows.append({**{r: p.budgets[r] for r in swept}, "value": p.value, "gap": p.gap,
                     **{f"spent_{r}": v for r, v in sorted(p.spend.items())},
                     **{f"delivered_{k}": p.delivered.get(k, 0.0) for k in comms},
                     "plan": ", ".join(f"{a}@{lv}" for a, lv in sorted(p.plan.items()))})
    return pd.DataFrame(rows)
