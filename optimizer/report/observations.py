"""Tables of observations against the model (``interdict validate``) and of a calibration
(``interdict calibrate``): observed ± tolerance, modelled, met or missed and by how much,
each with its unit and source."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from ..studies.calibrate import Calibration
from ..studies.observe import Reading, describe, misfit
from .units import number


def _console(buf: io.StringIO, width: int) -> Console:
    return Console(markup=False, file=buf, width=width, force_terminal=False, color_system=None,
                   highlight=False, emoji=False)


def modelled(r: Reading) -> str:
    return "undefined (0/0)" if r.modelled is None else number(r.modelled, 6)


def status(r: Reading) -> str:
    """``met (off by d)`` or ``MISSED by e (off by d)``: d = modelled − observed, e how far
    beyond the tolerance, in the value's unit."""
    off = f"off by {number(r.shown_deviation, 4, signed=True)}"
    if r.met:
        return f"met ({off})"
    return f"MISSED by {number(r.excess, 6)} ({off}, " \
           f"{number(abs(r.deviation) / r.observation.tolerance)} tolerances)"


def miss_line(r: Reading) -> str:
    """One line for an observation the model misses: by how much, in its unit."""
    o, u = r.observation, f" {r.unit}" if r.unit else ""
    return (f"{o.id}: modelled {modelled(r)}{u}, observed {number(o.value, 6)} ± "
            f"{number(o.tolerance, 6)}{u}: missed by {number(r.excess, 6)}{u} beyond the "
            f"tolerance ({number(abs(r.deviation) / o.tolerance)} tolerances off)")


def observed(r: Reading) -> str:
    return f"{number(r.observation.value, 6)} ± {number(r.observation.tolerance, 6)}"


def render_readings(rows: Sequence[Reading], *, width: int = 160) -> str:
    """Every observation against the no-action baseline (``interdict validate``)."""
    buf = io.StringIO()
    con = _console(buf, width)
    t = Table(title="Observations against the model (no action, expected over scenarios)",
              title_justify="left")
    for col in ("observation", "measure", "observed", "modelled", "unit", "status", "source"):
        t.add_column(col, justify="right" if col in ("observed", "modelled") else "left",
                     overflow="fold")
    for r in rows:
        o = r.observation
        t.add_row(o.id, describe(o.measure), observed(r), modelled(r),
                  r.unit, status(r), o.source or "—")
    con.print(t)
    met = sum(r.met for r in rows)
    con.print(f"{met} of {len(rows)} observation(s) met; misfit Σ w·((modelled − observed)/"
              f"tolerance)² = {number(misfit(rows), 6)}")
    return buf.getvalue()


def render_calibration(cal: Calibration, *, width: int = 160) -> str:
    """Parameters before and fitted; observations before and after (``interdict
    calibrate``)."""
    buf = io.StringIO()
    con = _console(buf, width)
    con.print(f"Calibration: method {cal.method}, seed {cal.seed}, {cal.evaluations} "
              f"evaluations; misfit {number(cal.misfit_before, 6)} before → "
              f"{number(cal.misfit_after, 6)} after")
    t = Table(title="Parameters", title_justify="left")
    for col in ("parameter", "field", "bounds", "before", "fitted", "moves observations"):
        t.add_column(col, justify="right" if col in ("before", "fitted") else "left",
                     overflow="fold")
    for p, start, fitted in zip(cal.parameters, cal.start, cal.fitted):
        t.add_row(p.id, p.field, f"[{p.bounds[0]:g}, {p.bounds[1]:g}]",
                  number(start, 6), number(fitted, 6), ", ".join(cal.moves.get(p.id, ())) or "none")
    con.print(t)
    t = Table(title="Observations (no action, expected over scenarios)", title_justify="left")
    for col in ("observation", "observed", "before", "after", "unit", "after: status",
                "source"):
        t.add_column(col, justify="right" if col in ("observed", "before", "after") else "left",
                     overflow="fold")
    for was, now in zip(cal.before, cal.after):
        o = now.observation
        t.add_row(o.id, observed(now), modelled(was), modelled(now), now.unit,
                  status(now), o.source or "—")
    con.print(t)
    return buf.getvalue()


__all__ = ["miss_line", "render_calibration", "render_readings", "status"]
