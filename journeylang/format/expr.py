"""Canonical text of expressions and event patterns (the expression half of `formatter`).

Consumes: expression and pattern nodes of `journeylang.syntax.ast`.
Produces: single-line source text with the fewest parentheses that re-parse to the same
tree.
Guarantees: besides operator precedence (loosest first: or, and, not, comparisons,
+ -, * / %, unary -, postfix), the printer knows the grammar's greedy constructs: a
pattern's `where COND` extends as far as it can, a pattern takes any clause keyword that
follows it, `count P CMP N` / `sum(F) of P CMP N` keep extending N, and a bare name
followed by `(` becomes a call. Every node is printed knowing which tokens will follow it
(its *follow set*), and a history predicate that would swallow one of them is wrapped in
parentheses as a whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from ..syntax import ast as A

# follow-set token kinds
OR, AND, CMP, ADD, MUL, POSTFIX = "or", "and", "cmp", "add", "mul", "postfix"
COMMA, CLAUSE, LPAREN = "comma", "clause", "lparen"
OPERATORS = frozenset({OR, AND, CMP, ADD, MUL, POSTFIX})
NONE: frozenset = frozenset()

# precedence levels, loosest first
L_OR, L_AND, L_NOT, L_CMP, L_ADD, L_MUL, L_NEG, L_POSTFIX, L_PRIMARY = 1, 2, 3, 4, 5, 6, 7, 8, 9

_CMP_OPS = {"==", "!=", "<", "<=", ">", ">=", "in", "not in"}
_ADD_OPS = {"+", "-"}
_MUL_OPS = {"*", "/", "%"}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")

# Words the grammar uses as keywords. A condition that starts with one of them (a bare
# name spelled like a keyword) is parenthesised where it could be read as the keyword.
KEYWORDS = frozenset("""
    segment description evaluation streaming batch message channel transactional file lookup
    from key policy frequency cap per quiet hours to in default journey entry audience read at
    every reentry never always after timeout dedup by within exit on wait until next for event
    timeout if elif else split as enrich send add remove set jump where between and ago before
    or not has no count sum of first last true false null
