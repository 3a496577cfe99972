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
from .text import _fmt


def _console(buf: io.StringIO, width: int) -> Console:
    return Console(markup=False, file=buf, width=width, force_terminal=False, color_system=None,
                   highlight=False, emoji=False)


def modelled(r: Reading) -> str:
    return "undefined (0/0)" if r.modelled is None else _fmt(r.modelled)


def status(r: Reading) -> str:
    """``met (off by d)`` or ``MISSED by e (off by d)``: d = modelled − observed, e how far
    beyond the tolerance, in the value's unit."""
    off = f"off by {r.shown_deviation:+.4g}"
    if r.met:
        return f"met ({off})"
    return f"MISSED by {_fmt(r.excess)} ({off}, {abs(r.deviation) / r.observation.tolerance:.3g} " \
           "tolerances)"


def miss_line(r: Reading) -> str:
    """One line for an observation the model misses: by how much, in its unit."""
    o, u = r.observation, f" {r.unit}" if r.unit else ""
    return (f"{o.id}: modelled {modelled(r)}{u}, observed {_fmt(o.value)} ± "
            f"{_fmt(o.tolerance)}{u}: missed by {_fmt(r.excess)}{u} beyond the tolerance "
            f"({abs(r.deviation) / o.tolerance:.3g} tolerances off)")


def observed(r: Reading) -> str:
    return f"{_fmt(r.observation.value)} ± {_fmt(r.observation.tolerance)}"


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
              f"tolerance)² = {misfit(rows):.6g}")
    return buf.getvalue()


def render_calibration(cal: Calibration, *, width: int = 160) -> str:
    """Parameters before and fitted; observations before and after (``interdict
    calibrate``)."""
    buf = io.StringIO()
    con = _console(buf, width)
    con.print(f"Calibration: method {cal.method}, seed {cal.seed}, {cal.evaluations} "
              f"evaluations; misfit {cal.misfit_before:.6g} before → {cal.misfit_after:.6g} "
              "after")
    t = Table(title="Parameters", title_justify="left")
    for col in ("parameter", "field", "bounds", "before", "fitted", "moves observations"):
        t.add_column(col, justify="right" if col in ("before", "fitted") else "left",
                     overflow="fold")
    for p, start, fitted in zip(cal.parameters, cal.start, cal.fitted):
        t.add_row(p.id, p.field, f"[{p.bounds[0]:g}, {p.bounds[1]:g}]",
                  _fmt(start), _fmt(fitted), ", ".join(cal.moves.get(p.id, ())) or "none")
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
