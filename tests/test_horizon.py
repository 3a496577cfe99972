"""Plans over several periods (docs/model.md §9): a horizon of one period is today's
problem; the MILP over start binaries equals an enumeration of every feasible schedule
evaluated by an independent path (actions rebuilt as records with scaled amounts, compiled
by the single-period compiler, the smuggler's LP per period); a hand-derived case; the
shipped five-year horizon certified optimal; located errors for bad horizons."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from optimizer import InstanceError, SolveOptions, solve
from optimizer.certify.response import solve_smuggler
from optimizer.cli import main
from optimizer.compile.horizon import build_horizon_problem
from optimizer.compile.network import Levers, Plan, compile_instance
from optimizer.formulation import DualValue
from optimizer.formulation.blocks import LinearModel
from optimizer.formulation.interdiction import (
    LeverMerge,
    add_actions,
    add_aggregate_columns,
    add_exclusive_rows,
    add_scenario_blocks,
    build_problem_milp,
)
from optimizer.instance.horizon import horizon_problems
from optimizer.instance.model import Effect, Horizon, Level, Scenario, Timing
from optimizer.instance.reader import load_instance, read_instance_text
from optimizer.instance.scenarios import materialize
from optimizer.instance.validate import validate
from optimizer.options import SolutionStatus, Termination
from optimizer.pipeline import Deadline, _solve_restricted_first, solve_formulation, solve_horizon
from optimizer.solvers.base import RawSolution, open_session
from optimizer.studies.horizon import evaluate_schedule, programme_restriction, repeat_one_period

from helpers import (
    HORIZON_YAML,
    SHIPPED,
    Commodity,
    Resource,
    action,
    arc,
    assert_certified,
    instance,
    market,
    valid_random_instance,
)


def _single(plan: Plan) -> dict[str, int]:
    """'a@1': level → 'a': level (the schedule of a one-period horizon)."""
    return {k.rsplit("@", 1)[0]: v for k, v in plan.as_dict().items()}


# ----------------------------------------------------------------------------- one period

@pytest.mark.parametrize("i", range(8))
def test_one_period_horizon_is_the_single_period_problem(i):
    inst = valid_random_instance(i)
    one = replace(inst, horizon=Horizon(("1",)))
    single = solve(inst)
    over = solve_horizon(one)
    tol = 1e-7 * max(1.0, single.value_before)
    assert over.optimal and single.optimal
    assert over.objective_after == pytest.approx(single.value_after, abs=tol)
    assert over.objective_before == pytest.approx(single.value_before, abs=tol)
    assert _single(over.plan) == single.plan.as_dict()


@pytest.mark.slow
def test_shipped_instance_first_year_alone_is_the_single_period_solve():
    inst = load_instance(SHIPPED)
    h = inst.horizon
    one = replace(inst, horizon=replace(h, labels=h.labels[:1],
                                        budgets={r: v[:1] for r, v in h.budgets.items()}))
    single = solve(inst)
    over = solve_horizon(one)
    assert over.optimal
    assert over.objective_after == pytest.approx(single.value_after,
                                                 abs=1e-6 * single.value_before)
    assert _single(over.plan) == single.plan.as_dict()


# ----------------------------------------------------------------------------- oracle

def _spans(inst, j: int, lv: int, T: int) -> tuple[tuple[float, ...], int, bool]:
    """(strength by age, active periods, one-off) of action j at level lv — read from the
    records: profile, or lag / decay / regenerates_after as the format defines them."""
    act = inst.actions[j]
    t = act.levels[lv].timing or act.timing or Timing()
    if t.profile is not None:
        by_age = tuple(t.profile) + (0.0,) * (T - len(t.profile))
        active = len(t.profile)
    else:
        by_age = tuple(0.0 if k < t.lag else
                       (0.0 if t.regenerates_after is not None and k - t.lag >= t.regenerates_after
                        else (1 - t.decay) ** (k - t.lag)) for k in range(T))
        active = T if t.regenerates_after is None else t.lag + t.regenerates_after
    return by_age[:T], min(active, T), t.cost == "one_off"


def _action_choices(inst, j: int, T: int) -> list[tuple[tuple[int, int], ...]]:
    """Every set of (level, start) an action may take: at most one start if it may not be
    repeated, else starts that never overlap (a restart once the previous start ended)."""
    act = inst.actions[j]
    repeat = act.timing is not None and act.timing.repeat
    singles = [(lv, s) for s in range(T) for lv in range(len(act.levels))]
    out: list[tuple[tuple[int, int], ...]] = [()]
    if not repeat:
        return out + [(c,) for c in singles]
    for k in range(1, T + 1):
        for combo in itertools.combinations(singles, k):
            starts = sorted(combo, key=lambda c: c[1])
            ok = all(b[1] >= a[1] + _spans(inst, j, a[0], T)[1]
                     for a, b in zip(starts, starts[1:]))
            if ok:
                out.append(tuple(starts))
    return out


def _spend(inst, schedule, T: int) -> np.ndarray:
    rids = [r.id for r in inst.resources]
    spend = np.zeros((len(rids), T))
    for j, lv, s in schedule:
        _, active, one_off = _spans(inst, j, lv, T)
        for rid, c in inst.actions[j].levels[lv].cost.items():
            for t in ([s] if one_off else range(s, min(T, s + active))):
                spend[rids.index(rid), t] += c
    return spend


def _fits(inst, spend: np.ndarray) -> bool:
    h = inst.horizon
    for i, r in enumerate(inst.resources):
        budget = np.array([h.budget(r, t) for t in range(h.count)])
        used = np.cumsum(spend[i]) if h.carry_over else spend[i]
        limit = np.cumsum(budget) if h.carry_over else budget
        if np.any(used > limit + 1e-9):
            return False
        if r.id in h.totals and spend[i].sum() > h.totals[r.id] + 1e-9:
            return False
    return True


def _period_value(inst, schedule, t: int) -> float:
    """The smuggler's value in period t: each started action that acts in t rebuilt as an
    action of its own with its amounts scaled by its strength, compiled and applied by the
    single-period path."""
    T = inst.horizon.count
    base = inst
    change = next((c for c in inst.horizon.changes if c.id == inst.horizon.labels[t]), None)
    if change is not None:
        base = materialize(inst, change)
    acts = []
    for j, lv, s in schedule:
        strength = _spans(inst, j, lv, T)[0][t - s] if t >= s else 0.0
        if strength == 0:
            continue
        a = inst.actions[j]
        effects = tuple(Effect(e.type, e.targets, (e.amounts[lv] * strength,)) for e in a.effects)
        acts.append(replace(a, id=f"{a.id}#{s}", levels=(Level({}),), effects=effects,
                            timing=None))
    net = compile_instance(replace(base, actions=tuple(acts), horizon=None, scenarios=()))
    return solve_smuggler(net, np.ones(net.n_binaries)).value


def enumerate_schedules(inst) -> tuple[float, int]:
    """The best discounted value over every feasible schedule, and how many there were."""
    T = inst.horizon.count
    weights = [1 / (1 + inst.horizon.discount) ** t for t in range(T)]
    per_action = [_action_choices(inst, j, T) for j in range(len(inst.actions))]
    best, count = math.inf, 0
    for choice in itertools.product(*per_action):
        schedule = [(j, lv, s) for j, starts in enumerate(choice) for lv, s in starts]
        if not _fits(inst, _spend(inst, schedule, T)):
            continue
        count += 1
        best = min(best, sum(w * _period_value(inst, schedule, t) for t, w in enumerate(weights)))
    return best, count


def random_horizon(seed: int):
    """A small valid random instance over 2–3 periods with random timings (decay, lag,
    regeneration, profiles, one-off or recurring costs, repeats), budgets per period,
    carry-over, a total, a discount and a period that changes a supply."""
    rng = np.random.default_rng(1000 + seed)
    inst = valid_random_instance(seed)
    T = int(rng.integers(2, 4))
    acts = []
    for a in inst.actions[:3]:
        removes = any(e.type == "remove" for e in a.effects)
        kind = str(rng.choice(["default", "decay", "lag", "regen", "profile"]))
        kw: dict = {"cost": str(rng.choice(["one_off", "recurring"])),
                    "repeat": bool(rng.integers(0, 2))}
        if kind == "decay" and not removes:
            kw["decay"] = float(rng.choice([0.3, 0.5]))
        elif kind == "lag":
            kw["lag"] = int(rng.integers(1, T))
        elif kind == "regen":
            kw["regenerates_after"] = int(rng.integers(1, T))
        elif kind == "profile":
            n = int(rng.integers(1, T + 1))
            kw["profile"] = tuple(float(rng.choice([0.0, 1.0] if removes else [0.0, 0.4, 1.0]))
                                  for _ in range(n))
        acts.append(replace(a, timing=Timing(**kw)))
    budgets = {r.id: tuple(float(rng.integers(0, 4)) for _ in range(T)) for r in inst.resources}
    first = inst.resources[0].id
    totals = {first: float(rng.integers(2, 6))} if rng.random() < 0.4 else {}
    changes = ()
    if rng.random() < 0.5 and inst.supplies:
        sup = inst.supplies[0]
        changes = (Scenario(str(T), 1.0, supplies={(sup.node, sup.commodity): sup.amount * 2}),)
    horizon = Horizon(tuple(str(t + 1) for t in range(T)), "year",
                      float(rng.choice([0.0, 0.1])), budgets, totals,
                      bool(rng.integers(0, 2)), changes)
    out = replace(inst, actions=tuple(acts), horizon=horizon)
    problems = validate(out) + horizon_problems(out)
    if problems:
        raise InstanceError(problems)
    return out


@pytest.mark.parametrize("seed", [*range(6), *(pytest.param(s, marks=pytest.mark.slow)
                                                for s in range(6, 14))])
def test_milp_equals_enumeration_of_schedules(seed):
    try:
        inst = random_horizon(seed)
    except InstanceError:
        pytest.skip("the random timings broke a validation rule")
    best, count = enumerate_schedules(inst)
    assert count >= 1
    r = solve_horizon(inst)
    assert_certified(r)
    tol = 1e-6 * max(1.0, r.objective_before)
    assert r.objective_after == pytest.approx(best, abs=tol)
    # the MILP's schedule, re-evaluated by the oracle's own path
    st = build_horizon_problem(inst).st
    chosen = build_horizon_problem(inst).schedule(r.plan)
    schedule = [(int(st.action[i]), int(st.level[i]), int(st.period[i])) for i in chosen]
    weights = [1 / (1 + inst.horizon.discount) ** t for t in range(inst.horizon.count)]
    assert _fits(inst, _spend(inst, schedule, inst.horizon.count))
    assert sum(w * _period_value(inst, schedule, t) for t, w in enumerate(weights)) == \
        pytest.approx(r.objective_after, abs=tol)


def test_the_random_horizons_cover_every_feature():
    """The enumeration test is only as good as what its instances contain."""
    seen: set[str] = set()
    for seed in range(14):
        try:
            inst = random_horizon(seed)
        except InstanceError:
            continue
        h = inst.horizon
        seen |= {"carry_over"} if h.carry_over else set()
        seen |= {"total"} if h.totals else set()
        seen |= {"change"} if h.changes else set()
        for a in inst.actions:
            t = a.timing
            seen |= {n for n, on in (("decay", t.decay > 0), ("lag", t.lag > 0),
                                     ("regen", t.regenerates_after is not None),
                                     ("profile", t.profile is not None),
                                     ("recurring", t.cost == "recurring"),
                                     ("one_off", t.cost == "one_off"), ("repeat", t.repeat)) if on}
    assert seen >= {"carry_over", "total", "change", "decay", "lag", "regen", "profile",
                    "recurring", "one_off", "repeat"}


@pytest.mark.parametrize("seed", range(14))
def test_every_schedule_takes_at_most_one_start_of_each_aggregate(seed):
    """The MILP states each aggregate's sum as a binary column: exact only if no schedule
    the rules allow (the oracle's own reading of them) takes two of its starts."""
    try:
        inst = random_horizon(seed)
    except InstanceError:
        pytest.skip("the random timings broke a validation rule")
    problem = build_horizon_problem(inst)
    st, T = problem.st, inst.horizon.count
    index = {(int(st.action[i]), int(st.level[i]), int(st.period[i])): i for i in range(len(st))}
    sets = problem.aggregates()
    assert sets == [] or min(len(members) for _, members in sets) >= 2
    for name, members in sets:
        j = int(st.action[members[0]])
        assert set(st.action[members].tolist()) == {j}, name
        taken = [sum(index[(j, lv, s)] in members for lv, s in choice)
                 for choice in _action_choices(inst, j, T)]
        assert max(taken) == 1, name


def test_shipped_aggregates_are_acting_and_started_sets():
    problem = build_horizon_problem(load_instance(SHIPPED))
    st = problem.st
    sets = {name: {st.group_ids[g] for g in st.group[members].tolist()}
            for name, members in problem.aggregates()}
    # a middle-layer arrest regenerates after two years: the starts of 2021 and 2022 act
    assert sets["middle_layer_sinaloa acting in 2022"] == {"middle_layer_sinaloa@2021",
                                                           "middle_layer_sinaloa@2022"}
    # a programme runs from its start to the end and may not be repeated: every start acts
    # in the last year (the set "started" is the same one, stated once)
    assert sets["coast_patrols acting in 2025"] == {f"coast_patrols@{y}"
                                                    for y in range(2021, 2026)}
    assert "coast_patrols started" not in sets
    assert sets["coast_patrols acting in 2023"] == {f"coast_patrols@{y}"
                                                    for y in range(2021, 2024)}
    # kingpins are replaced within the year: one start acts in each year, nothing to sum
    assert not any(name.startswith("high_value_targeting") for name in sets)
    milp = build_problem_milp(problem)
    assert milp.model.var_blocks["z"].size == len(sets)


def test_a_lever_merge_by_hand():
    """Binaries 0 and 1 (a set) act alike on element 5: one lever on the set's column;
    on element 6 by different amounts, and binary 2 alone: left as they are."""
    levers = Levers(np.array([0, 1, 2, 0, 1]), np.array([5, 5, 5, 6, 6]),
                    np.array([0.5, 0.5, 0.3, 1.0, 2.0]))
    merge = LeverMerge([np.array([0, 1])], start=100, group=np.array([0]), names=["a"])
    out = merge.apply(levers, n_binaries=3)
    assert sorted(zip(out.binary.tolist(), out.element.tolist(), out.amount.tolist())) == [
        (0, 6, 1.0), (1, 6, 2.0), (2, 5, 0.3), (3, 5, 0.5)]


def _horizon_milp(problem, merged: bool):
    """The horizon MILP as ``build_problem_milp`` states it, levers merged onto the
    aggregate columns or not."""
    m = LinearModel("interdiction", sense="min")
    x, _ = add_actions(m, problem.net)
    add_exclusive_rows(m, x.start, problem.exclusive())
    merge = add_aggregate_columns(m, x.start, problem.aggregates(),
                                  problem.net.exclusive_groups()[0])
    add_scenario_blocks(m, problem, x.start, merge=merge if merged else None)
    return m


@pytest.mark.parametrize("seed", range(14))
def test_merged_levers_keep_the_relaxation(seed):
    """Levers merged onto an aggregate column state the same LP relaxation (and, by the
    enumeration test, the same optimum): both relaxations solved to the same value."""
    try:
        inst = random_horizon(seed)
    except InstanceError:
        pytest.skip("the random timings broke a validation rule")
    problem = build_horizon_problem(inst)
    values = []
    for merged in (True, False):
        m = _horizon_milp(problem, merged)
        session = open_session(m, SolveOptions(threads=1))
        session.set_integrality(np.arange(m.n_cols), False)
        values.append(session.solve().objective)
    assert values[0] == pytest.approx(values[1], rel=1e-7, abs=1e-7)


def test_the_random_horizons_merge_levers():
    """Some random horizon states levers on aggregate columns (else the two tests above
    test nothing), and the shipped horizon's MILP shrinks by merging."""
    smaller = 0
    for seed in range(14):
        try:
            problem = build_horizon_problem(random_horizon(seed))
        except InstanceError:
            continue
        smaller += _horizon_milp(problem, True).n_cols < _horizon_milp(problem, False).n_cols
    assert smaller >= 2
    shipped = build_horizon_problem(load_instance(SHIPPED))
    assert _horizon_milp(shipped, True).n_cols < 0.7 * _horizon_milp(shipped, False).n_cols


# ----------------------------------------------------------------------------- by hand

def lab_or_port():
    """10 units a year from s through a port arc and a lab node to a market, worth 1 each;
    budget 1 a year (no carry-over), three years, no discount. A raid (cost 1, one-off)
    removes the lab for one year; it is rebuilt after that unless raided again. A port
    clean-up (cost 1, one-off, may not be repeated) cuts the port by 80%, fading to 50%
    and 25% of that as new routes develop."""
    arcs = [arc("s", "port", id="sea"), arc("port", "lab", 10, id="port_exit"),
            arc("lab", "m", id="road")]
    acts = [
        replace(action("raid", [("remove", {"nodes": ["lab"]}, 0)], cost={"budget": 1}),
                timing=Timing(regenerates_after=1, cost="one_off", repeat=True)),
        replace(action("cleanse", [("cut_capacity", {"arcs": ["port_exit"]}, 0.8)],
                       cost={"budget": 1}),
                timing=Timing(profile=(1.0, 0.5, 0.25), cost="one_off")),
    ]
    inst = instance(["s", "port", "lab", market("m")], arcs, supplies=[("s", "flow", 10.0)],
                    actions=acts, commodities=[Commodity("flow", value=1.0)],
                    resources=[Resource("budget", 1.0)])
    return replace(inst, horizon=Horizon(("1", "2", "3")))


def test_re_raiding_a_regenerating_lab_beats_a_one_off_port_clean_up():
    inst = lab_or_port()
    problem = build_horizon_problem(inst)
    # by hand: a raid in year 1 only: 0 + 10 + 10 = 20; the clean-up in year 1:
    # 10·(1 − 0.8) + 10·(1 − 0.4) + 10·(1 − 0.2) = 2 + 6 + 8 = 16 (better than one raid);
    # a raid every year: 0 — the optimum (the clean-up plus two raids gives 2)
    assert evaluate_schedule(problem, Plan.of({"raid@1": 1})).objective_after == \
        pytest.approx(20.0, abs=1e-9)
    assert evaluate_schedule(problem, Plan.of({"cleanse@1": 1})).objective_after == \
        pytest.approx(16.0, abs=1e-9)
    assert evaluate_schedule(problem, Plan.of({"cleanse@1": 1, "raid@2": 1, "raid@3": 1})
                             ).objective_after == pytest.approx(2.0, abs=1e-9)
    r = solve_horizon(inst)
    assert_certified(r)
    assert r.objective_after == pytest.approx(0.0, abs=1e-9)
    assert r.plan.as_dict() == {"raid@1": 1, "raid@2": 1, "raid@3": 1}
    assert [p.value_after for p in r.periods] == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    assert [p.value_before for p in r.periods] == pytest.approx([10.0, 10.0, 10.0])


def test_a_restart_waits_until_the_previous_start_has_ended():
    inst = lab_or_port()
    slow = replace(inst, actions=(replace(inst.actions[0], timing=Timing(
        regenerates_after=2, cost="one_off", repeat=True)), inst.actions[1]))
    problem = build_horizon_problem(slow)
    from optimizer.errors import CertificateError

    with pytest.raises(CertificateError, match="raid running in 2 more than once"):
        evaluate_schedule(problem, Plan.of({"raid@1": 1, "raid@2": 1}))
    # the one-year plan (a raid) funded every year waits for the lab to be rebuilt
    from optimizer.studies.horizon import repeated_schedule

    assert repeated_schedule(problem, Plan.of({"raid": 1})).as_dict() == {"raid@1": 1,
                                                                         "raid@3": 1}
    # raid in year 1 (lab gone in years 1 and 2), a new raid only in year 3
    r = solve_horizon(slow)
    assert r.plan.as_dict() == {"raid@1": 1, "raid@3": 1}
    assert r.objective_after == pytest.approx(0.0, abs=1e-9)


# ----------------------------------------------------------------------------- shipped

@pytest.mark.slow
def test_shipped_horizon_first_two_years_certified_optimal():
    """The shipped horizon cut to its first two years (the five-year proof takes many
    minutes: benches/README.md, "Horizons"), proven optimal and certified; every year
    keeps its budgets, and planning both years together is at least as good as funding
    the best one-year plan twice."""

    inst = load_instance(SHIPPED)
    h = inst.horizon
    two = replace(inst, horizon=replace(h, labels=h.labels[:2],
                                        budgets={r: v[:2] for r, v in h.budgets.items()}))
    r = solve_horizon(two, SolveOptions(threads=2))
    assert_certified(r)
    assert r.labels == ("2021", "2022")
    for p in r.periods:
        assert all(p.spend[k] <= p.budget[k] + 1e-9 for k in p.spend)
    repeated = repeat_one_period(two, SolveOptions(threads=2)).repeated
    assert r.objective_after <= repeated.objective_after + r.certificate.tolerance


#: the shipped five-year horizon's optimum (US$ thousand, discounted), proven by HiGHS twice
#: independently: the engine's run (777 s, 4,904 nodes) and a raw HiGHS run of the same
#: MILP with its default heuristics and this value as cutoff (506 s, 3,493 nodes);
#: benches/README.md, "Horizons"
FIVE_YEAR_OPTIMUM = 11_585_515.995


@pytest.mark.proof
def test_shipped_five_year_horizon_certified_optimal():
    """The shipped instance's whole horizon proven optimal and certified (about 12 minutes:
    `pytest -m proof`; skipped otherwise, so not in CI). The schedule keeps every year's
    budgets, beats the best one-year plan repeated, and its value is the optimum proven
    before."""

    inst = load_instance(SHIPPED)
    r = solve_horizon(inst)
    assert_certified(r)
    assert r.optimal and r.labels == ("2021", "2022", "2023", "2024", "2025")
    for p in r.periods:
        assert all(p.spend[k] <= p.budget[k] + 1e-9 for k in p.spend)
    assert r.objective_after == pytest.approx(FIVE_YEAR_OPTIMUM, abs=r.certificate.tolerance)
    repeated = repeat_one_period(inst).repeated
    assert r.objective_after < repeated.objective_after - r.certificate.tolerance


# ----------------------------------------------------------------------------- CLI

def test_solve_horizon_writes_the_schedule_json_and_picture(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(HORIZON_YAML)
    out = CliRunner().invoke(main, ["solve", str(path), "--horizon", "--json",
                                    str(tmp_path / "r.json"), "--png", str(tmp_path / "r.png"),
                                    "--versus-repeated"])
    assert out.exit_code == 0, out.output
    assert "Schedule" in out.output and "Versus" in out.output
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["horizon"]["periods"] == ["2021", "2022", "2023"]
    assert data["optimal"] is True
    assert len(data["periods"]) == 3
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_of_effects_stronger_than_stated(tmp_path):
    """A profile above 1 (an effect that grows, like alternative livelihoods) is drawn."""
    from optimizer.report.horizon import horizon_png

    text = HORIZON_YAML.replace("profile: [1, 0.6, 0.3]", "profile: [1, 1.5, 1.8]")
    inst = read_instance_text(text, "h.yaml")
    r = evaluate_schedule(build_horizon_problem(inst), Plan.of({"close_pov@2021": 1}))
    assert [s.strength for s in r.schedule] == [(1.0, 1.5, 1.8)]
    horizon_png(r, tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_png_without_horizon_is_a_usage_error(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(HORIZON_YAML)
    out = CliRunner().invoke(main, ["solve", str(path), "--png", str(tmp_path / "r.png")])
    assert out.exit_code == 2
    assert not (tmp_path / "r.png").exists()


def test_budget_of_one_period_and_total(tmp_path):
    inst = read_instance_text(HORIZON_YAML, "h.yaml")
    tight = solve_horizon(inst, budgets={"usd@2021": 0, "usd@total": 2})
    assert tight.periods[0].spend["usd"] == 0
    assert sum(p.spend["usd"] for p in tight.periods) <= 2 + 1e-9


# ----------------------------------------------------------------------------- bad input

def _problems(text: str):
    with pytest.raises(InstanceError) as exc:
        read_instance_text(text, "bad.yaml")
    return exc.value.problems


def _one(problems, field: str, words: str):
    hits = [p for p in problems if p.field == field and words in p.message]
    assert hits, [str(p) for p in problems]
    p = hits[0]
    assert p.file == "bad.yaml" and p.line is not None and p.record
    return p


@pytest.mark.parametrize("old,new,field,words,record", [
    ("profile: [1, 0.6, 0.3]", "profile: [1, 0.6, 0.3, 0.1]", "profile",
     "has 4 strengths but the horizon has 3", "action 'close_pov' timing"),
    ("regenerates_after: 1,", "regenerates_after: 1, decay: -0.5,", "decay", "≥ 0",
     "raid_lab"),
    ("profile: [1, 0.6, 0.3]", "decay: .nan", "decay", "NaN", "close_pov"),
    ("profile: [1, 0.6, 0.3]", "decay: .inf", "decay", "finite", "close_pov"),
    ("repeat: true}\n    effects: [{type: cut", "repeat: true, starts: [2030]}\n"
     "    effects: [{type: cut", "starts", "outside the horizon", "close_pov"),
    ("budgets: {usd: [2, 2, 3]}", "budgets: {usd: [2, 2]}", "usd",
     "lists 2 budgets but the horizon has 3", "horizon budgets"),
    (("profile: [1, 0.6, 0.3], cost", "cut_capacity, arcs: [pov], amount: 0.5"),
     ("regenerates_after: 2, cost", "raise_seizure, arcs: [pov], amount: 0.5"),
     "regenerates_after", "nothing to regenerate: the action removes or cuts nothing",
     "close_pov"),
    ("regenerates_after: 1,", "regenerates_after: 1, lag: 3,", "regenerates_after",
     "takes effect after the horizon", "raid_lab"),
    ("profile: [1, 0.6, 0.3]", "profile: [1, 2.5]", "effects", "can total", "close_pov"),
    ("regenerates_after: 1,", "profile: [1, 0.5],", "profile", "acts fully or not at all",
     "raid_lab"),
    ("budgets: {usd: [2, 2, 3]}", "budgets: {dollars: 2}", "dollars", "unknown resource",
     "horizon budgets"),
    ("- {period: 2023,", "- {period: 2031,", "period", "not a period", "horizon period"),
    ("count: 3,", "count: 2.5,", "count", "whole number", "horizon periods"),
])
def test_bad_horizon_is_located(old, new, field, words, record):
    text = HORIZON_YAML
    for a, b in zip(*((old, new) if isinstance(old, tuple) else ((old,), (new,)))):
        assert a in text, a
        text = text.replace(a, b, 1)
    p = _one(_problems(text), field, words)
    assert record in p.record


def test_profile_and_shortcuts_together_are_located():
    text = HORIZON_YAML.replace("profile: [1, 0.6, 0.3]", "profile: [1], lag: 1")
    _one(_problems(text), "lag", "not both")


def test_timing_without_a_horizon_is_located():
    text = HORIZON_YAML[:HORIZON_YAML.index("horizon:")]
    hits = [q for q in _problems(text) if "needs a 'horizon' section" in q.message]
    assert hits and hits[0].line is not None and "close_pov" in hits[0].record


def test_horizon_timing_by_action_id_and_its_errors():
    base = HORIZON_YAML.replace(
        "    timing: {profile: [1, 0.6, 0.3], cost: one_off, repeat: true}\n", "")
    text = base.replace("  carry_over: true", "  carry_over: true\n  timing:\n"
                        "    - {action: close_pov, profile: [1, 0.6, 0.3], cost: one_off}")
    inst = read_instance_text(text, "ok.yaml")
    assert inst.actions[1].timing == Timing(profile=(1.0, 0.6, 0.3), cost="one_off")
    bad = text.replace("{action: close_pov,", "{action: close_door,")
    _one(_problems(bad), "action", "unknown action 'close_door'")
    twice = HORIZON_YAML.replace("  carry_over: true", "  carry_over: true\n  timing:\n"
                                 "    - {action: close_pov, profile: [1]}")
    _one(_problems(twice), "action", "timed twice")


def test_sweep_over_a_horizon_budget(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(HORIZON_YAML)
    out = CliRunner().invoke(main, ["sweep", str(path), "--horizon", "-r", "usd@total",
                                    "--values", "0,2,4", "--csv", str(tmp_path / "s.csv"),
                                    "-q"])
    assert out.exit_code == 0, out.output
    rows = (tmp_path / "s.csv").read_text().splitlines()
    assert len(rows) == 4
    inst = read_instance_text(HORIZON_YAML, "h.yaml")
    for row, budget in zip(rows[1:], (0, 2, 4)):  # each point is the solve at that budget
        alone = solve_horizon(inst, budgets={"usd@total": budget})
        assert float(row.split(",")[2]) == pytest.approx(alone.objective_after, rel=1e-9)
    assert float(rows[1].split(",")[2]) == pytest.approx(float(rows[1].split(",")[1]))
    bad = CliRunner().invoke(main, ["sweep", str(path), "--horizon", "-r", "usd",
                                    "--values", "1", "--resource2", "usd@total",
                                    "--values2", "2"])
    assert bad.exit_code == 2


# ----------------------------------------------------------------------------- in words

def test_each_start_explained_in_words():
    """HORIZON_YAML's actions started by hand: what each does (from the instance), how it
    acts over time (its strengths per year from the timing: close_pov's profile 1, 0.6,
    0.3; scan untimed, full strength to the end; raid_lab regenerating after one year) and
    what it spends over the horizon (close_pov 1 once, scan 1 a year for 3 years, raid_lab
    2 once), in the summary and the JSON."""
    from optimizer.report.horizon import render_horizon

    inst = read_instance_text(HORIZON_YAML, "h.yaml")
    plan = Plan.of({"close_pov@2021": 1, "scan@2021": 1, "raid_lab@2023": 1})
    r = evaluate_schedule(build_horizon_problem(inst), plan)
    by = {s.action: s for s in r.schedule}
    assert by["close_pov"].does == ("cuts the capacity of the private-vehicle lane border–nyc "
                                    "by 50%",)
    assert by["close_pov"].acts == ("acts 2021–2023 at strength 1, 0.6, 0.3 (its profile); its "
                                    "cost is paid once, in 2021; it may start again once it "
                                    "has run its course")
    assert by["scan"].does == ("raises the seizure probability of the private-vehicle lane "
                               "border–nyc by 2 points",)
    assert by["scan"].acts == "acts 2021–2023 at full strength; its cost is paid every year " \
                              "it runs"
    assert by["raid_lab"].acts == ("acts 2023 at full strength; its cost is paid once, in "
                                   "2023; it may start again once it has run its course")
    assert {k: s.spent for k, s in by.items()} == {"close_pov": {"usd": 1.0},
                                                   "scan": {"usd": 3.0},
                                                   "raid_lab": {"usd": 2.0}}
    data = r.to_dict()["schedule"]
    assert [d["spent"] for d in data] == [s.spent for s in r.schedule]
    assert [d["acts"] for d in data] == [s.acts for s in r.schedule]
    text = render_horizon(r, width=400)
    assert "What each start does (in words from the instance), how it acts over time, and " \
           "what it spends" in text
    assert "│ scan @ 1 " in text and "│ usd 3 " in text
    early = evaluate_schedule(build_horizon_problem(inst), Plan.of({"raid_lab@2021": 1}))
    assert early.schedule[0].acts == (
        "acts 2021 at full strength; what it removed comes back in 2022 (it regenerates "
        "after 1 year); its cost is paid once, in 2021; it may start again once it has run "
        "its course")


def test_timing_words_for_a_lag_and_a_decay():
    from optimizer.studies.horizon import timing_words

    labels = ("2021", "2022", "2023", "2024")
    timing = Timing(lag=1, decay=0.5)
    words = timing_words(timing, "2021", labels, timing.strengths(4), labels, "year")
    assert words == ("acts 2021–2024 at strength 0, 1, 0.5, 0.25 (no effect for its first 1 "
                     "year; fading 50% a year); its cost is paid every year it runs")
    short = Timing(profile=(1.0,), cost="one_off")
    strength = (0.0, 1.0, 0.0, 0.0)  # started in 2022
    assert timing_words(short, "2022", ("2022",), strength, labels, "year") == \
        "acts 2022 at full strength; no effect from 2023; its cost is paid once, in 2022"


def test_horizon_figure_has_deliveries_per_commodity_in_their_units():
    """Below the Gantt chart and the value: one panel per delivered commodity, in its unit,
    its deliveries per year with no action and with the schedule (the result's figures)."""
    from optimizer.report.horizon import horizon_figure

    inst = read_instance_text(HORIZON_YAML, "h.yaml")
    r = evaluate_schedule(build_horizon_problem(inst),
                          Plan.of({"close_pov@2021": 1, "scan@2021": 1}))
    fig = horizon_figure(r, inst)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels[1] == "smuggler's value per year\n(value units)"
    assert labels[2:] == ["fentanyl delivered per year\n(kg)"]  # precursor: none delivered
    before, after = fig.axes[2].get_lines()
    assert list(before.get_ydata()) == pytest.approx(
        [p.delivered_before["fentanyl"] for p in r.periods])
    assert list(after.get_ydata()) == pytest.approx(
        [p.delivered_after["fentanyl"] for p in r.periods])
    assert after.get_label() == "with the schedule" and before.get_label() == "no action"
    assert fig.axes[-1].get_xlabel() == "period (year)"
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[-1].get_xticklabels()] == ["2021", "2022", "2023"]


# ----------------------------------------------------------------------------- names

def test_horizon_names_are_computed_once_per_block(tmp_path):
    """Naming a product asks only its own block's duals for their names: with a name that
    asked every earlier block (products included), naming the shipped horizon's 20 blocks
    took 2^20 times one block's work (`--write-model` and Pyomo hung)."""
    inst = read_instance_text(HORIZON_YAML)
    problem = build_horizon_problem(inst)
    model = _horizon_milp(problem, merged=True)
    calls: dict[str, int] = {}
    for b in model.var_blocks.values():
        def counted(keys=b.keys, name=b.name):
            calls[name] = calls.get(name, 0) + 1
            return keys()
        b.keys = counted
    names = model.column_names()
    products = [n for n in calls if n.startswith("w_")]
    assert len(products) == len(problem.scenarios) >= 3
    assert all(calls[n] == 1 for n in products), calls
    assert len(names) == len(set(names)) == model.n_cols
    rows = model.row_names()
    assert len(rows) == len(set(rows)) == model.n_rows


def test_horizon_solves_through_pyomo_and_exports(tmp_path):
    inst = read_instance_text(HORIZON_YAML)
    highs = solve_horizon(inst)
    pyomo = solve_horizon(inst, SolveOptions(backend="pyomo"))
    assert_certified(pyomo)
    assert pyomo.objective_after == pytest.approx(highs.objective_after,
                                                  abs=highs.certificate.tolerance)
    path = tmp_path / "h.yaml"
    path.write_text(HORIZON_YAML)
    out = CliRunner().invoke(main, ["solve", str(path), "--horizon", "--write-model",
                                    str(tmp_path / "h.lp")])
    assert out.exit_code == 0, out.output
    assert "product_cap" in (tmp_path / "h.lp").read_text()


# ---------------------------------------------------------- the restricted first solve
# pipeline._solve_restricted_first: the better of the restricted optimum and the whole
# MILP's answer under its cutoff, with a valid bound, on a scripted session (every branch)
# and on random horizons against the plain solve.


def _raw(termination, status, values=None, objective=None, bound=None, gap=None):
    return RawSolution(termination, status, None if values is None else np.array(values, float),
                       objective, bound, gap, 3, 1.0)


class ScriptedSession:
    """Answers each solve() with the next scripted RawSolution and records what was set."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.bounds: dict[int, tuple[float, float]] = {}
        self.cutoffs: list[float | None] = []
        self.solved_with: list[dict[int, tuple[float, float]]] = []

    def set_col_bounds(self, cols, lower, upper):
        for c, lo, hi in zip(cols.tolist(), lower.tolist(), upper.tolist()):
            self.bounds[c] = (lo, hi)

    def set_cutoff(self, value):
        self.cutoffs.append(value)

    def set_time_limit(self, seconds):
        pass

    def solve(self):
        self.solved_with.append(dict(self.bounds))
        return self.answers.pop(0)


OPT, FEAS = SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE
RESTRICTION = {0: 1.0, 2: 0.0}
X_BOUNDS = (np.zeros(3), np.ones(3))
FIRST = _raw(Termination.OPTIMAL, OPT, [1, 0, 0], 10.0, 10.0, 0.0)


def _run(*whole):
    session = ScriptedSession([FIRST, *whole])
    raw = _solve_restricted_first(session, 0, X_BOUNDS, RESTRICTION, Deadline(None, 0.0))
    return session, raw


def test_nothing_beats_the_restricted_plan():
    session, raw = _run(_raw(Termination.INFEASIBLE, SolutionStatus.NONE))
    assert session.solved_with[0] == {0: (1.0, 1.0), 2: (0.0, 0.0)}
    assert session.solved_with[1] == {0: (0.0, 1.0), 2: (0.0, 1.0)}  # freed again
    assert session.cutoffs == [pytest.approx(10.0 + 1e-8), None]
    assert raw.status == OPT and raw.termination == Termination.OPTIMAL
    assert raw.objective == 10.0 and raw.bound == 10.0 and raw.values.tolist() == [1, 0, 0]
    assert raw.node_count == 6 and raw.seconds == 2.0


def test_a_better_plan_of_the_whole_solve_wins():
    _, raw = _run(_raw(Termination.OPTIMAL, OPT, [0, 1, 1], 8.0, 8.0, 0.0))
    assert raw.status == OPT and raw.objective == 8.0 and raw.values.tolist() == [0, 1, 1]


def test_a_time_limit_keeps_the_restricted_plan_with_the_whole_bound():
    _, raw = _run(_raw(Termination.TIME_LIMIT, SolutionStatus.NONE, bound=8.0))
    assert raw.status == FEAS and raw.termination == Termination.TIME_LIMIT
    assert raw.objective == 10.0 and raw.bound == 8.0 and raw.gap == pytest.approx(0.2)
    _, raw = _run(_raw(Termination.TIME_LIMIT, FEAS, [0, 1, 0], 9.0, 7.0, 2 / 9))
    assert raw.status == FEAS and raw.objective == 9.0 and raw.bound == 7.0


def test_a_bound_above_the_cutoff_proves_the_restricted_plan():
    """A whole solve may end 'optimal' above the cutoff: the optimum is ≥ min(b, U) = U."""
    _, raw = _run(_raw(Termination.OPTIMAL, OPT, [0, 0, 1], 10.5, 10.5, 0.0))
    assert raw.status == OPT and raw.objective == 10.0 and raw.bound == 10.0


def test_ctrl_c_in_the_restricted_solve_keeps_its_plan_without_a_bound():
    stopped = _raw(Termination.INTERRUPTED, FEAS, [1, 0, 0], 10.0, 9.0, 0.1)
    session = ScriptedSession([stopped])
    raw = _solve_restricted_first(session, 0, X_BOUNDS, RESTRICTION, Deadline(None, 0.0))
    assert raw.termination == Termination.INTERRUPTED and raw.status == FEAS
    assert raw.objective == 10.0 and raw.bound is None and session.cutoffs == []
    assert session.bounds == {0: (0.0, 1.0), 2: (0.0, 1.0)}


def test_the_live_line_never_shows_the_restricted_bound():
    from optimizer.pipeline import _restricted_progress
    from optimizer.solvers.base import MipProgress

    seen: list[MipProgress] = []
    _restricted_progress(seen.append, None)(MipProgress(10.0, 9.5, 0.05, 4, 1.0))
    assert seen[-1].incumbent == 10.0 and seen[-1].bound is None and seen[-1].gap is None
    whole = _restricted_progress(seen.append, 10.0)
    whole(MipProgress(None, 8.0, None, 1, 2.0))  # no plan of its own yet: the first one
    assert (seen[-1].incumbent, seen[-1].bound, seen[-1].gap) == (10.0, 8.0, pytest.approx(0.2))
    whole(MipProgress(9.0, 10.5, None, 9, 3.0))  # a bound above the cutoff: capped
    assert (seen[-1].incumbent, seen[-1].bound, seen[-1].gap) == (9.0, 9.0, 0.0)


def test_a_restriction_without_a_plan_changes_nothing():
    plain = _raw(Termination.OPTIMAL, OPT, [0, 1, 0], 9.0, 9.0, 0.0)
    session = ScriptedSession([_raw(Termination.INFEASIBLE, SolutionStatus.NONE), plain])
    raw = _solve_restricted_first(session, 0, X_BOUNDS, RESTRICTION, Deadline(None, 0.0))
    assert raw is plain and session.cutoffs == []
    assert session.solved_with[1] == {0: (0.0, 1.0), 2: (0.0, 1.0)}


@pytest.mark.parametrize("seed", range(8))
def test_random_restrictions_keep_the_optimum(seed):
    """Any restriction (feasible or not) leaves the whole MILP's optimum, proven."""
    try:
        inst = random_horizon(seed)
    except InstanceError:
        pytest.skip("the random timings broke a validation rule")
    problem = build_horizon_problem(inst)
    plain = solve_formulation(problem, DualValue(), SolveOptions()).raw
    rng = np.random.default_rng(seed)
    n = problem.net.n_binaries
    picked = rng.choice(n, size=max(1, n // 2), replace=False)
    restriction = {int(i): float(rng.integers(0, 2)) for i in picked}
    raw = solve_formulation(problem, DualValue(), SolveOptions(), restriction=restriction).raw
    tol = 1e-6 * max(1.0, abs(plain.objective))
    assert raw.status == OPT
    assert raw.objective == pytest.approx(plain.objective, abs=tol)
    assert raw.bound <= raw.objective + tol


def test_the_shipped_programmes_are_the_repeated_plans():
    """The restriction of the shipped horizon: every programme of the best first-year plan
    funded from 2021, no other programme, raids, clean-ups and arrests left free."""
    inst = load_instance(SHIPPED)
    problem = build_horizon_problem(inst)
    first = repeat_one_period(inst).one_period
    r = programme_restriction(problem, first.plan)
    st, ids = problem.st, [a.id for a in inst.actions]
    chosen = {(ids[int(st.action[i])], int(st.level[i]) + 1, problem.labels[int(st.period[i])])
              for i, v in r.items() if v == 1.0}
    programmes = {(a, lv, "2021") for a, lv in first.plan.levels
                  if a not in ("middle_layer_sinaloa", "middle_layer_cjng")}
    assert chosen == programmes
    fixed_actions = {ids[int(st.action[i])] for i in r}
    assert "raid_lab_culiacan" not in fixed_actions and "cleanse_port_lazaro" not in fixed_actions
    assert "scan_poe_arizona" in fixed_actions  # a programme not chosen: never started


def test_solve_horizon_certifies_through_the_restriction():
    inst = random_horizon(1)
    r = solve_horizon(inst)
    assert_certified(r)


# ----------------------------------------------------------------------------- target

def _schedules_by_need(inst, rid: str, total: bool) -> list[tuple[float, float]]:
    """(the budget of ``rid`` a schedule needs — every period's, or the ``total`` —, its
    discounted value) for every schedule that keeps the other budgets."""
    h = inst.horizon
    T = h.count
    i = [r.id for r in inst.resources].index(rid)
    weights = [1 / (1 + h.discount) ** t for t in range(T)]
    others = replace(inst, horizon=replace(
        h, budgets=h.budgets if total else {**h.budgets, rid: (1e18,) * T},
        totals={k: v for k, v in h.totals.items() if not (total and k == rid)}))
    per_action = [_action_choices(inst, j, T) for j in range(len(inst.actions))]
    carry = h.carry_over and inst.resources[i].kind == "budget"
    out = []
    for choice in itertools.product(*per_action):
        schedule = [(j, lv, s) for j, starts in enumerate(choice) for lv, s in starts]
        spend = _spend(inst, schedule, T)
        if not _fits(others, spend):
            continue
        if total:
            need = float(spend[i].sum())
        else:
            used = np.cumsum(spend[i]) if carry else spend[i]
            need = float(max(used / (np.arange(T) + 1.0 if carry else 1.0)))
        out.append((need, sum(w * _period_value(inst, schedule, t)
                              for t, w in enumerate(weights))))
    return out


def _cheapest_level_by_enumeration(inst, rid: str, limit: float, total: bool) -> float | None:
    """The smallest budget of ``rid`` at which some schedule is worth ≤ ``limit``."""
    tol = 1e-6 * max(1.0, abs(limit))
    needs = [need for need, value in _schedules_by_need(inst, rid, total) if value <= limit + tol]
    return min(needs) if needs else None


@pytest.mark.parametrize("seed,total", [(0, False), (2, False), (3, True), (5, False)])
def test_cheapest_horizon_budget_equals_enumeration(seed, total):
    from optimizer.planning.horizon_target import cheapest_horizon_budget

    try:
        inst = random_horizon(seed)
    except InstanceError:
        pytest.skip("the random timings broke a validation rule")
    rid = next(r.id for r in inst.resources if r.kind == "budget")
    resource = f"{rid}@total" if total else rid
    for reduction in (0.2, 0.4, 0.6):
        r = cheapest_horizon_budget(inst, resource, reduction)
        oracle = _cheapest_level_by_enumeration(inst, rid, r.limit, total)
        if oracle is None:
            assert not r.reached and r.schedule is None
            continue
        assert r.reached and r.optimal
        assert r.budget == pytest.approx(oracle, abs=1e-6 * max(1.0, oracle))
        assert_certified(r.schedule)
        assert r.schedule.objective_after <= r.limit + r.schedule.certificate.tolerance


def test_target_over_a_horizon_from_the_command_line(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(HORIZON_YAML)
    inst = read_instance_text(HORIZON_YAML)
    rid = inst.resources[0].id
    out = CliRunner().invoke(main, ["target", str(path), "--horizon", "-r", rid,
                                    "--reduce", "value", "50%", "--json",
                                    str(tmp_path / "t.json")])
    assert out.exit_code == 0, out.output
    assert "proven cheapest" in out.output and "Check     PASSED" in out.output
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["kind"] == "horizon-target" and data["reached"] and data["optimal"]
    assert data["schedule"]["objective_after"] <= data["limit"] + 1e-6 * data["reference"]
    assert data["bound"] <= data["budget"] + 1e-6
    assert data["value_unit"]["name"] == "value units"  # the discounted sum's unit
    assert "value units" in out.output.splitlines()[0]
    # a commodity target, or a budget of one period, is refused with the reason
    bad = CliRunner().invoke(main, ["target", str(path), "--horizon", "-r", rid,
                                    "--reduce", "fentanyl", "50%"])
    assert bad.exit_code != 0 and "one 'value PCT'" in bad.output
    none = CliRunner().invoke(main, ["target", str(path), "--horizon", "-r", f"{rid}@2022",
                                     "--reduce", "value", "50%"])
    assert none.exit_code != 0 and "RESOURCE@total" in none.output


@pytest.mark.parametrize("seed,total", [(0, False), (6, False), (10, True)])
def test_horizon_frontier_equals_enumeration(seed, total):
    """At every budget of a grid, the frontier's step value is the best schedule's value
    among those the budget allows (every schedule enumerated)."""
    from optimizer.planning.horizon_target import horizon_frontier

    inst = random_horizon(seed)
    rid = next(r.id for r in inst.resources if r.kind == "budget")
    resource = f"{rid}@total" if total else rid
    pairs = _schedules_by_need(inst, rid, total)
    hi = max(need for need, _ in pairs) + 1.0
    f = horizon_frontier(inst, resource, 0.0, hi)
    assert f.proven and len(f.steps) >= 2
    budgets = [b for b, _ in f.steps]
    assert budgets == sorted(budgets)
    values = [r.objective_after for _, r in f.steps]
    assert all(b < a for a, b in zip(values, values[1:]))
    for B in np.linspace(0.0, hi, 23).tolist() + budgets:
        best = min(value for need, value in pairs if need <= B + 1e-9)
        step = max(k for k, b in enumerate(budgets) if b <= B + 1e-9)
        assert values[step] == pytest.approx(best, abs=2 * f.tolerance)
    for _, r in f.steps:
        assert_certified(r)


def test_frontier_over_a_horizon_from_the_command_line(tmp_path):
    """On the 3-year test horizon (carry-over, raids costing 2): steps at 0, ⅓, ⅔, 1, 4/3
    and 2 a year — cumulative budgets that pay for one more raid or clean-up."""
    path = tmp_path / "h.yaml"
    path.write_text(HORIZON_YAML)
    rid = read_instance_text(HORIZON_YAML).resources[0].id
    out = CliRunner().invoke(main, ["frontier", str(path), "--horizon", "-r", rid,
                                    "--from", "0", "--to", "5", "--json",
                                    str(tmp_path / "f.json")])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "f.json").read_text())
    assert data["kind"] == "horizon-frontier" and data["proven"]
    budgets = [s["budget"] for s in data["steps"]]
    assert budgets == pytest.approx([0, 1 / 3, 2 / 3, 1, 4 / 3, 2], abs=1e-7)
    assert data["steps"][-1]["value"] == pytest.approx(0.0, abs=1e-6)
    assert all(s["optimal"] for s in data["steps"]) and "6 step(s)" in out.output
    bad = CliRunner().invoke(main, ["frontier", str(path), "--horizon", "-r", rid])
    assert bad.exit_code != 0 and "--to above --from" in bad.output
