"""Export compiled journey graphs as node-link JSON, Graphviz DOT and Mermaid.

Consumes: the DiGraphs made by `compiler.compile_journey`.
Produces: text. JSON is networkx's node-link form with each node's kind, label, span
and (for activities) a small typed summary of its payload; DOT and Mermaid show the
same nodes and labelled edges.
Guarantees: deterministic output (nodes and edges in id order, sorted keys).
"""
from __future__ import annotations

import json
import re

import networkx as nx

from ..syntax import ast as A


def _node_sort_key(node_id: str) -> int:
    return int(node_id[1:])


def _ordered_nodes(graph: nx.DiGraph) -> list[str]:
    return sorted(graph.nodes, key=_node_sort_key)


def _ordered_edges(graph: nx.DiGraph) -> list[tuple[str, str]]:
    return sorted(graph.edges, key=lambda e: (_node_sort_key(e[0]), _node_sort_key(e[1])))


def _payload_summary(stmt: object) -> dict:
    """A JSON-friendly view of a node's typed activity (the AST without spans)."""
    if stmt is None or isinstance(stmt, A.JourneyDecl):
        entry = getattr(stmt, "entry", None)
        return {"entry": _strip(entry.model_dump(mode="json"))} if entry is not None else {}
    if isinstance(stmt, (A.If, A.Split, A.WaitForEvent)):
        # branch bodies are graph nodes already; keep only the deciding parts
        if isinstance(stmt, A.If):
            return {"conditions": [_strip(b.condition.model_dump(mode="json")) for b in stmt.branches],
                    "has_else": stmt.else_body is not None}
        if isinstance(stmt, A.Split):
            return {"by": _strip(stmt.by.model_dump(mode="json")) if stmt.by else None,
                    "branches": [{"percent": b.percent.value, "label": b.label.name if b.label else None}
                                 for b in stmt.branches]}
        return {"pattern": _strip(stmt.pattern.model_dump(mode="json"))}
    return _strip(stmt.model_dump(mode="json"))


_SPAN_KEYS = {"span", "type_spans", "value_span", "path_span", "end_span", "repeated", "late_headers"}


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _SPAN_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def to_node_link(graph: nx.DiGraph) -> dict:
    nodes = []
    for node_id in _ordered_nodes(graph):
        data = graph.nodes[node_id]
        span = data["span"]
        item = {"id": node_id, "kind": data["kind"], "label": data["label"],
                "span": {"file": span.file, "line": span.line, "column": span.column,
                         "end_line": span.end_line, "end_column": span.end_column}}
        if data["kind"] == "exit":
            item["reason"] = data.get("reason")
        if data["kind"] != "join":
            item["activity"] = _payload_summary(data["stmt"])
        nodes.append(item)
    edges = [{"source": s, "target": t, "label": graph.edges[s, t]["label"]}
             for s, t in _ordered_edges(graph)]
    return {"directed": True, "multigraph": False, "graph": {"journey": graph.graph["journey"],
            "entry": graph.graph["entry"]}, "nodes": nodes, "edges": edges}


def to_json(graphs: dict[str, nx.DiGraph]) -> str:
    document = {name: to_node_link(graphs[name]) for name in sorted(graphs)}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


_DOT_SHAPES = {"entry": "circle", "condition": "diamond", "split": "diamond", "exit": "doublecircle",
               "join": "point", "wait": "box", "wait_for_event": "box"}


def to_dot(graphs: dict[str, nx.DiGraph]) -> str:
    lines = ["digraph journeys {", "  rankdir=TB;", "  node [fontname=\"Helvetica\", shape=box, style=rounded];"]
    for name in sorted(graphs):
        graph = graphs[name]
        prefix = re.sub(r"\W", "_", name)
        lines.append(f"  subgraph \"cluster_{_dot_escape(name)}\" {{")
        lines.append(f"    label=\"journey {_dot_escape(name)}\";")
        for node_id in _ordered_nodes(graph):
            data = graph.nodes[node_id]
            shape = _DOT_SHAPES.get(data["kind"], "box")
            label = "" if data["kind"] == "join" else _dot_escape(data["label"])
            lines.append(f"    {prefix}_{node_id} [label=\"{label}\", shape={shape}];")
        for source, target in _ordered_edges(graph):
            label = graph.edges[source, target]["label"]
            attr = "" if label == "next" else f" [label=\"{_dot_escape(label)}\"]"
            lines.append(f"    {prefix}_{source} -> {prefix}_{target}{attr};")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(graphs: dict[str, nx.DiGraph]) -> str:
    lines = ["flowchart TD"]
    for name in sorted(graphs):
        graph = graphs[name]
        prefix = re.sub(r"\W", "_", name)
        lines.append(f"  subgraph {prefix}[\"journey {_mermaid_text(name)}\"]")
        for node_id in _ordered_nodes(graph):
            data = graph.nodes[node_id]
            text = _mermaid_text(data["label"])
            kind = data["kind"]
            if kind in ("condition", "split"):
                shape = f"{{\"{text}\"}}"
            elif kind == "join":
                shape = "(( ))"
            elif kind in ("entry", "exit"):
                shape = f"([\"{text}\"])"
            else:
                shape = f"[\"{text}\"]"
            lines.append(f"    {prefix}_{node_id}{shape}")
        for source, target in _ordered_edges(graph):
            label = graph.edges[source, target]["label"]
            arrow = "-->" if label == "next" else f"-->|{_mermaid_text(label)}|"
            lines.append(f"    {prefix}_{source} {arrow} {prefix}_{target}")
        lines.append("  end")
    return "\n".join(lines) + "\n"
