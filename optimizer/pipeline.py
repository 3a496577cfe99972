"""The pipeline, stage by stage: instance → compile → formulation → solve → certify →
results.

    result = solve("instances/mexico_us.yaml", SolveOptions(time_limit=60))

1. **instance, compile** (``as_problem``): read the file, compile every scenario to
   arrays (``compile.problem.build_problem``);
2. **baseline**: the objective with no action (``certify.evaluate``);
3. **formulation, solve** (``solve_formulation``): the formulation passed in states the
   MILP (``formulation.DualValue`` by default, ``formulation.HarmBilevel`` for harm) and
   a solver session solves it — or the decomposition solves the same problem;
4. **finish** (``finish``): the one path every objective, planning session and backend
   shares — take the plan from the raw solution, tidy it, re-evaluate it afresh and
   certify it (``certify.certificate``); a plan that fails raises;
5. **results** (``results.build``): the typed ``InterdictionResult``.

A time limit (or Ctrl-C) returns the best plan found, certified, with its proven bound
and gap. The time limit (``SolveOptions.time_limit``, T seconds) bounds the whole run
(``Deadline``): reading (when the caller says when it began), compiling, the baseline,
stating the MILP, solving, tidying and the certificate. The MILP gets what is left of T
when it starts, less a reserve for the certificate (``RESERVE_FACTOR`` × the baseline LP's
time + ``RESERVE_SECONDS``), and never less than ``MIN_SHARE`` · T; tidying stops early
when less than one more LP's time is left (the plan is then certified untidied, with a
note). A run therefore ends within T plus the part of the certificate the reserve did not
cover (measured in ``benches/README.md``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .certify.certificate import Certificate, certify
from .certify.evaluate import (
    Evaluator,
    HarmEvaluator,
    OutcomeEvaluator,
    PlanEvaluation,
    evaluator_for,
)
from .certify.tidy import drop_redundant
from .compile.network import CompiledNetwork, Plan
from .compile.problem import DefenderProblem, ScenarioNet, build_problem
from .errors import InstanceError, Problem, SolveError, UnboundedError, UsageError
from .formulation import DualValue, Formulation, OutcomeBilevel, PerceivedOutcome
from .instance.beliefs import refuse_beliefs
from .instance.model import Instance
from .instance.reader import load_instance
from .options import Method, Objective, Risk, SolutionStatus, SolveOptions, Termination, Tie
from .results.build import interdiction_result
from .results.types import InterdictionResult
from .solvers.base import (
    MipProgress,
    ProgressFn,
    RawSolution,
    Session,
    mip_progress,
    open_session,
    progress_listener,
)

Source = Instance | CompiledNetwork | DefenderProblem | str | Path
#: where to export the MILP: a path, or a function giving the path when the model is ready
#: to be written (called after the solve, so no file exists while the solver runs)
ModelTarget = str | Path | Callable[[], str | Path]


def _target(write_model: ModelTarget) -> str | Path:
    return write_model() if callable(write_model) else write_model


# ----------------------------------------------------------------------------- time limit

#: the clock every time limit is measured with (seconds; a test may put a fake one here)
clock: Callable[[], float] = time.perf_counter
#: the reserve kept back from the MILP for the certificate: this many times the baseline
#: evaluation's time (the certificate solves the same LPs), plus RESERVE_SECONDS (results)
RESERVE_FACTOR = 2.0
RESERVE_SECONDS = 0.2
#: the MILP's share of the time limit is never below this fraction of it
MIN_SHARE = 0.05


@dataclass
class Deadline:
    """A whole run's time limit: ``limit`` seconds (None: none) from ``start`` (a
    ``clock()`` reading); ``lp_seconds``: the baseline evaluation's time, the estimate of
    one evaluation of a plan."""

    limit: float | None
    start: float
    lp_seconds: float = 0.0

    @classmethod
    def of(cls, options: SolveOptions, started: float | None = None) -> Deadline:
        return cls(options.time_limit, clock() if started is None else started)

    def left(self) -> float:
        """Seconds left (∞ without a limit)."""
        return math.inf if self.limit is None else self.limit - (clock() - self.start)

    @property
    def reserve(self) -> float:
        """Seconds kept back for the certificate and the results."""
        return RESERVE_FACTOR * self.lp_seconds + RESERVE_SECONDS

    def for_solver(self) -> float | None:
        """The MILP's time limit: what is left less the reserve, at least MIN_SHARE · T."""
        if self.limit is None:
            return None
        return max(self.left() - self.reserve, MIN_SHARE * self.limit)

    def short(self) -> bool:
        """Too little time for one more evaluation of a plan and the results."""
        return self.left() < self.lp_seconds + RESERVE_SECONDS

    def allows(self, evaluations: int) -> bool:
        """Time left for ``evaluations`` more evaluations of a plan and the results."""
        return self.left() >= evaluations * self.lp_seconds + RESERVE_SECONDS


