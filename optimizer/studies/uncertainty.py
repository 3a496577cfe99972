"""Uncertainty: the value of modelling it, Monte Carlo evaluation of a plan, and sample
average approximation (SAA).

- ``value_of_uncertainty``: RP (the stochastic optimum), EEV (the plan optimal for the mean
  scenario, evaluated over the scenarios), WS (wait-and-see: each scenario's own optimum,
  averaged). For a minimising defender WS ≤ RP ≤ EEV, so VSS = EEV − RP ≥ 0 and
  EVPI = RP − WS ≥ 0 (Birge & Louveaux, *Introduction to Stochastic Programming*, ch. 4).
- ``monte_carlo``: numbers written with a distribution (``range``, ``triangular``,
  ``normal``; docs/format.md) are sampled, a scenario is drawn by probability, and the
  smuggler's LP is re-solved with the plan fixed, per sample, in parallel. Sample i uses
  its own seed (spawned from the run's seed), so results do not depend on the number of
  workers.

Independent solves run on ``optimizer.parallel`` executors (spawned processes, results in
submission order); every MILP here runs with one HiGHS thread, so results are the same
whatever the number of workers.
- ``sample_average_approximation``: M replications of an N-sample stochastic MILP give
  candidate plans and a statistical lower bound; the best candidate is evaluated on N'
  fresh samples for an upper bound; their difference estimates the optimality gap
  (Mak, Morton & Wood 1999; Kleywegt, Shapiro & Homem-de-Mello 2002).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..certify.response import solve_smuggler
from ..compile.network import Plan, compile_instance
from ..compile.problem import DefenderProblem, ScenarioNet
from ..errors import InstanceError, Problem
from ..instance.model import Instance
from ..instance.numbers import locate, set_numbers
from ..instance.scenarios import materialize, mean_instance, scenario_instances
from ..options import Risk, SolveOptions
from ..parallel import Executor

# ----------------------------------------------------------------------------- VSS / EVPI


@dataclass(frozen=True)
class ValueOfUncertainty:
    rp: float  # recourse problem: the stochastic optimum
    eev: float  # expected result of the mean-value plan
    ws: float  # wait-and-see
    vss: float
    evpi: float
    rp_plan: Plan
    mean_value_plan: Plan
    scenario_plans: dict[str, Plan]
    scenario_values: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"rp": self.rp, "eev": self.eev, "ws": self.ws, "vss": self.vss,
                "evpi": self.evpi, "rp_plan": self.rp_plan.as_dict(),
                "mean_value_plan": self.mean_value_plan.as_dict(),
                "scenario_plans": {k: v.as_dict() for k, v in sorted(self.scenario_plans.items())},
                "scenario_values": dict(sorted(self.scenario_values.items()))}


def _solved(inst: Instance, options: SolveOptions, risk: str | None = None
            ) -> tuple[tuple[tuple[str, int], ...], float]:
    """(plan levels, certified value) of the optimal plan (a job: small to send back)."""
    from ..pipeline import solve

    r = solve(inst, options, risk=risk)
    return r.plan.levels, r.value_after


def value_of_uncertainty(inst: Instance, options: SolveOptions | None = None, *,
                         workers: int | None = None,
                         progress: Callable[[int, int], None] | None = None
                         ) -> ValueOfUncertainty:
    """RP, EEV, WS, VSS and EVPI for the instance's scenarios (expected value). The
    stochastic, mean-value and per-scenario solves run side by side on ``workers``
    processes (default: up to 4), each with one HiGHS thread, so the answer does not
    depend on the worker count; ``progress(done, total)`` after each solve."""
    from ..parallel import local_executor, run_all
    from ..pipeline import evaluate_plan

    if not inst.scenarios:
        raise InstanceError([Problem(inst.path, "section 'scenarios'", None,
                                     "the value of modelling uncertainty needs scenarios", None)])
    options = replace(options or SolveOptions(), threads=1)
    subs = scenario_instances(inst)
    calls = [(_solved, (inst, options, "expected")), (_solved, (mean_instance(inst), options))]
    calls += [(_solved, (sub, options)) for _, sub in subs]
    with local_executor(default_workers() if workers is None else workers) as ex:
        (rp_levels, rp), (mean_levels, _), *own = run_all(ex, calls, progress)
    rp_plan, mean_plan = Plan(rp_levels), Plan(mean_levels)
    eev = evaluate_plan(replace(inst, risk="expected"), mean_plan, options)
    plans = {sc.id: Plan(levels) for (sc, _), (levels, _) in zip(subs, own)}
    values = {sc.id: v for (sc, _), (_, v) in zip(subs, own)}
    ws = sum(sc.probability * values[sc.id] for sc, _ in subs)
    return ValueOfUncertainty(rp, eev, ws, eev - rp, rp - ws, rp_plan, mean_plan, plans, values)


# ----------------------------------------------------------------------------- sampling


def apply_values(inst: Instance, values: dict[str, float]) -> Instance:
    """The instance with numbers replaced, keys as in ``Instance.sources``/``uncertain``
    (``instance.numbers.set_numbers``: every number of the file has a key)."""
    return set_numbers(inst, values)


#: the valid range of each kind of field, for clipping sampled values
_LIMITS = {"seizure": (0.0, 1.0 - 1e-9), "capacity": (0.0, math.inf), "cost": (0.0, math.inf),
           "amount": (0.0, math.inf), "yield": (1e-12, math.inf), "value": (0.0, math.inf),
           "load": (1e-12, math.inf), "budget": (0.0, math.inf)}


def _limits(inst: Instance, key: str) -> tuple[float, float]:
    last = key.rsplit("/", 1)[-1]
    if key.startswith("actions/") and "/effects/" in key:  # a fraction (≤ 1) or a raise
        at_most = locate(inst, key).bounds.at_most
        return (0.0, math.inf if at_most is None else at_most)
    if key.startswith("nodes/") and "/values/" in key:
        return _LIMITS["value"]
    return _LIMITS.get(last, (-math.inf, math.inf))


def draw_sample(inst: Instance, rng: np.random.Generator) -> tuple[str, Instance]:
    """One sample: a scenario drawn by probability (if any), then every uncertain number."""
    values = {}
    for key in sorted(inst.uncertain):
        lo, hi = _limits(inst, key)
        values[key] = float(np.clip(inst.uncertain[key].sample(rng), lo, hi))
    sampled = apply_values(inst, values)
    if inst.scenarios:
        probs = np.array([s.probability for s in inst.scenarios])
        i = int(rng.choice(len(probs), p=probs / probs.sum()))
        sc = inst.scenarios[i]
        return sc.id, materialize(sampled, sc)
    return "base", sampled


# ----------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class Summary:
    mean: float
    std: float
    ci95: tuple[float, float]
    quantiles: dict[str, float]

    @staticmethod
    def of(xs: Sequence[float]) -> "Summary":
        a = np.asarray(xs, float)
        n = len(a)
        mean = float(a.mean()) if n else math.nan
        std = float(a.std(ddof=1)) if n > 1 else 0.0
        half = _t95(n - 1) * std / math.sqrt(n) if n > 1 else 0.0
        qs = {f"q{int(q * 100):02d}": float(np.quantile(a, q))
              for q in (0.05, 0.25, 0.5, 0.75, 0.95)} if n else {}
        return Summary(mean, std, (mean - half, mean + half), qs)

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "std": self.std, "ci95": list(self.ci95), **self.quantiles}


def _t95(dof: int) -> float:
    """Two-sided 95% Student t quantile with ``dof`` degrees of freedom (at least 1)."""
    from scipy.stats import t

    return float(t.ppf(0.975, max(dof, 1)))


@dataclass(frozen=True)
class MonteCarlo:
    plan: Plan
    samples: int
    seed: int
    value: Summary
    delivered: dict[str, Summary]  # per commodity
    scenario_counts: dict[str, int]
    values: tuple[float, ...]  # per sample, in sample order

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan.as_dict(), "samples": self.samples, "seed": self.seed,
                "value": self.value.to_dict(),
                "delivered": {k: s.to_dict() for k, s in sorted(self.delivered.items())},
                "scenario_counts": dict(sorted(self.scenario_counts.items())),
                "values": list(self.values)}


def _evaluate_samples(args) -> list[tuple[str, float, dict[str, float]]]:
    inst, plan_levels, seeds = args
    plan = Plan(plan_levels)
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        sid, sample = draw_sample(inst, rng)
        net = compile_instance(sample)
        sol = solve_smuggler(net, plan.binaries(net), SolveOptions(threads=1))
        by_comm = dict.fromkeys(net.comm_ids, 0.0)
        for k, d in zip(net.del_comm, sol.delivered):
            by_comm[net.comm_ids[k]] += float(d)
        out.append((sid, sol.value, by_comm))
    return out


def _sample_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(n)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


#: at most this many samples per Monte Carlo job, and at least this many jobs when there
#: are enough samples (a job's cost is its LPs; sending it costs one pickled instance)
MC_CHUNK = 25
MC_JOBS = 16


def monte_carlo(inst: Instance, plan: Plan, samples: int, *, seed: int = 0,
                workers: int | None = None, executor: Executor | None = None,
                progress: Callable[[int, int], None] | None = None) -> MonteCarlo:
    """Evaluate ``plan`` on ``samples`` draws of the uncertain data (see module docstring).
    Samples run in chunks on ``executor`` (or on ``workers`` processes, default up to 4);
    sample i always uses seed i of the run's seed, so the result does not depend on how
    the samples are split. ``progress(samples done, samples)`` after each chunk."""
    from ..parallel import local_executor, run_all

    if samples < 1:
        raise ValueError("samples must be ≥ 1")
    plan.binaries(compile_instance(materialize(inst, inst.scenarios[0])
                                   if inst.scenarios else inst))  # unknown actions → PlanError
    seeds = _sample_seeds(seed, samples)
    size = min(MC_CHUNK, max(1, samples // MC_JOBS))
    calls = [(_evaluate_samples, ((inst, plan.levels, seeds[i:i + size]),))
             for i in range(0, samples, size)]
    # chunks are full but the last: samples done ≈ chunks done × size, exact at the end
    per_sample = None if progress is None else (
        lambda done, total: progress(samples if done == total else done * size, samples))
    if executor is None:
        with local_executor(default_workers() if workers is None else workers) as ex:
            chunks = run_all(ex, calls, per_sample)
    else:
        chunks = run_all(executor, calls, per_sample)
    rows = [row for chunk in chunks for row in chunk]
    comms = sorted({k for _, _, d in rows for k in d})
    counts: dict[str, int] = {}
    for sid, _, _ in rows:
        counts[sid] = counts.get(sid, 0) + 1
    return MonteCarlo(plan, samples, seed, Summary.of([v for _, v, _ in rows]),
                      {k: Summary.of([d.get(k, 0.0) for _, _, d in rows]) for k in comms},
                      counts, tuple(v for _, v, _ in rows))


# ----------------------------------------------------------------------------- SAA


@dataclass(frozen=True)
class SAAResult:
    plan: Plan  # the best candidate on the evaluation sample
    candidates: tuple[tuple[Plan, float, float], ...]  # (plan, SAA optimum, evaluated value)
    lower_bound: Summary  # over replications of the SAA optimum
    upper_bound: Summary  # the chosen plan on the evaluation sample
    gap: float  # upper mean − lower mean
    gap_ci95_upper: float  # a conservative 95% bound on the gap
    samples: int
    replications: int
    eval_samples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan.as_dict(),
                "candidates": [{"plan": p.as_dict(), "saa_value": v, "evaluated": e}
                               for p, v, e in self.candidates],
                "lower_bound": self.lower_bound.to_dict(),
                "upper_bound": self.upper_bound.to_dict(), "gap": self.gap,
                "gap_ci95_upper": self.gap_ci95_upper, "samples": self.samples,
                "replications": self.replications, "eval_samples": self.eval_samples,
                "seed": self.seed}


def sample_problem(inst: Instance, samples: int, seed: int) -> DefenderProblem:
    """An N-sample stochastic problem (each sample a scenario of probability 1/N)."""
    scen = []
    for i, ss in enumerate(_sample_seeds(seed, samples)):
        _, sample = draw_sample(inst, np.random.default_rng(ss))
        scen.append(ScenarioNet(f"sample{i}", 1.0 / samples, compile_instance(sample),
                                (f"sample{i}",)))
    base = replace(inst, scenarios=())
    return DefenderProblem(base, scen, Risk.EXPECTED, inst.cvar_alpha)


def _saa_replication(inst: Instance, samples: int, seed: int, options: SolveOptions
                     ) -> tuple[tuple[tuple[str, int], ...], float]:
    """One SAA replication (a job): the optimal plan of an N-sample problem and its value."""
    from ..pipeline import solve

    r = solve(sample_problem(inst, samples, seed), options)
    return r.plan.levels, r.value_after


def sample_average_approximation(inst: Instance, samples: int, replications: int,
                                 eval_samples: int, *, seed: int = 0,
                                 options: SolveOptions | None = None,
                                 workers: int | None = None,
                                 progress: Callable[[str, int, int], None] | None = None
                                 ) -> SAAResult:
    """Choose a plan from N-sample problems and estimate its optimality gap. Replications
    and evaluation samples run side by side on ``workers`` processes (default up to 4);
    every MILP runs with one HiGHS thread and every replication and sample has its own
    seed, so the same seed gives the same result whatever the worker count.
    ``progress(stage, done, total)``: stage "replications" (SAA problems solved), then
    "evaluation" (fresh samples evaluated, over every distinct candidate plan)."""
    from ..parallel import local_executor, run_all

    if min(samples, replications, eval_samples) < 1:
        raise ValueError("samples, replications and eval_samples must be ≥ 1")
    options = replace(options or SolveOptions(), threads=1)
    seeds = np.random.SeedSequence(seed).generate_state(replications + 1)
    with local_executor(default_workers() if workers is None else workers) as ex:
        reps = run_all(ex, [(_saa_replication, (inst, samples, int(seeds[m]), options))
                            for m in range(replications)],
                       None if progress is None else
                       (lambda d, t: progress("replications", d, t)))
        cands = [(Plan(levels), v) for levels, v in reps]
        plans = list(dict.fromkeys(plan for plan, _ in cands))
        unique: dict[Plan, MonteCarlo] = {}
        for i, plan in enumerate(plans):
            step = None if progress is None else (
                lambda d, t, i=i: progress("evaluation", i * eval_samples + d,
                                           len(plans) * eval_samples))
            unique[plan] = monte_carlo(inst, plan, eval_samples, seed=int(seeds[-1]),
                                       executor=ex, progress=step)
    lower = Summary.of([v for _, v in cands])
    evaluated = [(plan, v, unique[plan].value.mean) for plan, v in cands]
    best = min(unique.items(), key=lambda kv: (kv[1].value.mean, kv[0].levels))
    upper = best[1].value
    gap = upper.mean - lower.mean
    gap_hi = upper.ci95[1] - lower.ci95[0]
    return SAAResult(best[0], tuple(evaluated), lower, upper, gap, gap_hi, samples,
                     replications, eval_samples, seed)


__all__ = ["value_of_uncertainty", "monte_carlo", "sample_average_approximation",
           "apply_values", "draw_sample", "Summary"]
