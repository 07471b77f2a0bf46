"""One journey's flow for the report: its graph with the replay's counts on nodes and edges.

Consumes: a compiled journey graph (`compile.graph`: nodes `n0`.. with kind, stmt, span,
label; labelled edges), the program's source texts, and the replay outputs
(`inputs.ReplayOutputs`).
Produces: `journey_flow(...)`, a JSON-ready dict: nodes in id order with their source
label (`if consented(email)`, `wait 30m`, `send email cart_reminder`, `exit "cart
resolved"`), `visits` (report.json's count), `instances` (distinct instances that
reached it), exits by reason, sends by channel/status/reason and deferrals, refusals at
the entry, and up to `EXAMPLES` example profiles; edges with the number of instances
that took them and their share of the instances that reached the edge's source.
Guarantees: edge counts are reconstructed from each instance's trace by walking the
graph from the entry (a step's node, plus the label of each branch and each resumed
wait-for-event); a trace that cannot be walked on this graph raises `ReportInputError`.
Everything is ordered by node id, then trace order, so the same outputs give the same dict.
"""
from __future__ import annotations

from collections import Counter

import networkx as nx

from ..syntax import ast as A
from .inputs import ReplayOutputs, ReportInputError

EXAMPLES = 3


def _node_sort_key(node_id: str) -> int:
    return int(node_id[1:])  # `n12` -> 12: the compiler's pre-order ids


def source_text(sources: dict[str, str], span) -> str:
    """The source a span covers, on one line with runs of blanks collapsed."""
    lines = sources.get(span.file, "").split("\n")
    if not (1 <= span.line <= len(lines)) or span.end_line > len(lines):
        return ""
    if span.line == span.end_line:
        text = lines[span.line - 1][span.column - 1:span.end_column - 1]
    else:
        text = "\n".join([lines[span.line - 1][span.column - 1:], *lines[span.line:span.end_line - 1],
                          lines[span.end_line - 1][:span.end_column - 1]])
    return " ".join(text.split())


def node_label(data: dict, sources: dict[str, str]) -> str:
    """The node as it reads in the source: conditions get their first test's text."""
    stmt = data["stmt"]
    if data["kind"] == "condition" and isinstance(stmt, A.If):
        text = source_text(sources, stmt.branches[0].condition.span)
        return f"if {text}" if text else data["label"]
    if data["kind"] == "split" and isinstance(stmt, A.Split) and stmt.by is not None:
        text = source_text(sources, stmt.by.span)
        return f"split by {text}" if text else data["label"]
    if data["kind"] == "join":
        return ""
    return data["label"]


def edge_label(graph: nx.DiGraph, source: str, label: str, sources: dict[str, str]) -> str:
    """An edge's label for display: `elif N` shows its condition, a split branch its share."""
    stmt = graph.nodes[source]["stmt"]
    if label.startswith("elif ") and isinstance(stmt, A.If):
        index = int(label.split()[1])
        if index < len(stmt.branches):
            return "elif " + source_text(sources, stmt.branches[index].condition.span)
    if isinstance(stmt, A.Split) and graph.nodes[source]["kind"] == "split":
        for index, branch in enumerate(stmt.branches):
            name = branch.label.name if branch.label else f"branch {index + 1}"
            if name == label:
                return f"{branch.percent.text} {name}" if branch.label else branch.percent.text
    return "" if label == "next" else label


def _targets(graph: nx.DiGraph) -> dict[tuple[str, str], str]:
    """(source, edge label) -> target, for every label of every edge."""
    found = {}
    for source, target, data in graph.edges(data=True):
        for label in data.get("labels", (data["label"],)):
            found[(source, label)] = target
    return found


def walk_instance(graph: nx.DiGraph, targets: dict, records: list[dict]) -> tuple[list[str], list[tuple[str, str]]]:
    """(nodes reached in order, edges taken in order) of one instance, from its trace."""
    reached: list[str] = []
    taken: list[tuple[str, str]] = []
    current = None

    def advance(to: str, record: dict) -> None:
        nonlocal current
        guard = 0
        while current != to:
            successors = sorted(set(graph.successors(current)), key=_node_sort_key)
            guard += 1
            if len(successors) != 1 or guard > graph.number_of_nodes():
                raise ReportInputError(
                    f"trace.jsonl: instance {record.get('instance')} of journey {record['journey']} reaches "
                    f"{to} at {record['time']}, which the graph does not lead to from {current}: give the "
                    "program that was replayed")
            taken.append((current, successors[0]))
            current = successors[0]
            reached.append(current)

    for record in records:
        node, event = record["node"], record["event"]
        if event == "entered":
            current = node
            reached.append(node)
            continue
        if current is None:
            continue
        advance(node, record)
        label = record.get("label")
        if event == "branch" or (event == "resumed" and label):
            target = targets.get((node, label))
            if target is None:
                raise ReportInputError(f"trace.jsonl: journey {record['journey']} node {node} has no edge "
                                       f"`{label}`: give the program that was replayed")
            taken.append((node, target))
            current = target
            reached.append(target)
        elif event == "exited":
            break
    return reached, taken