# ----------------------------------------------------------------------------- 1. compile


def as_problem(source: Source, budgets: Mapping[str, float] | None = None, *,
               risk: Risk | str | None = None, alpha: float | None = None) -> DefenderProblem:
    """Load / compile whatever the caller has into a defender's problem."""
    if isinstance(source, (str, Path)):
        source = load_instance(source)
    if isinstance(source, Instance):
        return build_problem(source, risk=risk, alpha=alpha, budgets=budgets)
    if isinstance(source, CompiledNetwork):
        problem = DefenderProblem(source.instance, [ScenarioNet("base", 1.0, source, ("base",))])
    else:
        problem = source
        if risk is not None or alpha is not None:
            problem = replace(problem, risk=Risk.parse(risk or problem.risk, "risk"),
                              alpha=problem.alpha if alpha is None else alpha)
    return problem.with_budgets(budgets) if budgets else problem


def as_network(source: Source, budgets: Mapping[str, float] | None = None) -> CompiledNetwork:
    """The compiled network of a single-scenario source."""
    problem = as_problem(source, budgets)
    if problem.stochastic:
        raise SolveError("this instance has scenarios: use the scenario-aware functions")
    return problem.net


def build_milp(source: Source, formulation: Formulation | None = None):
    """The defender's MILP (exposed for users who want to inspect or export it)."""
    return (formulation or DualValue()).build(as_problem(source))


# ----------------------------------------------------------------------------- 3. solve


@dataclass
class Solved:
    """A formulation solved: the raw solution and where the binaries are in it."""

    raw: RawSolution
    x_start: int
    model_size: dict[str, int]
    method: str  # e.g. "dual-milp/highs", "benders-covering/dijkstra"
    build_seconds: float  # stating and loading the model (beyond compilation)


def resolve_method(problem: DefenderProblem, options: SolveOptions,
                   formulation: Formulation | None = None) -> Method:
    """The method to run: ``options.method``, with AUTO → BENDERS where a decomposition
    has its home ground and DUAL elsewhere (e.g. max-flow interdiction, where Wood's dual
    MILP is solved at the root). Home ground: one scenario with shortest-path structure
    (Israeli–Wood covering, where the dual MILP's LP relaxation is weak), and evasion or
    shortest-path structure with scenarios (the route decomposition,
    ``decomposition.path_master``: one value per scenario and source, star cuts over
    routes). The decompositions minimise the smuggler's value when it knows the true data:
    the harm objective and a smuggler with beliefs run the MILP under AUTO, and are
    refused when asked for explicitly; so are scenarios without route structure."""
    method = options.method
    if method == Method.DUAL:
        return method
    value_only = formulation is None or isinstance(formulation, DualValue)
    single = len(problem.scenarios) == 1
    from .decomposition import path_kind, shortest_path_structure  # imports csgraph: only here

    routes = path_kind(problem) is not None
    if method == Method.AUTO:
        if not value_only:
            return Method.DUAL
        if single and shortest_path_structure(problem.net):
            return Method.BENDERS
        return Method.BENDERS if routes else Method.DUAL
    if not value_only:
        raise UsageError(f"method {method.value!r} minimises the smuggler's value when it "
                         "knows the true data; the harm objective and a smuggler with "
                         "beliefs run the bilevel MILP (use --method dual)")
    if not single and not (routes and method == Method.BENDERS):
        raise UsageError(f"method {method.value!r} solves single-scenario instances, or "
                         "scenarios of shortest-path or evasion instances with --method "
                         "benders; this one has scenarios (use --method dual, or "
                         "--scenario ID)")
    return method


