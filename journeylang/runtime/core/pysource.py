"""Compile conditions, expressions and history patterns to Python source, once per program.

Consumes: checked AST expressions (segment bodies, branch conditions, keys, `where`
clauses), as `evaluator.Compiler` does. Produces: `SourceCompiler`, a `Compiler` whose
`expr`, `condition`, `conjunction` and `history` return functions generated as Python
source and compiled with `compile()`: one function per conjunction, per pattern and per
expression, with the operands inlined instead of one closure call per AST node, the
candidate event of a `where` held in a local instead of a new `Ctx` per candidate, and
each pattern's window, anchor and dataset tests specialised to the clauses it has.
Guarantees: the same values as the closure compiler for every input (the fast-path tests
replay with both: `tests/runtime/test_rt_fastpaths.py`); a node it has no template for is
compiled by the closure compiler and called with an equivalent `Ctx`, so coverage never
limits what runs. The generated source depends only on the AST: deterministic, no names
from `id()` or hashing.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Optional

from ...compile.now_terms import comparison_slope
from ...syntax import ast as A
from . import state
from .evaluator import Compiler, Ctx, _log_order, _name_arg, _ts, consented
from .functions import FUNCTIONS
from .values import Duration, Event, Timestamp, arithmetic, compare, contains, equals, get_attr, get_index, star, truthy

_COMPARE = ("==", "!=", "<", "<=", ">", ">=")

_RUNTIME_NAMES = {
    "Ctx": Ctx, "Event": Event, "Timestamp": Timestamp, "get_attr": get_attr, "get_index": get_index,
    "star": star, "truthy": truthy, "compare": compare, "equals": equals, "contains": contains,
    "arithmetic": arithmetic, "consented": consented, "bisect_left": bisect_left, "bisect_right": bisect_right,
    "_ts": _ts, "_log_order": _log_order, "_state": state,
}


def _negate(value):
    if isinstance(value, Duration):
        return Duration(-int(value))
    if isinstance(value, (int, float)) and not isinstance(value, (bool, Timestamp)):
        return -value
    return None


class _Env:
    """Where generated code stands: the bindings dict variable, the current event, and in a
    `where` the candidate variable and its alias."""
    __slots__ = ("bind", "event", "cand", "alias", "relative")

    def __init__(self, bind: str, event: str, cand: Optional[str] = None, alias: Optional[str] = None,
                 relative: bool = False) -> None:
        self.bind, self.event, self.cand, self.alias, self.relative = bind, event, cand, alias, relative

    def bindings(self) -> str:
        """The bindings a `Ctx` made here would hold."""
        if self.cand is not None and self.alias is not None:
            return f"{{**{self.bind}, {self.alias!r}: {self.cand}}}"
        return self.bind

    def ctx(self) -> str:
        """A `Ctx` equivalent to this place (for the closure fallback)."""
        return f"Ctx(profile, now, {self.bindings()}, {self.cand or self.event}, journey, runtime)"


class _Unit:
    """The functions of one compiled entry point and their shared constants."""

    def __init__(self, compiler: "SourceCompiler") -> None:
        self.compiler = compiler
        self.names: dict[str, object] = dict(_RUNTIME_NAMES)
        self.functions: list[str] = []
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def const(self, value, stem: str = "K") -> str:
        name = self.fresh(stem)
        self.names[name] = value
        return name

    def build(self, entry: str):
        source = "\n\n".join(self.functions)
        code = compile(source, "<journeylang condition>", "exec")
        namespace = dict(self.names)
        exec(code, namespace)
        function = namespace[entry]
        function.__journeylang_source__ = source   # for tests and debugging
        return function

    # ------------------------------------------------------------ expressions
    def expr(self, node, env: _Env) -> tuple[str, bool]:
        """(Python expression, whether it is always a bool)."""
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            return self.fallback(node, env), False
        return method(node, env)

    def fallback(self, node, env: _Env) -> str:
        fn = Compiler.expr(self.compiler, node, env.relative)
        return f"{self.const(fn, 'F')}({env.ctx()})"

    def _StringLit(self, node, env):
        return self.const(node.value), False

    def _NumberLit(self, node, env):
        return self.const(node.value), False

    def _BoolLit(self, node, env):
        return ("True" if node.value else "False"), True

    def _NullLit(self, node, env):
        return "None", False

    def _DurationLit(self, node, env):
        return self.const(Duration(node.ms)), False

    def _TimestampLit(self, node, env):
        return self.const(Timestamp(node.ms)), False

    def _ClockLit(self, node, env):
        return self.const(node.text), False

    def _PercentLit(self, node, env):
        return self.const(node.value / 100.0), False

    def _ListLit(self, node, env):
        return "[" + ", ".join(self.expr(item, env)[0] for item in node.items) + "]", False

    def _NameRef(self, node, env):
        name = node.name
        if env.relative:
            if env.cand is not None:
                return f"{env.cand}.field({name!r})", False
            return f"({env.event}.field({name!r}) if {env.event} is not None else None)", False
        if name == "profile":
            return "profile.attrs", False
        if name == "now":
            return "Timestamp(now)", False
        if name == "journey":
            return "journey", False
        if env.cand is not None and name == env.alias:
            return env.cand, False
        if name == "event":
            current = env.cand or env.event
            return f"({env.bind}['event'] if 'event' in {env.bind} else {current})", False
        return f"{env.bind}.get({name!r})", False

    def _Attr(self, node, env):
        target, _ = self.expr(node.target, env)
        name = node.name
        if env.cand is not None and target == env.cand and name != "timestamp":
            return f"{target}.data.get({name!r})", False     # the candidate is an Event
        temp = self.fresh("t")
        return f"({temp}.get({name!r}) if type({temp} := {target}) is dict else get_attr({temp}, {name!r}))", False

    def _Index(self, node, env):
        return f"get_index({self.expr(node.target, env)[0]}, {self.expr(node.index, env)[0]})", False

    def _Star(self, node, env):
        return f"star({self.expr(node.target, env)[0]})", False

    def _Unary(self, node, env):
        operand, is_bool = self.expr(node.operand, env)
        if node.op == "not":
            return (f"(not {operand})" if is_bool else f"(not truthy({operand}))"), True
        return f"{self.const(_negate, 'N')}({operand})", False

    def _Binary(self, node, env):
        op = node.op
        if op in _COMPARE and not env.relative and comparison_slope(node) is not None:
            return self.fallback(node, env), True     # records its flip instant: the closure does that
        left, right = self.expr(node.left, env)[0], self.expr(node.right, env)[0]
        if op == "==":
            return f"equals({left}, {right})", True
        if op == "!=":
            return f"(not equals({left}, {right}))", True
        if op in _COMPARE:
            return f"compare({op!r}, {left}, {right})", True
        if op == "in":
            return f"contains({right}, {left})", True
        if op == "not in":
            return f"(not contains({right}, {left}))", True
        return f"arithmetic({op!r}, {left}, {right})", False

    def _BoolChain(self, node, env):
        if node.op == "or":
            parts = []
            for operand in node.operands:
                code, is_bool = self.expr(operand, env)
                parts.append(code if is_bool else f"truthy({code})")
            return "(" + " or ".join(parts) + ")", True
        name = self.conjunction(node.operands)
        return f"({name}(ctx, {env.bindings()}, {env.cand or env.event}) is not None)", True

    def _HistoryPred(self, node, env):
        return self.history(node, env), True

    def _Call(self, node, env):
        name = node.func.name
        if name == "consented":
            return f"consented(profile.attrs, {_name_arg(node.args[0])!r})", True
        if name == "in_segment":
            return f"runtime.in_segment({_name_arg(node.args[0])!r}, profile, now)", False
        impl = self.const(FUNCTIONS[name], "fn_")
        return f"{impl}(" + ", ".join(self.expr(arg, env)[0] for arg in node.args) + ")", False

    def test(self, node, env: _Env) -> str:
        if isinstance(node, A.HistoryPred):
            return self.history(node, env)
        code, is_bool = self.expr(node, env)
        return code if is_bool else f"truthy({code})"

    # ------------------------------------------------------------ history
    def history(self, node: A.HistoryPred, env: _Env) -> str:
        bindings = env.bindings()
        if node.kind in ("has", "no"):
            call = f"{self.pattern(node.pattern, 'any')}(ctx, {bindings})"
            return call if node.kind == "has" else f"(not {call})"
        matches = f"{self.pattern(node.pattern, 'count')}(ctx, {bindings})"
        value = self.expr(node.value, env)[0]
        if node.kind == "count":
            return f"compare({node.cmp!r}, len({matches}), {value})"
        name = self.fresh("sum")
        cand_env = _Env("B", "None", "c", None, relative=True)
        field = self.expr(node.field, cand_env)[0]
        self.functions.append(
            f"def {name}(ctx, B, matches):\n"
            f"    profile = ctx.profile; now = ctx.now; journey = ctx.journey; runtime = ctx.runtime\n"
            f"    amount = 0\n"
            f"    for c in matches:\n"
            f"        item = {field}\n"
            f"        if isinstance(item, (int, float)) and not isinstance(item, bool):\n"
            f"            amount += item\n"
            f"    return amount\n")
        return f"compare({node.cmp!r}, {name}(ctx, {bindings}, {matches}), {value})"

    def pattern(self, pattern: A.EventPattern, mode: str) -> str:
        """A function (ctx, B) -> the matching events (mode all/first/last/count) or whether
        one matches (mode any), as `Compiler.pattern` defines them."""
        name = self.fresh("pat")
        alias = pattern.alias.name if pattern.alias else None
        lines = [f"def {name}(ctx, B):",
                 "    profile = ctx.profile; now = ctx.now; journey = ctx.journey; runtime = ctx.runtime"]
        low = None
        if pattern.between is not None:
            lines.append(f"    low = now - {pattern.between[0].ms}; high = now - {pattern.between[1].ms}")
            low = "low"
        elif pattern.before is not None:
            lines.append(f"    high = now - {pattern.before.ms}")
        elif pattern.within is not None and pattern.after is None:
            lines.append(f"    low = now - {pattern.within.ms}; high = now")
            low = "low"
        else:
            lines.append("    high = now")
        empty = "False" if mode == "any" else "[]"
        anchor = pattern.after is not None
        if anchor:
            lines.append(f"    anchor = B.get({pattern.after.name!r})")
            lines.append(f"    if type(anchor) is not Event: return {empty}")
            lines.append("    anchor_seq = anchor.seq")
            if pattern.within is not None:
                lines.append(f"    high = min(high, anchor.ts + {pattern.within.ms})")
        types = self.const(tuple(pattern.types), "T")
        lines.append(f"    lists = profile.type_lists({types})")
        lines.append(f"    if not lists: return {empty}")
        if mode != "any":
            lines.append("    found = []")
        lines.append("    for events in lists:")
        bisect = "len(events) >= _state.BISECT_MIN_LEN"
        lines.append("        start = 0")
        if low is not None:
            lines.append(f"        if {bisect}: start = bisect_right(events, low, key=_ts)")
        if anchor:
            lines.append(f"        if {bisect}: start = max(start, bisect_left(events, anchor.ts, key=_ts))")
        skip = []
        if anchor:
            skip.append("c.seq <= anchor_seq")
        if pattern.dataset is not None:
            skip.append(f"c.dataset != {self.const(pattern.dataset)}")
        where = None
        if pattern.where is not None:
            where = self.test(pattern.where, _Env("B", "None", "c", alias))
        if mode == "last":
            lines.append("        for index in range(len(events) - 1, start - 1, -1):")
            lines.append("            c = events[index]")
            lines.append("            if c.ts > high: continue")
            if low is not None:
                lines.append("            if c.ts <= low: break")
            for test in skip:
                lines.append(f"            if {test}: continue")
            if where is not None:
                lines.append(f"            if not ({where}): continue")
            lines.append("            found.append(c)")
            lines.append("            break")
        else:
            lines.append("        for index in range(start, len(events)):")
            lines.append("            c = events[index]")
            lines.append("            ts = c.ts")
            lines.append("            if ts > high: break")
            if low is not None:
                lines.append("            if ts <= low: continue")
            for test in skip:
                lines.append(f"            if {test}: continue")
            if where is not None:
                lines.append(f"            if not ({where}): continue")
            if mode == "any":
                lines.append("            return True")
            else:
                lines.append("            found.append(c)")
                if mode == "first":
                    lines.append("            break")
        if mode == "any":
            lines.append("    return False")
        else:
            if mode == "first":
                lines.append("    if len(lists) > 1 and found: return [min(found, key=_log_order)]")
            elif mode == "last":
                lines.append("    if len(lists) > 1 and found: return [max(found, key=_log_order)]")
            elif mode == "all":
                lines.append("    if len(lists) > 1 and found: found.sort(key=_log_order)")
            lines.append("    return found")
        self.functions.append("\n".join(lines) + "\n")
        return name

    # ------------------------------------------------------------ conjunctions
    def conjunction(self, operands) -> str:
        """A function (ctx, B, EV) -> the bindings found (a dict) or None, with
        `Compiler.conjunction`'s semantics: a `has ... as A` tries its matches in order for
        the rest of the conjunction; a nested `and` is settled once, without backtracking."""
        name = self.fresh("conj")
        lines = [f"def {name}(ctx, B0, EV):",
                 "    profile = ctx.profile; now = ctx.now; journey = ctx.journey; runtime = ctx.runtime"]
        depth, indent, bind, parts = 0, "    ", "B0", []
        for operand in operands:
            fail = "return None" if depth == 0 else "continue"
            env = _Env(bind, "EV")
            if isinstance(operand, A.HistoryPred) and operand.kind == "has" and operand.pattern.alias is not None:
                mode = operand.quantifier or "all"
                matches = self.pattern(operand.pattern, mode)
                depth += 1
                alias = operand.pattern.alias.name
                lines.append(f"{indent}for e{depth} in {matches}(ctx, {bind}):")
                indent += "    "
                lines.append(f"{indent}B{depth} = {{**{bind}, {alias!r}: e{depth}}}")
                bind = f"B{depth}"
                parts.append(f"{alias!r}: e{depth}")
            elif isinstance(operand, A.BoolChain) and operand.op == "and":
                inner_name = self.conjunction(operand.operands)
                inner = self.fresh("inner")
                lines.append(f"{indent}{inner} = {inner_name}(ctx, {bind}, EV)")
                lines.append(f"{indent}if {inner} is None: {fail}")
                merged = self.fresh("B")
                lines.append(f"{indent}{merged} = {{**{bind}, **{inner}}} if {inner} else {bind}")
                bind = merged
                parts.append(f"**{inner}")
            else:
                lines.append(f"{indent}if not ({self.test(operand, env)}): {fail}")
        lines.append(f"{indent}return {{" + ", ".join(parts) + "}")
        if depth:
            lines.append("    return None")
        self.functions.append("\n".join(lines) + "\n")
        return name


class SourceCompiler(Compiler):
    """`Compiler` with the same API, generating Python source per entry point."""

    def _unit(self) -> _Unit:
        return _Unit(self)

    def expr(self, node, relative: bool = False):
        if relative:
            return Compiler.expr(self, node, relative)
        unit = self._unit()
        code, _ = unit.expr(node, _Env("B", "EV"))
        unit.functions.append("def entry(ctx):\n"
                              "    profile = ctx.profile; now = ctx.now; journey = ctx.journey; runtime = ctx.runtime\n"
                              f"    B = ctx.bind; EV = ctx.event\n    return {code}\n")
        return unit.build("entry")

    def condition(self, node):
        unit = self._unit()
        code = unit.test(node, _Env("B", "EV"))
        unit.functions.append("def entry(ctx):\n"
                              "    profile = ctx.profile; now = ctx.now; journey = ctx.journey; runtime = ctx.runtime\n"
                              f"    B = ctx.bind; EV = ctx.event\n    return {code}\n")
        return unit.build("entry")

    def history(self, node: A.HistoryPred):
        return self.condition(node)

    def conjunction(self, operands):
        unit = self._unit()
        inner = unit.conjunction(tuple(operands))
        unit.functions.append(f"def entry(ctx):\n    return {inner}(ctx, ctx.bind, ctx.event)\n")
        return unit.build("entry")
