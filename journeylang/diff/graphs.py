"""A structural diff of two versions of the program: journeys' compiled graphs, their
header clauses, and the other declarations (segments, messages, lookups, policy).

Consumes: the two `Analysis` objects (compiled graphs, ASTs with spans, source texts).
Produces: per journey, nodes added, removed and changed, edges added and removed, and
header clauses changed, each shown by its source text and line; per other declaration,
whether it was added, removed or changed, with a short unified diff of its source.
Guarantees: nodes are matched by what they are, not by id (ids are numbered in source
order and shift when a statement is inserted): the pre-order sequences of (kind, place
in the enclosing branches, source text) are aligned (`difflib.SequenceMatcher`), and in a
replaced stretch nodes of the same kind and place are paired as changed. Whitespace and
comments inside a statement never count as a change. The result depends only on the two
programs' texts.
"""
from __future__ import annotations

import difflib
import os
from typing import Optional

from ..compile.graph import split_branch_label
from ..syntax import ast as A

MAX_DECL_DIFF_LINES = 16


def span_text(sources: dict[str, str], span: Optional[A.Span]) -> str:
    if span is None or span.file not in sources:
        return ""
    lines = sources[span.file].splitlines()
    if span.line > len(lines):
        return ""
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1:span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1:]]
    parts.extend(lines[span.line:span.end_line - 1])
    if span.end_line <= len(lines):
        parts.append(lines[span.end_line - 1][:span.end_column - 1])
    return "\n".join(parts)


def _squash(text: str) -> str:
    """One line: comments dropped (outside strings), whitespace runs as one space."""
    out, quote = [], None
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            out.append(char)
            if char == "\\" and index + 1 < len(text):
                out.append(text[index + 1])
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
            out.append(char)
        elif char == "#":
            while index < len(text) and text[index] != "\n":
                index += 1
            continue
        else:
            out.append(char)
        index += 1
    return " ".join("".join(out).split())


def _header(text: str) -> str:
    """A block statement's text up to its first `{` outside strings."""
    quote = None
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "{":
            return text[:index].rstrip()
    return text


def node_text(graph, node: str, sources: dict[str, str]) -> str:
    """The source text a node stands for, on one line."""
    data = graph.nodes[node]
    kind, stmt = data["kind"], data["stmt"]
    if data.get("implicit"):
        return "end (completed)"
    if kind == "join":
        return "end of " + _block_text(stmt, sources)
    if kind == "entry":
        return _squash(span_text(sources, stmt.entry.span)) if stmt.entry is not None else "entry"
    if kind in ("condition", "split", "wait_for_event"):
        return _block_text(stmt, sources)
    return _squash(span_text(sources, data["span"]))


def _block_text(stmt, sources) -> str:
    if isinstance(stmt, A.If):
        parts = [("if " if i == 0 else "elif ") + _squash(span_text(sources, b.condition.span))
                 for i, b in enumerate(stmt.branches)]
        if stmt.else_body is not None:
            parts.append("else")
        return " / ".join(parts)
    if isinstance(stmt, A.Split):
        by = f" by {_squash(span_text(sources, stmt.by.span))}" if stmt.by is not None else ""
        branches = [b.percent.text + (f" as {b.label.name}" if b.label else "") for b in stmt.branches]
        return f"split{by} " + " / ".join(branches)
    return _squash(_header(span_text(sources, stmt.span)))


def _places(decl: A.JourneyDecl) -> dict[int, tuple]:
    """id(statement) -> its place: the (block kind, branch label) of each enclosing branch."""
    places: dict[int, tuple] = {}

    def walk(body, place):
        for stmt in body or ():
            places[id(stmt)] = place
            if isinstance(stmt, A.If):
                for index, branch in enumerate(stmt.branches):
                    walk(branch.body, place + (("if", "true" if index == 0 else f"elif {index}"),))
                walk(stmt.else_body, place + (("if", "else"),))
            elif isinstance(stmt, A.Split):
                for index, branch in enumerate(stmt.branches):
                    walk(branch.body, place + (("split", split_branch_label(index, branch)),))
            elif isinstance(stmt, A.WaitForEvent):
                walk(stmt.on_event, place + (("wait", "on event"),))
                walk(stmt.on_timeout, place + (("wait", "on timeout"),))
    walk(decl.body, ())
    return places