def solve_formulation(problem: DefenderProblem, formulation: Formulation,
                      options: SolveOptions, write_model: ModelTarget | None = None,
                      deadline: Deadline | None = None,
                      restriction: Mapping[int, float] | None = None) -> Solved:
    """State ``formulation`` for ``problem`` and solve it (or run the decomposition);
    ``write_model``: export the MILP as stated (after the solve); ``deadline``: the run's
    time limit, of which the solver gets what is left (``Deadline.for_solver``) instead of
    ``options.time_limit``; ``restriction``: binaries (index → 0 or 1) fixed for a first,
    smaller solve whose optimum the whole MILP then only has to beat
    (``_solve_restricted_first``)."""
    method = resolve_method(problem, options, formulation)
    if method != Method.DUAL:
        if deadline is not None and deadline.limit is not None:
            options = options.replace(time_limit=deadline.for_solver())
        return _solve_decomposed(problem, options, method, write_model)
    t0 = time.perf_counter()
    milp = formulation.build(problem)
    session = open_session(milp.model, options)
    # No MIP start: HiGHS 1.16 can mis-evaluate a start (solvers.highs, rule 2); without a
    # plan at a time limit the pipeline falls back to "no action", which is feasible.
    build = time.perf_counter() - t0
    if restriction:
        x = milp.model.block_of_column(milp.x_start)
        off = milp.x_start - x.start
        raw = _solve_restricted_first(session, milp.x_start, (x.lb[off:], x.ub[off:]),
                                      restriction,
                                      deadline or Deadline.of(options))
    else:
        if deadline is not None and deadline.limit is not None:
            session.set_time_limit(deadline.for_solver())
        raw = session.solve()
    if write_model is not None:
        session.write(_target(write_model))
    if options.backend != "highs":  # Pyomo's solve call includes its own model update
        build += max(0.0, getattr(session, "build_seconds", 0.0))
    return Solved(raw, milp.x_start, milp.model.summary(),
                  f"{formulation.name}/{options.backend.value}", build)


#: share of the time left that the restricted first solve may take
RESTRICTED_SHARE = 0.25


def _solve_restricted_first(session: Session, x_start: int,
                            x_bounds: tuple[np.ndarray, np.ndarray],
                            restriction: Mapping[int, float], deadline: Deadline) -> RawSolution:
    """Solve with the ``restriction``'s binaries fixed (at most ``RESTRICTED_SHARE`` of the
    time left), restore their bounds (``x_bounds``: the columns' bounds from ``x_start`` on),
    and solve the whole MILP for a plan better than the
    restricted optimum U (HiGHS's cutoff at U + 1e-9·max(1, |U|)).

    The answer is the better of the two: the restricted plan is feasible for the whole
    MILP, and the cutoff only prunes what cannot beat it, so the whole solve's bound b
    holds for the optimum as min(b, U) (``Session.set_cutoff``). If the whole solve ends
    infeasible, nothing beats U: the restricted plan is optimal, its bound U. A restricted
    solve that ends without a plan (infeasible restriction, time) changes nothing; one
    stopped by Ctrl-C ends the run with its plan and no bound (the restricted bound says
    nothing of the whole MILP)."""
    cols = np.array(sorted(restriction), dtype=np.int64) + x_start
    fixed = np.array([restriction[int(c - x_start)] for c in cols], dtype=float)
    lower, upper = x_bounds[0][cols - x_start], x_bounds[1][cols - x_start]
    session.set_col_bounds(cols, fixed, fixed)
    left = deadline.for_solver()
    session.set_time_limit(None if left is None else RESTRICTED_SHARE * left)
    outer = progress_listener()
    with mip_progress(None if outer is None else _restricted_progress(outer, None)):
        first = session.solve()
    session.set_col_bounds(cols, lower, upper)
    if first.termination == Termination.INTERRUPTED:  # Ctrl-C: stop here, with no bound
        return replace(first, status=SolutionStatus.FEASIBLE if first.has_plan
                       else SolutionStatus.NONE, bound=None, gap=None)
    if first.values is None or first.objective is None:
        session.set_time_limit(deadline.for_solver())
        return session.solve()
    incumbent = float(first.objective)
    session.set_cutoff(incumbent + 1e-9 * max(1.0, abs(incumbent)))
    session.set_time_limit(deadline.for_solver())
    with mip_progress(None if outer is None else _restricted_progress(outer, incumbent)):
        whole = session.solve()
    session.set_cutoff(None)
    seconds, nodes = first.seconds + whole.seconds, first.node_count + whole.node_count
    if whole.termination == Termination.INFEASIBLE:  # nothing beats the restricted plan
        return replace(first, termination=Termination.OPTIMAL,
                       status=SolutionStatus.OPTIMAL, bound=incumbent, gap=0.0,
                       node_count=nodes, seconds=seconds,
                       message="no plan beats the restricted solve's")
    bound = None if whole.bound is None else min(whole.bound, incumbent)
    if whole.values is not None and whole.objective is not None \
            and whole.objective <= incumbent:
        return replace(whole, bound=bound, node_count=nodes, seconds=seconds)
    optimal = whole.status == SolutionStatus.OPTIMAL
    return replace(first, termination=whole.termination,
                   status=SolutionStatus.OPTIMAL if optimal else SolutionStatus.FEASIBLE,
                   bound=incumbent if optimal else bound,
                   gap=None if bound is None else (incumbent - bound) / max(1.0, abs(incumbent)),
                   node_count=nodes, seconds=seconds, message=whole.message)


