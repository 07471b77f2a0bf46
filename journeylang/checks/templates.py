"""Message templates: Jinja2 syntax, and the names a template reads.

Consumes: every message field (inline strings and `file "..."` templates, resolved by
`files.resolve_reference`), `analysis.sends_of_message` (names pass) and
`analysis.scopes` (scope pass): the names visible at each `send`.
Produces: E142 a template syntax error, at the template's line in the `.journey` file
(inline strings) or in the template file; E143 a template reading a name that is not in
scope at some `send` of its message (allowed: `profile`, `journey`, the names of
`analysis.scopes[id(send)]`), at the first use of the name, once per field and name,
naming the first such send, with a did-you-mean hint. Messages never sent get no E143.
Guarantees: templates are parsed with `jinja2.sandbox.SandboxedEnvironment`, the
environment the runtime renders with; Jinja's own globals (`range`, `loop`, ...) and
names the template assigns itself (`{% set %}`, `{% for %}`) are never reported;
template files are read through the per-path cache of `files.py`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from ..diagnostics.model import did_you_mean
from ..program.analysis import Analysis
from ..syntax import ast as A
from .common import where
from .files import read_text_cached, resolve_reference

TEMPLATE_ROOTS = ("profile", "journey")

_ENV = SandboxedEnvironment()
# never fold `*` / `**` of constants while analysing ('x' * 10**9 would be built right here)
_ENV.intercepted_binops = frozenset({"*", "**"})


@dataclass
class _Template:
    """One field's template text and how its lines map to a source file."""
    text: str
    file: str  # the file its lines live in (the .journey file, or the template file)
    lines: list[str]  # that file's lines
    first_line: int  # the source line of template line 1
    single_line: bool  # an ordinary "..." string: every template line is that one source line
    fallback: A.Span  # where to point when a line cannot be mapped

    def line_of(self, template_line: Optional[int]) -> int:
        if self.single_line or not template_line:
            return self.first_line
        return self.first_line + template_line - 1

    def line_span(self, template_line: Optional[int]) -> A.Span:
        if self.single_line:
            return self.fallback
        line = self.line_of(template_line)
        if not 1 <= line <= len(self.lines):
            return self.fallback
        text = self.lines[line - 1]
        start = len(text) - len(text.lstrip()) + 1
        end = max(start + 1, len(text.rstrip()) + 1)
        return A.Span(file=self.file, line=line, column=start, end_line=line, end_column=end)

    def name_span(self, name: str, template_line: Optional[int]) -> A.Span:
        line = self.line_of(template_line)
        if 1 <= line <= len(self.lines):
            pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
            start = self.fallback.column - 1 if self.single_line else 0
            match = pattern.search(self.lines[line - 1], start)
            if match is not None:
                return A.Span(file=self.file, line=line, column=match.start() + 1, end_line=line,
                              end_column=match.end() + 1)
        return self.line_span(template_line)


def check_templates(analysis: Analysis) -> None:
    for decl in analysis.program.declarations():
        if not isinstance(decl, A.MessageDecl):
            continue
        for field in decl.fields:
            template = _template_of(analysis, decl, field)
            if template is None:
                continue
            try:
                tree = _ENV.parse(template.text)
                # compiling finds what parsing does not (an unknown filter or test)
                free = meta.find_undeclared_variables(tree) - set(_ENV.globals)
            except TemplateSyntaxError as exc:
                analysis.diagnostics.add(
                    "E142", f"template syntax error in `{field.name.name}` of message `{decl.name.name}`: "
                            f"{_syntax_message(exc)}",
                    template.line_span(exc.lineno), _syntax_hint(exc))
                continue
            _free_names(analysis, decl, field, template, tree, free)


def _syntax_hint(exc: TemplateSyntaxError) -> str:
    unknown = re.match(r"No (filter|test) named '([^']+)'", exc.message or "")
    if unknown is not None:
        table = _ENV.filters if unknown.group(1) == "filter" else _ENV.tests
        close = did_you_mean(unknown.group(2), table)
        if close:
            return close
        return f"Jinja2 {unknown.group(1)}s: " + ", ".join(f"`{n}`" for n in sorted(table)[:12]) + ", ..."
    return "Jinja2 syntax: `{{ expression }}`, `{% if %}...{% endif %}`, `{% for x in xs %}...{% endfor %}`"


def _syntax_message(exc: TemplateSyntaxError) -> str:
    message = exc.message or "invalid template"
    unclosed = re.search(r"The innermost block that needs to be closed is '(\w+)'", message)
    if message.startswith("Unexpected end of template") and unclosed is not None:
        tag = unclosed.group(1)
        return f"unexpected end of template: `{{% {tag} %}}` is not closed with `{{% end{tag} %}}`"
    return _lower_first(message.split("\n")[0]).rstrip(".")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _template_of(analysis: Analysis, message: A.MessageDecl, field: A.MessageField) -> Optional[_Template]:
    value_span = field.value_span or field.span
    if field.is_file:
        ref = resolve_reference(analysis.program, message.span.file, field.value)
        if not ref.inside:
            return None  # E144 (files.py)
        text, _reason = read_text_cached(ref.path)
        if text is None:
            return None  # E141 (files.py)
        fallback = A.Span(file=ref.path, line=1, column=1, end_line=1, end_column=2)
        return _Template(text, ref.path, text.split("\n"), 1, False, fallback)
    source = analysis.program.source_of(message.span.file)
    lines = source.text.split("\n") if source is not None else []
    first_line = value_span.line
    single = True
    if 1 <= first_line <= len(lines):
        raw = lines[first_line - 1][value_span.column - 1:]
        if raw.startswith('"""'):
            single = False
            if not raw[3:].strip():  # the text starts on the next line
                first_line += 1
    return _Template(field.value, message.span.file, lines, first_line, single, value_span)


def _name_lines(tree: nodes.Template) -> dict[str, int]:
    """The first template line each loaded name appears on."""
    first: dict[str, int] = {}
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load":
            if node.name not in first or node.lineno < first[node.name]:
                first[node.name] = node.lineno
    return first


def _free_names(analysis: Analysis, message: A.MessageDecl, field: A.MessageField, template: _Template,
                tree: nodes.Template, used: set[str]) -> None:
    sends = analysis.sends_of_message.get(message.name.name, [])
    if not sends:
        return
    lines = _name_lines(tree)
    for name in sorted(used, key=lambda n: (lines.get(n, 0), n)):
        missing = []
        for send in sends:
            allowed = _allowed(analysis, send)
            if name not in allowed:
                missing.append((send, allowed))
        if not missing:
            continue
        send, allowed = missing[0]
        span = template.name_span(name, lines.get(name))
        more = f" (and {len(missing) - 1} more send{'s' if len(missing) > 2 else ''})" if len(missing) > 1 else ""
        hint = did_you_mean(name, allowed)
        if hint is None:
            hint = "names in scope there: " + ", ".join(f"`{n}`" for n in sorted(allowed))
        analysis.diagnostics.add(
            "E143", f"template of message `{message.name.name}` uses `{name}`, which is not in scope at the "
                    f"send on {where(send.span, span)}{more}", span, hint)


def _allowed(analysis: Analysis, send: A.Send) -> set[str]:
    return set(TEMPLATE_ROOTS) | set(analysis.scopes.get(id(send), {}))
