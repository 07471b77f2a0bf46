"""The language server: pygls wiring of the editor features over one `Programs` cache.

Consumes: LSP messages (stdio). Produces: published diagnostics (debounced, on open,
change and save, for every file of the changed document's program), and the answers to
hover, definition, references, completion, formatting, document symbols, folding, rename
and code actions (computed in `hover`, `navigate`, `completion`, `actions`).
Guarantees: diagnostics are `journeylang lint` on the document's folder program (with
unsaved editor text) converted in `convert.py`; files that leave a program get their
diagnostics cleared; an exception in a feature is logged to the client (window/logMessage,
type Error) and answered with an empty result, so no input takes the server down. A bad
rename is answered with a JSON-RPC error that says why.
"""
from __future__ import annotations

import asyncio
import functools
import os
import traceback
from typing import Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..format.printer import format_source
from . import actions, completion, hover, navigate
from .convert import from_position, path_of, to_lsp_diagnostic, to_range, uri_of
from .programs import Programs

DEBOUNCE_SECONDS = 0.25


class JourneyServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE_SECONDS) -> None:
        super().__init__("journeylang", __version__, text_document_sync_kind=T.TextDocumentSyncKind.Incremental)
        self.debounce = debounce
        self.programs = Programs(self._open_text, self._open_paths)
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.published: dict[str, set[str]] = {}  # program folder -> uris given diagnostics

    # ------------------------------------------------------------ documents
    def _open_text(self, path: str) -> Optional[str]:
        for uri, document in list(self.workspace.text_documents.items()):
            if path_of(uri) == path:
                return document.source
        return None

    def _open_paths(self) -> list[str]:
        return [path_of(uri) for uri in list(self.workspace.text_documents)]

    @property
    def codec(self):
        return self.workspace.position_codec

    def log(self, message: str, kind: T.MessageType = T.MessageType.Info) -> None:
        self.window_log_message(T.LogMessageParams(type=kind, message=message))

    # ------------------------------------------------------------ diagnostics
    def schedule(self, uri: str, delay: float) -> None:
        path = path_of(uri)
        folder = os.path.dirname(os.path.abspath(path))
        handle = self.pending.pop(folder, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_event_loop()
        self.pending[folder] = loop.call_later(delay, self._publish_guarded, path)

    def _publish_guarded(self, path: str) -> None:
        self.pending.pop(os.path.dirname(os.path.abspath(path)), None)
        try:
            self.publish(path)
        except Exception:  # keep serving; tell the client what broke
            self.log(f"journeylang: diagnostics failed: {traceback.format_exc()}", T.MessageType.Error)

    def publish(self, path: str) -> None:
        snapshot = self.programs.snapshot(path)
        if snapshot.internal_error:
            self.log(f"journeylang: internal error while checking: {snapshot.internal_error}", T.MessageType.Error)
        uris = set()
        for file, diagnostics in snapshot.diagnostics_by_file().items():
            uri = uri_of(file)
            uris.add(uri)
            converted = [to_lsp_diagnostic(d, snapshot.lines, self.codec, snapshot.known_path, fallback=file)
                         for d in diagnostics]
            self.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=converted))
        for gone in self.published.get(snapshot.folder, set()) - uris:
            self.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=gone, diagnostics=[]))
        self.published[snapshot.folder] = uris

    # ------------------------------------------------------------ helpers for features
    def at(self, uri: str, position: T.Position):
        path = path_of(uri)
        snapshot = self.programs.snapshot(path)
        line, column = from_position(position, snapshot.lines(os.path.abspath(path)), self.codec)
        return snapshot, os.path.abspath(path), line, column


def guarded(empty=None):
    """Answer `empty` (and log the traceback to the client) when a feature raises."""
    def wrap(handler):
        @functools.wraps(handler)
        def run(ls: JourneyServer, params):
            try:
                return handler(ls, params)
            except JsonRpcInvalidParams:
                raise
            except Exception:
                ls.log(f"journeylang: {handler.__name__} failed: {traceback.format_exc()}", T.MessageType.Error)
                return empty
        return run
    return wrap


