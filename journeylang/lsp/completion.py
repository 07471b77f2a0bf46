"""Completion in context: what may be written at the cursor.

Consumes: the program `Snapshot` (declared names from every file, parsed whole or
recovered; the `Vocabulary` of event types and XDM paths), the file, the 1-based cursor
position and the text of its line. Produces: `lsprotocol` `CompletionItem`s.
Guarantees: the context is read from the text before the cursor and the declaration the
cursor is in (its region is known even when it does not parse), so completion works in a
file with syntax errors: `send ` -> channels, `send email ` -> email messages,
`entry audience ` / `in_segment(` -> segments, `lookup ` -> lookups, `jump to journey ` ->
journeys, `consented(` -> consent channels, `event ` -> event types, `x.` -> the XDM fields
known after that path, a message's line start -> its channel's fields, a line start ->
the keywords of the declaration; otherwise functions, aliases in scope and path roots.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from lsprotocol import types as T

from ..program.builtins import CHANNELS, CONSENT_CHANNELS, FUNCTIONS
from ..syntax import ast as A
from .hover import SIGNATURES

K = T.CompletionItemKind
DECL_KEYWORDS = ("segment", "journey", "message", "lookup", "policy")
JOURNEY_KEYWORDS = ("description", "entry event", "entry audience", "entry read audience", "reentry", "timeout",
                    "dedup by", "exit on event", "wait", "wait until", "wait until next", "wait for event", "if",
                    "elif", "else", "split", "split by", "enrich", "send", "add to audience",
                    "remove from audience", "set profile.", "exit", "jump to journey", "on event", "on timeout")
SEGMENT_KEYWORDS = ("description", "evaluation", "has event", "has first event", "has last event", "no event",
                    "count event", "sum(")
MESSAGE_KEYWORDS = ("channel", "transactional")
POLICY_KEYWORDS = ("frequency cap", "quiet hours")
PATTERN_CLAUSES = ("as", "from", "where", "within", "between", "before", "after")
EXPR_WORDS = ("and", "or", "not", "in", "true", "false", "null")
ROOTS = ("profile", "event", "journey", "now")

_EVENT_TYPES = re.compile(r"\bevent\s+(?:[\w.]+\s*,\s*)*[\w.]*$")
_PATH = re.compile(r"([A-Za-z_]\w*)((?:\.\w+|\[[^\]\[]*\])*)\.(\w*)$")


def _items(names: Iterable[str], kind: T.CompletionItemKind, detail: Optional[str] = None) -> list[T.CompletionItem]:
    return [T.CompletionItem(label=name, kind=kind, detail=detail) for name in dict.fromkeys(names)]


def complete(snapshot, path: str, line: int, column: int) -> list[T.CompletionItem]:
    lines = snapshot.lines(path)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    before = text[:column - 1]
    recovered = snapshot.recovered.get(path)
    chunk = recovered.chunk_at(line) if recovered is not None else None
    index = snapshot.index
    head = re.sub(r"\w*$", "", before)  # the text before the word being typed

    if re.search(r"\bsend\s+$", head):
        return _items(CHANNELS, K.EnumMember, "channel")
    sending = re.search(r"\bsend\s+(\w+)\s+$", head)
    if sending:
        channel = sending.group(1)
        names = [name for name, occ in sorted(index.declared("message").items())
                 if isinstance(occ.node, A.MessageDecl) and occ.node.channel is not None
                 and occ.node.channel.name == channel]
        return _items(names, K.Reference, f"{channel} message")
    if re.search(r"(\bentry\s+(read\s+)?audience\s+|\bin_segment\(\s*)$", head):
        return _items(sorted(index.declared("segment")), K.Class, "segment")
    if re.search(r"=\s*lookup\s+$", head):
        return _items(sorted(index.declared("lookup")), K.Struct, "lookup")
    if re.search(r"\bjump\s+to\s+journey\s+$", head):
        return _items(sorted(index.declared("journey")), K.Function, "journey")
    if re.search(r"\bconsented\(\s*$", head):
        return _items(CONSENT_CHANNELS, K.EnumMember, "consent channel")
    if re.search(r"(\bchannel\s+|\bfrequency\s+cap\s+)$", head):
        return _items(CHANNELS, K.EnumMember, "channel")
    if re.search(r"\b(add\s+to|remove\s+from)\s+audience\s+$", head):
        used = sorted({n.audience.name for d in snapshot.decls() for n in A.walk(d) if isinstance(n, A.AudienceAction)})
        return _items(used, K.Value, "audience")
    if re.search(r"^\s*entry\s+$", head):
        return _items(("event", "audience", "read audience"), K.Keyword, "entry")
    if re.search(r"^\s*wait\s+$", head):
        return _items(("for event", "until", "until next"), K.Keyword, "wait")
    if re.search(r"\bhas\s+$", head):
        return _items(("event", "first event", "last event"), K.Keyword, "history")
    if re.search(r"\breentry\s+$", head):
        return _items(("never", "always", "after"), K.Keyword)
    if re.search(r"\bevaluation\s+$", head):
        return _items(("streaming", "batch"), K.Keyword)
    if re.search(r"\bafter\s+$", head):
        return _items(_aliases(snapshot, chunk, path, line, column), K.Variable, "alias")
    handler = re.search(r"\bon\s+event\s+\S*$", before) and not re.search(r"\bexit\s+on\s+event\s", before)
    if _EVENT_TYPES.search(before) and not handler:
        return _event_types(snapshot)
    path_match = _PATH.search(before)
    if path_match:
        return _path_steps(snapshot, path_match)
    if before.strip() == "" or re.fullmatch(r"\s*\w+", before):
        return _line_start(snapshot, chunk, path, line, column)
    return _expression(snapshot, chunk, path, line, column)


def _event_types(snapshot) -> list[T.CompletionItem]:
    vocabulary = snapshot.vocabulary()
    return _items(sorted(vocabulary.event_types), K.Event, "event type") + _items(["*"], K.Operator, "any type")


def _path_steps(snapshot, match: re.Match) -> list[T.CompletionItem]:
    root = match.group(1)
    typed = re.findall(r"\.(\w+)", match.group(2))
    if root == "journey" and not typed:
        return _items(("name", "entered_at"), K.Field, "journey")
    if root == "now":
        return []
    steps = snapshot.vocabulary().next_steps("profile" if root == "profile" else "event", typed)
    return _items(steps, K.Field, "XDM field")


def _aliases(snapshot, chunk, path: str, line: int, column: int) -> list[str]:
    """Aliases and enrichment names bound before the cursor in its declaration."""
    if chunk is None:
        return []
    names = []
    for occ in snapshot.index.in_file(path):
        if occ.kind == "alias" and occ.is_def and chunk.start_line <= occ.span.line <= chunk.end_line \
                and (occ.span.line, occ.span.column) < (line, column):
            names.append(occ.name)
    if chunk.decl is None:  # not parsed: read the bindings from the text
        lines = snapshot.lines(path)[chunk.start_line - 1:line]
        text = "\n".join(lines)
        names += re.findall(r"\bas\s+([A-Za-z_]\w*)", text) + re.findall(r"\benrich\s+([A-Za-z_]\w*)", text)
    return sorted(set(names))


def _line_start(snapshot, chunk, path, line, column) -> list[T.CompletionItem]:
    if chunk is None:
        return _items(DECL_KEYWORDS, K.Keyword, "declaration")
    if chunk.start_line == line:
        return _items(DECL_KEYWORDS, K.Keyword, "declaration")
    if chunk.kind == "message":
        channel = _message_channel(snapshot, chunk, path)
        fields = CHANNELS.get(channel, ()) if channel else sorted({f for fs in CHANNELS.values() for f in fs})
        detail = f"{channel} field" if channel else "message field"
        return _items(fields, K.Field, detail) + _items(MESSAGE_KEYWORDS, K.Keyword)
    if chunk.kind == "policy":
        return _items(POLICY_KEYWORDS, K.Keyword)
    if chunk.kind == "segment":
        return _items(SEGMENT_KEYWORDS, K.Keyword) + _expression(snapshot, chunk, path, line, column)
    if chunk.kind == "journey":
        return _items(JOURNEY_KEYWORDS, K.Keyword)
    return []


def _message_channel(snapshot, chunk, path) -> Optional[str]:
    if isinstance(chunk.decl, A.MessageDecl) and chunk.decl.channel is not None:
        return chunk.decl.channel.name
    text = "\n".join(snapshot.lines(path)[chunk.start_line - 1:chunk.end_line])
    found = re.search(r"^\s*channel\s+(\w+)", text, re.MULTILINE)
    return found.group(1) if found else None


def _expression(snapshot, chunk, path, line, column) -> list[T.CompletionItem]:
    items = [T.CompletionItem(label=name, kind=K.Function, detail=SIGNATURES.get(name, ("",))[0] or None)
             for name in FUNCTIONS]
    items += _items(_aliases(snapshot, chunk, path, line, column), K.Variable, "alias")
    items += _items(ROOTS, K.Variable, "path root")
    items += _items(EXPR_WORDS + ("has event", "no event", "count event"), K.Keyword)
    if chunk is not None and chunk.kind in ("segment", "journey"):
        items += _items(PATTERN_CLAUSES, K.Keyword, "event pattern clause")
    return items