def _order(graph) -> list[str]:
    return sorted(graph.nodes, key=lambda n: int(n[1:]))


class _Side:
    def __init__(self, analysis, name: str) -> None:
        self.graph = analysis.graphs[name]
        self.sources = {f.path: f.text for f in analysis.program.files}
        places = _places(self.graph.graph["decl"])
        self.text = {n: node_text(self.graph, n, self.sources) for n in self.graph.nodes}
        self.line = {n: self.graph.nodes[n]["span"].line for n in self.graph.nodes}
        self.shown = [n for n in _order(self.graph)
                      if self.graph.nodes[n]["kind"] != "join" and not self.graph.nodes[n].get("implicit")]
        self.signature = {}
        for n in self.shown:
            data = self.graph.nodes[n]
            place = () if data["kind"] == "entry" else places.get(id(data["stmt"]), ())
            self.signature[n] = (data["kind"], place, self.text[n])
        self.join_of = {id(self.graph.nodes[n]["stmt"]): n for n in self.graph.nodes
                        if self.graph.nodes[n]["kind"] == "join"}

    def node_json(self, n: str) -> dict:
        return {"node": n, "line": self.line[n], "kind": self.graph.nodes[n]["kind"], "text": self.text[n]}


def _match(old: _Side, new: _Side) -> tuple[dict[str, str], list[tuple[str, str]], list[str], list[str]]:
    """(old node -> new node for every matched node, changed pairs, removed, added)."""
    a = [old.signature[n] for n in old.shown]
    b = [new.signature[n] for n in new.shown]
    mapping, changed, removed, added = {}, [], [], []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = old.shown[i1:i2], new.shown[j1:j2]
        if op == "equal":
            mapping.update(zip(olds, news))
            continue
        free = list(news)
        for n in olds:
            kind, place, _ = old.signature[n]
            partner = next((m for m in free if new.signature[m][:2] == (kind, place)), None)
            if partner is None:
                removed.append(n)
            else:
                free.remove(partner)
                mapping[n] = partner
                changed.append((n, partner))
        added.extend(free)
    mapping[old.graph.graph["entry"]] = new.graph.graph["entry"]
    # joins follow their block statements; the implicit ends match each other
    for n, m in list(mapping.items()):
        stmt_old, stmt_new = old.graph.nodes[n]["stmt"], new.graph.nodes[m]["stmt"]
        if id(stmt_old) in old.join_of and id(stmt_new) in new.join_of and old.graph.nodes[n]["kind"] != "join":
            mapping[old.join_of[id(stmt_old)]] = new.join_of[id(stmt_new)]
    end_old = [n for n in old.graph.nodes if old.graph.nodes[n].get("implicit")]
    end_new = [n for n in new.graph.nodes if new.graph.nodes[n].get("implicit")]
    if end_old and end_new:
        mapping[end_old[0]] = end_new[0]
    added.sort(key=lambda n: int(n[1:]))
    return mapping, changed, removed, added


def _edge_json(side: _Side, source: str, target: str, label: str) -> dict:
    return {"from": side.text[source], "label": label, "to": side.text[target],
            "line": side.line[source]}


def _settings(decl: A.JourneyDecl, sources) -> dict[str, list[str]]:
    """The journey's header clauses as texts (exit criteria a list: any number)."""
    def text(node) -> list[str]:
        return [_squash(span_text(sources, node.span))] if node is not None else []
    return {"description": [repr(decl.description)] if decl.description is not None else [],
            "entry": text(decl.entry), "reentry": text(decl.reentry),
            "timeout": [decl.timeout.text] if decl.timeout is not None else [],
            "dedup": text(decl.dedup),
            "exit on": [_squash(span_text(sources, e.span)) for e in decl.exits]}


