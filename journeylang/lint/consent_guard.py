"""W201 — marketing send not guarded by consent.

What it flags
    A `send CHANNEL MESSAGE` of a marketing message (one not marked `transactional`)
    that can be reached on some path of the journey without passing a test that
    establishes `consented(CHANNEL)`. Sends of undefined messages are skipped (that is
    an error of the check pass already).

Why it matters
    At runtime a marketing send without consent is `suppressed` (reason `no consent`),
    so the profile silently gets nothing and the report fills with suppressions; worse,
    it usually means the journey's author forgot the legal requirement, and the
    journey's logic (what happens after the send, split proportions, follow-ups) was
    designed for customers who never receive the message. Making the consent test
    explicit documents who the journey actually reaches.

How it decides (the analysis)
    On the compiled graph (`journeylang.compile.graph`), an edge *guards* channel C when
    taking it implies that `consented(C)` is true:

    * the `true` edge of `if COND` and the `elif N` edge, when the branch condition
      implies consent: it is `consented(C)`, an `and`-chain with a conjunct that implies
      consent, an `or`-chain all of whose operands imply it, or `not X` where X being
      false implies consent;
    * the `elif N` edge also when an *earlier* branch condition being false implies
      consent (`if not consented(C) { ... } elif x { send ... }`);
    * the `else` / `false` edge when some branch condition being false implies consent:
      `not consented(C)`, an `or`-chain with such an operand, ... — so
      `if not consented(email) { exit }` followed by `send email m` is guarded.

    When two labelled edges join the same pair of nodes (an empty branch), the edge
    guards only if every one of its labels does.

    The send is guarded when **every path from the entry node `n0` to the send passes
    through a guard edge**. We check that by removing every guard edge for C from (a
    copy of) the graph and asking whether the send is still reachable from `n0`: if it
    is, an unguarded path exists. This is a cut formulation of edge dominance: it is
    equivalent to "the set of guard edges dominates the send", and it is more general
    than dominance by a *single* edge — a send after a `split` whose every branch tests
    consent, or after `if consented(email) and a {...} elif consented(email) {...}`
    rejoining, is correctly seen as guarded, which a single-edge dominator tree
    (networkx's `immediate_dominators` works on nodes, not edges, anyway) would miss.
    One removal and one reachability search per channel per journey: linear time.

    A `set profile.consents...` that writes the channel's consent attribute (or an
    object containing it) undoes every test before it: the send must also be guarded on
    every path *from such a `set`*, checked the same way with the set node as the start.
    Not considered: consent withdrawn by a profile record during a wait (the runtime
    checks consent again at the send and suppresses; the lint is about the journey's
    intent).

Audience actions
    `add to audience X` feeding paid media should be guarded with `consented(ads)`, as
    LANGUAGE.md says, but W201 deliberately flags only sends: whether an audience feeds
    advertising (rather than a saved CRM audience, or a removal that must happen even
    after consent is withdrawn) is not visible in the program, so a warning there would
    be mostly noise.

Example (triggers)::

    journey welcome {
      entry event web.signup
      reentry never
      send email welcome_mail          # W201: no consent test on the way
    }

Fix::

    if consented(email) { send email welcome_mail }
    # or, early in the journey:
    if not consented(email) { exit "no email consent" }
    send email welcome_mail

    If the message really is transactional (order confirmation, password reset), mark
    the message `transactional` instead.
"""
from __future__ import annotations

from typing import Iterable, Optional

import networkx as nx

from ..diagnostics.model import Diagnostic
from ..program.builtins import CONSENT_PATHS
from ..syntax import ast as A

CODE = "W201"


def _is_consented(expr: A.Expr, channel: str) -> bool:
    return (isinstance(expr, A.Call) and expr.func.name == "consented" and len(expr.args) == 1
            and _channel_name(expr.args[0]) == channel)


def _channel_name(arg: A.Expr) -> Optional[str]:
    if isinstance(arg, A.NameRef):
        return arg.name
    if isinstance(arg, A.StringLit):
        return arg.value
    return None


def true_implies(expr: A.Expr, channel: str) -> bool:
    """Does `expr` being true imply `consented(channel)`?"""
    if _is_consented(expr, channel):
        return True
    if isinstance(expr, A.BoolChain):
        if expr.op == "and":
            return any(true_implies(e, channel) for e in expr.operands)
        return all(true_implies(e, channel) for e in expr.operands)
    if isinstance(expr, A.Unary) and expr.op == "not":
        return false_implies(expr.operand, channel)
    return False


def false_implies(expr: A.Expr, channel: str) -> bool:
    """Does `expr` being false imply `consented(channel)`?"""
    if isinstance(expr, A.BoolChain):
        if expr.op == "or":
            return any(false_implies(e, channel) for e in expr.operands)
        return all(false_implies(e, channel) for e in expr.operands)
    if isinstance(expr, A.Unary) and expr.op == "not":
        return true_implies(expr.operand, channel)
    return False


