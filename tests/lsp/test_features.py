"""Hover, definition, references, completion, formatting, symbols and rename on the seed
journeys, through a real LSP client over stdio."""
from __future__ import annotations

import re

import pytest
from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

from journeylang.format.printer import format_source
from journeylang.pipeline import analyse
from journeylang.syntax.parser import parse_source
from lsp_helpers import apply_edits, diagnostics_for, no_server_errors, open_doc, position_of, uri

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _doc(doc_uri: str) -> T.TextDocumentIdentifier:
    return T.TextDocumentIdentifier(uri=doc_uri)


async def _hover(client, doc_uri, text, needle, offset=0, occurrence=0) -> str:
    result = await client.text_document_hover_async(T.HoverParams(
        text_document=_doc(doc_uri), position=position_of(text, needle, offset, occurrence)))
    assert result is not None, needle
    return result.contents.value


async def test_hover(client, seeds):
    path = seeds / "abandoned_cart.journey"
    text = path.read_text()
    doc = open_doc(client, path)
    message = await _hover(client, doc, text, "cart_reminder", 2)
    assert "message cart_reminder" in message and "email" in message and "marketing" in message
    assert "You left" in message  # the subject
    segment = await _hover(client, doc, text, "entry audience abandoned_cart", 16)
    assert "segment abandoned_cart" in segment and "Added to cart 30 minutes" in segment
    assert "has event commerce.productListAdds as add between 24h and 30m ago" in segment
    journey = await _hover(client, doc, text, "journey abandoned_cart {", 9)
    assert "entry event commerce.productListAdds as add" in journey
    assert "reentry after 1d" in journey and "timeout 7d" in journey
    function = await _hover(client, doc, text, "consented(email)", 2)
    assert "consented(CHANNEL) -> bool" in function
    alias = await _hover(client, doc, text, "add.commerce.cart.cartID", 1)
    assert "event alias" in alias and "bound at abandoned_cart.journey:12:" in alias
    wishlist = seeds / "wishlist_reengagement.journey"
    wtext = wishlist.read_text()
    wdoc = open_doc(client, wishlist)
    lookup = await _hover(client, wdoc, wtext, "lookup wishlist by", 8)
    assert "lookup wishlist" in lookup and "data/wishlist.csv" in lookup and "key `email`" in lookup
    no_server_errors(client)


async def _definition(client, doc_uri, text, needle, offset=0, occurrence=0) -> list[T.Location]:
    return await client.text_document_definition_async(T.DefinitionParams(
        text_document=_doc(doc_uri), position=position_of(text, needle, offset, occurrence)))


async def test_definition(client, seeds):
    path = seeds / "abandoned_cart.journey"
    text = path.read_text()
    doc = open_doc(client, path)
    [message] = await _definition(client, doc, text, "send email cart_reminder", 12)
    assert message.uri == doc and message.range.start == position_of(text, "cart_reminder {")
    [segment] = await _definition(client, doc, text, "entry audience abandoned_cart", 16)
    segments = seeds / "segments.journey"
    assert segment.uri == uri(segments)
    assert segment.range.start == position_of(segments.read_text(), "abandoned_cart {")
    [template] = await _definition(client, doc, text, "templates/cart_reminder.html.j2", 3)
    assert template.uri == uri(seeds / "templates" / "cart_reminder.html.j2")
    [alias] = await _definition(client, doc, text, "add.commerce.cart.cartID", 0)
    assert alias.range.start == position_of(text, "add\n", 0)
    [done] = await _definition(client, doc, text, "done.eventType", 1)
    assert done.range.start == position_of(text, "done\n")
    wishlist = seeds / "wishlist_reengagement.journey"
    wtext = wishlist.read_text()
    wdoc = open_doc(client, wishlist)
    [lookup] = await _definition(client, wdoc, wtext, "lookup wishlist by", 8)
    assert lookup.range.start == position_of(wtext, "wishlist from")
    [label] = await _definition(client, wdoc, wtext, "by_sms", 1)
    assert label.range.start == position_of(wtext, "by_sms")