def _restricted_progress(outer: ProgressFn, incumbent: float | None) -> ProgressFn:
    """What the live line shows around a restricted first solve: during it (``incumbent``
    None) its plans but no bound (its bound is the restricted MILP's, not the whole's);
    during the whole solve the better of its plans and ``incumbent``, and its bound capped
    at ``incumbent`` (what the cutoff pruned cannot beat it)."""
    def report(p: MipProgress) -> None:
        if incumbent is None:
            outer(replace(p, bound=None, gap=None))
            return
        best = incumbent if p.incumbent is None else min(p.incumbent, incumbent)
        bound = None if p.bound is None else min(p.bound, best)
        gap = None if bound is None else (best - bound) / max(1.0, abs(best))
        outer(replace(p, incumbent=best, bound=bound, gap=gap))
    return report


def _solve_decomposed(problem: DefenderProblem, options: SolveOptions, method: Method,
                      write_model: ModelTarget | None) -> Solved:
    """The decomposition's answer as a raw solution over the binaries only: the route
    decomposition for scenarios and for evasion, Israeli–Wood's covering (or basic
    Benders) otherwise. ``write_model`` gets the monolithic MILP (after the solve)."""
    from .decomposition import path_kind, shortest_path_structure, solve_decomposed, solve_routes
    from .formulation.interdiction import build_interdiction_milp

    if options.backend != "highs":
        raise UsageError("the decomposition methods run on HiGHS directly (use --backend highs)")
    net = problem.net
    routes = (method == Method.BENDERS and path_kind(problem) is not None
              and (len(problem.scenarios) > 1 or not shortest_path_structure(net)))
    if routes:
        out = solve_routes(problem, options)
        kind = "benders-routes"
    else:
        out = solve_decomposed(net, options, covering=(method == Method.BENDERS))
        kind = "benders-covering" if method == Method.BENDERS else "benders-basic"
    if write_model is not None:  # the exported model is the monolithic MILP
        model = (DualValue().build(problem).model if len(problem.scenarios) > 1
                 else build_interdiction_milp(net).model)
        open_session(model, options).write(_target(write_model))
    gap = None
    if out.bound is not None:
        gap = max(0.0, out.value - out.bound) / max(abs(out.value), 1e-9)
    raw = RawSolution(out.termination, out.status, out.x.copy(), out.value, out.bound, gap,
                      out.master_nodes, out.seconds - out.build_seconds,
                      f"{out.iterations} iterations, {out.cuts} cuts")
    size = {"columns": net.n_binaries, "rows": len(net.resource_ids), "integer_columns":
            net.n_binaries, "nonzeros": int(np.count_nonzero(net.binary_cost)),
            "cuts": out.cuts, "iterations": out.iterations, "cut_rows": out.rows_added,
            "row_add_us": int(round(1e6 * out.add_seconds / max(out.rows_added, 1))),
            "master_ms": int(round(1e3 * out.master_seconds)),
            "oracle_ms": int(round(1e3 * out.oracle_seconds))}
    return Solved(raw, 0, size, f"{kind}/{out.oracle}", out.build_seconds)


# ----------------------------------------------------------------------------- 4. finish