def create_server(debounce: float = DEBOUNCE_SECONDS) -> JourneyServer:
    server = JourneyServer(debounce)

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open(ls: JourneyServer, params: T.DidOpenTextDocumentParams):
        ls.schedule(params.text_document.uri, 0)

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change(ls: JourneyServer, params: T.DidChangeTextDocumentParams):
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(T.TEXT_DOCUMENT_DID_SAVE)
    @guarded()
    def did_save(ls: JourneyServer, params: T.DidSaveTextDocumentParams):
        ls.schedule(params.text_document.uri, 0)

    @server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close(ls: JourneyServer, params: T.DidCloseTextDocumentParams):
        ls.schedule(params.text_document.uri, 0)  # the disk text replaces the unsaved one

    @server.feature(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded()
    def did_change_watched(ls: JourneyServer, params: T.DidChangeWatchedFilesParams):
        """A file changed on disk (another .journey file, a template, a lookup table): check
        again every program with an open document in that file's folder or above it."""
        changed = [os.path.abspath(path_of(change.uri)) for change in params.changes]
        for uri in list(ls.workspace.text_documents):
            folder = os.path.dirname(os.path.abspath(path_of(uri)))
            if any(path.startswith(folder + os.sep) for path in changed):
                ls.programs.forget(folder)  # the cache compares .journey texts only
                ls.schedule(uri, ls.debounce)

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    @guarded()
    def on_hover(ls: JourneyServer, params: T.HoverParams):
        snapshot, path, line, column = ls.at(params.text_document.uri, params.position)
        occ = snapshot.index.at(path, line, column)
        text = hover.hover_text(occ, snapshot) if occ is not None else None
        if not text:
            return None
        return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=text),
                       range=to_range(occ.span, snapshot.lines(path), ls.codec))

    @server.feature(T.TEXT_DOCUMENT_DEFINITION)
    @guarded(empty=[])
    def on_definition(ls: JourneyServer, params: T.DefinitionParams):
        snapshot, path, line, column = ls.at(params.text_document.uri, params.position)
        occ = snapshot.index.at(path, line, column)
        return navigate.definition(snapshot, occ, ls.codec) if occ is not None else []

    @server.feature(T.TEXT_DOCUMENT_REFERENCES)
    @guarded(empty=[])
    def on_references(ls: JourneyServer, params: T.ReferenceParams):
        snapshot, path, line, column = ls.at(params.text_document.uri, params.position)
        occ = snapshot.index.at(path, line, column)
        include = params.context.include_declaration if params.context else True
        return navigate.references(snapshot, occ, include, ls.codec) if occ is not None else []

    @server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=[" ", ".", "("]))
    @guarded(empty=[])
    def on_completion(ls: JourneyServer, params: T.CompletionParams):
        snapshot, path, line, column = ls.at(params.text_document.uri, params.position)
        return T.CompletionList(is_incomplete=False, items=completion.complete(snapshot, path, line, column))

    @server.feature(T.TEXT_DOCUMENT_FORMATTING)
    @guarded(empty=[])
    def on_formatting(ls: JourneyServer, params: T.DocumentFormattingParams):
        path = os.path.abspath(path_of(params.text_document.uri))
        snapshot = ls.programs.snapshot(path)
        recovered = snapshot.recovered.get(path)
        if recovered is None or recovered.source is None:
            ls.log("journeylang: the file has syntax errors; formatting skipped", T.MessageType.Warning)
            return []
        formatted = format_source(recovered.source)
        if formatted == recovered.text:
            return []
        lines = recovered.text.split("\n")
        end = T.Position(line=len(lines) - 1, character=ls.codec.client_num_units(lines[-1]))
        return [T.TextEdit(range=T.Range(start=T.Position(line=0, character=0), end=end), new_text=formatted)]

    @server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded(empty=[])
    def on_symbols(ls: JourneyServer, params: T.DocumentSymbolParams):
        path = os.path.abspath(path_of(params.text_document.uri))
        return navigate.document_symbols(ls.programs.snapshot(path), path, ls.codec)

    @server.feature(T.TEXT_DOCUMENT_FOLDING_RANGE)
    @guarded(empty=[])
    def on_folding(ls: JourneyServer, params: T.FoldingRangeParams):
        path = os.path.abspath(path_of(params.text_document.uri))
        return navigate.folding_ranges(ls.programs.snapshot(path), path)

    @server.feature(T.TEXT_DOCUMENT_PREPARE_RENAME)
    @guarded()
    def on_prepare_rename(ls: JourneyServer, params: T.PrepareRenameParams):
        snapshot, path, line, column = ls.at(params.text_document.uri, params.position)
        return navigate.prepare_rename(snapshot, snapshot.index.at(path, line, column), ls.codec)

    @server.feature(T.TEXT_DOCUMENT_RENAME)
    @guarded()
    def on_rename(ls: JourneyServer, params: T.RenameParams):
        snapshot, path, line, column = ls.at(params.text_document.uri, params.position)
        try:
            return navigate.rename(snapshot, snapshot.index.at(path, line, column), params.new_name, ls.codec)
        except navigate.RenameError as exc:
            raise JsonRpcInvalidParams(str(exc)) from None

    @server.feature(T.TEXT_DOCUMENT_CODE_ACTION,
                    T.CodeActionOptions(code_action_kinds=[T.CodeActionKind.QuickFix]))
    @guarded(empty=[])
    def on_code_action(ls: JourneyServer, params: T.CodeActionParams):
        path = os.path.abspath(path_of(params.text_document.uri))
        snapshot = ls.programs.snapshot(path)
        return actions.code_actions(snapshot, path, params.range.start.line + 1, params.range.end.line + 1, ls.codec)

    return server


def serve(debounce: float = DEBOUNCE_SECONDS) -> None:
    """Run the server over stdio until the client exits."""
    create_server(debounce).start_io()
