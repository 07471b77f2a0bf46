"""Malformed and huge documents never crash the server: seeded random edits of the seed
journeys (deletions, duplications, stray tokens, unclosed strings and braces, non-ASCII,
out-of-range edits and positions), each followed by every kind of request."""
from __future__ import annotations

import random
import re

import pytest
from lsprotocol import types as T

from lsp_helpers import diagnostics_for, no_server_errors, open_doc, uri

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKENS = ["{", "}", "(", ")", "[", "]", '"', '"""', "#", "event", "send", "email", "as", "where", "within",
          "50%", "30m", ".", ",", "==", "and", "segment", "journey x {", "message", "\n", "\t", "å", "😀",
          "in_segment(", "consented(", "body file \"", "split {", "\\", "0" * 40, "-"]
ROUNDS = 40


def _mutate(rng: random.Random, text: str) -> str:
    size = max(1, len(text))
    at = rng.randrange(size)
    choice = rng.randrange(5)
    if choice == 0:
        return text[:at] + text[at + rng.randrange(1, 200):]
    if choice == 1:
        piece = text[at:at + rng.randrange(1, 300)]
        return text[:at] + piece + text[at:]
    if choice == 2:
        return text[:at] + " ".join(rng.choice(TOKENS) for _ in range(rng.randrange(1, 6))) + text[at:]
    if choice == 3:
        lines = text.split("\n")
        rng.shuffle(lines)
        return "\n".join(lines[:rng.randrange(1, len(lines) + 1)])
    return text[:at]


def _position(rng: random.Random, text: str) -> T.Position:
    lines = text.split("\n")
    line = rng.randrange(len(lines) + 3)  # sometimes past the end
    width = len(lines[line]) if line < len(lines) else 0
    return T.Position(line=line, character=rng.randrange(width + 5))


async def _ask_everything(client, doc: str, text: str, rng: random.Random) -> None:
    ident = T.TextDocumentIdentifier(uri=doc)
    position = _position(rng, text)
    await client.text_document_hover_async(T.HoverParams(text_document=ident, position=position))
    await client.text_document_completion_async(T.CompletionParams(text_document=ident, position=position))
    await client.text_document_definition_async(T.DefinitionParams(text_document=ident, position=position))
    await client.text_document_references_async(T.ReferenceParams(
        text_document=ident, position=position, context=T.ReferenceContext(include_declaration=True)))
    await client.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=ident))
    await client.text_document_code_action_async(T.CodeActionParams(
        text_document=ident, range=T.Range(start=T.Position(line=0, character=0), end=position),
        context=T.CodeActionContext(diagnostics=[])))
    await client.text_document_formatting_async(T.DocumentFormattingParams(
        text_document=ident, options=T.FormattingOptions(tab_size=2, insert_spaces=True)))
    try:
        await client.text_document_rename_async(T.RenameParams(text_document=ident, position=position,
                                                               new_name="renamed_x"))
    except Exception as exc:  # a refused rename is an answer (a JSON-RPC error), not a crash
        assert "rename" in str(exc).lower() or "name" in str(exc).lower() or "declared" in str(exc)


async def test_fuzzed_edits_never_crash_the_server(client, seeds):
    rng = random.Random(20261202)
    files = sorted(seeds.glob("*.journey"))
    docs = {path: open_doc(client, path) for path in files}
    texts = {path: path.read_text() for path in files}
    version = 1
    for _ in range(ROUNDS):
        path = rng.choice(files)
        old = texts[path]
        new = _mutate(rng, old)
        version += 1
        if rng.random() < 0.5:  # a whole-document change
            change = T.TextDocumentContentChangeWholeDocument(text=new)
        else:  # an incremental change over a random (maybe out-of-range) region
            start, end = sorted((_position(rng, old), _position(rng, old)), key=lambda p: (p.line, p.character))
            change = T.TextDocumentContentChangePartial(range=T.Range(start=start, end=end),
                                                        text=rng.choice(TOKENS))
        client.text_document_did_change(T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=docs[path], version=version),
            content_changes=[change]))
        # the server's view of the text after an incremental change is what it computes; ask about
        # the document as the client last knew it (positions may not match: that is part of the test)
        texts[path] = new if isinstance(change, T.TextDocumentContentChangeWholeDocument) else old
        await _ask_everything(client, docs[path], texts[path], rng)
    no_server_errors(client)


async def test_huge_and_deeply_nested_documents(client, seeds):
    base = "".join(p.read_text() for p in sorted(seeds.glob("*.journey")))
    copies = [re.sub(r"^(segment|journey|message|lookup) (\w+)", lambda m: f"{m.group(1)} {m.group(2)}_{i}",
                     base, flags=re.M) for i in range(20)]
    big = seeds / "big" / "huge.journey"
    big.parent.mkdir()
    text = "".join(copies)  # ~330 kB, 20 copies of the seed program in one file
    doc = open_doc(client, big, text)
    await diagnostics_for(client, doc, lambda ds: len(ds) > 0, timeout=60)
    rng = random.Random(7)
    await _ask_everything(client, doc, text, rng)
    deep = seeds / "deep" / "deep.journey"
    deep.parent.mkdir()
    nested = "segment s {\n  " + "(" * 5000 + "1" + ")" * 5000 + "\n}\n" + '"' * 3 + "\n" + "{" * 3000
    deep_doc = open_doc(client, deep, nested)
    found = await diagnostics_for(client, deep_doc, lambda ds: any(d.code == "E001" for d in ds))
    assert found
    await _ask_everything(client, deep_doc, nested, rng)
    # still serving a clean file afterwards
    clean = open_doc(client, seeds / "segments.journey")
    symbols = await client.text_document_document_symbol_async(T.DocumentSymbolParams(
        text_document=T.TextDocumentIdentifier(uri=clean)))
    assert [s.name for s in symbols][:2] == ["abandoned_cart", "abandoned_browse"]
    assert uri(seeds / "segments.journey") == clean
    no_server_errors(client)
