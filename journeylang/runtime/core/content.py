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


class _DataEnvironment(SandboxedEnvironment):
    """`a.b` on a record (a dict) reads its field `b`, never a dict method (`items`, `keys`, `get`...)."""

    def getattr(self, obj, attribute):
        if isinstance(obj, dict) and isinstance(attribute, str):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


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
            try:
                out[name] = template.render(context)
            except TemplateError as exc:
                return f"template error in {name}: {exc.message or type(exc).__name__}"
            except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError) as exc:
                return f"template error in {name}: {exc}"
        return out


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