def label_guards(stmt: A.If, label: str, channel: str) -> bool:
    """Does leaving the `if` statement by the edge labelled `label` imply consent?"""
    conditions = [branch.condition for branch in stmt.branches]
    if label == "true":
        return true_implies(conditions[0], channel)
    if label.startswith("elif "):
        try:
            index = int(label.split()[1])
        except (IndexError, ValueError):
            return False
        if not 0 < index < len(conditions):
            return False
        return true_implies(conditions[index], channel) or any(false_implies(c, channel) for c in conditions[:index])
    if label in ("else", "false"):
        return any(false_implies(c, channel) for c in conditions)
    return False


def guard_edges(graph: nx.DiGraph, channel: str) -> list[tuple[str, str]]:
    """The edges whose every label establishes `consented(channel)`."""
    edges = []
    for source, target, data in graph.edges(data=True):
        stmt = graph.nodes[source].get("stmt")
        if graph.nodes[source].get("kind") != "condition" or not isinstance(stmt, A.If):
            continue
        labels = data.get("labels") or (data.get("label", ""),)
        if all(label_guards(stmt, label, channel) for label in labels):
            edges.append((source, target))
    return edges


def without_guards(graph: nx.DiGraph, channel: str) -> nx.DiGraph:
    """A copy of the graph with every guard edge for `channel` removed."""
    reduced = graph.copy()
    reduced.remove_edges_from(guard_edges(graph, channel))
    return reduced


def unguarded_reachable(graph: nx.DiGraph, channel: str) -> set[str]:
    """Nodes reachable from the entry without passing a guard edge for `channel`."""
    entry = graph.graph.get("entry", "n0")
    if entry not in graph:
        return set()
    return {entry} | nx.descendants(without_guards(graph, channel), entry)


def _marketing_sends(analysis, graph: nx.DiGraph) -> dict[str, list[str]]:
    """channel -> send nodes of defined, non-transactional messages."""
    by_channel: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        stmt = data.get("stmt")
        if data.get("kind") != "send" or not isinstance(stmt, A.Send):
            continue
        message = analysis.program.messages.get(stmt.message.name)
        if message is None or message.transactional:
            continue
        by_channel.setdefault(stmt.channel.name, []).append(node)
    return by_channel


def consent_writes(graph: nx.DiGraph, channel: str) -> list[str]:
    """The `set profile...` nodes that write the channel's consent attribute or an object
    containing it (in node order)."""
    attribute = CONSENT_PATHS.get(channel, ())
    found = []
    for node, data in graph.nodes(data=True):
        stmt = data.get("stmt")
        if data.get("kind") != "set" or not isinstance(stmt, A.SetProfile) or stmt.root != "profile":
            continue
        shared = min(len(stmt.path), len(attribute))
        if stmt.path[:shared] == attribute[:shared]:
            found.append(node)
    return sorted(found, key=lambda n: int(n[1:]) if n[1:].isdigit() else 0)


def run(analysis) -> Iterable[Diagnostic]:
    for name in sorted(analysis.program.journeys):
        graph = analysis.graphs.get(name)
        entry = graph.graph.get("entry", "n0") if graph is not None else None
        if graph is None or entry not in graph:
            continue
        for channel, sends in sorted(_marketing_sends(analysis, graph).items()):
            reduced = without_guards(graph, channel)
            reachable = {entry} | nx.descendants(reduced, entry)
            after_write = {}
            for write in consent_writes(graph, channel):
                for node in nx.descendants(reduced, write):
                    after_write.setdefault(node, write)
            for node in sends:
                stmt: A.Send = graph.nodes[node]["stmt"]
                hint = (f"wrap it in `if consented({channel}) {{ ... }}` (or exit earlier with "
                        f"`if not consented({channel}) {{ exit }}`), or mark the message `transactional` "
                        f"if it is one")
                if node in reachable:
                    via = _describe_path(graph, nx.shortest_path(reduced, entry, node), channel)
                    message = (f"marketing message `{stmt.message.name}` is sent on `{channel}` without "
                               f"`consented({channel})` on every path to it")
                    if via:
                        message += f" (e.g. through {via})"
                    yield Diagnostic(CODE, message, stmt.span, hint)
                elif node in after_write:
                    line = graph.nodes[after_write[node]]["span"].line
                    yield Diagnostic(CODE, f"marketing message `{stmt.message.name}` is sent on `{channel}` after "
                                           f"the `set profile.consents...` on line {line} without testing "
                                           f"`consented({channel})` again", stmt.span,
                                     f"test `consented({channel})` after the `set`, or move the `set` after the send")


def _describe_path(graph: nx.DiGraph, path: list[str], channel: str) -> str:
    """The last branch decision on an unguarded path (where it left the guards), or ''."""
    names = {"condition": "if", "split": "split", "wait_for_event": "wait for event"}
    for source, dest in reversed(list(zip(path, path[1:]))):
        kind = graph.nodes[source].get("kind")
        if kind in names:
            labels = graph.edges[source, dest].get("labels", ("",))
            stmt = graph.nodes[source].get("stmt")
            if kind == "condition" and isinstance(stmt, A.If):  # name a label that does not guard
                labels = [label for label in labels if not label_guards(stmt, label, channel)] or labels
            label = labels[0]
            return f"the `{label}` branch of the {names[kind]} on line {graph.nodes[source]['span'].line}"
    return ""
