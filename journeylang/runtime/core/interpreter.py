"""The journey interpreter: a step function over each journey's compiled graph.

Consumes: the networkx graphs from `compile/graph.py`, lowered once into `LoweredJourney`
(node id -> kind, payload, compiled expressions, successors by edge label).
Produces: `step(rt, instance, now)` runs an instance from its current node until it waits
or ends; effects (actions, trace lines, timers) are appended to the runtime as data.
Guarantees: time comes only from `now` (the log and timers); split buckets are a stable
hash (SHA-256 of journey, split node and profile id / split key), never randomness; an
instance never runs two steps at once.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import networkx as nx

from ...syntax import ast as A
from .evaluator import CONSENT_PATHS, Compiler, Ctx
from .values import Event, Timestamp, as_timestamp, to_json_value


class LoweredNode:
    __slots__ = ("id", "kind", "stmt", "succ", "conditions", "labels", "thresholds", "split_by", "expr",
                 "zone", "matcher", "listens", "reason", "line", "explain")

    def __init__(self, node_id: str, data: dict, succ: dict[str, str]) -> None:
        self.id = node_id
        self.kind = data["kind"]
        self.stmt = data["stmt"]
        self.succ = succ
        self.reason = data.get("reason")
        self.line = data["span"].line
        self.conditions = self.labels = self.thresholds = self.split_by = self.expr = self.zone = None
        self.matcher = None
        self.listens = None  # wait-for-event nodes: the event types the wait can match (None: any)
        self.explain = None  # condition nodes: per branch (source text, [(leaf text, leaf fn)])


def source_text(sources: dict, span) -> str:
    """The source text a span covers, on one line (for explanations)."""
    lines = sources.get(span.file, "").split("\n")
    if not (1 <= span.line <= len(lines)):
        return ""
    if span.line == span.end_line:
        text = lines[span.line - 1][span.column - 1:span.end_column - 1]
    else:
        text = " ".join([lines[span.line - 1][span.column - 1:]] + [l.strip() for l in lines[span.line:span.end_line - 1]]
                        + [lines[span.end_line - 1][:span.end_column - 1].strip()])
    return " ".join(text.split())


def _attribute_reader(path: tuple[str, ...]):
    def read(ctx: Ctx):
        value = ctx.profile.attrs
        for step_name in path:
            value = value.get(step_name) if isinstance(value, dict) else None
        return value
    return read


def _leaves(node) -> list:
    """The sub-expressions whose values explain a condition: maximal paths, calls, history."""
    if isinstance(node, (A.Attr, A.Index, A.Star, A.Call, A.HistoryPred, A.NameRef)):
        return [node]
    if isinstance(node, A.EventPattern):
        return []
    found = []
    for child in A.iter_children(node):
        found.extend(_leaves(child))
    return found


class LoweredJourney:
    def __init__(self, graph: nx.DiGraph, compiler: Compiler, sources: Optional[dict] = None) -> None:
        self.sources = sources or {}
        self.name = graph.graph["journey"]
        self.decl: A.JourneyDecl = graph.graph["decl"]
        self.timeout = self.decl.timeout.ms if self.decl.timeout else 91 * 86_400_000
        self.nodes: dict[str, LoweredNode] = {}
        for node_id, data in graph.nodes(data=True):
            succ = {}
            for target in graph.successors(node_id):
                for label in graph.edges[node_id, target]["labels"]:
                    succ[label] = target
            node = LoweredNode(node_id, data, succ)
            self._compile(node, compiler)
            self.nodes[node_id] = node
        entry = self.decl.entry
        self.entry_matcher = event_matcher(entry.pattern, compiler) if isinstance(entry, A.EventEntry) else None
        self.entry_alias = entry.pattern.alias.name if isinstance(entry, A.EventEntry) and entry.pattern.alias else None
        self.exit_matchers = [(event_matcher(e.pattern, compiler), e.pattern.alias.name if e.pattern.alias else None,
                               e.reason or "exit criteria") for e in self.decl.exits]
        # the event types an exit criterion can match (None: any type); empty: no exit criteria
        self.exit_listens = listened_types([e.pattern for e in self.decl.exits])
        self.dedup_key = compiler.expr(self.decl.dedup.key) if self.decl.dedup else None

    def _compile(self, node: LoweredNode, compiler: Compiler) -> None:
        stmt = node.stmt
        if node.kind == "condition":
            node.conditions = [compiler.conjunction(_conjuncts(b.condition)) for b in stmt.branches]
            node.explain = []
            for branch in stmt.branches:
                leaves = []
                for leaf in _leaves(branch.condition):
                    text = source_text(self.sources, leaf.span)
                    if text and all(text != known for known, _ in leaves):
                        fn = compiler.history(leaf) if isinstance(leaf, A.HistoryPred) else compiler.expr(leaf)
                        leaves.append((text, fn))
                    if isinstance(leaf, A.Call) and leaf.func.name == "consented" and leaf.args:
                        path = CONSENT_PATHS.get(getattr(leaf.args[0], "name", getattr(leaf.args[0], "value", "")))
                        if path:
                            leaves.append(("profile." + ".".join(path), _attribute_reader(path)))
                node.explain.append((source_text(self.sources, branch.condition.span), leaves))
            node.labels = ["true"] + [f"elif {i}" for i in range(1, len(stmt.branches))]
            node.labels.append("else" if (stmt.else_body is not None or len(stmt.branches) > 1) else "false")
        elif node.kind == "split":
            from ...compile.graph import split_branch_label
            total, node.thresholds = 0.0, []
            for index, branch in enumerate(stmt.branches):
                total += branch.percent.value
                node.thresholds.append((total / 100.0, split_branch_label(index, branch)))
            node.split_by = compiler.expr(stmt.by) if stmt.by is not None else None
        elif node.kind == "wait_for_event":
            node.matcher = event_matcher(stmt.pattern, compiler)
            node.listens = listened_types([stmt.pattern])
        elif isinstance(stmt, A.WaitUntil):
            node.expr = compiler.expr(stmt.when)
        elif isinstance(stmt, A.WaitUntilNext):
            node.zone = compiler.expr(stmt.zone) if stmt.zone is not None else None
        elif isinstance(stmt, A.Enrich):
            node.expr = compiler.expr(stmt.key)
        elif isinstance(stmt, A.SetProfile):
            node.expr = compiler.expr(stmt.value)
        elif isinstance(stmt, A.Send) and stmt.to is not None:
            node.expr = compiler.expr(stmt.to)


def _conjuncts(condition) -> tuple:
    if isinstance(condition, A.BoolChain) and condition.op == "and":
        return condition.operands
    return (condition,)


def event_matcher(pattern: A.EventPattern, compiler: Compiler):
    """fn(ctx, event) -> bool: does this incoming event match the pattern (types, dataset, where)?"""
    types = frozenset(pattern.types)
    dataset = pattern.dataset
    alias = pattern.alias.name if pattern.alias else None
    where = compiler.condition(pattern.where) if pattern.where is not None else None

    def matches(ctx: Ctx, event: Event) -> bool:
        if types and event.type not in types:
            return False
        if dataset is not None and event.dataset != dataset:
            return False
        return where is None or where(ctx.with_candidate(event, alias))
    return matches


def listened_types(patterns: list[A.EventPattern]) -> Optional[frozenset[str]]:
    """The event types any of these patterns can match; None when one matches every type."""
    types: set[str] = set()
    for pattern in patterns:
        if not pattern.types:
            return None
        types.update(pattern.types)
    return frozenset(types)


def split_bucket(*parts: str) -> float:
    """A stable number in [0, 1) from the parts (SHA-256; the documented split hash)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0 ** 64


