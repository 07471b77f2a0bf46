"""Hover text: what a name under the cursor is.

Consumes: an `Occurrence` from the `SymbolIndex` and the program `Snapshot`. Produces:
Markdown — a declaration's summary (segment: description, evaluation, conditions;
message: channel, subject, transactional or marketing; lookup: file and key; journey:
description, entry, re-entry, timeout, dedup), a function's signature, an alias's binding
site, a channel's fields, a template file's path.
Guarantees: the text is taken from the source (conditions and entries are shown as
written); built-in facts come from `program.builtins`; never raises for partial trees.
"""
from __future__ import annotations

import os
from typing import Optional

from ..program.builtins import CHANNELS, CONSENT_CHANNELS, FUNCTIONS
from ..syntax import ast as A
from .index import Occurrence

# function -> (signature, what it does); the arity table is `program.builtins.FUNCTIONS`
SIGNATURES: dict[str, tuple[str, str]] = {
    "exists": ("exists(path) -> bool", "true when the path has a value (not null or missing)"),
    "len": ("len(x) -> number", "the length of a list or string"),
    "lower": ("lower(s) -> string", "the string in lower case"),
    "upper": ("upper(s) -> string", "the string in upper case"),
    "contains": ("contains(x, y) -> bool", "x (a list or string) contains y"),
    "startswith": ("startswith(s, prefix) -> bool", "s starts with prefix"),
    "endswith": ("endswith(s, suffix) -> bool", "s ends with suffix"),
    "sum": ("sum(list) -> number", "the sum of the numbers of a list"),
    "min": ("min(list) -> value", "the smallest element of a list"),
    "max": ("max(list) -> value", "the largest element of a list"),
    "abs": ("abs(x) -> number", "the absolute value"),
    "round": ("round(x[, digits]) -> number", "x rounded to `digits` decimals (default 0)"),
    "coalesce": ("coalesce(x, ...) -> value", "the first argument that is not null"),
    "sha256": ("sha256(s) -> string", "the hex SHA-256 digest of a string"),
    "consented": ("consented(CHANNEL) -> bool", "the profile's consent for the channel is `y`; channels: "
                  + ", ".join(f"`{c}`" for c in CONSENT_CHANNELS)),
    "in_segment": ("in_segment(SEGMENT) -> bool", "the profile qualifies for the segment now"),
}


def source_text(snapshot, span: A.Span, limit: int = 400) -> str:
    lines = snapshot.lines(span.file)
    if not lines or span.line > len(lines):
        return ""
    if span.line == span.end_line:
        text = lines[span.line - 1][span.column - 1:span.end_column - 1]
    else:
        parts = [lines[span.line - 1][span.column - 1:]]
        parts.extend(lines[span.line:span.end_line - 1])
        parts.append(lines[min(span.end_line, len(lines)) - 1][:span.end_column - 1])
        text = "\n".join(parts)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return text if len(text) <= limit else text[:limit] + " ..."


def _where(span: A.Span, snapshot) -> str:
    rel = os.path.relpath(span.file, snapshot.folder)
    return f"{rel}:{span.line}:{span.column}"


def hover_text(occ: Occurrence, snapshot) -> Optional[str]:
    index = snapshot.index
    if occ.kind in ("segment", "message", "lookup", "journey"):
        definitions = index.definitions(occ)
        if not definitions:
            return f"undefined {occ.kind} `{occ.name}`"
        return describe_decl(definitions[0].node, snapshot)
    if occ.kind == "function":
        signature, doc = SIGNATURES.get(occ.name, ("", ""))
        if not signature:
            return f"`{occ.name}`" if occ.name in FUNCTIONS else f"unknown function `{occ.name}`"
        return f"```journey\n{signature}\n```\n{doc}"
    if occ.kind == "channel":
        fields = CHANNELS.get(occ.name)
        if fields is None:
            return f"unknown channel `{occ.name}`"
        consent = "consent tested by `consented(" + occ.name + ")`" if occ.name in CONSENT_CHANNELS else \
            "no consent channel"
        return f"channel `{occ.name}`: fields " + ", ".join(f"`{f}`" for f in fields) + f"; {consent}"
    if occ.kind == "alias":
        _, _, _, binding = index.resolve(occ)
        if binding is None:
            return f"`{occ.name}`: not bound in this declaration"
        bound = next((o for o in index.occurrences if o.is_def and o.span == binding), None)
        node = bound.node if bound else None
        if isinstance(node, A.Enrich):
            what = f"enrichment: `{source_text(snapshot, node.span)}`"
        elif isinstance(node, A.Send):
            what = f"send result: `{source_text(snapshot, node.span)}`"
        elif isinstance(node, A.EventPattern):
            what = f"event alias, bound by\n```journey\n{source_text(snapshot, node.span)}\n```"
        else:
            what = "alias"
        return f"**{occ.name}** — {what}\n\nbound at {_where(binding, snapshot)}"
    if occ.kind == "label":
        branch = occ.node
        percent = branch.percent.text if isinstance(branch, A.SplitBranch) else ""
        return f"split branch **{occ.name}** ({percent})"
    if occ.kind == "template":
        exists = os.path.isfile(occ.name)
        return f"template file `{os.path.relpath(occ.name, snapshot.folder)}`" + ("" if exists else " (missing)")
    return None


def describe_decl(decl, snapshot) -> str:
    where = _where(decl.name.span, snapshot)
    if isinstance(decl, A.SegmentDecl):
        lines = [f"**segment {decl.name.name}** ({decl.evaluation})"]
        if decl.description:
            lines.append(decl.description)
        conditions = "\n".join(source_text(snapshot, c.span, 200) for c in decl.conditions)
        if conditions:
            lines.append(f"```journey\n{conditions}\n```")
    elif isinstance(decl, A.MessageDecl):
        channel = decl.channel.name if decl.channel else "no channel"
        kind = "transactional" if decl.transactional else "marketing (needs consent)"
        lines = [f"**message {decl.name.name}** — {channel}, {kind}"]
        fields = []
        for fld in decl.fields:
            value = f'file "{fld.value}"' if fld.is_file else " ".join(fld.value.split())
            if len(value) > 120:
                value = value[:120] + " ..."
            fields.append(f"- {fld.name.name}: `{value}`")
        if fields:
            lines.append("\n".join(fields))
    elif isinstance(decl, A.LookupDecl):
        lines = [f"**lookup {decl.name.name}** — table `{decl.path}`, key `{decl.key}`"]
    elif isinstance(decl, A.JourneyDecl):
        lines = [f"**journey {decl.name.name}**"]
        if decl.description:
            lines.append(decl.description)
        facts = []
        if decl.entry is not None:
            facts.append(source_text(snapshot, decl.entry.span, 300))
        facts.append(source_text(snapshot, decl.reentry.span) if decl.reentry else "reentry never (default)")
        facts.append(f"timeout {decl.timeout.text}" if decl.timeout else "timeout 91d (default)")
        if decl.dedup is not None:
            facts.append(source_text(snapshot, decl.dedup.span))
        lines.append("```journey\n" + "\n".join(facts) + "\n```")
    else:
        lines = [type(decl).__name__]
    lines.append(f"declared at {where}")
    return "\n\n".join(lines)
