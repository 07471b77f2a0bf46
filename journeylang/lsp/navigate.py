"""Navigation: go to definition, find references, rename, the document outline, folding.

Consumes: a program `Snapshot` (its `SymbolIndex` and recovered files), a 1-based position,
the client's position codec. Produces: `lsprotocol` Locations, a `WorkspaceEdit` for a
rename, `DocumentSymbol`s and `FoldingRange`s. Guarantees: a rename changes every
occurrence of the same declaration (or alias binding, or split label) across the
program's files and nothing else, and refuses (a `RenameError`) a new name that is not an
identifier, is already declared in that kind's namespace, would not parse where it goes
(a keyword), or an alias that a sent message's template reads; the outline of a file with
syntax errors still lists every declaration whose header can be read.
"""
from __future__ import annotations

import os
import re
from typing import Optional

from lsprotocol import types as T

from ..syntax import ast as A
from ..syntax.parser import parse_source
from .convert import to_location, to_range, uri_of
from .index import Occurrence

RENAMABLE = ("segment", "message", "lookup", "journey", "alias", "label")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class RenameError(Exception):
    pass


def _inner(occ: Occurrence) -> A.Span:
    """The span of the name itself (without quotes)."""
    span = occ.span
    if occ.quoted and span.line == span.end_line and span.end_column - span.column >= 2:
        return span.model_copy(update={"column": span.column + 1, "end_column": span.end_column - 1})
    return span


def definition(snapshot, occ: Occurrence, codec) -> list[T.Location]:
    if occ.kind == "template":
        return [T.Location(uri=uri_of(occ.name), range=T.Range(start=T.Position(line=0, character=0),
                                                               end=T.Position(line=0, character=0)))]
    return [to_location(o.span, snapshot.lines, codec) for o in snapshot.index.definitions(occ)]


def references(snapshot, occ: Occurrence, include_declaration: bool, codec) -> list[T.Location]:
    if occ.kind == "template":
        same = [o for o in snapshot.index.occurrences if o.kind == "template" and o.name == occ.name]
        return [to_location(o.span, snapshot.lines, codec) for o in same]
    found = snapshot.index.references(occ, include_def=include_declaration)
    return [to_location(_inner(o), snapshot.lines, codec) for o in sorted(found, key=_order)]


def _order(occ: Occurrence) -> tuple:
    return (occ.span.file, occ.span.line, occ.span.column)


def prepare_rename(snapshot, occ: Optional[Occurrence], codec) -> Optional[T.Range]:
    if occ is None or occ.kind not in RENAMABLE:
        return None
    if occ.kind != "label" and not snapshot.index.definitions(occ):
        return None
    return to_range(_inner(occ), snapshot.lines(occ.span.file), codec)


def rename(snapshot, occ: Optional[Occurrence], new_name: str, codec) -> T.WorkspaceEdit:
    if occ is None or occ.kind not in RENAMABLE:
        raise RenameError("nothing to rename here: place the cursor on a declared name")
    if not _IDENT.fullmatch(new_name):
        raise RenameError(f"`{new_name}` is not a valid name (letters, digits and `_`, not starting with a digit)")
    if occ.kind not in ("alias", "label") and new_name != occ.name and new_name in snapshot.index.declared(occ.kind):
        raise RenameError(f"a {occ.kind} named `{new_name}` is already declared")
    if occ.kind != "label" and not snapshot.index.definitions(occ):
        raise RenameError(f"`{occ.name}` is not declared in this program")
    if occ.kind == "alias":
        _templates_read(snapshot, occ)
    spans_by_file: dict[str, list[A.Span]] = {}
    for other in sorted(set(snapshot.index.references(occ, include_def=True)), key=_order):
        spans_by_file.setdefault(other.span.file, []).append(_inner(other))
    for path, spans in spans_by_file.items():  # a keyword in a place only a name fits would not parse
        recovered = snapshot.recovered.get(path)
        if recovered is not None and recovered.source is not None:
            parsed, _ = parse_source(replace_spans(recovered.text, spans, new_name), path)
            if parsed is None:
                raise RenameError(f"`{new_name}` cannot be used there (it is read as a keyword)")
    changes = {uri_of(path): [T.TextEdit(range=to_range(span, snapshot.lines(path), codec), new_text=new_name)
                              for span in spans] for path, spans in spans_by_file.items()}
    return T.WorkspaceEdit(changes=changes)


def _templates_read(snapshot, occ: Occurrence) -> None:
    """Refuse renaming an alias that a template of a message sent in its journey reads
    (the Jinja text is not renamed, so the journey would stop checking)."""
    decl = next((d for d in snapshot.decls() if f"{d.span.file}:{d.span.line}" == occ.scope), None)
    if decl is None:
        return
    sent = {n.message.name for n in A.walk(decl) if isinstance(n, A.Send)}
    word = re.compile(rf"\b{re.escape(occ.name)}\b")
    for name in sorted(sent):
        message = snapshot.program.messages.get(name)
        for fld in message.fields if message is not None else ():
            text = fld.value
            if fld.is_file:
                try:
                    with open(os.path.join(os.path.dirname(message.span.file), fld.value), encoding="utf-8") as handle:
                        text = handle.read()
                except OSError:
                    continue
            if word.search(text):
                raise RenameError(f"the template of message `{name}` ({fld.name.name}) reads `{occ.name}`; "
                                  "rename it there first, then rename the alias")