@dataclass(frozen=True)
class Finished:
    """A certified plan: what ``finish`` hands to the result builders."""

    plan: Plan
    evaluation: PlanEvaluation  # the plan re-evaluated afresh (the certificate's figures)
    certificate: Certificate
    raw: RawSolution
    bound: float | None  # the proven bound actually reported (never below a trivial one)
    notes: tuple[str, ...]

    @property
    def optimal(self) -> bool:
        return self.raw.status == SolutionStatus.OPTIMAL

    @property
    def status(self) -> SolutionStatus:
        return self.raw.status if self.raw.has_plan else SolutionStatus.FEASIBLE


def finish(problem: DefenderProblem, evaluator: Evaluator, raw: RawSolution, *, x_start: int,
           exact_claim: bool, scale: float, options: SolveOptions,
           budgets: Mapping[str, float] | None = None, bound: float | None = None,
           tidy: bool = True, start: Plan | None = None,
           deadline: Deadline | None = None,
           baseline: PlanEvaluation | None = None) -> Finished:
    """Raw solution → plan → tidied → certified (the one finishing path).

    ``bound`` replaces the solver's bound (e.g. the pessimistic harm's bound from the
    optimistic optimum); a bound below the trivial 0 becomes 0 when the objective is
    never negative (``evaluator.nonnegative``). ``start``: a plan the solver was given as
    a start; the returned plan is never worse than it. ``budgets``: the budgets the plan
    must keep (default: the problem's). ``deadline``: tidying stops when it is short.
    ``baseline``: the fresh evaluation of "no action" by ``evaluator``, the certificate's
    evaluation when the plan is "no action" (e.g. a solve stopped before any plan)."""
    net = problem.net
    if raw.failed:
        # with budgets ≥ 0 the plan "no action" is feasible, so the MILP can only fail
        # through an unbounded smuggler, which the baseline already rules out
        raise SolveError(f"the defender's MILP ended {raw.termination.value} ({raw.message}): "
                         "this should not happen for a validated instance; please report it")
    if raw.has_plan:
        assert raw.values is not None
        plan = Plan.from_binaries(net, raw.values[x_start:x_start + net.n_binaries])
        claimed = raw.objective
    else:
        plan, claimed = Plan.of({}), None  # stopped before any plan: "no action" is feasible
    notes: list[str] = []
    if start is not None and start != plan:
        if not raw.has_plan or evaluator(start).objective < evaluator(plan).objective:
            notes.append("the solver's plan was no better than its start: the start is kept")
            plan, claimed = start, None
    if tidy and plan.levels and raw.termination != Termination.INTERRUPTED:
        # the certificate's fresh evaluation of the plan first; tidying starts from its
        # LPs, and only a plan that tidying changed is evaluated afresh again
        evaluation, trials = evaluator.fresh_with_trials(plan)
        tidied, dropped = drop_redundant(net, plan, evaluation.objective, 1e-7 * scale,
                                         trials, stop=deadline.short if deadline else None)
        notes.extend(dropped)
        if tidied != plan:
            plan, evaluation = tidied, evaluator(tidied, fresh=True)
    elif not plan.levels and baseline is not None:
        evaluation = baseline
    else:
        evaluation = evaluator(plan, fresh=True)
    bound = raw.bound if bound is None else bound
    if bound is not None and bound < 0.0 and evaluator.nonnegative:
        bound = 0.0
    problem.check_plan(plan)
    budgets = budgets if budgets is not None else problem.budgets
    cert = certify(net, evaluation, budgets=budgets, claimed=claimed, bound=bound,
                   optimal=raw.status == SolutionStatus.OPTIMAL, exact_claim=exact_claim,
                   scale=scale, measure=evaluator.label, blocks=len(problem.scenarios),
                   options=options)
    if raw.status != SolutionStatus.OPTIMAL:
        what = "interrupted" if raw.termination == Termination.INTERRUPTED else \
            f"solver stopped on {raw.termination.value}"
        notes.append(f"{what}: best plan found, not proven optimal (gap {cert.gap:.3%})"
                     if cert.gap is not None else f"{what}: best plan found, no bound")
    return Finished(plan, evaluation, cert, raw, bound, tuple(notes))


# ----------------------------------------------------------------------------- the whole run