def _final_profile(records: list[dict]) -> str:
    return records[-1].get("profile") or ""


def journey_flow(name: str, graph: nx.DiGraph, sources: dict[str, str], outputs: ReplayOutputs) -> dict:
    """The journey's graph and counts, ready for the page (see the module doc)."""
    stats = outputs.report["journeys"].get(name, {"entries": 0, "refusals": {}, "exits": {},
                                                  "visits": {}, "actions": {}})
    targets = _targets(graph)
    instances: Counter = Counter()
    edges: Counter = Counter()
    examples: dict[str, list[str]] = {node: [] for node in graph.nodes}
    waiting_at_end: Counter = Counter()
    for (journey, _instance), records in outputs.by_instance.items():
        if journey != name:
            continue
        reached, taken = walk_instance(graph, targets, records)
        profile = _final_profile(records)
        for node in dict.fromkeys(reached):
            instances[node] += 1
            if len(examples[node]) < EXAMPLES and profile not in examples[node]:
                examples[node].append(profile)
        edges.update(taken)
        if reached and records[-1]["event"] != "exited":
            waiting_at_end[reached[-1]] += 1
    exits: dict[str, Counter] = {}
    deferred: dict[str, Counter] = {}
    revisits: Counter = Counter()
    refusals: Counter = Counter()
    for record in outputs.trace:
        if record["journey"] != name:
            continue
        event = record["event"]
        if event == "exited":
            exits.setdefault(record["node"], Counter())[record.get("reason") or "exit"] += 1
        elif event == "deferred":
            deferred.setdefault(record["node"], Counter())[record.get("reason") or "deferred"] += 1
        elif event == "resumed" and graph.nodes[record["node"]]["kind"] == "send":
            revisits[record["node"]] += 1  # a deferred send runs again from the start
        elif event == "refused":
            refusals[record.get("reason") or "refused"] += 1
    sends: dict[str, Counter] = {}
    for action in outputs.actions:
        if action["journey"] == name:
            if action["channel"] == "audience":
                key = f"audience {action.get('op', '')} {action.get('audience', '')}: {action['status']}"
            else:
                key = f"{action['channel']} {action['status']}"
            if action.get("reason"):
                key += f" ({action['reason']})"
            sends.setdefault(action["node"], Counter())[key] += 1
    nodes = []
    for node in sorted(graph.nodes, key=_node_sort_key):
        data = graph.nodes[node]
        item = {"id": node, "kind": data["kind"], "label": node_label(data, sources),
                "line": data["span"].line, "file": data["span"].file,
                "visits": stats["visits"].get(node, 0), "instances": instances[node],
                "revisits": revisits[node], "waiting": waiting_at_end[node],
                "exits": dict(sorted(exits.get(node, Counter()).items())),
                "sends": dict(sorted(sends.get(node, Counter()).items())),
                "deferred": dict(sorted(deferred.get(node, Counter()).items())),
                "examples": examples[node]}
        if node == graph.graph["entry"]:
            item["refusals"] = dict(sorted(refusals.items()))
        nodes.append(item)
    edge_list = []
    for source, target in sorted(graph.edges, key=lambda e: (_node_sort_key(e[0]), _node_sort_key(e[1]))):
        count = edges[(source, target)]
        base = instances[source]
        labels = graph.edges[source, target].get("labels", (graph.edges[source, target]["label"],))
        text = ", ".join(filter(None, (edge_label(graph, source, label, sources) for label in labels)))
        edge_list.append({"source": source, "target": target, "label": text, "count": count,
                          "share": round(count / base, 4) if base else 0.0})
    decl = graph.graph.get("decl")
    return {"name": name, "file": decl.span.file if decl is not None else "",
            "line": decl.span.line if decl is not None else 0,
            "entries": stats["entries"], "refusals": stats["refusals"], "exits": stats["exits"],
            "actions": stats["actions"], "active_at_end": sum(waiting_at_end.values()),
            "nodes": nodes, "edges": edge_list}
