"""The instance: the smuggling network, the defender's actions and the budgets.

Plain, immutable records mirroring the file format (docs/format.md). Numbers are floats;
the source note a number carried in the file is kept in ``Instance.sources`` under the
key ``"<section>/<record id>/<field>"`` so that reports can cite it.

The mathematics these records feed is in ``docs/model.md`` (notation in §0); the symbol
each field stands for is given in brackets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .units import InstanceUnits

INF = math.inf

#: Node kinds an analyst may use. ``market`` nodes are where delivered units earn value.
NODE_KINDS: tuple[str, ...] = (
    "source", "poppy", "seaport", "airport", "lab", "pill_press", "processing",
    "transit", "crossing", "hub", "market", "other",
)

#: Transport modes of arcs (the paper's smuggling methods plus generic ones).
ARC_MODES: tuple[str, ...] = (
    "sea_container", "air_cargo", "parcel", "truck", "rail", "road",
    "poe_private", "poe_commercial", "pedestrian", "drone", "tunnel", "wall_breach",
    "maritime", "courier", "transfer", "other",
)

#: What an action can do to the smuggler's data (docs/model.md §3).
EFFECT_TYPES: tuple[str, ...] = (
    "remove",          # remove arcs, nodes or recipes (Wood's form in the MILP)
    "cut_capacity",    # capacity of arcs / recipes / node processing × (1 − amount)
    "raise_seizure",   # seizure probability of arcs + amount
    "raise_cost",      # cost per load unit of arcs + amount
    "cut_supply",      # supply caps × (1 − amount)
)


#: Kinds of resource: a ``budget`` limits what the defender spends; an ``outcome`` is a
#: side effect of actions (violence in Mexico, political cost) that is counted, reported
#: and can be capped or swept like a budget, but has no limit unless one is given.
RESOURCE_KINDS: tuple[str, ...] = ("budget", "outcome")


@dataclass(frozen=True)
class Resource:
    """A budget resource b with budget B_b (money, agents, partner capacity …), or an
    outcome of actions (``kind: outcome``; budget = its cap, ``inf`` by default)."""

    id: str
    budget: float
    unit: str = ""
    description: str = ""
    kind: str = "budget"


@dataclass(frozen=True)
class Commodity:
    """A commodity k; ``load`` is λ_k (load units per unit); ``value`` is the default
    value per unit delivered at every market node (v_{m,k} unless the market overrides it);
    ``harm`` the planner's default harm per unit delivered (h_{m,k}, e.g. expected overdose
    deaths), used by the harm objective."""

    id: str
    unit: str = "unit"
    load: float = 1.0
    value: float = 0.0
    description: str = ""
    harm: float = 0.0  # the planner's weight per unit delivered (h_{m,k} unless overridden)
    #: r_k: what the smuggler pays per unit to make good losses it did not expect (seizure
    #: truly above what it believes; docs/model.md §13)
    replacement: float = 0.0


@dataclass(frozen=True)
class Node:
    """A node n. ``capacity`` is U_n, the throughput cap over all recipes at the node;
    ``values`` overrides v_{n,k} per commodity at a market."""

    id: str
    kind: str = "transit"
    name: str = ""
    lat: float | None = None
    lon: float | None = None
    organization: str = ""
    country: str = ""
    capacity: float = INF
    values: dict[str, float] = field(default_factory=dict)
    harm: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Recipe:
    """Recipe r at a node: consumes ``input``, makes ``output`` at ``yield_`` (η_r)
    units per unit of input, at most ``capacity`` units of input processed."""

    id: str
    node: str
    input: str
    output: str
    yield_: float
    capacity: float = INF


@dataclass(frozen=True)
class Arc:
    """Arc a = (source → target). ``capacity`` u_a in load units, ``cost`` c_a per load
    unit, ``seizure`` p_a ∈ [0, 1) the expected fraction lost; ``commodities`` the
    commodities allowed on it (``None`` = all); ``cost_per_commodity`` c_{a,k} per unit of
    commodity k, replacing c_a λ_k for the commodities it names (the load still scales the
    capacity used)."""

    id: str
    source: str
    target: str
    mode: str = "other"
    capacity: float = INF
    cost: float = 0.0
    seizure: float = 0.0
    commodities: tuple[str, ...] | None = None
    organization: str = ""  # the group that controls the movement (default: its tail node's)
    #: what the smuggler believes (p̃_a, c̃_a; docs/model.md §13); None: the true value
    perceived_seizure: float | None = None
    perceived_cost: float | None = None
    cost_per_commodity: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Piece:
    """One piece of a piecewise-linear curve: up to the cumulative quantity ``up_to``
    (``inf`` for an open last piece), each further unit is worth ``price`` (a market's
    price per unit of its good, falling; a producer's marginal cost, rising)."""

    up_to: float
    price: float


@dataclass(frozen=True)
class Supply:
    """Supply σ_{n,k}: at most ``amount`` units of ``commodity`` originate at ``node``, at
    no cost; or, with a ``curve``, produced at a rising marginal cost (docs/model.md §2:
    piece i holds up_to_i − up_to_{i−1} units at cost c_i each; ``amount`` is then the
    last piece's ``up_to``)."""

    node: str
    commodity: str
    amount: float
    curve: tuple[Piece, ...] = ()

    def pieces(self) -> list[tuple[float, float]]:
        """(units, marginal cost) of each piece: one piece of ``amount`` units at cost 0
        when there is no curve."""
        if not self.curve:
            return [(self.amount, 0.0)]
        out, last = [], 0.0
        for p in self.curve:
            out.append((p.up_to - last, p.price))
            last = p.up_to
        return out


@dataclass(frozen=True)
class Market:
    """Demand for a good at a node (docs/model.md §2): each unit of commodity k delivered
    there gives ``accepts[k]`` units of the good (ρ_k; e.g. doses per kilogram), and the
    good sells along ``curve``: piece i holds up_to_i − up_to_{i−1} units of the good at
    ``price`` each, prices falling (saturation). Several commodities accepted by one good
    substitute for one another: a scarcity of one raises the value of the others."""

    node: str
    good: str
    accepts: dict[str, float]
    curve: tuple[Piece, ...]
    description: str = ""

    @property
    def id(self) -> str:
        return f"{self.node}:{self.good}"

    def pieces(self) -> list[tuple[float, float]]:
        """(units of the good, price per unit) of each piece."""
        out, last = [], 0.0
        for p in self.curve:
            out.append((p.up_to - last, p.price))
            last = p.up_to
        return out


@dataclass(frozen=True)
class Targets:
    """The elements an effect acts on. ``modes`` selects every arc of those modes;
    ``commodities`` restricts raise_seizure / raise_cost to those commodities, and
    cut_supply to supplies of those commodities."""

    arcs: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    recipes: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    commodities: tuple[str, ...] | None = None
    #: every arc an organization holds (its ``organization``, else its tail node's), or, for
    #: cut_supply, every supply at a node it holds
    organizations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Effect:
    """One effect of an action; ``amounts[l]`` is its size at level l (unused by remove).
    What the smuggler believes (docs/model.md §13): ``perceived`` False for a covert effect
    it does not see at all; ``perceived_amounts`` the size it sees at each level (None: the
    true size)."""

    type: str
    targets: Targets
    amounts: tuple[float, ...]
    perceived: bool = True
    perceived_amounts: tuple[float, ...] | None = None

    @property
    def believed_true(self) -> bool:
        """The smuggler sees this effect as it is."""
        return self.perceived and self.perceived_amounts is None


#: How an action's cost falls over a horizon (docs/format.md, "Horizons").
COST_TIMINGS: tuple[str, ...] = ("one_off", "recurring")


@dataclass(frozen=True)
class Timing:
    """How an action (or one level) acts over a horizon (docs/model.md §14): the strength
    of its effects k periods after its start, what it costs when, and whether it may be
    started again. Either an explicit ``profile`` (strength in the start period, the next
    one, …; 0 after its end) or the shortcuts: ``lag`` periods at strength 0, then
    (1 − ``decay``)^i in the i-th period of effect, for ``regenerates_after`` periods if
    given (what the action removed comes back after them), else to the horizon's end.

    ``cost``: ``one_off`` (paid in the start period) or ``recurring`` (paid in every period
    the action is active: the profile's length, or lag + regenerates_after, or to the end).
    ``starts``: the period labels in which it may start (None: any)."""

    profile: tuple[float, ...] | None = None
    decay: float = 0.0
    lag: int = 0
    regenerates_after: int | None = None
    cost: str = "recurring"
    repeat: bool = False
    starts: tuple[str, ...] | None = None

    def strengths(self, periods: int) -> tuple[float, ...]:
        """The strength s_k ∈ [0, 1] of the effects k = 0 … periods − 1 periods after
        the start."""
        if self.profile is not None:
            return tuple(self.profile[:periods]) + (0.0,) * max(0, periods - len(self.profile))
        out = []
        for k in range(periods):
            i = k - self.lag
            ends = self.regenerates_after is not None and i >= self.regenerates_after
            out.append(0.0 if i < 0 or ends else (1.0 - self.decay) ** i)
        return tuple(out)

    def active_periods(self, periods: int) -> int:
        """How many periods from its start the action runs (and a recurring cost is paid)."""
        if self.profile is not None:
            return min(periods, len(self.profile))
        if self.regenerates_after is not None:
            return min(periods, self.lag + self.regenerates_after)
        return periods


#: Units of a horizon's periods.
PERIOD_UNITS: tuple[str, ...] = ("year", "quarter")


@dataclass(frozen=True)
class Level:
    """One level of an action: its cost in each resource (cost_{j,b}); ``timing``
    overrides the action's over a horizon."""

    cost: dict[str, float]
    label: str = ""
    timing: Timing | None = None


@dataclass(frozen=True)
class Action:
    """A defender action j with mutually exclusive levels (binary x_{j,l} each)."""

    id: str
    levels: tuple[Level, ...]
    effects: tuple[Effect, ...]
    name: str = ""
    description: str = ""
    timing: Timing | None = None  # over a horizon (None: the default ``Timing()``)

    def timing_of(self, level: int) -> Timing:
        """The timing of 0-based ``level``: the level's own, else the action's, else the
        default (full strength from the start to the horizon's end, cost every period)."""
        return self.levels[level].timing or self.timing or Timing()


@dataclass(frozen=True)
class Distribution:
    """An uncertain number for Monte Carlo evaluation: ``uniform`` (low, high),
    ``triangular`` (low, mode, high) or ``normal`` (mean, sd), clipped to the field's range."""

    kind: str
    params: tuple[float, ...]

    def sample(self, rng, size: int | None = None):
        if self.kind == "uniform":
            return rng.uniform(self.params[0], self.params[1], size)
        if self.kind == "triangular":
            lo, mode, hi = self.params
            if hi == lo:
                return rng.uniform(lo, hi, size)
            return rng.triangular(lo, mode, hi, size)
        if self.kind == "normal":
            return rng.normal(self.params[0], self.params[1], size)
        raise ValueError(self.kind)

    @property
    def mean(self) -> float:
        if self.kind == "uniform":
            return (self.params[0] + self.params[1]) / 2
        if self.kind == "triangular":
            return sum(self.params) / 3
        return self.params[0]


@dataclass(frozen=True)
class Shipment:
    """A single shipment (evasion models): ``amount`` units of ``commodity`` from ``origin``,
    worth ``value`` per unit at ``destination``; replaces every supply and sale."""

    origin: str
    destination: str
    commodity: str
    amount: float = 1.0
    value: float = 1.0


@dataclass(frozen=True)
class Scenario:
    """A named scenario: a probability and overrides of the base data.

    ``arcs`` holds overrides of existing arcs (id → {field: value}) and ``new_arcs`` arcs
    that exist only here; ``remove_arcs`` are absent here. ``supplies`` replaces amounts
    ((node, commodity) → amount, adding the supply if new). ``nodes``, ``commodities``,
    ``recipes`` override fields by id (node ``values`` merge into the base values)."""

    id: str
    probability: float
    description: str = ""
    arcs: dict[str, dict[str, float]] = field(default_factory=dict)
    new_arcs: tuple["Arc", ...] = ()
    remove_arcs: tuple[str, ...] = ()
    supplies: dict[tuple[str, str], float] = field(default_factory=dict)
    nodes: dict[str, dict] = field(default_factory=dict)
    commodities: dict[str, dict[str, float]] = field(default_factory=dict)
    recipes: dict[str, dict[str, float]] = field(default_factory=dict)
    shipment: Shipment | None = None


@dataclass(frozen=True)
class Horizon:
    """Plans over several periods (docs/format.md, "Horizons"; docs/model.md §14).

    ``labels`` name the periods in order; ``discount`` is the rate r per period (period t
    weighs 1/(1 + r)^t, t = 0 first); ``budgets`` give resource → one budget per period
    (a resource not listed has its own budget every period); ``totals`` cap a resource's
    spend over the whole horizon; with ``carry_over`` money unspent in a period can be
    spent later. ``changes`` are per-period overrides of the data, each a ``Scenario``
    record whose id is the period's label (the same fields as scenarios)."""

    labels: tuple[str, ...]
    unit: str = "year"
    discount: float = 0.0
    budgets: dict[str, tuple[float, ...]] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    carry_over: bool = False
    changes: tuple[Scenario, ...] = ()

    @property
    def count(self) -> int:
        return len(self.labels)

    def weights(self) -> tuple[float, ...]:
        """δ^t = 1/(1 + r)^t for t = 0 … T − 1."""
        return tuple(1.0 / (1.0 + self.discount) ** t for t in range(self.count))

    def budget(self, resource: "Resource", t: int) -> float:
        """B_{b,t}: the budget of ``resource`` in period t."""
        per = self.budgets.get(resource.id)
        return resource.budget if per is None else per[t]


#: How scenario values are combined into the defender's objective.
RISK_MEASURES: tuple[str, ...] = ("expected", "worst", "cvar")


@dataclass(frozen=True)
class Instance:
    """A whole instance, as read from one file."""

    name: str
    resources: tuple[Resource, ...]
    commodities: tuple[Commodity, ...]
    nodes: tuple[Node, ...]
    arcs: tuple[Arc, ...]
    recipes: tuple[Recipe, ...] = ()
    supplies: tuple[Supply, ...] = ()
    actions: tuple[Action, ...] = ()
    description: str = ""
    markets: tuple[Market, ...] = ()
    path: str = "<memory>"
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    #: line of each record in the file, keyed "<section>/<id>" (YAML files only)
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    scenarios: tuple[Scenario, ...] = ()
    risk: str = "expected"  # default risk measure over scenarios
    cvar_alpha: float = 0.9
    #: uncertain numbers for Monte Carlo, keyed like ``sources`` ("arcs/<id>/capacity")
    uncertain: dict[str, Distribution] = field(default_factory=dict, compare=False)
    horizon: Horizon | None = None  # plans over several periods (``--horizon``)
    #: what was observed in the world, and the numbers calibration may change
    groups: tuple["Group", ...] = ()
    observations: tuple["Observation", ...] = ()
    parameters: tuple["Parameter", ...] = ()
    #: what the smuggler's value and the planner's harm are counted in (``units``)
    units: InstanceUnits = InstanceUnits()

    def market_value(self, node: Node, commodity: Commodity) -> float:
        """v_{n,k}: the node's own value if given, else the commodity's default at markets
        (0 where a ``Market`` record prices the commodity through its good)."""
        if any(m.node == node.id and commodity.id in m.accepts for m in self.markets):
            return 0.0
        if commodity.id in node.values:
            return node.values[commodity.id]
        return commodity.value if node.kind == "market" else 0.0

    def harm_weight(self, node: Node, commodity: Commodity) -> float:
        """h_{n,k}: the node's own harm weight if given, else the commodity's."""
        return node.harm.get(commodity.id, commodity.harm)

    @property
    def has_beliefs(self) -> bool:
        """Whether the smuggler's beliefs differ from the true data anywhere (an arc's
        ``perceived`` values, a covert or misperceived effect), in the base data or in a
        scenario (docs/model.md §13)."""
        return (any(a.perceived_seizure is not None or a.perceived_cost is not None
                    for a in self.arcs)
                or any(not e.believed_true for act in self.actions for e in act.effects)
                or any(a.perceived_seizure is not None or a.perceived_cost is not None
                       for sc in self.scenarios for a in sc.new_arcs)
                or any("perceived_seizure" in f or "perceived_cost" in f
                       for sc in self.scenarios for f in sc.arcs.values()))

    @property
    def has_harm(self) -> bool:
        return any(c.harm > 0 for c in self.commodities) or any(
            v > 0 for n in self.nodes for v in n.harm.values())

    def budgets(self) -> dict[str, float]:
        return {r.id: r.budget for r in self.resources}

    def arc_holder(self, arc: Arc) -> str:
        """The organization that controls movement on ``arc``: the arc's own, else that of
        the node it leaves."""
        if arc.organization:
            return arc.organization
        return self._node_orgs.get(arc.source, "")

    @property
    def _node_orgs(self) -> dict[str, str]:
        cached = self.__dict__.get("_node_orgs_cache")
        if cached is None:
            cached = {n.id: n.organization for n in self.nodes}
            object.__setattr__(self, "_node_orgs_cache", cached)
        return cached

    def with_budgets(self, overrides: dict[str, float]) -> "Instance":
        """A copy with some budgets replaced (unknown resource ids raise KeyError)."""
        known = {r.id for r in self.resources}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise KeyError(", ".join(unknown))
        res = tuple(
            Resource(r.id, float(overrides.get(r.id, r.budget)), r.unit, r.description, r.kind)
            for r in self.resources
        )
        horizon = self.horizon
        if horizon is not None:  # an overridden budget holds in every period
            horizon = _replace(horizon, budgets={r: v for r, v in horizon.budgets.items()
                                                 if r not in overrides})
        return _replace(self, resources=res, horizon=horizon)


def _replace(record, **changes):
    from dataclasses import replace

    return replace(record, **changes)


# --------------------------------------------------------------------------- observations
# What was seen in the world, to compare the model with and to calibrate it
# (docs/format.md, "groups", "observations", "parameters"; docs/model.md, "Observations
# and calibration"). They do not change the smuggler's or the defender's problem.

#: What an observation measures on the no-action baseline (see ``Measure``).
MEASURES: tuple[str, ...] = (
    "seizure_share", "seized", "delivered", "delivered_share", "ratio",
)


@dataclass(frozen=True)
class Group:
    """A named set of network elements to observe. A seizure on an arc belongs to the
    group if the arc is selected (``arcs``, ``modes``, ``organizations`` through
    ``Instance.arc_holder``) or if the arc's head node is (``nodes``, ``kinds``,
    ``countries``: seized on arrival at the place); a delivery belongs to it if its
    market node is selected."""

    id: str
    nodes: tuple[str, ...] = ()
    arcs: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Measure:
    """One modelled quantity. ``kind`` is one of ``MEASURES``; ``group`` the group it is
    taken on (None: everywhere, for ``seized`` and ``delivered``); ``commodities`` the
    commodities counted (None: all); ``units`` how many units of the measure's unit one
    unit of a commodity counts for (default 1: e.g. ``{pills: 0.1}`` counts a thousand
    pills as 0.1 kg). A ``ratio`` divides ``numerator`` by ``denominator``."""

    kind: str
    group: str | None = None
    commodities: tuple[str, ...] | None = None
    units: dict[str, float] = field(default_factory=dict)
    numerator: "Measure | None" = None
    denominator: "Measure | None" = None


@dataclass(frozen=True)
class Observation:
    """An observed figure of the world: ``value`` ± ``tolerance`` (in ``unit``) of
    ``measure`` on the no-action baseline; ``weight`` its weight in the calibration
    misfit, ``source`` where the figure comes from."""

    id: str
    measure: Measure
    value: float
    tolerance: float
    unit: str = ""
    source: str = ""
    weight: float = 1.0
    description: str = ""


@dataclass(frozen=True)
class Parameter:
    """A number of the file that calibration may change: ``field`` names it by its key
    (as in ``Instance.sources``, e.g. ``arcs/manzanillo_in/seizure``), within
    ``bounds`` (low, high); ``reason`` says why it is uncertain."""

    id: str
    field: str
    bounds: tuple[float, float]
    reason: str = ""