def solve(source: Source, options: SolveOptions | None = None, *,
          formulation: Formulation | None = None,
          budgets: Mapping[str, float] | None = None,
          write_model: ModelTarget | None = None, tidy: bool = True,
          risk: Risk | str | None = None, alpha: float | None = None,
          started: float | None = None, explain: bool = False,
          optimistic_bound: float | None = None) -> InterdictionResult:
    """Find the plan that minimises ``formulation``'s objective (default: the smuggler's
    value; when the smuggler plans with beliefs, ``PerceivedOutcome``: its true value under
    the optimistic tie-break), certify it, and describe it.

    ``risk`` (expected | worst | cvar) and ``alpha`` override the instance's choice for
    scenarios. ``tidy`` drops actions the plan pays for without changing its objective
    (``certify.tidy``); the value, bound and certificate are unaffected. ``started``: the
    ``clock()`` reading when the run began (e.g. before the caller read the file), from
    which ``options.time_limit`` counts (default: now; module docstring). ``explain``: add
    what each action does and buys (one fresh evaluation per action) and what the plan
    displaces (``studies.explain``; skipped when Ctrl-C stopped the solve, or when the time
    limit leaves too little time for those evaluations: a note says so).
    ``optimistic_bound``: for the pessimistic tie-break, a proven lower bound on the
    optimistic optimum of the same problem (e.g. the bound of an optimistic solve just
    made, as ``studies.compare.compare_harm`` does), which is then not solved for again
    (``_optimistic_bound``)."""
    options = options or SolveOptions()
    deadline = Deadline.of(options, started)
    t_start = time.perf_counter()
    problem = as_problem(source, budgets, risk=risk, alpha=alpha)
    if formulation is None:
        formulation = PerceivedOutcome() if problem.beliefs else DualValue()
    _check_objective_data(problem, formulation)
    evaluator = (OutcomeEvaluator(problem, formulation.objective, formulation.tie, options)
                 if isinstance(formulation, OutcomeBilevel) else
                 evaluator_for(problem, formulation.objective, formulation.tie, options))
    t_compiled = time.perf_counter()

    c_base = clock()
    baseline = evaluator(Plan.of({}), fresh=True)
    deadline.lp_seconds = clock() - c_base
    scale = max(1.0, abs(baseline.objective))
    if isinstance(formulation, OutcomeBilevel):  # the tolerance of the extreme responses
        scale = max(scale, _outcome_scale(problem, baseline))
    t_base = time.perf_counter()

    solved = solve_formulation(problem, formulation, options, write_model, deadline=deadline)
    notes: list[str] = []
    if problem.beliefs:
        notes.append("the smuggler plans with the data it believes (perceived seizure, cost "
                     "and effects); the outcome is counted with the true data")
    bound = None
    if not formulation.exact_claim and isinstance(formulation, OutcomeBilevel):
        solved, formulation, settled = _settle_tie_break(problem, formulation, solved,
                                                         evaluator, options, scale, deadline)
        notes.extend(settled)
        bound = optimistic_bound if optimistic_bound is not None else \
            _optimistic_bound(problem, formulation, options, deadline)
        notes.append("lower bound: the optimistic optimum (never above the pessimistic one)")
    t_solved = time.perf_counter()

    finished = finish(problem, evaluator, solved.raw, x_start=solved.x_start,
                      exact_claim=formulation.exact_claim, scale=scale, options=options,
                      bound=bound, tidy=tidy, deadline=deadline, baseline=baseline)
    t_checked = time.perf_counter()
    result = interdiction_result(
        problem, baseline, finished, formulation=formulation, method=solved.method,
        model_size=solved.model_size, options=options, notes=tuple(notes),
        timings=dict(build=(t_compiled - t_start) + solved.build_seconds,
                     solve=solved.raw.seconds, check=t_checked - t_solved,
                     baseline=t_base - t_compiled, total=time.perf_counter() - t_start))
    if explain and result.termination != Termination.INTERRUPTED:
        return _explained(problem, formulation, evaluator, finished, result, options, deadline)
    return result


