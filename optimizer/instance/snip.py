"""Read the SNIP benchmark (Pan & Morton 2008, stochastic network interdiction to minimise
the maximum-reliability path) into the engine's own instance format.

Files (../shared/benchmarks/snip/README.md): ``intd_arc{k}.txt`` (interdictable arcs
``i j r q``), ``arcgain{k}.txt`` (other arcs ``i j r``), ``Scenarios.txt`` (456
origin–destination pairs with probabilities). A sensor on an interdictable arc turns its
evasion probability from r into q', where q' depends on the variant ``snipno``:
1 → q from the file, 2 → 0.5 r, 3 → 0.1 r, 4 → 0.

In the engine's terms (docs/model.md §12, evasion / sensor placement): one commodity, no
capacities, arc seizure probability p = 1 − r; each sensor is an action costing one unit of
the resource ``sensors`` that raises p by r − q'; each scenario is a single shipment of one
unit from its origin, worth 1 at its destination. The smuggler's value in a scenario is the
largest evasion probability over paths, and the expected value over scenarios is exactly
the SNIP objective Σ_k p_k max_P Π_{(i,j)∈P} r'_{ij}. Scenarios sharing a destination are
merged exactly by ``problem.build_problem`` (no capacities), giving 12 dual blocks.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InstanceError, Problem
from .model import (
    Action,
    Arc,
    Commodity,
    Effect,
    Instance,
    Level,
    Node,
    Resource,
    Scenario,
    Shipment,
    Supply,
    Targets,
)

_REPO = Path(__file__).resolve().parents[2]


def default_folder() -> Path:
    """Where the SNIP files are: ``$INTERDICT_SNIP_DIR``, else ``../shared/benchmarks/snip``
    beside the repository, else the copy in ``benches/snip-data``."""
    env = os.environ.get("INTERDICT_SNIP_DIR")
    for cand in ([Path(env)] if env else []) + [_REPO.parent / "shared" / "benchmarks" / "snip",
                                                  _REPO / "benches" / "snip-data"]:
        if (cand / "Scenarios.txt").exists():
            return cand
    raise InstanceError([Problem(str(_REPO.parent / "shared" / "benchmarks" / "snip"), "folder",
                                 None, "SNIP files not found (set INTERDICT_SNIP_DIR)", None)])


DEFAULT_FOLDER = None  # resolved by default_folder() when a reader is called


def _rows(path: Path, width: int) -> list[list[str]]:
    try:
        text = path.read_text()
    except OSError as exc:
        problem = Problem(str(path), "file", None, f"cannot read: {exc}", None)
        raise InstanceError([problem]) from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue  # records end with \r\r\n: blank lines between records
        if len(parts) != width:
            raise InstanceError([Problem(str(path), f"line {n}", None,
                                         f"expected {width} columns, got {len(parts)}", n)])
        rows.append(parts)
    return rows


def sensor_q(r: float, q: float, snipno: int) -> float:
    """Evasion probability of an arc with a sensor, by variant."""
    if snipno in (0, 1):
        return q
    if snipno == 2:
        return 0.5 * r
    if snipno == 3:
        return 0.1 * r
    if snipno == 4:
        return 0.0
    raise ValueError(f"snipno must be 1..4, got {snipno}")


def read_snip(folder: str | Path | None = None, instance: int = 0, snipno: int = 3,
              budget: float = 30) -> Instance:
    """The SNIP instance (instance k, variant snipno, B sensors) in the engine's format.
    Action ``sensor{i:03d}`` is the i-th record (0-based) of ``intd_arc{k}.txt``."""
    folder = Path(folder) if folder is not None else default_folder()
    if instance not in range(5):
        raise ValueError("SNIP instance must be 0..4")
    sensor_q(1.0, 1.0, snipno)  # checks snipno
    intd = _rows(folder / f"intd_arc{instance}.txt", 4)
    gain = _rows(folder / f"arcgain{instance}.txt", 3)
    raw = (folder / "Scenarios.txt").read_text().split()
    if len(raw) % 3:
        raise InstanceError([Problem(str(folder / "Scenarios.txt"), "file", None,
                                     "expected triples origin destination probability", None)])
    triples = [(raw[i], raw[i + 1], float(raw[i + 2])) for i in range(0, len(raw), 3)]
    origins = sorted({o for o, _, _ in triples}, key=int)
    dests = sorted({d for _, d, _ in triples}, key=int)
    ids = sorted({x for row in intd for x in row[:2]} | {x for row in gain for x in row[:2]}
                 | set(origins) | set(dests), key=int)
    kind = dict.fromkeys(ids, "transit")
    kind.update(dict.fromkeys(origins, "source"))
    kind.update(dict.fromkeys(dests, "market"))
    nodes = tuple(Node(n, kind[n]) for n in ids)
    arcs: list[Arc] = []
    actions: list[Action] = []
    for i, j, r in gain:
        rr = float(r)
        if rr > 0:  # an arc that nothing evades is no route at all
            arcs.append(Arc(f"{i}-{j}", i, j, "other", seizure=1.0 - rr))
    for idx, (i, j, r, q) in enumerate(intd):
        rr, qq = float(r), sensor_q(float(r), float(q), snipno)
        aid = f"{i}-{j}"
        arcs.append(Arc(aid, i, j, "other", seizure=1.0 - rr))
        if rr - qq > 0:
            actions.append(Action(f"sensor{idx:03d}", (Level({"sensors": 1.0}),),
                                  (Effect("raise_seizure", Targets(arcs=(aid,)), (rr - qq,)),),
                                  name=f"sensor on arc {i}->{j}"))
    scenarios = tuple(Scenario(f"{o}-{d}", p, shipment=Shipment(o, d, "unit"))
                      for o, d, p in triples)
    o0, d0, _ = triples[0]
    return Instance(
        name=f"snip-{instance}-v{snipno}-b{budget:g}",
        description=f"SNIP instance {instance}, variant {snipno}, {budget:g} sensors "
                    "(Pan & Morton 2008)",
        resources=(Resource("sensors", float(budget), "sensors"),),
        commodities=(Commodity("unit", "shipment"),),
        nodes=tuple(Node(n.id, n.kind, values={"unit": 1.0} if n.id == d0 else {})
                    for n in nodes),
        arcs=tuple(arcs),
        supplies=(Supply(o0, "unit", 1.0),),
        actions=tuple(actions),
        scenarios=scenarios,
        path=str(folder / f"intd_arc{instance}.txt"),
    )


def dijkstra_value(sensors: Iterable[int | str], folder: str | Path | None = None,
                   instance: int = 0, snipno: int = 3) -> float:
    """The SNIP objective of a sensor set, computed straight from the files without the engine:
    Σ_k p_k · exp(−d_k), where d_k is the shortest s_k → t_k distance with arc weights
    −log r'_ij (r'_ij = q' on sensor arcs, r elsewhere; arcs with r' = 0 dropped; the best of
    parallel arcs kept), by one scipy Dijkstra per destination on the reversed graph.

    An oracle independent of the LP the certificate uses (the SNIP README's "evaluating a
    fixed x"). ``sensors`` are 0-based records of ``intd_arc{k}.txt`` or action ids
    ``sensor{i:03d}``."""
    import math

    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    folder = Path(folder) if folder is not None else default_folder()
    chosen = {int(str(s).removeprefix("sensor")) for s in sensors}
    intd = _rows(folder / f"intd_arc{instance}.txt", 4)
    if not chosen <= set(range(len(intd))):
        raise ValueError(f"sensor records outside 0..{len(intd) - 1}: "
                         f"{sorted(chosen - set(range(len(intd))))}")
    gain = _rows(folder / f"arcgain{instance}.txt", 3)
    raw = (folder / "Scenarios.txt").read_text().split()
    triples = [(int(raw[i]), int(raw[i + 1]), float(raw[i + 2])) for i in range(0, len(raw), 3)]
    best: dict[tuple[int, int], float] = {}
    arcs = [(int(i), int(j), float(r)) for i, j, r in gain]
    arcs += [(int(i), int(j), sensor_q(float(r), float(q), snipno) if t in chosen else float(r))
             for t, (i, j, r, q) in enumerate(intd)]
    for i, j, p in arcs:
        if p > 0:
            best[(i, j)] = max(best.get((i, j), 0.0), p)
    ids = sorted({n for e in best for n in e} | {n for o, d, _ in triples for n in (o, d)})
    index = {n: m for m, n in enumerate(ids)}
    heads = np.array([index[j] for _, j in best])
    tails = np.array([index[i] for i, _ in best])
    weights = np.array([-math.log(p) for p in best.values()])
    # explicit zeros (r' = 1) stay edges in csgraph's sparse input
    reversed_graph = coo_matrix((weights, (heads, tails)), shape=(len(ids),) * 2).tocsr()
    dests = sorted({d for _, d, _ in triples})
    dist = dijkstra(reversed_graph, indices=[index[d] for d in dests])
    row = {d: m for m, d in enumerate(dests)}
    return float(sum(p * math.exp(-dist[row[d], index[o]]) for o, d, p in triples))


@dataclass(frozen=True)
class PublishedOptimum:
    instance: int
    snipno: int
    budget: int
    best_known: float
    confirmed: bool
    sensors: tuple[int, ...]  # 0-based records of intd_arc, for confirmed rows
    dijkstra_value: float | None


def published_optima(folder: str | Path | None = None) -> list[PublishedOptimum]:
    """The table of published optimal values (``optimal_values_snipno3.csv``)."""
    out = []
    folder = Path(folder) if folder is not None else default_folder()
    with open(folder / "optimal_values_snipno3.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            sensors = tuple(int(x) for x in row["optimal_sensor_arcs_0based"].split())
            dv = row["dijkstra_value_of_x"]
            out.append(PublishedOptimum(int(row["instance"]), int(row["snipno"]),
                                        int(row["budget"]), float(row["best_known"]),
                                        row["confirmed_here"] == "yes", sensors,
                                        float(dv) if dv else None))
    return out
