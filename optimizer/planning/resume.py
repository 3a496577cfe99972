"""Resume a stored run: the same computation again, from the stored parameters, on the run's
stored pieces (only what is missing is solved; a finished run solves nothing).

The instance is read again from its recorded path (or another path given), with the run's
base budgets, and must have the recorded content hash; the options are the recorded ones;
the run's key is checked, so the computation continues exactly this run.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..errors import SetupError
from ..options import SolveOptions
from .store import RunStore, run_key

RESUMABLE = ("sweep", "frontier", "target", "marginal", "priorities")


def stored_instance(path: str, budgets: dict[str, float], digest: str, run_id: int):
    """The instance at ``path`` as run ``run_id`` saw it: read as it is (a run started without
    budget overrides keeps the file's per-period budgets) or with the run's base budgets
    (a run started with ``--budget``); SetupError when neither has the recorded content."""
    from ..instance.reader import load_instance
    from .session import instance_digest

    inst = load_instance(path)
    for candidate in (inst, inst.with_budgets(budgets)):
        if instance_digest(candidate) == digest:
            return candidate
    raise SetupError(f"{path} is not the instance of run {run_id} (its content changed); "
                     "pass the right file with --instance")


def _options(stored: dict[str, Any]) -> SolveOptions:
    names = {f.name for f in fields(SolveOptions)}
    return SolveOptions(**{k: v for k, v in stored.items() if k in names})


def resume_run(store: RunStore, run_id: int, *, executor=None, instance_path: str | None = None,
               progress=None) -> tuple[str, Any]:
    """Finish run ``run_id`` of ``store``; returns (kind, result) — the result object the
    command that started the run returns (for ``target``: the list of results).
    ``progress(done, total)`` is called as pieces are found (sweeps and frontiers)."""
    from .session import PlanningSession, planning_options
    from .tasks import SessionSpec

    try:
        info = store.run(run_id)
    except KeyError:
        raise SetupError(f"no run {run_id} in {store.path}") from None
    if info.kind not in RESUMABLE:
        raise SetupError(f"run {run_id} is a {info.kind} run; it cannot be resumed (runs of "
                         f"kind {', '.join(RESUMABLE)} can)")
    if info.status == "running":
        pid = (info.owner or {}).get("pid")
        raise SetupError(f"run {run_id} is still running (process {pid}); stop it first")
    path = instance_path or info.instance_path
    options = _options(info.options)
    base = {k: float(v) for k, v in info.options["budgets"].items()}
    inst = stored_instance(path, base, info.instance_hash, run_id)
    spec = SessionSpec(inst, base, planning_options(options))
    p = info.spec
    if run_key(info.kind, spec.key, p) != info.key:
        raise SetupError(f"run {run_id} cannot be resumed: its stored options no longer "
                         "describe it (written by another version?)")
    store.pin(run_id)
    kw = {"executor": executor, "store": store}
    if info.kind == "sweep":
        from .sweep import SweepSpec, run_sweep

        per_point = None if progress is None else (lambda d, t, _p: progress(d, t))
        return "sweep", run_sweep(inst, SweepSpec.from_dict(p["sweep"]), options=options,
                                  progress=per_point, **kw)
    if info.kind == "frontier":
        from .frontier import exact_frontier

        per_step = None if progress is None else (lambda _s, d, t: progress(d, t))
        return "frontier", exact_frontier(inst, p["resource"], p["lo"], p["hi"],
                                          options=options, pieces=p["pieces"],
                                          progress=per_step, **kw)
    if info.kind == "target":
        from .target import cheapest_to_targets

        return "target", cheapest_to_targets(PlanningSession(inst, options),
                                             [(k, r) for k, r in p["targets"]], p["resource"],
                                             **kw)
    from .marginal import marginal_gains, priority_list

    if info.kind == "marginal":
        return "marginal", marginal_gains(inst, p["steps"], options=options, **kw)
    return "priorities", priority_list(inst, p["resource"], p["values"], options=options,
                                       method=p["method"], time_limit=p["time_limit"], **kw)