def zone_of(name) -> ZoneInfo:
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return ZoneInfo("UTC")


def next_local_time(now_ms: int, minutes: int, zone: ZoneInfo, strictly_after: bool = True) -> int:
    """The first instant after now (or at/after, when not strict) whose local time is HH:MM."""
    local = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc).astimezone(zone)
    for day in range(0, 3):
        date = (local + timedelta(days=day)).date()
        candidate = datetime(date.year, date.month, date.day, minutes // 60, minutes % 60, tzinfo=zone)
        instant = int(candidate.astimezone(timezone.utc).timestamp() * 1000)
        if instant > now_ms or (not strictly_after and instant == now_ms):
            return instant
    return now_ms + 86_400_000


def local_minutes(now_ms: int, zone: ZoneInfo) -> int:
    local = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc).astimezone(zone)
    return local.hour * 60 + local.minute


def context(rt, instance, now: int) -> Ctx:
    journey = {"name": instance.journey, "entered_at": Timestamp(instance.entered_at)}
    return Ctx(instance.profile, now, instance.bindings, instance.entry_event, journey, rt)


def step(rt, instance, now: int) -> None:
    """Run the instance from its current node until it waits or ends."""
    lowered: LoweredJourney = rt.journeys[instance.journey]
    stats = rt.stats[instance.journey]
    guard = 0
    while instance.active:
        guard += 1
        if guard > 10_000:
            rt.end(instance, now, "step limit")
            return
        node = lowered.nodes[instance.node]
        stats.visit(node.id)
        kind = node.kind
        if kind in ("entry", "join"):
            instance.node = node.succ["next"]
            continue
        if kind == "exit":
            rt.end(instance, now, node.reason or "exit", node.id)
            return
        if kind == "condition":
            ctx = context(rt, instance, now)
            label, found, tested = node.labels[-1], None, []
            for index, test in enumerate(node.conditions):
                found = test(ctx)
                tested.append(_explain(node, index, ctx, found is not None))
                if found is not None:
                    label = node.labels[index]
                    instance.bindings.update(found)
                    break
            rt.trace(now, instance, node.id, "branch", label=label, detail={"tested": tested})
            instance.node = node.succ[label]
            continue
        if kind == "split":
            if node.split_by is not None:
                key = json.dumps(to_json_value(node.split_by(context(rt, instance, now))), sort_keys=True)
                point = split_bucket(instance.journey, node.id, "by", key)
            else:
                point = split_bucket(instance.journey, node.id, instance.profile.id)
            label = node.thresholds[-1][1]
            for threshold, name in node.thresholds:
                if point < threshold:
                    label = name
                    break
            rt.trace(now, instance, node.id, "branch", label=label)
            instance.node = node.succ[label]
            continue
        if kind == "wait":
            due = _wait_due(rt, instance, node, now)
            if due is not None and due > now:
                rt.wait(instance, node.id, due, now)
                return
            instance.node = node.succ["next"]
            continue
        if kind == "wait_for_event":
            within = node.stmt.pattern.within
            deadline = now + within.ms if within is not None else None
            instance.wait = node
            instance.deadline = deadline if deadline is not None else -1
            rt.wait(instance, node.id, deadline, now, for_event=True)
            return
        if kind == "send":
            if not rt.sends.send(rt, instance, node, now):
                return  # deferred by quiet hours: the instance waits at this node
            instance.node = node.succ["next"]
            continue
        if kind == "audience":
            rt.audience_action(instance, node, now)
        elif kind == "enrich":
            table = rt.lookups[node.stmt.table.name]
            row = table.get(node.expr(context(rt, instance, now)))
            instance.bindings[node.stmt.name.name] = row
            rt.trace(now, instance, node.id, "enriched", detail={"found": row is not None})
        elif kind == "set":
            value = node.expr(context(rt, instance, now))
            _set_path(instance.profile.attrs, node.stmt.path, to_json_value(value))
            rt.trace(now, instance, node.id, "set", detail={"value": to_json_value(value)})
            rt.profile_changed(instance.profile, now)
        elif kind == "jump":
            rt.trace(now, instance, node.id, "jump", detail={"journey": node.stmt.journey.name})
            rt.try_enter(node.stmt.journey.name, instance.profile, now, instance.entry_event, via=instance.journey)
        instance.node = node.succ["next"]