async def test_references(client, seeds):
    segments = seeds / "segments.journey"
    stext = segments.read_text()
    doc = open_doc(client, segments)
    found = await client.text_document_references_async(T.ReferenceParams(
        text_document=_doc(doc), position=position_of(stext, "segment abandoned_cart", 9),
        context=T.ReferenceContext(include_declaration=True)))
    places = sorted((loc.uri.rsplit("/", 1)[1], loc.range.start.line) for loc in found)
    cart = (seeds / "abandoned_cart.journey").read_text()
    assert places == sorted([("segments.journey", position_of(stext, "abandoned_cart {").line),
                             ("abandoned_cart.journey", position_of(cart, "entry audience abandoned_cart").line)])
    # an alias: its binding and every use, in its own declaration only
    path = seeds / "abandoned_cart.journey"
    adoc = open_doc(client, path)
    found = await client.text_document_references_async(T.ReferenceParams(
        text_document=_doc(adoc), position=position_of(cart, "as add", 3),
        context=T.ReferenceContext(include_declaration=False)))
    journey_end = position_of(cart, "journey abandoned_cart_ads_stop").line
    assert len(found) == 3 and all(loc.uri == adoc and loc.range.start.line < journey_end for loc in found)


async def _complete(client, doc_uri, line_text, position) -> list[str]:
    result = await client.text_document_completion_async(T.CompletionParams(
        text_document=_doc(doc_uri), position=position))
    items = result.items if isinstance(result, T.CompletionList) else result
    return [item.label for item in items]


async def _complete_at_new_line(client, path, version, line_text, after="  if consented(sms) {\n"):
    text = path.read_text()
    edited = text.replace(after, after + line_text + "\n", 1)
    doc = open_doc(client, path, edited, version)
    line = position_of(edited, after).line + after.count("\n")
    return await _complete(client, doc, line_text, T.Position(line=line, character=len(line_text)))


async def test_completion_in_context(client, seeds):
    path = seeds / "abandoned_cart.journey"
    assert await _complete_at_new_line(client, path, 1, "    send ") == ["email", "sms", "push", "inapp", "webhook", "ads"]
    emails = await _complete_at_new_line(client, path, 2, "    send email ")
    assert "cart_reminder" in emails and "order_confirmation" in emails
    assert "cart_push" not in emails and "cart_sms" not in emails
    assert await _complete_at_new_line(client, path, 3, "    if consented(") == ["email", "sms", "push", "ads"]
    segments = await _complete_at_new_line(client, path, 4, "    if in_segment(")
    assert "engaged_last_day" in segments and "cart_reminder" not in segments
    types = await _complete_at_new_line(client, path, 5, "    wait for event ")
    assert "commerce.purchases" in types and "store.visit" in types
    fields = await _complete_at_new_line(client, path, 6, "    if add.commerce.")
    assert "cart" in fields
    profile = await _complete_at_new_line(client, path, 7, "    if profile.consents.marketing.")
    assert {"email", "sms", "push"} <= set(profile)
    statement = await _complete_at_new_line(client, path, 8, "    ")
    assert "send" in statement and "wait for event" in statement and "segment" not in statement
    expression = await _complete_at_new_line(client, path, 9, "    if exists(")
    assert "add" in expression and "done" in expression and "len" in expression and "profile" in expression
    assert await _complete_at_new_line(client, path, 11, "    wait ") == ["for event", "until", "until next"]
    assert "last event" in await _complete_at_new_line(client, path, 12, "    if has ")
    message_fields = await _complete_at_new_line(client, path, 10, "  ", after="  channel push\n")
    assert "title" in message_fields and "subject" not in message_fields


async def test_completion_and_symbols_in_a_file_with_syntax_errors(client, seeds):
    path = seeds / "abandoned_cart.journey"
    text = path.read_text()
    broken = text.replace("  if consented(push) {\n", "  if consented(push) {{ ((\n    send push \n", 1)
    doc = open_doc(client, path, broken)
    await diagnostics_for(client, doc, lambda ds: any(d.code == "E001" for d in ds))
    labels = await _complete(client, doc, "", position_of(broken, "send push \n", 10))
    assert "cart_push" in labels and "cart_reminder" not in labels
    symbols = await client.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=_doc(doc)))
    names = [s.name for s in symbols]
    assert names == ["abandoned_cart", "abandoned_cart_ads_stop", "cart_reminder", "cart_push", "cart_sms"]
    no_server_errors(client)


