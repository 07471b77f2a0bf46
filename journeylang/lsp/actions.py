"""Code actions: quick fixes for the diagnostics under the cursor.

Consumes: the program `Snapshot` (its diagnostics, parsed files and symbols), a file and
a 1-based line range. Produces: `lsprotocol` `CodeAction`s with `WorkspaceEdit`s:
* the did-you-mean fix of a diagnostic whose hint is ``did you mean `X`?`` (the misspelled
  name, taken from the message, is replaced by X);
* W201: wrap the unguarded marketing `send` in `if consented(CHANNEL) { ... }`;
* every other warning: insert `# journeylang: allow CODE <reason>` (own line above the
  construct, or at the end of the line when an own-line comment would not cover it).
Guarantees: an allow comment is offered only when re-parsing the edited file shows that
the suppression rules (`lint.suppressions`) do cover the diagnostic; edits never touch
text outside the diagnostic's statement or line.
"""
from __future__ import annotations

import re
from typing import Optional

from lsprotocol import types as T

from ..diagnostics.model import Diagnostic
from ..lint.suppressions import collect_suppressions
from ..syntax import ast as A
from ..syntax.parser import parse_source
from .convert import to_lsp_diagnostic, to_range, uri_of

_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_NAMED = re.compile(r"`([^`]+)`")
REASON = "<reason>"
NO_ALLOW = ("W208",)  # an unused suppression is fixed by deleting it, not by another one


MAX_DIAGNOSTICS = 50  # a request over a huge selection answers for its first diagnostics


def code_actions(snapshot, path: str, first_line: int, last_line: int, codec) -> list[T.CodeAction]:
    actions: list[T.CodeAction] = []
    inside = [diag for diag in snapshot.diagnostics_by_file().get(path, []) if diag.span is not None and
              diag.span.file == path and diag.span.end_line >= first_line and diag.span.line <= last_line]
    for diag in inside[:MAX_DIAGNOSTICS]:
        lsp_diag = to_lsp_diagnostic(diag, snapshot.lines, codec, snapshot.known_path)
        for make in (_did_you_mean, _consent_guard, _allow_comment):
            action = make(snapshot, diag, codec)
            if action is not None:
                action.diagnostics = [lsp_diag]
                actions.append(action)
    return actions


def _edit(path: str, span: A.Span, new_text: str, snapshot, codec) -> T.WorkspaceEdit:
    return T.WorkspaceEdit(changes={uri_of(path): [T.TextEdit(range=to_range(span, snapshot.lines(path), codec),
                                                                new_text=new_text)]})


def _did_you_mean(snapshot, diag: Diagnostic, codec) -> Optional[T.CodeAction]:
    suggestion = _DID_YOU_MEAN.search(diag.hint or "")
    named = _NAMED.search(diag.message)
    span = diag.span
    if not suggestion or not named or span.line != span.end_line:
        return None
    line = snapshot.lines(span.file)[span.line - 1]
    covered = line[span.column - 1:span.end_column - 1]
    offset = covered.find(named.group(1))
    if offset < 0:
        return None
    start = span.column + offset
    target = span.model_copy(update={"column": start, "end_column": start + len(named.group(1))})
    replacement = suggestion.group(1)
    return T.CodeAction(title=f"Change `{named.group(1)}` to `{replacement}`", kind=T.CodeActionKind.QuickFix,
                        is_preferred=True, edit=_edit(span.file, target, replacement, snapshot, codec))


def _send_at(snapshot, span: A.Span) -> Optional[A.Send]:
    recovered = snapshot.recovered.get(span.file)
    if recovered is None:
        return None
    for decl in recovered.decls:
        for node in A.walk(decl):
            if isinstance(node, A.Send) and (node.span.line, node.span.column) <= (span.line, span.column) \
                    <= (node.span.end_line, node.span.end_column):
                return node
    return None


def _consent_guard(snapshot, diag: Diagnostic, codec) -> Optional[T.CodeAction]:
    if diag.code != "W201":
        return None
    send = _send_at(snapshot, diag.span)
    if send is None:
        return None
    lines = snapshot.lines(send.span.file)
    first, last = send.span.line, send.span.end_line
    before = lines[first - 1][:send.span.column - 1]
    after = lines[last - 1][send.span.end_column - 1:]
    channel = send.channel.name
    if before.strip() or after.strip():  # the send shares its line: wrap it where it stands
        statement = "\n".join(lines[first - 1:last])[len(before):]
        statement = statement[:len(statement) - len(after)] if after else statement
        new_text = f"if consented({channel}) {{ {statement.strip()} }}"
        target = send.span
    else:
        indent = re.match(r"\s*", before).group(0)
        body = [("  " + line) if line.strip() else line for line in lines[first - 1:last]]
        new_text = "\n".join([f"{indent}if consented({channel}) {{", *body, f"{indent}}}"])
        target = A.Span(file=send.span.file, line=first, column=1, end_line=last, end_column=len(lines[last - 1]) + 1)
    return T.CodeAction(title=f"Send only with consent: wrap in `if consented({channel}) {{ ... }}`",
                        kind=T.CodeActionKind.QuickFix, is_preferred=True,
                        edit=_edit(send.span.file, target, new_text, snapshot, codec))


def _allow_comment(snapshot, diag: Diagnostic, codec) -> Optional[T.CodeAction]:
    if diag.severity != "warning" or diag.code in NO_ALLOW:
        return None
    path, line = diag.span.file, diag.span.line
    recovered = snapshot.recovered.get(path)
    if recovered is None or recovered.source is None:
        return None
    chunk = recovered.chunk_at(line)
    if chunk is None:
        return None
    lines = recovered.text.split("\n")
    text = lines[line - 1]
    # the check re-parses only the declaration's region (padded to its place): suppressions
    # never reach across declarations, and a whole big file would be slow to parse per warning
    region = (chunk.start_line, chunk.end_line)
    indent = re.match(r"\s*", text).group(0)
    comment = f"# journeylang: allow {diag.code} {REASON}"
    candidates = [  # (new file text, the diagnostic's line after the edit, the edit)
        (lines[:line - 1] + [indent + comment] + lines[line - 1:], line + 1,
         (A.Span(file=path, line=line, column=1, end_line=line, end_column=1), f"{indent}{comment}\n")),
        (lines[:line - 1] + [text.rstrip() + "  " + comment] + lines[line:], line,
         (A.Span(file=path, line=line, column=len(text.rstrip()) + 1, end_line=line, end_column=len(text) + 1),
          "  " + comment)),
    ]
    for new_lines, moved_line, (span, new_text) in candidates:
        grown = len(new_lines) - len(lines)
        piece = ["" for _ in range(region[0] - 1)] + new_lines[region[0] - 1:region[1] + grown]
        if _covers("\n".join(piece), path, diag, moved_line):
            return T.CodeAction(title=f"Allow {diag.code} here (add a `journeylang: allow` comment with a reason)",
                                kind=T.CodeActionKind.QuickFix,
                                edit=_edit(path, span, new_text, snapshot, codec))
    return None


def _covers(text: str, path: str, diag: Diagnostic, moved_line: int) -> bool:
    parsed, _ = parse_source(text, path)
    if parsed is None:
        return False
    shift = moved_line - diag.span.line
    moved = Diagnostic(diag.code, diag.message, diag.span.model_copy(update={
        "line": diag.span.line + shift, "end_line": diag.span.end_line + shift}), diag.hint)
    return any(s.covers(moved) for s in collect_suppressions(parsed))
