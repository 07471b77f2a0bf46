"""Event-pattern windows and function calls.

Consumes: every event pattern and every call in `analysis.program`, with the role of
each pattern (a history predicate, a journey's `entry event`, an `exit on event`, a
`wait for event`).
Produces: E132 `between D1 and D2 ago` with D1 <= D2 (an empty window); E133 an invalid
window: two of `within`/`between`/`before` in one pattern, `after` together with
`between`/`before`, any window (`after` included) in an `entry event` or `exit on event`
pattern, `between`/`before` in a `wait for event` (its `within` is the wait's time
limit); E136 an unknown function (did-you-mean hint), a wrong number of arguments, a
`consented` argument that is not a consent channel, an `in_segment` argument that is
not a segment name.
Guarantees: every diagnostic points at the offending window or argument (E133 at the
later of two conflicting windows); calls are checked wherever they occur (segments,
journeys, policies), and nothing outside the pattern/call is reported.
"""
from __future__ import annotations

from typing import Optional

from ..diagnostics.model import did_you_mean
from ..program.analysis import Analysis
from ..syntax import ast as A
from .common import CONSENT_CHANNELS, FUNCTIONS, arity_text, backticked, join_spans, position_key

HISTORY, ENTRY, EXIT, WAIT = "history", "entry", "exit", "wait"


def check_expressions(analysis: Analysis) -> None:
    for decl in analysis.program.declarations():
        roles = _pattern_roles(decl)
        for node in A.walk(decl):
            if isinstance(node, A.EventPattern):
                _windows(analysis, node, roles.get(id(node), HISTORY))
            elif isinstance(node, A.Call):
                _call(analysis, node)


def _pattern_roles(decl: A.Decl) -> dict[int, str]:
    roles: dict[int, str] = {}
    if not isinstance(decl, A.JourneyDecl):
        return roles
    if isinstance(decl.entry, A.EventEntry):
        roles[id(decl.entry.pattern)] = ENTRY
    for exit_on in decl.exits:
        roles[id(exit_on.pattern)] = EXIT
    for node in A.walk(decl):
        if isinstance(node, A.WaitForEvent):
            roles[id(node.pattern)] = WAIT
    return roles


# ---------------------------------------------------------------- windows
def _window_list(pat: A.EventPattern) -> list[tuple[str, A.Span]]:
    """The windows of a pattern as (source text, span), in source order."""
    found: list[tuple[str, A.Span]] = []
    if pat.within is not None:
        found.append((f"within {pat.within.text}", pat.within.span))
    if pat.between is not None:
        first, second = pat.between
        found.append((f"between {first.text} and {second.text} ago", join_spans(first.span, second.span)))
    if pat.before is not None:
        found.append((f"before {pat.before.text} ago", pat.before.span))
    if pat.after is not None:
        found.append((f"after {pat.after.name}", pat.after.span))
    return sorted(found, key=lambda item: position_key(item[1]))


def _windows(analysis: Analysis, pat: A.EventPattern, role: str) -> None:
    bag = analysis.diagnostics
    if pat.between is not None:
        first, second = pat.between
        if first.ms <= second.ms:
            span = join_spans(first.span, second.span)
            if first.ms == second.ms:
                hint = "the two durations are equal, so no event can be inside; make the first one longer"
            else:
                hint = f"write `between {second.text} and {first.text} ago` (the longer duration first)"
            bag.add("E132", f"`between {first.text} and {second.text} ago` is an empty window: "
                            f"`{first.text}` must be longer than `{second.text}`", span, hint)
    windows = _window_list(pat)
    if role in (ENTRY, EXIT):
        where = "an `entry event` pattern" if role == ENTRY else "an `exit on event` pattern"
        for text, span in windows:
            bag.add("E133", f"`{text}` is not allowed in {where}", span,
                    "it matches the event that arrives now; filter with `where` instead")
        return
    if role == WAIT:
        for text, span in windows:
            if text.startswith(("between", "before")):
                bag.add("E133", f"`{text}` is not allowed in `wait for event`", span,
                        "the wait matches events that arrive while it waits; its `within D` is the time limit")
        return
    timed = [(text, span) for text, span in windows if not text.startswith("after")]
    for text, span in timed[1:]:
        bag.add("E133", f"`{text}` conflicts with `{timed[0][0]}`: a pattern takes one window", span,
                "use one of `within D`, `between D1 and D2 ago`, `before D ago` (or `after A [within D]`)")
    if pat.after is not None and len(timed) == 1 and not timed[0][0].startswith("within"):
        text, span = timed[0]
        bag.add("E133", f"`{text}` cannot be combined with `after {pat.after.name}`", span,
                f"`after {pat.after.name}` only combines with `within D` (events up to D after `{pat.after.name}`)")


# ---------------------------------------------------------------- calls
def _call(analysis: Analysis, call: A.Call) -> None:
    bag = analysis.diagnostics
    name = call.func.name
    if name not in FUNCTIONS:
        hint = did_you_mean(name, FUNCTIONS) or f"functions: {backticked(sorted(FUNCTIONS))}"
        bag.add("E136", f"unknown function `{name}`", call.func.span, hint)
        return
    low, high = FUNCTIONS[name]
    count = len(call.args)
    if count < low or (high is not None and count > high):
        bag.add("E136", f"`{name}` takes {arity_text(name)}, got {count}", call.span, _usage(name))
        return
    if name == "consented":
        channel = _name_argument(call.args[0])
        if channel is None or channel not in CONSENT_CHANNELS:
            shown = f"`{channel}`" if channel is not None else "this argument"
            close = did_you_mean(channel, CONSENT_CHANNELS) if channel is not None else None
            listing = f"consent channels: {backticked(CONSENT_CHANNELS)}"
            bag.add("E136", f"`consented` takes a consent channel, not {shown}", call.args[0].span,
                    f"{close} {listing}" if close else listing)
    elif name == "in_segment" and _name_argument(call.args[0]) is None:
        bag.add("E136", "`in_segment` takes a segment name", call.args[0].span,
                "write `in_segment(SEGMENT)` with the segment's name")


def _name_argument(arg: A.Expr) -> Optional[str]:
    if isinstance(arg, A.NameRef):
        return arg.name
    if isinstance(arg, A.StringLit):
        return arg.value
    return None


_USAGE = {
    "exists": "exists(profile.mobilePhone.number)",
    "len": "len(event.productListItems)",
    "contains": "contains(profile.tags, \"vip\")",
    "startswith": "startswith(profile.personalEmail.address, \"test\")",
    "endswith": "endswith(profile.personalEmail.address, \"@example.com\")",
    "round": "round(x) or round(x, 2)",
    "coalesce": "coalesce(profile.nickname, profile.person.name.firstName, \"there\")",
    "consented": "consented(email)",
    "in_segment": "in_segment(loyal_buyers)",
}


def _usage(name: str) -> str:
    example = _USAGE.get(name, f"{name}(x)")
    return f"e.g. `{example}`"
