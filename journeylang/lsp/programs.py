"""The programs the editor has open: a file's program, analysed, with its symbols.

Consumes: a file path, and a way to read the editor's unsaved text of a path (open
documents win over the disk). Produces: `Snapshot` — the program's sources, the
`Analysis` of `journeylang.pipeline.analyse(..., lint=True)` (the same diagnostics as
`journeylang lint FOLDER`), the per-file recovered declarations and the `SymbolIndex`.
Guarantees: the program of a file is its folder's `.journey` files, found as the CLI
finds them (`program.loader.find_journey_files`), plus any open unsaved `.journey`
document in that folder; a snapshot is recomputed only when some source text changed;
nothing here raises on bad input (an internal failure becomes an empty analysis).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..diagnostics.model import Diagnostic
from ..pipeline import analyse
from ..program.analysis import Analysis
from ..program.loader import Program, find_journey_files
from ..syntax import ast as A
from .index import SymbolIndex, build_index
from .recovery import Recovered, recover

ReadOpen = Callable[[str], Optional[str]]  # path -> unsaved text of an open document, or None


@dataclass
class Snapshot:
    folder: str
    sources: dict[str, str]
    analysis: Analysis
    recovered: dict[str, Recovered]
    index: SymbolIndex
    internal_error: Optional[str] = None
    _vocabulary: object = field(default=None, repr=False)

    @property
    def program(self) -> Program:
        return self.analysis.program

    _lines: dict = field(default_factory=dict, repr=False)

    def lines(self, path: str) -> list[str]:
        """The lines of a file of the program (or another file a location points to)."""
        if path not in self._lines:
            text = self.sources.get(path)
            if text is None:
                try:
                    text = Path(path).read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError):
                    text = ""
            self._lines[path] = text.split("\n")
        return self._lines[path]

    def diagnostics_by_file(self) -> dict[str, list[Diagnostic]]:
        found: dict[str, list[Diagnostic]] = {path: [] for path in self.sources}
        for diag in self.analysis.sorted_diagnostics():
            path = diag.span.file if diag.span is not None and diag.span.file in self.sources else None
            if path is None:  # no span (E199) or a file outside the program: show it on every file
                for items in found.values():
                    items.append(diag)
            else:
                found[path].append(diag)
        return found

    def known_path(self, written: str) -> Optional[str]:
        """The program path a file name in a diagnostic message refers to."""
        if written in self.sources:
            return written
        for path in self.sources:
            if path.endswith(os.sep + written) or os.path.basename(path) == os.path.basename(written):
                return path
        return None

    def decls(self) -> list[A.Decl]:
        return [decl for rec in self.recovered.values() for decl in rec.decls]

    def vocabulary(self):
        if self._vocabulary is None:
            from .vocabulary import Vocabulary
            self._vocabulary = Vocabulary.collect(self.folder, self.decls())
        return self._vocabulary


class Programs:
    """Caches, per program folder, its file list (walked once, again after `forget`), the
    disk texts (re-read when a file's modification time changes) and one snapshot."""

    def __init__(self, read_open: ReadOpen, open_paths: Callable[[], list[str]]) -> None:
        self.read_open = read_open
        self.open_paths = open_paths
        self._cache: dict[str, Snapshot] = {}
        self._files: dict[str, list[str]] = {}
        self._disk: dict[str, tuple[float, str]] = {}

    def program_files(self, path: str) -> dict[str, str]:
        """path -> text of every file of the program that `path` belongs to."""
        path = os.path.abspath(path)
        folder = os.path.dirname(path)
        if folder not in self._files:
            found, _ = find_journey_files([folder])
            self._files[folder] = [os.path.abspath(p) for p in found]
        files = set(self._files[folder])
        files.update(p for p in self.open_paths() if p.endswith(".journey") and
                     os.path.commonpath([folder, os.path.abspath(p)]) == folder)
        files.add(path)
        texts: dict[str, str] = {}
        for file in sorted(files):
            text = self.read_open(file)
            if text is None:
                text = self._read_disk(file)
            if text is not None:
                texts[file] = text
        return texts

    def _read_disk(self, file: str) -> Optional[str]:
        try:
            mtime = os.stat(file).st_mtime_ns
            cached = self._disk.get(file)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            self._disk.pop(file, None)
            return None
        self._disk[file] = (mtime, text)
        return text

    def snapshot(self, path: str) -> Snapshot:
        path = os.path.abspath(path)
        folder = os.path.dirname(path)
        sources = self.program_files(path)
        cached = self._cache.get(folder)
        if cached is not None and cached.sources == sources:
            return cached
        snapshot = build_snapshot(folder, sources)
        self._cache[folder] = snapshot
        return snapshot

    def forget(self, folder: str) -> None:
        """Drop what is known of a folder's programs (files were created, deleted or changed)."""
        for known in list(self._cache):
            if known == folder or known.startswith(folder + os.sep):
                self._cache.pop(known, None)
        for known in list(self._files):
            if known == folder or known.startswith(folder + os.sep):
                self._files.pop(known, None)


def build_snapshot(folder: str, sources: dict[str, str]) -> Snapshot:
    error = None
    try:
        analysis = analyse(list(sources), lint=True, sources=sources)
    except Exception as exc:  # a compiler bug must not take the editor down
        analysis = Analysis(program=Program(root=folder))
        error = f"{type(exc).__name__}: {exc}"
    parsed = {source.path: source for source in analysis.program.files}
    recovered: dict[str, Recovered] = {}
    for path, text in sources.items():
        recovered[path] = recover(text, path, parsed.get(path))
    index = build_index({path: rec.decls for path, rec in recovered.items()})
    return Snapshot(folder=folder, sources=sources, analysis=analysis, recovered=recovered,
                    index=index, internal_error=error)
