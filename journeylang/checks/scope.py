"""Name resolution in expressions: which path roots, aliases and enrichments are visible.

Consumes: every segment, journey and policy of `analysis.program`.
Produces: E104 undefined name and E111 alias out of scope (a name bound elsewhere in the
same segment/journey but not visible here), each at the name's own span with a hint;
the side table `analysis.scopes`: for EVERY statement of every journey, `id(stmt)` ->
{name: kind} of the names visible before it runs (kinds "alias", "enrich", "send"), and
for every event pattern `id(pattern)` -> the names visible inside its `where` (its own
alias included). Path roots (`profile`, `journey`, `now`, `event`) are not listed.
Guarantees (LANGUAGE.md section 3, "Binding"):
* a conjunction is a flat `and` chain (a `BoolChain(op="and")`, a segment's conditions,
  an `if` condition); `has [first|last] P as A` written directly as one of its operands
  binds A for the operands to its right, including inside their parentheses. A binding
  inside a nested chain (parentheses, `or`, `not`, one line of a segment that is itself
  an `and` chain) does not escape that chain.
* a pattern's alias is the candidate inside its own `where`; `after A` names a visible alias.
* in a journey, the entry alias (and `event`, for an event entry) are journey-wide;
  `wait for event ... as A` binds A inside `on event` and after the wait when the timeout
  path cannot reach there (it exits, or the wait has no `within`, so that only the
  journey's timeout, which ends the instance, can end the wait); `enrich N` and `send ... as N` bind for later statements on
  their path; an `if` branch body sees the aliases its condition binds. After a branching
  statement only names bound on every path that falls through are visible.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..diagnostics.model import did_you_mean
from ..program.analysis import Analysis
from ..syntax import ast as A
from .common import NAME_ARGUMENT_FUNCTIONS, binding_sites

Env = dict[str, str]  # visible name -> kind ("alias", "enrich", "send")


@dataclass
class _Context:
    analysis: Analysis
    sites: dict[str, tuple[str, A.Span]]  # every name bound somewhere in this declaration
    in_journey: bool
    event_root: bool  # `event` names the journey's entry event


def check_scopes(analysis: Analysis) -> None:
    for decl in analysis.program.declarations():
        if isinstance(decl, A.SegmentDecl):
            ctx = _Context(analysis, binding_sites(decl), in_journey=False, event_root=False)
            conjunction(ctx, decl.conditions, {}, event=False)
        elif isinstance(decl, A.JourneyDecl):
            _journey(analysis, decl)
        elif isinstance(decl, A.PolicyDecl) and decl.quiet_hours and decl.quiet_hours.zone is not None:
            ctx = _Context(analysis, {}, in_journey=False, event_root=False)
            resolve(ctx, decl.quiet_hours.zone, {}, event=False)


# ---------------------------------------------------------------- expressions
def conjunction(ctx: _Context, operands, env: Env, event: bool) -> Env:
    """Resolve the operands of one conjunction left to right; returns the names it binds."""
    current = dict(env)
    bound: Env = {}
    for operand in operands:
        resolve(ctx, operand, current, event)
        if isinstance(operand, A.HistoryPred) and operand.kind == "has" and operand.pattern.alias is not None:
            current[operand.pattern.alias.name] = "alias"
            bound[operand.pattern.alias.name] = "alias"
    return bound


def top_level_operands(condition: A.Expr) -> tuple[A.Expr, ...]:
    if isinstance(condition, A.BoolChain) and condition.op == "and":
        return condition.operands
    return (condition,)


def resolve(ctx: _Context, expr: A.Expr, env: Env, event: bool) -> None:
    """Check every name an expression reads; `event` says whether `event` is a root here."""
    if isinstance(expr, A.NameRef):
        _name(ctx, expr.name, expr.span, env, event)
    elif isinstance(expr, (A.Attr, A.Star)):
        resolve(ctx, expr.target, env, event)
    elif isinstance(expr, A.Index):
        resolve(ctx, expr.target, env, event)
        resolve(ctx, expr.index, env, event)
    elif isinstance(expr, A.Call):
        for arg in expr.args:
            if expr.func.name in NAME_ARGUMENT_FUNCTIONS and isinstance(arg, (A.NameRef, A.StringLit)):
                continue  # a channel or segment name, checked by the declaration passes
            resolve(ctx, arg, env, event)
    elif isinstance(expr, A.Unary):
        resolve(ctx, expr.operand, env, event)
    elif isinstance(expr, A.Binary):
        resolve(ctx, expr.left, env, event)
        resolve(ctx, expr.right, env, event)
    elif isinstance(expr, A.ListLit):
        for item in expr.items:
            resolve(ctx, item, env, event)
    elif isinstance(expr, A.BoolChain):
        if expr.op == "and":
            conjunction(ctx, expr.operands, env, event)
        else:
            for operand in expr.operands:
                resolve(ctx, operand, env, event)
    elif isinstance(expr, A.HistoryPred):
        pattern(ctx, expr.pattern, env, event)
        if expr.field is not None:
            _relative_path(ctx, expr.field, env, event)
        if expr.value is not None:
            resolve(ctx, expr.value, env, event)


def _relative_path(ctx: _Context, field: A.Expr, env: Env, event: bool) -> None:
    """`sum(FIELD)`: FIELD is a path relative to the event; only its indexes are resolved."""
    node = field
    while isinstance(node, (A.Attr, A.Index, A.Star)):
        if isinstance(node, A.Index):
            resolve(ctx, node.index, env, event)
        node = node.target
    if not isinstance(node, A.NameRef):
        resolve(ctx, node, env, event)


def pattern(ctx: _Context, pat: A.EventPattern, env: Env, event: bool) -> None:
    """`after A` is resolved where the pattern is; `where` sees the candidate too."""
    if pat.after is not None:
        kind = env.get(pat.after.name)
        if kind is None:
            _name(ctx, pat.after.name, pat.after.span, env, event, what="alias")
        elif kind != "alias":
            ctx.analysis.diagnostics.add(
                "E104", f"`after {pat.after.name}` needs an event alias, but `{pat.after.name}` is "
                f"{'an enrichment' if kind == 'enrich' else 'a send'}", pat.after.span,
                "`after A` orders events after the event bound to A by `as A`")
    inner = dict(env)
    if pat.alias is not None:
        inner[pat.alias.name] = "alias"
    ctx.analysis.scopes[id(pat)] = inner
    if pat.where is not None:
        resolve(ctx, pat.where, inner, True)


def _name(ctx: _Context, name: str, span: A.Span, env: Env, event: bool, what: str = "name") -> None:
    if name in ("profile", "now"):
        return
    if name == "journey" and ctx.in_journey:
        return
    if name == "event" and (event or ctx.event_root):
        return
    if name in env:
        return
    bag = ctx.analysis.diagnostics
    site = ctx.sites.get(name)
    if site is not None:
        how, bound_at = site
        bag.add("E111", f"alias `{name}` is out of scope here", span, _out_of_scope_hint(name, how, bound_at))
        return
    if name == "event":
        bag.add("E104", "`event` is not available here", span,
                "`event` is the candidate inside an event pattern's `where`, and the entry event in a "
                "journey entered by `entry event`; bind the event with `as NAME` and use that name")
        return
    if name == "journey":
        bag.add("E104", "`journey` is only available inside a journey", span, None)
        return
    visible = ["profile", "now", *env]
    if ctx.in_journey:
        visible.append("journey")
    if event or ctx.event_root:
        visible.append("event")
    hint = did_you_mean(name, visible)
    if hint is None:
        hint = "names in scope here: " + ", ".join(f"`{n}`" for n in sorted(set(visible)))
    bag.add("E104", f"undefined {what} `{name}`", span, hint)


def _out_of_scope_hint(name: str, how: str, bound_at: A.Span) -> str:
    line = bound_at.line
    if how == "has":
        return (f"`{name}` is bound by `has ... as {name}` on line {line}, and is visible only to its right "
                "in the same conjunction (`and` chain), including inside parentheses there")
    if how == "pattern":
        return f"`{name}` (line {line}) names the candidate event only inside its own pattern's `where`"
    if how == "wait":
        return (f"`{name}` is bound by the `wait for event` on line {line} only when the event arrives: "
                "use it inside `on event { ... }`, or make `on timeout` exit")
    if how == "enrich":
        return f"`{name}` is bound by the `enrich` on line {line}, which does not run on every path to here"
    if how == "send":
        return f"`{name}` is bound by the `send` on line {line}, which does not run on every path to here"
    return f"`{name}` is bound on line {line} and is not visible here"


# ---------------------------------------------------------------- journeys
def _journey(analysis: Analysis, journey: A.JourneyDecl) -> None:
    entry = journey.entry
    event_entry = isinstance(entry, A.EventEntry)
    ctx = _Context(analysis, binding_sites(journey), in_journey=True, event_root=event_entry)
    wide: Env = {}
    if event_entry:
        pattern(ctx, entry.pattern, {}, True)
        if entry.pattern.alias is not None:
            wide[entry.pattern.alias.name] = "alias"
    if journey.dedup is not None:
        resolve(ctx, journey.dedup.key, wide, event_entry)
    for exit_on in journey.exits:
        pattern(ctx, exit_on.pattern, wide, event_entry)
    block(ctx, journey.body, wide)


def block(ctx: _Context, stmts, env: Env) -> Optional[Env]:
    """Resolve a block; returns the names visible after it, or None when no path falls through.
    Statements after an `exit` are still resolved, in the scope the `exit` had."""
    current: Optional[Env] = env
    live = env
    for stmt in stmts:
        scope = current if current is not None else live
        live = scope
        current = statement(ctx, stmt, scope)
    return current


def statement(ctx: _Context, stmt: A.Stmt, env: Env) -> Optional[Env]:
    ctx.analysis.scopes[id(stmt)] = dict(env)
    event = ctx.event_root
    if isinstance(stmt, A.Exit):
        return None
    if isinstance(stmt, A.WaitUntil):
        resolve(ctx, stmt.when, env, event)
    elif isinstance(stmt, A.WaitUntilNext) and stmt.zone is not None:
        resolve(ctx, stmt.zone, env, event)
    elif isinstance(stmt, A.Enrich):
        resolve(ctx, stmt.key, env, event)
        return {**env, stmt.name.name: "enrich"}
    elif isinstance(stmt, A.Send):
        if stmt.to is not None:
            resolve(ctx, stmt.to, env, event)
        if stmt.alias is not None:
            return {**env, stmt.alias.name: "send"}
    elif isinstance(stmt, A.SetProfile):
        resolve(ctx, stmt.value, env, event)
    elif isinstance(stmt, A.If):
        outs = []
        for branch in stmt.branches:
            bound = conjunction(ctx, top_level_operands(branch.condition), env, event)
            outs.append(block(ctx, branch.body, {**env, **bound}))
        outs.append(block(ctx, stmt.else_body, env) if stmt.else_body is not None else env)
        return _join(outs)
    elif isinstance(stmt, A.Split):
        if stmt.by is not None:
            resolve(ctx, stmt.by, env, event)
        return _join([block(ctx, branch.body, env) for branch in stmt.branches])
    elif isinstance(stmt, A.WaitForEvent):
        pattern(ctx, stmt.pattern, env, event)
        arrived = dict(env)
        if stmt.pattern.alias is not None:
            arrived[stmt.pattern.alias.name] = "alias"
        on_event = block(ctx, stmt.on_event, arrived) if stmt.on_event is not None else arrived
        on_timeout = block(ctx, stmt.on_timeout, env) if stmt.on_timeout is not None else env
        if stmt.pattern.within is None:
            on_timeout = None  # no time limit: only the journey's timeout ends the wait, and the instance
        return _join([on_event, on_timeout])
    return env


def _join(paths: list[Optional[Env]]) -> Optional[Env]:
    """Names bound on every path that falls through (None when none does)."""
    live = [p for p in paths if p is not None]
    if not live:
        return None
    common = set(live[0]).intersection(*live[1:])
    return {name: kind for name, kind in live[0].items() if name in common}

