"""The warm-started smuggler LP (used to tidy plans) gives the same value as a fresh
solve for every plan, in any order of plans."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import compile_instance
from optimizer.certify.enumerate import feasible_plans
from optimizer.certify.response import SmugglerSession, solve_smuggler
from optimizer.instance.generators.grid import layered_instance

from helpers import valid_random_instance


@pytest.mark.parametrize("i", range(6))
def test_session_equals_fresh_solves(i):
    net = compile_instance(valid_random_instance(i))
    session = SmugglerSession(net)
    plans = list(feasible_plans(net))
    rng = np.random.default_rng(i)
    for k in rng.permutation(len(plans))[:25].tolist() + [0]:
        x = plans[k]
        fresh = solve_smuggler(net, x).value
        assert session.solve(x).value == pytest.approx(fresh, abs=1e-7 * max(1.0, abs(fresh)))


def test_session_on_layered_every_effect_type():
    net = compile_instance(layered_instance(2, seed=1))
    session = SmugglerSession(net)
    rng = np.random.default_rng(0)
    for _ in range(15):
        x = np.zeros(net.n_binaries)
        for a in rng.choice(len(net.action_ids), size=4, replace=False):
            levels = np.flatnonzero(net.binary_action == a)
            x[rng.choice(levels)] = 1.0
        fresh = solve_smuggler(net, x).value
        assert session.solve(x).value == pytest.approx(fresh, rel=1e-8)
