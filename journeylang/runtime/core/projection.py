"""History projection: keep only the fields of a stored event that something can read.

Consumes: the program (segments and journeys). Produces: `HistoryProjection.store(event)`
-> the event to keep in a profile's history: the same event, or a copy whose `data`
holds only the fields that history readers can reach.
Guarantees: every expression that can read a stored event reads the same value from the
copy as from the original. History is read only by event patterns in segments and in
journey conditions (entry, `wait for` and exit patterns match arriving events, which are
never copied). A stored event is reached as the pattern's candidate (`event`, or its
alias, inside its `where`), as an alias bound by a history pattern (anywhere in the same
segment, or in a journey condition and the branch it guards), or through
`sum(FIELD) of ...`. Paths through those names are collected statically; a name used
whole (`coalesce(a, ...)`), an index that is not a literal, or an alias bound in a
journey condition (a branch body and its templates may read any field) keeps the whole
event. Lists are projected element by element, so `items[0].sku` and `items[*].sku` keep
`sku` of every item. A record of an event is typically 2-5 KB as a Python dict; the
seed program keeps under 200 bytes of it.
"""
from __future__ import annotations

from typing import Optional, Union

from ...syntax import ast as A
from .sharing import shared_data
from .values import Event

FULL = True
Tree = Union[bool, dict]  # FULL, or field name -> subtree


def merge_path(tree: Optional[Tree], path: list[str]) -> Tree:
    """Add a path (field names; [] = the whole value) to a tree."""
    if tree is FULL or not path:
        return FULL
    tree = dict(tree or {})
    tree[path[0]] = merge_path(tree.get(path[0]), path[1:])
    return tree


def union(a: Optional[Tree], b: Optional[Tree]) -> Optional[Tree]:
    if a is None:
        return b
    if b is None:
        return a
    if a is FULL or b is FULL:
        return FULL
    out = dict(a)
    for key, sub in b.items():
        out[key] = union(out.get(key), sub)
    return out


def chain_of(node) -> Optional[tuple[str, list[str], bool]]:
    """For `root.a[0].b[*]...`: (root name, field path, complete). `complete` is False
    when the chain goes through an index that is not a literal (the path stops there)."""
    if isinstance(node, A.NameRef):
        return node.name, [], True
    if isinstance(node, A.Attr):
        inner = chain_of(node.target)
        if inner is None:
            return None
        root, path, complete = inner
        return root, (path + [node.name] if complete else path), complete
    if isinstance(node, A.Star):
        return chain_of(node.target)
    if isinstance(node, A.Index):
        inner = chain_of(node.target)
        if inner is None:
            return None
        root, path, complete = inner
        if isinstance(node.index, A.StringLit) and complete:
            return root, path + [node.index.value], True
        if isinstance(node.index, A.NumberLit):
            return root, path, complete
        return root, path, False
    return None


def uses(node, roots: set[str], relative: bool = False,
         into_patterns: bool = False) -> list[tuple[str, list[str]]]:
    """Every (root, path) by which `node` reads one of `roots` (with `relative`, a bare
    name is itself the first field of the candidate: root ""). Nested event patterns are
    skipped unless `into_patterns` (their `event` is another candidate)."""
    found: list[tuple[str, list[str]]] = []

    def visit(current) -> None:
        chain = chain_of(current)
        if chain is not None:
            root, path, _ = chain
            if relative:
                found.append(("", [root] + path))
            elif root in roots:
                found.append((root, path))
            # literal-free indexes inside the chain may read other names
            for sub in A.walk(current):
                if isinstance(sub, A.Index):
                    visit(sub.index)
            return
        if isinstance(current, A.EventPattern) and not into_patterns:
            return  # a nested pattern is collected on its own, with its own candidate
        for child in A.iter_children(current):
            visit(child)
    visit(node)
    return found


class HistoryProjection:
    def __init__(self, program) -> None:
        self.trees: dict[str, Tree] = {}   # event type ("*" = every type) -> what to keep
        for decl in program.segments.values():
            self._scope(decl, journey=False)
        for journey in program.journeys.values():
            # everywhere: body, dedup key, and the `where` of entry, wait and exit patterns
            roots = [n for n in A.walk(journey) if isinstance(n, A.HistoryPred)]
            for pred in roots:
                self._scope(pred, journey=True)
        star = self.trees.get("*")
        self.by_type: dict[str, Tree] = {t: union(tree, star) for t, tree in self.trees.items() if t != "*"}
        self.star: Tree = star if star is not None else {}
        # each type's tree compiled once to a Python function (`compile_projection`)
        self.projectors: dict[str, object] = {t: compile_projection(tree) for t, tree in self.by_type.items()}
        self.star_projector = compile_projection(self.star)

    def _note(self, pattern: A.EventPattern, tree: Optional[Tree]) -> None:
        for event_type in pattern.types or ("*",):
            self.trees[event_type] = union(self.trees.get(event_type), tree if tree is not None else {})

    def _scope(self, root, journey: bool) -> None:
        patterns = [n for n in A.walk(root) if isinstance(n, A.EventPattern)]
        bound = {p.alias.name: p for p in patterns if p.alias is not None}
        for pattern in patterns:
            if journey and pattern.alias is not None:
                self._note(pattern, FULL)   # a branch body may read any field of it
                continue
            self._note(pattern, None)
            if pattern.where is None:
                continue
            own = {"event"} | ({pattern.alias.name} if pattern.alias else set())
            for name, path in uses(pattern.where, own | set(bound)):
                target = pattern if name in own else bound[name]
                self._note(target, merge_path(None, path))
        for node in A.walk(root):
            if isinstance(node, A.HistoryPred) and node.kind == "sum" and node.field is not None:
                for _, path in uses(node.field, set(), relative=True):
                    self._note(node.pattern, merge_path(None, path))
        if not journey:
            # an alias read outside any `where`: anywhere in the rest of the segment
            for cond in root.conditions:
                for name, path in uses(cond, set(bound)):
                    self._note(bound[name], merge_path(None, path))

    def store(self, event: Event) -> Event:
        projector = self.projectors.get(event.type, self.star_projector)
        if projector is None:
            return event
        return Event(event.ts, event.seq, event.type, event.dataset, shared_data(projector(event.data)))


def project(value, tree: Tree):
    """The value with only the fields of `tree` (the definition `compile_projection` follows)."""
    if tree is FULL:
        return value
    if isinstance(value, dict):
        return {key: project(value[key], sub) for key, sub in tree.items() if key in value}
    if isinstance(value, list):
        return [project(item, tree) for item in value]
    return value


def compile_projection(tree: Tree):
    """`project(value, tree)` as a function generated as Python source, one function per
    subtree with its keys inlined (None for FULL: the value is kept whole)."""
    if tree is FULL:
        return None
    functions: list[str] = []

    def emit(subtree: dict) -> str:
        name = f"p{len(functions)}"
        functions.append("")          # this subtree's place: parents come before children
        index = len(functions) - 1
        lines = [f"def {name}(v):", "    if isinstance(v, dict):", "        out = {}"]
        for key, sub in subtree.items():
            value = "v[k]" if sub is FULL else f"{emit(sub)}(v[k])"
            lines.append(f"        k = {key!r}")
            lines.append(f"        if k in v: out[k] = {value}")
        lines += ["        return out", "    if isinstance(v, list):", f"        return [{name}(i) for i in v]",
                  "    return v"]
        functions[index] = "\n".join(lines)
        return name

    emit(tree)
    namespace: dict = {}
    exec(compile("\n\n".join(functions) + "\n", "<journeylang projection>", "exec"), namespace)
    return namespace["p0"]