def _explained(problem: DefenderProblem, formulation: Formulation, evaluator: Evaluator,
               finished: Finished, result: InterdictionResult, options: SolveOptions,
               deadline: Deadline) -> InterdictionResult:
    """``result`` with its plan explained (``studies.explain``): what each action buys, one
    fresh evaluation each; with an objective other than harm on an instance with harm
    weights, also the harm each avoids (an evaluation of both tie-breaks' harm for the plan
    and for each action dropped). Each part only when the time limit leaves room for its
    evaluations; a note says what was left out."""
    from .studies.explain import HARM_EVALUATION_COST, explain_plan

    n = len(result.actions)
    if not deadline.allows(n):
        return replace(result, notes=result.notes + (
            f"not explained: the time limit leaves too little time for the {n} re-solves "
            "that say what each action buys",))
    harm: HarmEvaluator | None = None
    notes: tuple[str, ...] = ()
    if n and formulation.objective != Objective.HARM and _has_harm(problem):
        if deadline.allows(n + HARM_EVALUATION_COST * (n + 1)):
            harm = HarmEvaluator(problem, Tie.OPTIMISTIC, options)
        else:
            notes = (f"the harm each action avoids is not shown: the time limit leaves too "
                     f"little time for the {n + 1} evaluations of the harm it takes",)
    return replace(result, notes=result.notes + notes, explanation=explain_plan(
        problem, evaluator, finished.evaluation, result, harm))


def _has_harm(problem: DefenderProblem) -> bool:
    """Some delivery carries harm in some scenario block."""
    return any(float(sc.net.del_harm.max(initial=0.0)) > 0 for sc in problem.scenarios)


def _check_objective_data(problem: DefenderProblem, formulation: Formulation) -> None:
    if problem.beliefs and not isinstance(formulation, OutcomeBilevel):
        refuse_beliefs(problem.instance, f"the formulation {formulation.name!r}")
    if formulation.objective == Objective.HARM and not _has_harm(problem):
        raise InstanceError([Problem(problem.instance.path, "commodities", "harm",
                                     "the harm objective needs harm weights: give commodities "
                                     "(or market nodes) a 'harm' per unit delivered", None)])


def _outcome_scale(problem: DefenderProblem, baseline: PlanEvaluation) -> float:
    """The largest magnitude of the two tie-breaks' outcomes with no action."""
    return max(abs(problem.combine([r.outcome(t) for r in baseline.harm]))
               for t in (Tie.OPTIMISTIC, Tie.PESSIMISTIC))


def _settle_tie_break(problem: DefenderProblem, formulation: OutcomeBilevel, solved: Solved,
                      evaluator: Evaluator, options: SolveOptions, scale: float,
                      deadline: Deadline | None = None,
                      ) -> tuple[Solved, OutcomeBilevel, list[str]]:
    """The pessimistic tie-break perturbs the smuggler's values by ε·outcome: ε too large
    over-states a plan's outcome, ε lost in the solver's tolerances under-states it.
    Re-solve with ε adjusted until the MILP's claim matches the plan's exact pessimistic
    outcome (at most four solves). The MILP's value and ε of the accepted solve are
    kept."""
    notes: list[str] = []
    tol = 1e-6 * scale
    tried: set[float] = set()
    while True:
        milp_eps = formulation.resolved_epsilon(problem)
        tried.add(milp_eps)
        raw = solved.raw
        if not raw.has_plan or raw.objective is None:
            return solved, formulation, notes
        assert raw.values is not None
        net = problem.net
        plan = Plan.from_binaries(net, raw.values[solved.x_start:solved.x_start + net.n_binaries])
        exact = evaluator(plan).objective
        if abs(raw.objective - exact) <= tol or len(tried) >= 4:
            if raw.objective > exact + tol:
                notes.append("the pessimistic value is certified for the plan but optimality "
                             "over all plans rests on the ε tie-break; see the gap to the bound")
            return solved, formulation, notes
        eps = milp_eps / 100.0 if raw.objective > exact else milp_eps * 100.0
        if eps in tried:
            return solved, formulation, notes
        notes.append(f"pessimistic tie-break ε = {milp_eps:.3g} gave {raw.objective:.6g} for a "
                     f"plan whose least favourable optimal response gives {exact:.6g}; "
                     f"re-solved with ε = {eps:.3g}")
        formulation = formulation.with_epsilon(eps)
        solved = solve_formulation(problem, formulation, options, deadline=deadline)


