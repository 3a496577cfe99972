"""Read the Pyomo Gallery network-interdiction CSV pair (max-flow interdiction).

``nodes.csv`` has a column ``Node``; ``arcs.csv`` has ``StartNode,EndNode,Capacity,Attackable``
(``Capacity`` < 0 means unlimited). The special nodes ``Start`` and ``End`` are the source
and the sink. Each attackable arc becomes a removal action costing one unit of the resource
``attacks`` (budget 1 unless overridden with ``--budget attacks=N``).

In the engine's terms (docs/model.md §12, the classical special cases): one commodity
``flow`` with unlimited supply at ``Start`` and value 1 at ``End``, p = 0, c = 0 — the
smuggler's value is the maximum flow, and the defender removes arcs (Wood 1993).

Only this max-flow layout is read. The Gallery's min-cost-flow, shortest-path and
multi-commodity folders add columns (``Cost``, ``SupplyDemand``) or files
(``sample_*_commodity_data.csv``) that a max-flow reading would silently ignore, so any
column or Gallery data file beyond the pair is refused, naming the file.
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
    return (f"{hint}only the max-flow layout is read (nodes: {', '.join(NODE_COLUMNS)}; arcs: "
            f"{', '.join(ARC_COLUMNS)}), so it would be ignored; write the instance in the "
            "YAML format instead (docs/format.md)")


def _other_layout_files(folder: Path, used: tuple[Path, Path]) -> list[Problem]:
    """Gallery data files beside the pair that this reader would ignore (the
    multi-commodity folder's ``sample_*_commodity_data.csv``)."""
    names = {p.name for p in used}
    return [Problem(str(p), "header", None, _unsupported(p.name), 1)
            for p in sorted(folder.glob("*.csv"))
            if p.name not in names and ("commodity" in p.name.lower()
                                        or p.name.startswith("sample_"))]


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

    def rows(file: Path, required: tuple[str, ...]) -> list[tuple[int, dict]]:
        try:
            with open(file, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                header = [h.strip() for h in (reader.fieldnames or [])]
                missing = [c for c in required if c not in header]
                if missing:
                    problems.append(Problem(str(file), "header", None,
                                            f"missing column(s) {missing} (have {header})", 1))
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

    node_rows = rows(nodes_file, NODE_COLUMNS)
    arc_rows = rows(arcs_file, ARC_COLUMNS)
    node_ids: list[str] = []
    for line, r in node_rows:
        n = r["Node"]
        if not n:
            problems.append(Problem(str(nodes_file), f"row {line}", "Node", "is empty", line))
        elif n in node_ids:
            problems.append(Problem(str(nodes_file), f"node '{n}'", "Node", "duplicate node", line))
        else:
            node_ids.append(n)
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
