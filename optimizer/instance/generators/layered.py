"""Layered smuggling networks shaped like the shipped Mexico–US instance, at any size.

Deterministic by seed (numpy's PCG64): the same arguments give the same instance and file.

Layers (arcs only go forward, each node gets one guaranteed predecessor in the layer before
so every market is reachable, plus random extra arcs up to the fan-in):

    precursor / fentanyl sources ─sea_container, air_cargo→ seaports ─truck→ hubs
    hubs ─road→ labs (recipe precursor_kg → fentanyl_kg)  ─road→ presses (fentanyl_kg → pills)
    poppy regions ─road→ heroin labs (opium_kg → heroin_kg) ─road→ hubs
    hubs, labs, presses ─road→ border towns
    border town ─poe_private, poe_commercial, drone, tunnel (some)→ crossing (US side)
    crossing ─road→ US hubs ─road→ markets (values for fentanyl_kg, pills, heroin_kg)

Five commodities (precursor_kg, fentanyl_kg, pills, opium_kg, heroin_kg) with the loads and
values of the shipped instance; arcs allow only the commodities that move on them.
Capacities, costs and seizure rates are drawn around the shipped instance's numbers.

Actions use every effect type, on a random share ``action_share`` of the elements (the ones
intelligence knows about): port inspection (raise_seizure, 2 levels), lab raids (remove a
node), press controls (cut_capacity of a recipe), POE scanners (raise_seizure, 3 levels),
tunnel sealing (remove arcs), drone geofencing (cut_capacity of arcs), middle-layer
targeting (raise_cost), precursor controls (cut_supply), eradication (cut_supply, 2 levels),
chemical tracing (cut_capacity of lab nodes' throughput), drone capture (raise_seizure by
mode). Two resources, usd_m and mx_capacity, with budgets ``budget_share`` of what the
whole menu would cost.
"""

from __future__ import annotations

import math

import numpy as np

from ..model import (
    Action,
    Arc,
    Commodity,
    Effect,
    Instance,
    Level,
    Node,
    Recipe,
    Resource,
    Supply,
    Targets,
)

COMMODITIES = (
    Commodity("precursor_kg", "kg", 1.0, 0.0, "fentanyl precursors"),
    Commodity("fentanyl_kg", "kg", 1.0, 500.0, "fentanyl powder"),
    Commodity("pills", "thousand pills", 0.12, 3.0, "counterfeit pills"),
    Commodity("opium_kg", "kg", 1.0, 0.0, "raw opium"),
    Commodity("heroin_kg", "kg", 1.0, 40.0, "heroin"),
)

#: nodes per unit of ``scale`` in each layer (25 nodes per unit)
LAYERS = {
    "pre_src": 1, "fen_src": 1, "port": 1, "hub": 4, "lab": 3, "press": 3, "poppy": 1,
    "hlab": 1, "town": 2, "cross": 2, "ushub": 4, "market": 2,
}


