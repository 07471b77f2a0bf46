"""Files a program refers to: lookup tables and message template files.

Consumes: `lookup NAME from "PATH"` declarations and `FIELD file "PATH"` message fields;
`analysis.program.root` (the folder file references must stay inside).
Produces: E144 a path that escapes the project root (then no other file diagnostic for
it), E140 a missing (or unreadable) lookup file, E141 a missing (or unreadable) template
file. Each is reported at the path string's span.
Also provides, for the template pass and the runtime: `resolve_reference` (a PATH as
written, relative to the declaring `.journey` file -> the path to open) and
`read_text_cached` (file text cached per path, size and modification time, so a
template shared by several messages is read once and an edited file is re-read).
Guarantees: never raises for a bad path; paths are resolved lexically (no symlink
resolution), so a project reached through a symlink is still "inside".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..program.analysis import Analysis
from ..syntax import ast as A


@dataclass(frozen=True)
class Reference:
    written: str  # the path as written in the source
    path: str  # the path to open: relative to the working folder when the source path was
    inside: bool  # inside the project root


def resolve_reference(program, declaring_file: str, written: str) -> Reference:
    """Resolve PATH relative to the folder of the `.journey` file that declares it."""
    base = os.path.dirname(declaring_file)
    path = os.path.normpath(os.path.join(base, written))
    root = os.path.abspath(program.root)
    absolute = os.path.abspath(path)
    try:
        inside = os.path.commonpath([root, absolute]) == root
    except ValueError:  # different drives
        inside = False
    return Reference(written=written, path=path, inside=inside)


def read_text_cached(path: str) -> tuple[Optional[str], Optional[str]]:
    """(text, None) or (None, reason). Cached per (path, size, modification time)."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        return None, _reason(exc)
    if not os.path.isfile(path):
        return None, "not a file"
    return _read(os.path.abspath(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=256)
def _read(path: str, _size: int, _mtime_ns: int) -> tuple[Optional[str], Optional[str]]:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(), None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except OSError as exc:
        return None, _reason(exc)


def _reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return exc.strerror.lower() if exc.strerror else str(exc)


def check_files(analysis: Analysis) -> None:
    program = analysis.program
    for decl in program.declarations():
        if isinstance(decl, A.LookupDecl):
            _lookup(analysis, decl)
        elif isinstance(decl, A.MessageDecl):
            for field in decl.fields:
                if field.is_file:
                    _template_file(analysis, decl, field)


def _outside(analysis: Analysis, ref: Reference, span: A.Span, what: str) -> bool:
    if ref.inside:
        return False
    analysis.diagnostics.add(
        "E144", f"{what} `{ref.written}` is outside the project", span,
        f"paths are relative to the declaring file and must stay inside `{_shown_root(analysis)}`")
    return True


def _shown_root(analysis: Analysis) -> str:
    root = analysis.program.root
    relative = os.path.relpath(root)
    return relative if not relative.startswith("..") else root


def _lookup(analysis: Analysis, lookup: A.LookupDecl) -> None:
    ref = resolve_reference(analysis.program, lookup.span.file, lookup.path)
    if _outside(analysis, ref, lookup.path_span, "lookup file"):
        return
    if os.path.isfile(ref.path):
        return
    reason = "is a folder" if os.path.isdir(ref.path) else "does not exist"
    analysis.diagnostics.add(
        "E140", f"lookup file `{lookup.path}` of lookup `{lookup.name.name}` {reason}", lookup.path_span,
        f"looked for `{ref.path}`; the path is relative to the folder of `{lookup.span.file}`")


def _template_file(analysis: Analysis, message: A.MessageDecl, field: A.MessageField) -> None:
    span = field.value_span or field.span
    ref = resolve_reference(analysis.program, message.span.file, field.value)
    if _outside(analysis, ref, span, "template file"):
        return
    text, reason = read_text_cached(ref.path)
    if text is not None:
        return
    if reason == "no such file":
        message_text = f"template file `{field.value}` of message `{message.name.name}` does not exist"
    else:
        message_text = f"cannot read template file `{field.value}` of message `{message.name.name}`: {reason}"
    analysis.diagnostics.add("E141", message_text, span,
                             f"looked for `{ref.path}`; the path is relative to the folder of `{message.span.file}`")