async def test_document_symbols(client, seeds):
    path = seeds / "wishlist_reengagement.journey"
    doc = open_doc(client, path)
    symbols = await client.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=_doc(doc)))
    kinds = {s.name: s.kind for s in symbols}
    assert kinds["wishlist"] == T.SymbolKind.Struct and kinds["wishlist_reengagement"] == T.SymbolKind.Function
    journey = next(s for s in symbols if s.name == "wishlist_reengagement")
    children = [c.name for c in journey.children]
    assert "by_sms" in children and "send email wishlist_reminder" in children


async def test_formatting_is_fmt(client, seeds):
    path = seeds / "order_confirmation.journey"
    text = path.read_text()
    messy = text.replace("  reentry always\n", "      reentry    always\n", 1)
    assert messy != text
    doc = open_doc(client, path, messy)
    edits = await client.text_document_formatting_async(T.DocumentFormattingParams(
        text_document=_doc(doc), options=T.FormattingOptions(tab_size=2, insert_spaces=True)))
    source, _ = parse_source(messy, str(path))
    assert apply_edits(messy, edits) == format_source(source) == text
    clean = await client.text_document_formatting_async(T.DocumentFormattingParams(
        text_document=_doc(open_doc(client, seeds / "segments.journey")),
        options=T.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert not clean


async def test_rename_a_declaration_across_the_program(client, seeds):
    segments = seeds / "segments.journey"
    stext = segments.read_text()
    doc = open_doc(client, segments)
    where = position_of(stext, "segment abandoned_cart", 9)
    prepared = await client.text_document_prepare_rename_async(T.PrepareRenameParams(text_document=_doc(doc),
                                                                                     position=where))
    assert prepared is not None
    edit = await client.text_document_rename_async(T.RenameParams(text_document=_doc(doc), position=where,
                                                                  new_name="cart_left_behind"))
    files = {}
    for changed_uri, edits in edit.changes.items():
        path = seeds / changed_uri.rsplit("/", 1)[1]
        files[str(path)] = apply_edits(path.read_text(), edits)
    assert sorted(p.rsplit("/", 1)[1] for p in files) == ["abandoned_cart.journey", "segments.journey"]
    cart = files[str(seeds / "abandoned_cart.journey")]
    assert "entry audience cart_left_behind" in cart
    assert "journey abandoned_cart {" in cart  # the journey of the same name is another namespace
    sources = {str(p): p.read_text() for p in seeds.glob("*.journey")}
    sources.update(files)
    analysis = analyse(list(sources), lint=True, sources=sources)
    assert analysis.sorted_diagnostics() == []
    with pytest.raises(JsonRpcInvalidParams):
        await client.text_document_rename_async(T.RenameParams(text_document=_doc(doc), position=where,
                                                               new_name="engaged_last_day"))
    with pytest.raises(JsonRpcInvalidParams):
        await client.text_document_rename_async(T.RenameParams(text_document=_doc(doc), position=where,
                                                               new_name="not a name"))


async def test_rename_an_alias(client, seeds):
    path = seeds / "abandoned_cart.journey"
    text = path.read_text()
    doc = open_doc(client, path)
    edit = await client.text_document_rename_async(T.RenameParams(
        text_document=_doc(doc), position=position_of(text, "as done", 3), new_name="resolved"))
    renamed = apply_edits(text, edit.changes[doc])
    assert "as resolved" in renamed and "resolved.eventType" in renamed and "resolved.commerce.cart" in renamed
    assert not re.search(r"\bdone\b", renamed)
    # `add` is read by the templates of the messages this journey sends: renaming it would break them
    with pytest.raises(JsonRpcInvalidParams, match="template"):
        await client.text_document_rename_async(T.RenameParams(
            text_document=_doc(doc), position=position_of(text, "as add", 3), new_name="cart_add"))


async def test_folding_ranges(client, seeds):
    path = seeds / "abandoned_cart.journey"
    text = path.read_text()
    doc = open_doc(client, path)
    ranges = await client.text_document_folding_range_async(T.FoldingRangeParams(text_document=_doc(doc)))
    spans = {(r.start_line, r.end_line) for r in ranges}
    journey = position_of(text, "journey abandoned_cart {").line
    closing = position_of(text, "}\n\n# Paid media").line
    assert (journey, closing) in spans
    assert any(r.kind == T.FoldingRangeKind.Comment and r.start_line == 0 for r in ranges)  # the header comment
    wait = position_of(text, "  wait for event").line
    assert any(s == wait for s, e in spans)
