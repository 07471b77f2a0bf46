"""Helpers of the language-server tests: documents, waiting for diagnostics, positions
and applying edits (imported by the test modules of this folder)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types as T
from pytest_lsp import LanguageClient


def uri(path: Path) -> str:
    return path.resolve().as_uri()


def open_doc(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    text = path.read_text(encoding="utf-8") if text is None else text
    client.text_document_did_open(T.DidOpenTextDocumentParams(
        text_document=T.TextDocumentItem(uri=uri(path), language_id="journey", version=version, text=text)))
    return uri(path)


def replace_all(client: LanguageClient, path: Path, text: str, version: int) -> None:
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)]))


async def diagnostics_for(client: LanguageClient, doc_uri: str, predicate, timeout: float = 10.0):
    """Wait until the diagnostics published for `doc_uri` satisfy `predicate`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        current = client.diagnostics.get(doc_uri)
        if current is not None and predicate(list(current)):
            return list(current)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"diagnostics for {doc_uri} never matched; last: {current}")
        await asyncio.sleep(0.02)


def position_of(text: str, needle: str, offset: int = 0, occurrence: int = 0) -> T.Position:
    """The position of the `occurrence`-th `needle` in text (plus `offset` characters)."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    index += offset
    line = text.count("\n", 0, index)
    return T.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


def apply_edits(text: str, edits) -> str:
    """Apply LSP TextEdits (the seed texts are in the Basic Multilingual Plane, so UTF-16
    units are characters)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(pos: T.Position) -> int:
        return min(starts[pos.line] + pos.character, len(text)) if pos.line < len(lines) else len(text)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def no_server_errors(client: LanguageClient) -> None:
    errors = [m.message for m in client.log_messages if m.type == T.MessageType.Error]
    assert not errors, errors
