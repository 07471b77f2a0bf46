"""Shared fixtures of the language-server tests: a copy of the seed journeys, a real LSP
client talking to `journeylang lsp` over stdio (pytest-lsp), and text helpers."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient

SEEDS = Path(__file__).resolve().parents[2] / "journeys"
_SCRIPT = Path(sys.executable).parent / "journeylang"
# the installed console script, as an editor starts it (else the same entry point via -c)
SERVER = [str(_SCRIPT), "lsp", "--debounce", "50"] if _SCRIPT.exists() else \
    [sys.executable, "-c", "import sys; from journeylang.cli import main; sys.exit(main(sys.argv[1:]))",
     "lsp", "--debounce", "50"]


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A writable copy of the seed journeys folder (one program)."""
    target = tmp_path / "journeys"
    shutil.copytree(SEEDS, target)
    return target


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")  # one server per module
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(T.InitializeParams(capabilities=T.ClientCapabilities(
        text_document=T.TextDocumentClientCapabilities(
            rename=T.RenameClientCapabilities(prepare_support=True),
            document_symbol=T.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=True),
            completion=T.CompletionClientCapabilities(),
            code_action=T.CodeActionClientCapabilities(code_action_literal_support=T.ClientCodeActionLiteralOptions(
                code_action_kind=T.ClientCodeActionKindOptions(value_set=[T.CodeActionKind.QuickFix]))),
            hover=T.HoverClientCapabilities(content_format=[T.MarkupKind.Markdown]),
        ))))
    yield
    await lsp_client.shutdown_session()

