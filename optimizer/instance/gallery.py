"""Read the Pyomo Gallery network-interdiction CSV pairs: max flow and shortest path.

Each attackable arc becomes a removal action costing one unit of the resource ``attacks``
(budget 1 unless overridden with ``--budget attacks=N``). The layout is told by the
columns:

- **max flow**: ``nodes.csv`` has ``Node``; ``arcs.csv`` has
  ``StartNode,EndNode,Capacity,Attackable`` (``Capacity`` < 0 means unlimited); the special
  nodes ``Start`` and ``End`` are the source and the sink. In the engine's terms
  (docs/model.md §12): one commodity ``flow`` with unlimited supply at ``Start`` and value
  1 at ``End``, p = 0, c = 0 — the smuggler's value is the maximum flow, and the defender
  removes arcs (Wood 1993).
- **shortest path**: nodes ``Node,SupplyDemand`` (one node with −q, the origin; one with
  +q, the destination; the rest 0), arcs ``StartNode,EndNode,Cost,Attackable``. The
  Gallery's model (``sp_interdict.py``) ships the q units along the cheapest path, an
  attack adds 2·n·C + 1 to an arc's cost (n nodes, C the largest arc cost) and an
  unshipped unit costs 2·n·C. In the engine: q units supplied at the origin, worth
  V = 2·n·C each at the destination (the Gallery's own penalty, above any simple path's
  cost (n − 1)·C, so the shipment always travels while a path is left), attacks remove
  arcs. The smuggler's value is q·(V − L) with L the length of the shortest path left:
  the Gallery's objective q·L = q·V − value (``shortest_path_length``).

The Gallery's min-cost-flow (``Capacity`` and ``Cost``) and multi-commodity
(``sample_*_commodity_data.csv``) folders are refused, naming the file: read as one of
these two, their costs, supplies or commodities would be silently ignored.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from ..errors import InstanceError, Problem
from .model import Action, Arc, Commodity, Effect, Instance, Level, Node, Resource, Supply, Targets

NODE_FILES = ("nodes.csv", "sample_nodes_data.csv")
ARC_FILES = ("arcs.csv", "sample_arcs_data.csv")
NODE_COLUMNS = ("Node",)
ARC_COLUMNS = ("StartNode", "EndNode", "Capacity", "Attackable")
SP_NODE_COLUMNS = ("Node", "SupplyDemand")
SP_ARC_COLUMNS = ("StartNode", "EndNode", "Cost", "Attackable")
#: What the Gallery's other interdiction folders add; read as max flow, their costs, supplies
#: or commodities would be silently ignored, so they are refused.
OTHER_LAYOUTS = {"Cost": "min-cost-flow or shortest-path", "SupplyDemand": "min-cost-flow",
                 "commodity": "multi-commodity-flow"}


def _find(folder: Path, names: tuple[str, ...]) -> Path | None:
    for n in names:
        if (folder / n).exists():
            return folder / n
    return None


def _unsupported(what: str) -> str:
    layout = next((name for key, name in OTHER_LAYOUTS.items() if key.lower() in what.lower()),
                  None)
    hint = f"this looks like the Gallery's {layout} data; " if layout else ""
    return (f"{hint}only the max-flow layout (nodes: {', '.join(NODE_COLUMNS)}; arcs: "
            f"{', '.join(ARC_COLUMNS)}) and the shortest-path layout (nodes: "
            f"{', '.join(SP_NODE_COLUMNS)}; arcs: {', '.join(SP_ARC_COLUMNS)}) are read, so "
            "it would be ignored; write the instance in the YAML format instead "
            "(docs/format.md)")


def _other_layout_files(folder: Path, used: tuple[Path, Path]) -> list[Problem]:
    """Gallery data files beside the pair that this reader would ignore (the
    multi-commodity folder's ``sample_*_commodity_data.csv``)."""
    names = {p.name for p in used}
    return [Problem(str(p), "header", None, _unsupported(p.name), 1)
            for p in sorted(folder.glob("*.csv"))
            if p.name not in names and ("commodity" in p.name.lower()
                                        or p.name.startswith("sample_"))]


def _header(file: Path) -> set[str]:
    try:
        with open(file, newline="", encoding="utf-8-sig") as fh:
            return {h.strip() for h in next(csv.reader(fh), [])}
    except (OSError, UnicodeDecodeError, csv.Error):
        return set()  # reported when the rows are read


def read_gallery(path: str | Path, attacks: float = 1.0) -> Instance:
    """Read a Gallery folder, or the path of its arcs CSV (the nodes CSV sits beside it)."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    arcs_file = p if p.is_file() else _find(folder, ARC_FILES)
    nodes_file = _find(folder, NODE_FILES)
    where = str(p)
    if arcs_file is None or not arcs_file.exists():
        raise InstanceError([Problem(where, "file", None,
                                     f"no arcs CSV found (expected one of {', '.join(ARC_FILES)})",
                                     None)])
    if nodes_file is None:
        raise InstanceError([Problem(where, "file", None,
                                     f"no nodes CSV beside {arcs_file.name} "
                                     f"(expected one of {', '.join(NODE_FILES)})", None)])
    problems: list[Problem] = _other_layout_files(folder, (arcs_file, nodes_file))
    shortest = _header(arcs_file) == set(SP_ARC_COLUMNS)
    node_columns = SP_NODE_COLUMNS if shortest else NODE_COLUMNS
    arc_columns = SP_ARC_COLUMNS if shortest else ARC_COLUMNS

    def rows(file: Path, required: tuple[str, ...]) -> list[tuple[int, dict]]:
        try:
            with open(file, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                header = [h.strip() for h in (reader.fieldnames or [])]
                missing = [c for c in required if c not in header]
                if missing:
                    layout = "shortest-path" if shortest else "max-flow"
                    problems.append(Problem(str(file), "header", None,
                                            f"missing column(s) {missing} (have {header}; the "
                                            f"{layout} layout needs {list(required)})", 1))
                extra = [c for c in header if c not in required]
                for col in extra:
                    problems.append(Problem(str(file), "header", col, _unsupported(col), 1))
                if missing or extra:
                    return []
                return [(i + 2, {k.strip(): (v or "").strip() for k, v in r.items() if k})
                        for i, r in enumerate(reader)]
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            problems.append(Problem(str(file), "file", None, f"cannot read: {exc}", None))
            return []

    node_rows = rows(nodes_file, node_columns)
    arc_rows = rows(arcs_file, arc_columns)
    node_ids: list[str] = []
    for line, r in node_rows:
        n = r["Node"]
        if not n:
            problems.append(Problem(str(nodes_file), f"row {line}", "Node", "is empty", line))
        elif n in node_ids:
            problems.append(Problem(str(nodes_file), f"node '{n}'", "Node", "duplicate node", line))
        else:
            node_ids.append(n)
    if shortest:
        return _shortest_path(folder, nodes_file, arcs_file, node_rows, arc_rows, node_ids,
                              problems, attacks)
    for special in ("Start", "End"):
        if node_rows and special not in node_ids:
            problems.append(Problem(str(nodes_file), f"node '{special}'", "Node",
                                    f"the special node '{special}' is missing", None))
    arcs: list[Arc] = []
    actions: list[Action] = []
    seen: set[str] = set()
    for line, r in arc_rows:
        s, t = r["StartNode"], r["EndNode"]
        rec = f"arc '{s}->{t}'"
        for col, v in (("StartNode", s), ("EndNode", t)):
            if v not in node_ids:
                problems.append(Problem(str(arcs_file), rec, col, f"unknown node '{v}'", line))
        try:
            cap = float(r["Capacity"])
            if math.isnan(cap) or math.isinf(cap):
                raise ValueError
        except ValueError:
            problems.append(Problem(str(arcs_file), rec, "Capacity",
                                    f"must be a number, got {r['Capacity']!r}", line))
            continue
        att = r["Attackable"]
        if att not in ("0", "1"):
            problems.append(Problem(str(arcs_file), rec, "Attackable",
                                    f"must be 0 or 1, got {att!r}", line))
            continue
        aid = f"{s}->{t}"
        if aid in seen:
            problems.append(Problem(str(arcs_file), rec, "EndNode", "duplicate arc", line))
            continue
        seen.add(aid)
        arcs.append(Arc(aid, s, t, "other", math.inf if cap < 0 else cap))
        if att == "1":
            actions.append(Action(f"attack {aid}", (Level({"attacks": 1.0}),),
                                  (Effect("remove", Targets(arcs=(aid,)), (0.0,)),),
                                  name=f"Interdict arc {s} -> {t}"))
    if problems:
        raise InstanceError(problems)
    from .validate import validate

    inst = Instance(
        name=folder.name or "gallery",
        description="Pyomo Gallery max-flow interdiction data",
        resources=(Resource("attacks", float(attacks), "arcs", "arcs the defender may attack"),),
        commodities=(Commodity("flow", "unit", 1.0, 1.0),),
        nodes=tuple(Node(n, "market" if n == "End" else "source" if n == "Start" else "transit")
                    for n in node_ids),
        arcs=tuple(arcs),
        supplies=(Supply("Start", "flow", math.inf),),
        actions=tuple(actions),
        path=str(arcs_file),
    )
    problems = validate(inst)
    if problems:
        raise InstanceError(problems)
    return inst


def _number(problems: list[Problem], file: Path, rec: str, col: str, text: str,
            line: int) -> float | None:
    try:
        v = float(text)
        if math.isfinite(v):
            return v
    except ValueError:
        pass
    problems.append(Problem(str(file), rec, col, f"must be a number, got {text!r}", line))
    return None


def _shortest_path(folder: Path, nodes_file: Path, arcs_file: Path, node_rows, arc_rows,
                   node_ids: list[str], problems: list[Problem], attacks: float) -> Instance:
    """The shortest-path layout (module docstring) as an instance."""
    balance: dict[str, float] = {}
    for line, r in node_rows:
        v = _number(problems, nodes_file, f"node '{r['Node']}'", "SupplyDemand",
                    r["SupplyDemand"], line)
        if v is not None and r["Node"]:
            balance[r["Node"]] = v
    origins = [n for n, v in balance.items() if v < 0]
    ends = [n for n, v in balance.items() if v > 0]
    if node_rows and not problems and not (
            len(origins) == 1 and len(ends) == 1
            and balance[origins[0]] == -balance[ends[0]]):
        problems.append(Problem(str(nodes_file), "column 'SupplyDemand'", "SupplyDemand",
                                "the shortest-path layout needs one origin (−q) and one "
                                f"destination (+q), the rest 0; got origins {origins}, "
                                f"destinations {ends}", None))
    arcs: list[Arc] = []
    actions: list[Action] = []
    seen: set[str] = set()
    for line, r in arc_rows:
        s, t = r["StartNode"], r["EndNode"]
        rec = f"arc '{s}->{t}'"
        for col, v in (("StartNode", s), ("EndNode", t)):
            if v not in node_ids:
                problems.append(Problem(str(arcs_file), rec, col, f"unknown node '{v}'", line))
        cost = _number(problems, arcs_file, rec, "Cost", r["Cost"], line)
        if cost is not None and cost < 0:
            problems.append(Problem(str(arcs_file), rec, "Cost", f"must be ≥ 0, got {cost:g}",
                                    line))
            cost = None
        att = r["Attackable"]
        if att not in ("0", "1"):
            problems.append(Problem(str(arcs_file), rec, "Attackable",
                                    f"must be 0 or 1, got {att!r}", line))
        aid = f"{s}->{t}"
        if aid in seen:
            problems.append(Problem(str(arcs_file), rec, "EndNode", "duplicate arc", line))
        seen.add(aid)
        if cost is None or att not in ("0", "1"):
            continue
        arcs.append(Arc(aid, s, t, "other", math.inf, cost))
        if att == "1":
            actions.append(Action(f"attack {aid}", (Level({"attacks": 1.0}),),
                                  (Effect("remove", Targets(arcs=(aid,)), (0.0,)),),
                                  name=f"Interdict arc {s} -> {t}"))
    if problems:
        raise InstanceError(problems)
    from .validate import validate

    origin, end = origins[0], ends[0]
    worth = delivery_value(len(node_ids), max((a.cost for a in arcs), default=0.0))
    inst = Instance(
        name=folder.name or "gallery",
        description=(f"Pyomo Gallery shortest-path interdiction data: {balance[end]:g} unit(s) "
                     f"from {origin} to {end}, worth {worth:g} each (2·n·C); path cost = "
                     f"{worth:g} − value per unit"),
        resources=(Resource("attacks", float(attacks), "arcs", "arcs the defender may attack"),),
        commodities=(Commodity("flow", "unit", 1.0, 0.0),),
        nodes=tuple(Node(n, "market" if n == end else "source" if n == origin else "transit",
                         values={"flow": worth} if n == end else {})
                    for n in node_ids),
        arcs=tuple(arcs),
        supplies=(Supply(origin, "flow", balance[end]),),
        actions=tuple(actions),
        path=str(arcs_file),
    )
    problems = validate(inst)
    if problems:
        raise InstanceError(problems)
    return inst


def delivery_value(n_nodes: int, largest_cost: float) -> float:
    """V = 2·n·C: what a shipped unit is worth in the shortest-path layout — the Gallery's
    penalty for an unshipped unit, above the cost (n − 1)·C of any simple path, so the
    shipment travels whenever a path is left (at least 1 when every cost is 0)."""
    return max(2.0 * n_nodes * largest_cost, 1.0)
