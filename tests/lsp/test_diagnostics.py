"""Diagnostics through a real LSP client: the same results as `journeylang lint`, with code,
severity, range, hint and related location; published on open, change and save."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lsprotocol import types as T

from lsp_helpers import diagnostics_for, no_server_errors, open_doc, position_of, replace_all, uri

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_error_on_open_has_code_and_range_and_clears_after_a_fix(client, seeds):
    path = seeds / "abandoned_cart.journey"
    good = path.read_text()
    bad = good.replace("send email cart_reminder", "send email cart_remindr")
    doc = open_doc(client, path, bad)
    found = await diagnostics_for(client, doc, lambda ds: any(d.code == "E102" for d in ds))
    diag = next(d for d in found if d.code == "E102")
    start = position_of(bad, "cart_remindr")
    assert diag.range == T.Range(start=start, end=T.Position(line=start.line, character=start.character + 12))
    assert diag.severity == T.DiagnosticSeverity.Error
    assert diag.source == "journeylang"
    assert "undefined message `cart_remindr`" in diag.message and "did you mean `cart_reminder`?" in diag.message
    # the other files of the program are checked too, and are clean
    assert list(client.diagnostics.get(uri(seeds / "segments.journey"))) == []

    replace_all(client, path, good, version=2)
    await diagnostics_for(client, doc, lambda ds: ds == [])
    no_server_errors(client)


async def test_a_syntax_error_is_reported_where_it_is_and_the_program_is_still_checked(client, seeds):
    path = seeds / "order_confirmation.journey"
    text = path.read_text().replace("reentry always", "reentry sometimes", 1)
    doc = open_doc(client, path, text)
    found = await diagnostics_for(client, doc, lambda ds: any(d.code == "E001" for d in ds))
    diag = next(d for d in found if d.code == "E001")
    assert diag.range.start == position_of(text, "sometimes")
    no_server_errors(client)


async def test_same_results_as_lint_and_warnings_on_save(client, seeds):
    path = seeds / "abandoned_cart.journey"
    text = path.read_text().replace("  if consented(push) {\n    send push cart_push\n  }\n", "  send push cart_push\n")
    path.write_text(text)
    lint = subprocess.run([sys.executable, "-c", "import sys; from journeylang.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", "lint", str(seeds), "--format", "json"],
                          capture_output=True, text=True)
    expected = sorted((d["file"], d["code"], d["line"] - 1, d["column"] - 1, d["message"])
                      for d in _json_diagnostics(lint.stdout))
    assert expected and all(code == "W201" for _, code, *_ in expected)
    doc = open_doc(client, path)
    client.text_document_did_save(T.DidSaveTextDocumentParams(text_document=T.TextDocumentIdentifier(uri=doc)))
    await diagnostics_for(client, doc, lambda ds: any(d.code == "W201" for d in ds))
    got = sorted((str(seeds / _name(u)), d.code, d.range.start.line, d.range.start.character,
                  d.message.split("\nhint: ")[0])
                 for u, ds in client.diagnostics.items() if u.startswith(uri(seeds)) for d in ds)
    assert [g[1:] for g in got] == [e[1:] for e in expected]
    warning = next(d for d in client.diagnostics[doc] if d.code == "W201")
    assert warning.severity == T.DiagnosticSeverity.Warning


async def test_duplicate_declaration_points_at_the_first_one(client, seeds):
    path = seeds / "order_confirmation.journey"  # sorts before wishlist_reengagement.journey: the first one
    text = path.read_text() + "\nlookup wishlist from \"data/wishlist.csv\" key email\n"
    open_doc(client, path, text)
    later = uri(seeds / "wishlist_reengagement.journey")
    found = await diagnostics_for(client, later, lambda ds: any(d.code == "E110" for d in ds))
    diag = next(d for d in found if d.code == "E110")
    assert diag.range.start == position_of((seeds / "wishlist_reengagement.journey").read_text(), "wishlist from")
    assert diag.related_information, diag
    related = diag.related_information[0].location
    assert related.uri == uri(path)
    assert related.range.start == position_of(text, "wishlist from")


def _json_diagnostics(stdout: str) -> list[dict]:
    data = json.loads(stdout)
    return data["diagnostics"] if isinstance(data, dict) else data


def _name(doc_uri: str) -> str:
    return doc_uri.rsplit("/", 1)[1]


async def test_a_template_created_on_disk_clears_the_missing_file_error(client, seeds):
    path = seeds / "abandoned_cart.journey"
    text = path.read_text().replace("templates/cart_reminder.html.j2", "templates/new_reminder.html.j2")
    doc = open_doc(client, path, text)
    await diagnostics_for(client, doc, lambda ds: any(d.code == "E141" for d in ds))
    template = seeds / "templates" / "new_reminder.html.j2"
    template.write_text("<p>Hi {{ profile.person.name.firstName | default('there') }}</p>\n")
    client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(changes=[
        T.FileEvent(uri=uri(template), type=T.FileChangeType.Created)]))
    await diagnostics_for(client, doc, lambda ds: ds == [])
    no_server_errors(client)


async def test_a_new_file_on_disk_joins_the_program(client, seeds):
    path = seeds / "abandoned_cart.journey"
    text = path.read_text().replace("send email cart_reminder", "send email cart_extra")
    doc = open_doc(client, path, text)
    await diagnostics_for(client, doc, lambda ds: any(d.code == "E102" for d in ds))
    extra = seeds / "extra.journey"
    extra.write_text('message cart_extra {\n  channel email\n  subject "Still there?"\n  body "Your cart."\n}\n')
    client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(changes=[
        T.FileEvent(uri=uri(extra), type=T.FileChangeType.Created)]))
    # cart_reminder is now unused (W206); the undefined message is gone
    await diagnostics_for(client, doc, lambda ds: [d.code for d in ds] == ["W206"])
    no_server_errors(client)


async def test_ranges_count_utf16_units(client, seeds):
    path = seeds / "order_confirmation.journey"
    text = path.read_text().replace("send email order_confirmation",
                                    'if profile.mood == "😀 å" { send email order_confirmaton }', 1)
    doc = open_doc(client, path, text)
    found = await diagnostics_for(client, doc, lambda ds: any(d.code == "E102" for d in ds))
    diag = next(d for d in found if d.code == "E102")
    line = text.split("\n")[diag.range.start.line]
    prefix = line[:line.index("order_confirmaton")]
    assert diag.range.start.character == len(prefix.encode("utf-16-le")) // 2 == len(prefix) + 1
    assert diag.range.end.character - diag.range.start.character == len("order_confirmaton")
