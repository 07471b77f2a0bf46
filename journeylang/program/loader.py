"""Load a program: find `.journey` files, parse them, index the declarations.

Consumes: paths given on the command line (files, or folders searched recursively).
Produces: a `Program` — parsed files, declarations indexed per kind (each kind has its own
namespace), the project root — plus parse diagnostics.
Guarantees: files are taken in sorted path order, so every later pass sees declarations
in one deterministic order; unreadable files become E003 diagnostics, never exceptions.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..diagnostics.model import Diagnostic
from ..syntax import ast as A
from ..syntax.parser import parse_source


@dataclass
class Program:
    files: list[A.SourceFile] = field(default_factory=list)
    root: str = "."
    segments: dict[str, A.SegmentDecl] = field(default_factory=dict)
    journeys: dict[str, A.JourneyDecl] = field(default_factory=dict)
    messages: dict[str, A.MessageDecl] = field(default_factory=dict)
    lookups: dict[str, A.LookupDecl] = field(default_factory=dict)
    policies: list[A.PolicyDecl] = field(default_factory=list)
    file_count: int = 0  # files read, including those that failed to parse
    duplicates: list[tuple[A.Decl, A.Decl]] = field(default_factory=list)  # (later, first)

    def source_of(self, path: str) -> Optional[A.SourceFile]:
        for source in self.files:
            if source.path == path:
                return source
        return None

    def declarations(self) -> Iterable[A.Decl]:
        for source in self.files:
            yield from source.decls


def find_journey_files(paths: Iterable[str]) -> tuple[list[str], list[Diagnostic]]:
    found: list[str] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found.extend(os.path.join(dirpath, name) for name in sorted(filenames) if name.endswith(".journey"))
        elif path.is_file():
            found.append(str(path))
        else:
            span = A.Span(file=str(path), line=1, column=1, end_line=1, end_column=1)
            problems.append(Diagnostic("E003", f"no such file or folder: {raw}", span))
    unique = sorted(dict.fromkeys(os.path.normpath(p) for p in found))
    return unique, problems


def project_root(paths: Iterable[str]) -> str:
    """The folder that file references must stay inside: the common folder of the inputs."""
    folders = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths]
    return os.path.commonpath(folders) if folders else os.path.abspath(".")


def load_program(paths: list[str], sources: Optional[dict[str, str]] = None) -> tuple[Program, list[Diagnostic]]:
    """Parse every file under `paths` (or the given in-memory `sources`: path -> text)."""
    diagnostics: list[Diagnostic] = []
    if sources is None:
        files, diagnostics = find_journey_files(paths)
        texts = {}
        for path in files:
            try:
                texts[path] = Path(path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                span = A.Span(file=path, line=1, column=1, end_line=1, end_column=1)
                diagnostics.append(Diagnostic("E003", f"cannot read {path}: {exc}", span))
        root = project_root(paths) if paths else os.path.abspath(".")
    else:
        texts = dict(sorted(sources.items()))
        root = project_root(list(texts)) if texts else os.path.abspath(".")
    program = Program(root=root, file_count=len(texts))
    for path, text in texts.items():
        source, problems = parse_source(text, path)
        diagnostics.extend(problems)
        if source is not None:
            program.files.append(source)
    _index(program)
    return program, diagnostics


def _index(program: Program) -> None:
    tables = {A.SegmentDecl: program.segments, A.JourneyDecl: program.journeys,
              A.MessageDecl: program.messages, A.LookupDecl: program.lookups}
    for decl in program.declarations():
        if isinstance(decl, A.PolicyDecl):
            program.policies.append(decl)
            continue
        table = tables[type(decl)]
        name = decl.name.name
        if name in table:
            program.duplicates.append((decl, table[name]))
        else:
            table[name] = decl