def journey_structure(old_analysis, new_analysis, name: str) -> dict:
    """The structural diff of one journey both versions have."""
    old, new = _Side(old_analysis, name), _Side(new_analysis, name)
    mapping, changed, removed, added = _match(old, new)
    old_edges = {(s, t, l) for s, t, ls in old.graph.edges(data="labels") for l in ls}
    new_edges = {(s, t, l) for s, t, ls in new.graph.edges(data="labels") for l in ls}
    kept = {(mapping.get(s), mapping.get(t), l) for s, t, l in old_edges}
    edges_removed = sorted(((s, t, l) for s, t, l in old_edges if (mapping.get(s), mapping.get(t), l) not in new_edges),
                           key=lambda e: (int(e[0][1:]), int(e[1][1:]), e[2]))
    edges_added = sorted((e for e in new_edges if e not in kept), key=lambda e: (int(e[0][1:]), int(e[1][1:]), e[2]))
    settings = []
    before, after = _settings(old.graph.graph["decl"], old.sources), _settings(new.graph.graph["decl"], new.sources)
    for clause in before:
        if before[clause] != after[clause]:
            gone = [t for t in before[clause] if t not in after[clause]]
            came = [t for t in after[clause] if t not in before[clause]]
            settings.append({"clause": clause, "removed": gone, "added": came})
    return {"nodes": {"added": [new.node_json(n) for n in added],
                      "removed": [old.node_json(n) for n in removed],
                      "changed": [{"old": old.node_json(a), "new": new.node_json(b)} for a, b in changed]},
            "edges": {"added": [_edge_json(new, *e) for e in edges_added],
                      "removed": [_edge_json(old, *e) for e in edges_removed]},
            "header": settings}


def structure_is_empty(structure: dict) -> bool:
    return not (any(structure["nodes"].values()) or any(structure["edges"].values()) or structure["header"])


def whole_journey(analysis, name: str) -> dict:
    """An added or removed journey: its nodes as a list."""
    side = _Side(analysis, name)
    return {"nodes": [side.node_json(n) for n in side.shown]}


def _declarations(analysis) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, name) -> (what is compared: the squashed source, raw template files; what is shown)."""
    program = analysis.program
    sources = {f.path: f.text for f in program.files}
    found = {}
    for kind, table in (("segment", program.segments), ("message", program.messages), ("lookup", program.lookups)):
        for name, decl in table.items():
            text = span_text(sources, decl.span)
            found[(kind, name)] = (_squash(text), text)
    for name, decl in program.messages.items():    # a template file is part of its message
        for item in decl.fields:
            if item.is_file:
                content = _read(decl.span.file, item.value)
                key, text = found[("message", name)]
                found[("message", name)] = (key + "\0" + content, text + f"\n# {item.value}:\n" + content)
    if program.policies:
        text = "\n".join(span_text(sources, p.span) for p in program.policies)
        found[("policy", "policy")] = (_squash(text), text)
    return found


def _read(beside: str, relative: str) -> str:
    try:
        with open(os.path.join(os.path.dirname(beside), relative), encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return ""


def declaration_changes(old_analysis, new_analysis) -> list[dict]:
    """Segments, messages, lookups and the policy: added, removed or changed (by source text)."""
    before, after = _declarations(old_analysis), _declarations(new_analysis)
    changes = []
    for kind, name in sorted(set(before) | set(after)):
        old, new = before.get((kind, name)), after.get((kind, name))
        if old is not None and new is not None and old[0] == new[0]:
            continue
        old, new = old and old[1], new and new[1]
        status = "added" if old is None else "removed" if new is None else "changed"
        diff = list(difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), "old", "new", n=1,
                                         lineterm=""))[2:]
        if len(diff) > MAX_DECL_DIFF_LINES:
            diff = diff[:MAX_DECL_DIFF_LINES] + [f"... ({len(diff) - MAX_DECL_DIFF_LINES} more diff lines)"]
        changes.append({"kind": kind, "name": name, "status": status, "diff": diff})
    return changes