""".split())


def escape_string(value: str) -> str:
    """A `"..."` literal: `"`, `\\`, newline and tab escaped."""
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def name_or_string(value: str) -> str:
    return value if _IDENT.match(value) else escape_string(value)


def format_number(value) -> str:
    if isinstance(value, bool):  # not produced by the parser; keep it printable
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


@dataclass(frozen=True)
class Out:
    """Printed text and what its right edge looks like."""
    text: str
    level: int
    ends_name: bool = False   # the last token is a bare name (a `(` after it makes a call)
    ends_where: bool = False  # the text ends inside an open `where` clause
    cmp_open: bool = True     # a comparison operator after it would extend it (it is not a comparison)


def _wrap(out: Out) -> Out:
    return Out(f"({out.text})", L_PRIMARY)


def render(expr, follow: frozenset = NONE) -> Out:
    """Print `expr`, knowing that tokens of the kinds in `follow` come right after it."""
    method = _RENDER.get(type(expr))
    if method is None:
        raise TypeError(f"cannot format {type(expr).__name__}")
    return method(expr, follow)


def fmt(expr, follow: frozenset = NONE) -> str:
    return render(expr, follow).text


def _child(expr, min_level: int, follow: frozenset) -> Out:
    """A child that must bind at least as tightly as `min_level`; parenthesised if not."""
    if _level(expr) < min_level:
        return _wrap(render(expr, NONE))
    return render(expr, follow)


def _level(expr) -> int:
    if isinstance(expr, A.BoolChain):
        return L_OR if expr.op == "or" else L_AND
    if isinstance(expr, A.Unary):
        return L_NOT if expr.op == "not" else L_NEG
    if isinstance(expr, A.Binary):
        if expr.op in _CMP_OPS:
            return L_CMP
        if expr.op in _ADD_OPS:
            return L_ADD
        return L_MUL
    if isinstance(expr, (A.Attr, A.Index, A.Star)):
        return L_POSTFIX
    return L_PRIMARY


def _op_kind(op: str) -> str:
    if op in _CMP_OPS:
        return CMP
    if op in _ADD_OPS:
        return ADD
    return MUL


# ---------------------------------------------------------------- leaves
def _string(e: A.StringLit, follow):
    return Out(escape_string(e.value), L_PRIMARY)


def _number(e: A.NumberLit, follow):
    return Out(format_number(e.value), L_PRIMARY)


def _bool(e: A.BoolLit, follow):
    return Out("true" if e.value else "false", L_PRIMARY)


def _null(e, follow):
    return Out("null", L_PRIMARY)


def _text(e, follow):
    return Out(e.text, L_PRIMARY)


def _name(e: A.NameRef, follow):
    if LPAREN in follow:
        return Out(f"({e.name})", L_PRIMARY)
    return Out(e.name, L_PRIMARY, ends_name=True)


def _list(e: A.ListLit, follow):
    items = [_child(item, L_OR, COMMA_F if i < len(e.items) - 1 else NONE).text for i, item in enumerate(e.items)]
    return Out("[" + ", ".join(items) + "]", L_PRIMARY)


COMMA_F = frozenset({COMMA})
POSTFIX_F = frozenset({POSTFIX})
CLAUSE_F = frozenset({CLAUSE})


# ---------------------------------------------------------------- postfix, calls
def _postfix_target(target) -> str:
    if isinstance(target, A.HistoryPred) or _level(target) < L_POSTFIX:
        return _wrap(render(target, NONE)).text
    return render(target, POSTFIX_F).text


def _attr(e: A.Attr, follow):
    return Out(f"{_postfix_target(e.target)}.{e.name}", L_POSTFIX)


def _index(e: A.Index, follow):
    return Out(f"{_postfix_target(e.target)}[{fmt(e.index)}]", L_POSTFIX)


def _star(e: A.Star, follow):
    return Out(f"{_postfix_target(e.target)}[*]", L_POSTFIX)


def _call(e: A.Call, follow):
    args = [render(arg, COMMA_F if i < len(e.args) - 1 else NONE).text for i, arg in enumerate(e.args)]
    return Out(f"{e.func.name}(" + ", ".join(args) + ")", L_PRIMARY)


# ---------------------------------------------------------------- operators
def _unary(e: A.Unary, follow):
    if e.op == "not":
        operand = _child(e.operand, L_NOT, follow)
        if re.match(r"in(?![A-Za-z0-9_])", operand.text):  # would lex as `not in`
            operand = _wrap(render(e.operand, NONE))
        return Out(f"not {operand.text}", L_NOT, operand.ends_name, operand.ends_where, operand.cmp_open)
    operand = _child(e.operand, L_NEG, follow)
    return Out(f"-{operand.text}", L_NEG, operand.ends_name, operand.ends_where)


def _binary(e: A.Binary, follow):
    kind = _op_kind(e.op)
    level = _level(e)
    if kind == CMP:  # non-associative: both sides are additive
        left = _child(e.left, L_ADD, frozenset({CMP}))
        right = _child(e.right, L_ADD, follow)
    else:  # left-associative
        left = _child(e.left, level, frozenset({kind}))
        right = _child(e.right, level + 1, follow)
    return Out(f"{left.text} {e.op} {right.text}", level, right.ends_name, right.ends_where, kind != CMP)


def _chain(e: A.BoolChain, follow):
    level = _level(e)
    op_follow = frozenset({e.op})
    parts = []
    last: Optional[Out] = None
    for i, operand in enumerate(e.operands):
        is_last = i == len(e.operands) - 1
        # a nested chain of the same kind must keep its parentheses (the tree is flat)
        out = _child(operand, level + 1, follow if is_last else op_follow)
        parts.append(out.text)
        last = out
    assert last is not None
    return Out(f" {e.op} ".join(parts), level, last.ends_name, last.ends_where, last.cmp_open)


# ---------------------------------------------------------------- history predicates
def _has_window(p: A.EventPattern) -> bool:
    return any(x is not None for x in (p.within, p.between, p.before, p.after))


def _types_last(p: A.EventPattern) -> bool:
    return bool(p.types) and p.alias is None and p.dataset is None and p.where is None and not _has_window(p)


def _history(e: A.HistoryPred, follow):
    p = e.pattern
    where_last = p.where is not None and not _has_window(p)
    if e.kind in ("has", "no"):
        wrap = bool(follow) and (where_last or bool(follow & {CLAUSE, POSTFIX})
                                 or (COMMA in follow and _types_last(p)))
    else:
        wrap = bool(follow & OPERATORS)
    inner_follow = NONE if wrap else follow
    if e.kind in ("has", "no"):
        head = "has" if e.kind == "has" else "no"
        if e.quantifier:
            head += f" {e.quantifier}"
        pat = render_pattern(p, inner_follow)
        out = Out(f"{head} {pat.text}", L_PRIMARY, pat.ends_name, pat.ends_where)
    else:
        if e.kind == "count":
            head = "count"
        else:
            field = fmt(e.field) if e.field is not None else ""
            head = f"sum({field}) of"
        pat = render_pattern(p, frozenset({CMP}))
        value_expr = e.value if e.value is not None else A.NullLit(span=e.span)
        value = _child(value_expr, L_ADD, inner_follow)
        out = Out(f"{head} {pat.text} {e.cmp or '=='} {value.text}", L_PRIMARY, value.ends_name, value.ends_where)
    return _wrap(out) if wrap else out


def event_types_text(p: A.EventPattern) -> str:
    if not p.types:
        return "*"
    return ", ".join(t if _DOTTED.match(t) else escape_string(t) for t in p.types)


def pattern_clauses(p: A.EventPattern, tail_follow: frozenset = NONE) -> tuple[str, list[str], list[str], Out]:
    """(head, [where clause], [window clauses], right edge) of a pattern in canonical order:
    `event TYPES as A from D`, `where P`, then the window.

    In `count`/`sum`, a pattern is followed by a comparison operator (`tail_follow` holds
    CMP); a `where P` printed last would take that operator into P unless P is itself a
    comparison, so such a `where` is printed before `as`/`from` instead."""
    types = f"event {event_types_text(p)}"
    named = []
    if p.alias is not None:
        named.append(f"as {p.alias.name}")
    if p.dataset is not None:
        named.append(f"from {name_or_string(p.dataset)}")
    windows = []
    if p.after is not None:
        windows.append(f"after {p.after.name}" + (f" within {p.within.text}" if p.within is not None else ""))
    elif p.within is not None:
        windows.append(f"within {p.within.text}")
    if p.between is not None:
        windows.append(f"between {p.between[0].text} and {p.between[1].text} ago")
    if p.before is not None:
        windows.append(f"before {p.before.text} ago")
    edge = Out("", L_PRIMARY)
    where = []
    head = " ".join([types, *named])
    if p.where is not None:
        if windows:
            w = render(p.where, CLAUSE_F)
            where.append(f"where {w.text}")
        else:
            w = render(p.where, tail_follow)
            if CMP in tail_follow and w.cmp_open:
                if named:  # `event T where P as A CMP N`: the clause after P ends it
                    head = " ".join([types, f"where {render(p.where, CLAUSE_F).text}", *named])
                    return head, [], windows, edge
                w = _wrap(w)  # cannot come from parsed text; best effort
            where.append(f"where {w.text}")
            edge = Out("", L_PRIMARY, w.ends_name, ends_where=True)
    return head, where, windows, edge


def render_pattern(p: A.EventPattern, tail_follow: frozenset = NONE) -> Out:
    head, where, windows, edge = pattern_clauses(p, tail_follow)
    return Out(" ".join([head, *where, *windows]), L_PRIMARY, edge.ends_name, edge.ends_where)


_RENDER = {
    A.StringLit: _string, A.NumberLit: _number, A.BoolLit: _bool, A.NullLit: _null,
    A.DurationLit: _text, A.TimestampLit: _text, A.ClockLit: _text, A.PercentLit: _text,
    A.ListLit: _list, A.NameRef: _name, A.Attr: _attr, A.Index: _index, A.Star: _star,
    A.Call: _call, A.Unary: _unary, A.Binary: _binary, A.BoolChain: _chain, A.HistoryPred: _history,
}
