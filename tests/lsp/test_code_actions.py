"""Each code action on the seed journeys: the did-you-mean fix, the consent guard for W201
and the `allow` comment; every fix is applied and the program checked again."""
from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as T

from journeylang.pipeline import analyse
from lsp_helpers import apply_edits, diagnostics_for, no_server_errors, open_doc, replace_all

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _actions_for(client, doc, code: str) -> tuple[T.Diagnostic, list[T.CodeAction]]:
    found = await diagnostics_for(client, doc, lambda ds: any(d.code == code for d in ds))
    diag = next(d for d in found if d.code == code)
    result = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=doc), range=diag.range,
        context=T.CodeActionContext(diagnostics=[diag])))
    return diag, [a for a in result if isinstance(a, T.CodeAction)]


def _lint(seeds: Path, path: Path, text: str) -> list:
    sources = {str(p): p.read_text() for p in seeds.glob("*.journey")}
    sources[str(path)] = text
    return analyse(list(sources), lint=True, sources=sources).sorted_diagnostics()


async def test_did_you_mean_fix(client, seeds):
    path = seeds / "wishlist_reengagement.journey"
    good = path.read_text()
    bad = good.replace("lookup wishlist by", "lookup wishlst by", 1)
    doc = open_doc(client, path, bad)
    _, actions = await _actions_for(client, doc, "E103")
    [fix] = [a for a in actions if a.title.startswith("Change")]
    assert fix.title == "Change `wishlst` to `wishlist`" and fix.is_preferred
    fixed = apply_edits(bad, fix.edit.changes[doc])
    assert fixed == good
    replace_all(client, path, fixed, version=2)
    await diagnostics_for(client, doc, lambda ds: ds == [])
    no_server_errors(client)


UNGUARDED = "  if consented(push) {\n    send push cart_push\n  }\n"


async def test_consent_guard_for_w201(client, seeds):
    path = seeds / "abandoned_cart.journey"
    good = path.read_text()
    bad = good.replace(UNGUARDED, "  send push cart_push\n", 1)
    doc = open_doc(client, path, bad)
    _, actions = await _actions_for(client, doc, "W201")
    [wrap] = [a for a in actions if "consented" in a.title]
    assert wrap.title == "Send only with consent: wrap in `if consented(push) { ... }`"
    fixed = apply_edits(bad, wrap.edit.changes[doc])
    assert fixed == good
    assert _lint(seeds, path, fixed) == []


async def test_consent_guard_on_a_shared_line(client, seeds):
    path = seeds / "abandoned_cart.journey"
    bad = path.read_text().replace(UNGUARDED, "  if profile.x == 1 { send push cart_push }\n", 1)
    doc = open_doc(client, path, bad)
    _, actions = await _actions_for(client, doc, "W201")
    [wrap] = [a for a in actions if "consented" in a.title]
    fixed = apply_edits(bad, wrap.edit.changes[doc])
    assert "  if profile.x == 1 { if consented(push) { send push cart_push } }\n" in fixed
    assert _lint(seeds, path, fixed) == []


async def test_allow_comment(client, seeds):
    path = seeds / "abandoned_cart.journey"
    bad = path.read_text().replace(UNGUARDED, "  send push cart_push\n", 1)
    doc = open_doc(client, path, bad)
    _, actions = await _actions_for(client, doc, "W201")
    [allow] = [a for a in actions if a.title.startswith("Allow W201")]
    fixed = apply_edits(bad, allow.edit.changes[doc])
    assert "  # journeylang: allow W201 <reason>\n  send push cart_push\n" in fixed
    assert _lint(seeds, path, fixed) == []  # suppressed, and the suppression is used (no W208)


async def test_allow_comment_at_the_end_of_a_line(client, seeds):
    path = seeds / "abandoned_cart.journey"
    bad = path.read_text().replace(UNGUARDED, "  if profile.x == 1 { send push cart_push }\n", 1)
    doc = open_doc(client, path, bad)
    _, actions = await _actions_for(client, doc, "W201")
    [allow] = [a for a in actions if a.title.startswith("Allow W201")]
    fixed = apply_edits(bad, allow.edit.changes[doc])
    assert _lint(seeds, path, fixed) == []


async def test_errors_get_no_allow_comment(client, seeds):
    path = seeds / "order_confirmation.journey"
    bad = path.read_text().replace("send email order_confirmation", "send email order_confirmaton", 1)
    doc = open_doc(client, path, bad)
    _, actions = await _actions_for(client, doc, "E102")
    assert [a.title for a in actions] == ["Change `order_confirmaton` to `order_confirmation`"]