def replace_spans(text: str, spans: list[A.Span], new_text: str) -> str:
    """The text with every (single-line) span replaced by `new_text`."""
    lines = text.split("\n")
    for span in sorted(spans, key=lambda s: (s.line, s.column), reverse=True):
        if span.line != span.end_line or span.line > len(lines):
            continue
        line = lines[span.line - 1]
        lines[span.line - 1] = line[:span.column - 1] + new_text + line[span.end_column - 1:]
    return "\n".join(lines)


# ---------------------------------------------------------------- outline
_KIND = {"segment": T.SymbolKind.Class, "journey": T.SymbolKind.Function, "message": T.SymbolKind.String,
         "lookup": T.SymbolKind.Struct, "policy": T.SymbolKind.Namespace}


def document_symbols(snapshot, path: str, codec) -> list[T.DocumentSymbol]:
    recovered = snapshot.recovered.get(path)
    if recovered is None:
        return []
    lines = snapshot.lines(path)
    symbols = []
    for chunk in recovered.chunks:
        decl = chunk.decl
        name = chunk.name or chunk.kind
        if decl is not None:
            whole = to_range(decl.span, lines, codec)
            name_span = decl.name.span if hasattr(decl, "name") else decl.span
            selection = to_range(name_span, lines, codec)
            children = _children(decl, lines, codec)
            detail = _detail(decl)
        else:
            end = len(lines[chunk.end_line - 1]) + 1 if chunk.end_line <= len(lines) else 1
            whole = to_range(A.Span(file=path, line=chunk.start_line, column=1, end_line=chunk.end_line,
                                    end_column=end), lines, codec)
            width = len(chunk.name or chunk.kind)
            selection = to_range(A.Span(file=path, line=chunk.start_line, column=chunk.name_column,
                                        end_line=chunk.start_line, end_column=chunk.name_column + width), lines, codec)
            children, detail = [], "(does not parse)"
        symbols.append(T.DocumentSymbol(name=name, kind=_KIND[chunk.kind], range=whole, selection_range=selection,
                                        detail=f"{chunk.kind} {detail}".strip(), children=children or None))
    return symbols


def _detail(decl) -> str:
    if isinstance(decl, A.MessageDecl):
        return (decl.channel.name if decl.channel else "") + (" transactional" if decl.transactional else "")
    if isinstance(decl, A.LookupDecl):
        return os.path.basename(decl.path)
    if isinstance(decl, A.SegmentDecl):
        return decl.evaluation
    return ""


def _children(decl, lines, codec) -> list[T.DocumentSymbol]:
    found = []
    if isinstance(decl, A.MessageDecl):
        for fld in decl.fields:
            found.append(T.DocumentSymbol(name=fld.name.name, kind=T.SymbolKind.Field,
                                          range=to_range(fld.span, lines, codec),
                                          selection_range=to_range(fld.name.span, lines, codec)))
    elif isinstance(decl, A.JourneyDecl):
        for node in A.walk(decl):
            if isinstance(node, A.Send):
                found.append(T.DocumentSymbol(name=f"send {node.channel.name} {node.message.name}",
                                              kind=T.SymbolKind.Event, range=to_range(node.span, lines, codec),
                                              selection_range=to_range(node.message.span, lines, codec)))
            elif isinstance(node, A.SplitBranch) and node.label is not None:
                found.append(T.DocumentSymbol(name=node.label.name, kind=T.SymbolKind.EnumMember,
                                              detail=node.percent.text, range=to_range(node.span, lines, codec),
                                              selection_range=to_range(node.label.span, lines, codec)))
    return found


# ---------------------------------------------------------------- folding
_FOLDED = (A.SegmentDecl, A.JourneyDecl, A.MessageDecl, A.PolicyDecl, A.If, A.IfBranch, A.WaitForEvent,
           A.Split, A.SplitBranch, A.MessageField)


def folding_ranges(snapshot, path: str) -> list[T.FoldingRange]:
    """Declarations, blocks and multi-line strings that span lines (from what parses), and
    runs of comment lines; lines are 0-based as LSP wants them."""
    recovered = snapshot.recovered.get(path)
    if recovered is None:
        return []
    found: dict[tuple[int, int], T.FoldingRange] = {}
    for chunk in recovered.chunks:
        if chunk.decl is None and chunk.end_line > chunk.start_line:
            found[(chunk.start_line, chunk.end_line)] = T.FoldingRange(start_line=chunk.start_line - 1,
                                                                     end_line=chunk.end_line - 1)
    for decl in recovered.decls:
        for node in A.walk(decl):
            if isinstance(node, _FOLDED) and node.span.end_line > node.span.line:
                found[(node.span.line, node.span.end_line)] = T.FoldingRange(start_line=node.span.line - 1,
                                                                           end_line=node.span.end_line - 1)
    comment_lines = sorted(c.line for c in recovered.source.comments) if recovered.source is not None else []
    start = previous = None
    for line in comment_lines + [None]:
        if line is not None and previous is not None and line == previous + 1:
            previous = line
            continue
        if start is not None and previous > start:
            found[(start, previous)] = T.FoldingRange(start_line=start - 1, end_line=previous - 1,
                                                      kind=T.FoldingRangeKind.Comment)
        start = previous = line
    return [found[key] for key in sorted(found)]