def _explain(node: LoweredNode, index: int, ctx: Ctx, result: bool) -> dict:
    """What a branch condition said and the values it read (for `journeylang why`)."""
    text, leaves = node.explain[index]
    values = {}
    for leaf_text, fn in leaves:
        try:
            values[leaf_text] = to_json_value(fn(ctx))
        except Exception as exc:  # an explanation must never stop a replay
            values[leaf_text] = f"<{type(exc).__name__}>"
    return {"label": node.labels[index], "condition": text, "result": result, "values": values}


def _wait_due(rt, instance, node: LoweredNode, now: int) -> Optional[int]:
    stmt = node.stmt
    if isinstance(stmt, A.Wait):
        return now + stmt.duration.ms
    if isinstance(stmt, A.WaitUntil):
        value = node.expr(context(rt, instance, now))
        if isinstance(value, Timestamp):
            return int(value)
        if isinstance(value, str):
            parsed = as_timestamp(value)
            return int(parsed) if parsed is not None else None
        return None
    zone = zone_of(node.zone(context(rt, instance, now)) if node.zone is not None else None)
    return next_local_time(now, stmt.clock.minutes, zone)


def _set_path(attrs: dict, path: tuple[str, ...], value) -> None:
    target = attrs
    for step_name in path[:-1]:
        nxt = target.get(step_name)
        # copy on write: a nested object may be shared with other profiles (`sharing.py`)
        nxt = dict(nxt) if isinstance(nxt, dict) else {}
        target[step_name] = nxt
        target = nxt
    if not path:
        return
    if value is None:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value


def resume_after_wait(rt, instance, now: int) -> None:
    node = rt.journeys[instance.journey].nodes[instance.node]
    rt.trace(now, instance, node.id, "resumed")
    if node.kind == "send":
        step(rt, instance, now)  # a deferred send is tried again from the start
        return
    instance.node = node.succ["next"]
    step(rt, instance, now)


def resume_wait_for(rt, instance, now: int, event: Optional[Event]) -> None:
    node = instance.wait
    instance.wait = None
    instance.token += 1
    if event is not None:
        alias = node.stmt.pattern.alias
        if alias is not None:
            instance.bindings[alias.name] = event
        rt.trace(now, instance, node.id, "resumed", label="on event", detail={"eventType": event.type})
        instance.node = node.succ["on event"]
    else:
        rt.trace(now, instance, node.id, "resumed", label="on timeout")
        instance.node = node.succ["on timeout"]
    step(rt, instance, now)


