"""Message content and enrichment tables: sandboxed Jinja2 rendering, CSV/JSONL lookups.

Consumes: message declarations (inline or `file` templates, relative to the declaring
file) and lookup declarations. Produces: `render_message(...) -> dict | error text` and
`LookupTable.get(key)`.
Guarantees: templates run in Jinja2's sandbox; `a.b` on a record reads its field `b` (never
a dict method); a missing value is *undefined*: it may be chained, tested and defaulted,
but printing, iterating or comparing it is an error (the send fails with that reason);
email bodies are HTML-escaped; rendering is pure.
"""
from __future__ import annotations

import csv
import os
import sys
from typing import Optional, Union

import orjson
from jinja2 import ChainableUndefined, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from ...syntax import ast as A
from .values import Event, Timestamp, to_json_value


class StrictChainableUndefined(ChainableUndefined, StrictUndefined):
    """Chaining (`a.b.c`), `is defined` and `| default` work; printing, iterating and comparing fail."""
    __slots__ = ()

    def __str__(self) -> str:
        self._fail_with_undefined_error()
        return ""

    def __html__(self) -> str:
        self._fail_with_undefined_error()
        return ""


# What one template field may cost (docs/runtime.md, "Limits"): counted, so the outcome is
# the same on every machine. Steps are calls, attribute and item reads, and range items.
MAX_TEMPLATE_STEPS = 200_000
MAX_TEMPLATE_OUTPUT = 256 * 1024     # characters of rendered text per field
MAX_TEMPLATE_DEPTH = 200             # nested calls (recursive macros)


class TooExpensive(Exception):
    """A template went over its budget: the send fails with `template too expensive`."""


class _Budget:
    def __init__(self) -> None:
        self.steps = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_TEMPLATE_STEPS:
            raise TooExpensive(f"more than {MAX_TEMPLATE_STEPS:,} steps")

    def counted(self, items):
        for item in items:
            self.step()
            yield item


_BUDGET = _Budget()   # one render at a time per process (replay is single-threaded)


def _size(value) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 1


class _DataEnvironment(SandboxedEnvironment):
    """`a.b` on a record (a dict) reads its field `b`, never a dict method (`items`, `keys`,
    `get`...); every call, read and range item counts against the render's budget, and
    `*` / `**` may not build values past the output limit."""

    intercepted_binops = frozenset(["*", "**"])

    def getattr(self, obj, attribute):
        _BUDGET.step()
        if isinstance(obj, dict) and isinstance(attribute, str):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        _BUDGET.step()
        return super().getitem(obj, argument)

    def call(self, context, obj, *args, **kwargs):
        _BUDGET.step()
        result = super().call(context, obj, *args, **kwargs)
        if isinstance(result, range):
            return _BUDGET.counted(result)
        return result

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) and \
                        _size(sequence) * count > MAX_TEMPLATE_OUTPUT:
                    raise TooExpensive(f"`*` would build more than {MAX_TEMPLATE_OUTPUT:,} items")
        elif operator == "**" and isinstance(right, int) and isinstance(left, (int, float)) and \
                abs(right) > 64 and abs(left) > 1:
            raise TooExpensive("`**` with an exponent over 64")
        return super().call_binop(context, operator, left, right)


def _environment(autoescape: bool) -> SandboxedEnvironment:
    return _DataEnvironment(undefined=StrictChainableUndefined, autoescape=autoescape,
                            keep_trailing_newline=False)


_PLAIN = _environment(False)
_HTML = _environment(True)


def template_text(message: A.MessageDecl, field: A.MessageField) -> str:
    if not field.is_file:
        return field.value
    base = os.path.dirname(message.span.file)
    with open(os.path.join(base, field.value), encoding="utf-8") as handle:
        return handle.read()


class MessageTemplates:
    """The compiled templates of one message."""

    def __init__(self, message: A.MessageDecl) -> None:
        self.message = message
        self.channel = message.channel.name if message.channel else ""
        self.fields = []
        for field in message.fields:
            env = _HTML if (self.channel == "email" and field.name.name == "body") else _PLAIN
            template = env.from_string(template_text(message, field))
            # Jinja chains the template's globals over the environment's and copies that
            # chain into every render's context; one flat dict copies far faster
            template.globals = dict(template.globals)
            self.fields.append((field.name.name, template))

    def render(self, context: dict) -> Union[dict, str]:
        """The rendered fields, or the template error as text."""
        out = {}
        for name, template in self.fields:
            _BUDGET.steps = 0
            try:
                out[name] = _bounded_render(template, context)
            except TooExpensive as exc:
                return f"template too expensive in {name}: {exc}"
            except RecursionError:
                return f"template too expensive in {name}: calls nested deeper than {MAX_TEMPLATE_DEPTH}"
            except OverflowError as exc:   # the sandbox's own range limit
                return f"template too expensive in {name}: {exc}"
            except TemplateError as exc:
                return f"template error in {name}: {exc.message or type(exc).__name__}"
            except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError) as exc:
                return f"template error in {name}: {exc}"
        return out


def _bounded_render(template, context: dict) -> str:
    parts, size = [], 0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(min(limit, _stack_depth() + MAX_TEMPLATE_DEPTH * 8))
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_TEMPLATE_OUTPUT:
                raise TooExpensive(f"more than {MAX_TEMPLATE_OUTPUT:,} characters of output")
            parts.append(chunk)
    finally:
        sys.setrecursionlimit(limit)
    return "".join(parts)


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def template_value(value):
    """Runtime values as templates see them (events as their record, times as text)."""
    if isinstance(value, Event):
        return value.data
    if isinstance(value, Timestamp):
        return to_json_value(value)
    return value


class LookupFileError(ValueError):
    """A lookup file that cannot be read at run time (it was checked to exist)."""


class LookupTable:
    """An enrichment table keyed by one column; the first row per key wins."""

    def __init__(self, decl: A.LookupDecl) -> None:
        self.name = decl.name.name
        path = os.path.join(os.path.dirname(decl.span.file), decl.path)
        self.rows: dict[str, dict] = {}
        try:
            if decl.path.endswith(".jsonl"):
                self._read_jsonl(path, decl.key)
            else:
                with open(path, newline="", encoding="utf-8") as handle:
                    for row in csv.DictReader(handle):
                        value = row.get(decl.key)
                        if value is not None and value != "":
                            self.rows.setdefault(_key(value), dict(row))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise LookupFileError(f"lookup {self.name}: cannot read {path}: {exc}") from None

    def _read_jsonl(self, path: str, key: str) -> None:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    row = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    raise LookupFileError(f"lookup {self.name}: {path} line {number} is not JSON") from None
                if isinstance(row, dict) and row.get(key) is not None:
                    self.rows.setdefault(_key(row[key]), row)

    def get(self, key) -> Optional[dict]:
        if key is None or isinstance(key, (dict, list)):
            return None
        return self.rows.get(_key(key))


def _key(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