def _optimistic_bound(problem: DefenderProblem, formulation: OutcomeBilevel,
                      options: SolveOptions, deadline: Deadline | None = None) -> float | None:
    """A valid lower bound on the pessimistic optimum: the optimistic MILP's proven bound
    (every plan's least favourable optimal response counts at least its most favourable
    one)."""
    solved = solve_formulation(problem, formulation.optimistic(), options, deadline=deadline)
    return solved.raw.bound


def solve_horizon(source: Instance | str | Path, options: SolveOptions | None = None, *,
                  budgets: Mapping[str, float] | None = None,
                  write_model: ModelTarget | None = None, tidy: bool = True,
                  risk: Risk | str | None = None, alpha: float | None = None):
    """The certified optimal schedule over the instance's horizon (docs/model.md §14): one
    MILP over the start binaries with a dual block per (scenario, period), finished by the
    same path as every solve (tidy, every period's smuggler LP re-solved with the schedule
    fixed, certificate). ``budgets``: ``b`` (every period), ``b@PERIOD``, ``b@total``.
    Returns a ``results.horizon.HorizonResult``."""
    from .compile.horizon import build_horizon_problem
    from .results.horizon import horizon_result

    options = options or SolveOptions()
    if options.method not in (Method.DUAL, Method.AUTO):
        raise UsageError("a horizon is solved by the dual MILP (use --method dual)")
    options = options.replace(method=Method.DUAL)
    t_start = time.perf_counter()
    inst = load_instance(source) if isinstance(source, (str, Path)) else source
    problem = build_horizon_problem(inst, risk=risk, alpha=alpha, budgets=budgets)
    evaluator = evaluator_for(problem, Objective.VALUE, Tie.OPTIMISTIC, options)
    t_compiled = time.perf_counter()
    baseline = evaluator(Plan.of({}), fresh=True)
    scale = max(1.0, abs(baseline.objective))
    t_base = time.perf_counter()
    deadline = Deadline.of(options, started=t_start)
    restriction = _programmes_of_first_period(problem, options, deadline, risk=risk,
                                              alpha=alpha)
    solved = solve_formulation(problem, DualValue(), options, write_model,
                               deadline=deadline, restriction=restriction)
    t_solved = time.perf_counter()
    finished = finish(problem, evaluator, solved.raw, x_start=solved.x_start, exact_claim=True,
                      scale=scale, options=options, tidy=tidy)
    t_checked = time.perf_counter()
    return horizon_result(
        problem, baseline, finished, method=solved.method, model_size=solved.model_size,
        options=options.to_dict(),
        timings=dict(build=(t_compiled - t_start) + solved.build_seconds,
                     solve=solved.raw.seconds, check=t_checked - t_solved,
                     baseline=t_base - t_compiled, total=time.perf_counter() - t_start))


def _programmes_of_first_period(problem, options: SolveOptions, deadline: Deadline, *,
                                risk: Risk | str | None, alpha: float | None,
                                ) -> dict[int, float] | None:
    """The restriction that finds the horizon MILP's first schedule: the best first-period
    plan solved alone (at most ``RESTRICTED_SHARE`` of the time left), its programmes
    funded from the first period and no other programme started
    (``studies.horizon.programme_restriction``). None with a single period (the
    restriction would be the whole problem) or without programmes."""
    from .studies.horizon import programme_restriction, solve_first_period

    if len(problem.labels) < 2:
        return None
    left = deadline.for_solver()
    with mip_progress(None):  # its incumbent and bound are one period's, not the horizon's
        first = solve_first_period(
            problem, options.replace(time_limit=None if left is None
                                     else RESTRICTED_SHARE * left),
            risk=risk, alpha=alpha)
    return programme_restriction(problem, first.plan) or None


def evaluate_plan(source: Source, plan: Plan | Mapping[str, int],
                  options: SolveOptions | None = None,
                  budgets: Mapping[str, float] | None = None) -> float:
    """The smuggler's optimal value against ``plan`` (combined over scenarios by the risk
    measure; budgets are not enforced here)."""
    problem = as_problem(source, budgets)
    plan = plan if isinstance(plan, Plan) else Plan.of(plan)
    return evaluator_for(problem, options=options)(plan, fresh=True).objective


__all__ = ["Deadline", "Finished", "Solved", "as_network", "as_problem", "build_milp",
           "evaluate_plan", "finish", "resolve_method", "solve", "solve_formulation",
           "solve_horizon",
           "UnboundedError"]