def layered_instance(scale: int, *, seed: int = 0, fan_in: int = 4,
                     action_share: float = 0.5, budget_share: float = 0.1) -> Instance:
    """A layered smuggling instance with 25·scale nodes (see the module docstring); the
    arcs grow with ``fan_in`` (each node draws 1..fan_in predecessors per layer feeding it).
    ``scale=1`` gives a toy (25 nodes, ~60 arcs); ``scale=400, fan_in=10`` gives 10,000
    nodes and ~54,000 arcs."""
    if scale < 1:
        raise ValueError("scale must be ≥ 1")
    if fan_in < 1:
        raise ValueError("fan_in must be ≥ 1")
    if not 0 < action_share <= 1 or not 0 < budget_share <= 1:
        raise ValueError("action_share and budget_share must be in (0, 1]")
    rng = np.random.default_rng(seed)
    size = {k: v * scale for k, v in LAYERS.items()}
    kinds = {"pre_src": "source", "fen_src": "source", "port": "seaport", "hub": "hub",
             "lab": "lab", "press": "pill_press", "poppy": "poppy", "hlab": "processing",
             "town": "hub", "cross": "crossing", "ushub": "transit", "market": "market"}
    ids = {k: [f"{k}{i}" for i in range(n)] for k, n in size.items()}
    nodes: list[Node] = []
    for k, names in ids.items():
        for name in names:
            cap = math.inf
            if k == "lab":
                cap = float(rng.integers(300, 1200))
            nodes.append(Node(name, kinds[k], capacity=cap))

    arcs: list[Arc] = []
    used: set[tuple[str, str, str]] = set()

    def link(src_layer: str, dst_layer: str, mode: str, comms: tuple[str, ...], *,
             cap: tuple[float, float] | None, cost: tuple[float, float],
             p: tuple[float, float] = (0.0, 0.0), fan: int | None = None) -> list[str]:
        """Every node of ``dst_layer`` gets one random predecessor in ``src_layer`` and up to
        ``fan`` − 1 more; returns the new arc ids."""
        fan = fan or fan_in
        srcs = ids[src_layer]
        made = []
        for dst in ids[dst_layer]:
            k = 1 + int(rng.integers(0, fan))
            picks = rng.choice(len(srcs), size=min(k, len(srcs)), replace=False)
            for j in sorted(picks.tolist()):
                src = srcs[j]
                key = (src, dst, mode)
                if key in used:
                    continue
                used.add(key)
                aid = f"{src}-{mode}-{dst}"
                capacity = (math.inf if cap is None
                            else float(rng.integers(int(cap[0]), int(cap[1]) + 1)))
                c = round(float(rng.uniform(*cost)), 2)
                pp = round(float(rng.uniform(*p)), 3)
                arcs.append(Arc(aid, src, dst, mode, capacity, c, pp, comms))
                made.append(aid)
        return made

    pf = ("precursor_kg", "fentanyl_kg")
    link("pre_src", "port", "sea_container", ("precursor_kg",), cap=None, cost=(0.3, 0.5))
    link("fen_src", "port", "air_cargo", ("fentanyl_kg",), cap=(100, 600), cost=(1.0, 2.0),
         p=(0.0, 0.03))
    port_out = link("port", "hub", "truck", pf, cap=(300, 2500), cost=(0.8, 1.5), p=(0.01, 0.03))
    link("hub", "lab", "road", ("precursor_kg",), cap=None, cost=(0.1, 0.8), p=(0.0, 0.01))
    link("lab", "press", "road", ("fentanyl_kg",), cap=None, cost=(0.1, 0.5))
    link("poppy", "hlab", "road", ("opium_kg",), cap=None, cost=(0.2, 0.3))
    link("hlab", "hub", "road", ("heroin_kg",), cap=None, cost=(0.2, 0.5), p=(0.0, 0.01), fan=2)
    hub_out = link("hub", "town", "road", ("fentanyl_kg", "heroin_kg"), cap=None, cost=(0.6, 1.0),
                   p=(0.0, 0.01))
    link("lab", "town", "road", ("fentanyl_kg",), cap=None, cost=(0.2, 1.0), p=(0.0, 0.01), fan=2)
    link("press", "town", "road", ("pills",), cap=None, cost=(0.1, 1.0), fan=2)
    drugs = ("fentanyl_kg", "heroin_kg", "pills")
    lanes: dict[str, dict[str, list[str]]] = {}
    for i, town in enumerate(ids["town"]):
        cross = ids["cross"][i]
        lanes[town] = {}
        spec = [("poe_private", (2000, 10000), (3.0, 3.0), (0.012, 0.012), drugs),
                ("poe_commercial", (5000, 24000), (1.5, 1.5), (0.04, 0.04), drugs),
                ("drone", (50, 200), (20.0, 20.0), (0.01, 0.01), ("fentanyl_kg", "pills"))]
        if rng.random() < 0.5:
            spec.append(("tunnel", (500, 2500), (4.0, 5.0), (0.03, 0.03), drugs))
        for mode, (cap_lo, cap_hi), cost, p, comms in spec:
            aid = f"{town}-{mode}-{cross}"
            arcs.append(Arc(aid, town, cross, mode, float(rng.integers(cap_lo, cap_hi + 1)),
                            round(float(rng.uniform(*cost)), 2), p[0], comms))
            lanes[town][mode] = [aid]
    link("cross", "ushub", "road", drugs, cap=None, cost=(0.1, 0.5), p=(0.0, 0.01))
    link("ushub", "market", "road", drugs, cap=None, cost=(0.1, 1.0))

    recipes = []
    for lab in ids["lab"]:
        recipes.append(Recipe(f"{lab}:synthesis", lab, "precursor_kg", "fentanyl_kg",
                              round(float(rng.uniform(0.8, 1.0)), 3),
                              float(rng.integers(200, 1000))))
    for press in ids["press"]:
        recipes.append(Recipe(f"{press}:pressing", press, "fentanyl_kg", "pills",
                              float(rng.integers(8, 13)), float(rng.integers(50, 250))))
    for h in ids["hlab"]:
        recipes.append(Recipe(f"{h}:heroin", h, "opium_kg", "heroin_kg", 0.1,
                              float(rng.integers(2000, 8000))))
    supplies = ([Supply(n, "precursor_kg", float(rng.integers(500, 3000))) for n in ids["pre_src"]]
                + [Supply(n, "fentanyl_kg", float(rng.integers(50, 400))) for n in ids["fen_src"]]
                + [Supply(n, "opium_kg", float(rng.integers(5000, 20000))) for n in ids["poppy"]])

    # ------------------------------------------------------------------ actions
    known = lambda names: [n for n in names if rng.random() < action_share] or names[:1]
    actions: list[Action] = []

    def act(aid: str, effects: list[Effect], costs: list[dict[str, float]], labels=None) -> None:
        labels = labels or [""] * len(costs)
        actions.append(Action(aid, tuple(Level(c, lb) for c, lb in zip(costs, labels)),
                              tuple(effects)))

    port_arcs: dict[str, list[str]] = {}
    for aid in port_out:
        port_arcs.setdefault(aid.split("-truck-")[0], []).append(aid)
    for port in known(ids["port"]):
        if port in port_arcs:
            act(f"inspect_{port}", [Effect("raise_seizure", Targets(arcs=tuple(port_arcs[port])),
                                           (0.1, 0.25))],
                [{"usd_m": 5.0, "mx_capacity": 1.0}, {"usd_m": 12.0, "mx_capacity": 2.0}],
                ["targeting", "full scanning"])
    for lab in known(ids["lab"]):
        act(f"raid_{lab}", [Effect("remove", Targets(nodes=(lab,)), (0.0,))],
            [{"mx_capacity": 2.0, "usd_m": 1.0}])
    for press in known(ids["press"]):
        act(f"control_{press}", [Effect("cut_capacity", Targets(recipes=(f"{press}:pressing",)),
                                        (0.5,))], [{"usd_m": 3.0}])
    for town in known(ids["town"]):
        lane_arcs = tuple(lanes[town]["poe_private"] + lanes[town]["poe_commercial"])
        act(f"scan_{town}", [Effect("raise_seizure", Targets(arcs=lane_arcs), (0.03, 0.08, 0.15))],
            [{"usd_m": 10.0}, {"usd_m": 25.0}, {"usd_m": 50.0}],
            ["+1 lane", "+3 lanes", "all lanes"])
        if "tunnel" in lanes[town]:
            act(f"seal_{town}",
                [Effect("remove", Targets(arcs=tuple(lanes[town]["tunnel"])), (0.0,))],
                [{"usd_m": 8.0}])
        act(f"geofence_{town}", [Effect("cut_capacity", Targets(arcs=tuple(lanes[town]["drone"])),
                                        (0.6,))], [{"usd_m": 6.0}])
    hub_arcs: dict[str, list[str]] = {}
    for aid in hub_out:
        hub_arcs.setdefault(aid.split("-road-")[0], []).append(aid)
    for hub in known(ids["hub"]):
        if hub in hub_arcs:
            act(f"middle_layer_{hub}", [Effect("raise_cost", Targets(arcs=tuple(hub_arcs[hub])),
                                               (float(rng.integers(2, 5)),))],
                [{"usd_m": 5.0, "mx_capacity": 1.0}])
    for src in known(ids["pre_src"]):
        act(f"precursor_control_{src}", [Effect("cut_supply", Targets(nodes=(src,)), (0.3,))],
            [{"usd_m": 10.0}])
    for pop in known(ids["poppy"]):
        act(f"eradicate_{pop}", [Effect("cut_supply", Targets(nodes=(pop,)), (0.05, 0.10))],
            [{"usd_m": 2.0, "mx_capacity": 1.0}, {"usd_m": 5.0, "mx_capacity": 2.0}])
    act("chemical_tracing", [Effect("cut_capacity", Targets(nodes=tuple(ids["lab"])), (0.2,))],
        [{"usd_m": 40.0}])
    act("drone_capture", [Effect("raise_seizure", Targets(modes=("drone",)), (0.3,))],
        [{"usd_m": 15.0}])

    menu = {"usd_m": 0.0, "mx_capacity": 0.0}
    for a in actions:
        for r in menu:
            menu[r] += max(lv.cost.get(r, 0.0) for lv in a.levels)
    resources = (Resource("usd_m", float(math.ceil(budget_share * menu["usd_m"])), "US$ million"),
                 Resource("mx_capacity", float(math.ceil(budget_share * menu["mx_capacity"])),
                          "vetted teams"))
    return Instance(
        name=f"layered-s{scale}-f{fan_in}-seed{seed}",
        description=(f"Synthetic layered smuggling network (scale {scale}, fan-in {fan_in}, "
                     f"seed {seed}) shaped like instances/mexico_us.yaml"),
        resources=resources, commodities=COMMODITIES, nodes=tuple(nodes), arcs=tuple(arcs),
        recipes=tuple(recipes), supplies=tuple(supplies), actions=tuple(actions),
    )
