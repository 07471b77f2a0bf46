"""Apply the settings to a program's diagnostics.

Consumes: sorted diagnostics and `Settings`. Produces: the diagnostics to report — the
warnings not selected, ignored or ignored for their file's path dropped, severities
overridden (`level`).
Guarantees: errors are always kept (the settings refuse to ignore them); selection is by
the most specific selector, as ruff does: `ignore = ["W2"]` with `extend-select =
["W201"]` keeps W201, and on a tie `ignore` wins; `ALL` is the least specific. Order is
kept, so the output stays sorted and deterministic.
"""
from __future__ import annotations

import os
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Iterable

from ..diagnostics.model import Diagnostic
from .settings import Settings


def _specificity(selector: str, code: str) -> int:
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


def enabled(code: str, selected: Iterable[str], ignored: Iterable[str]) -> bool:
    if code.startswith("E"):
        return True
    best_on = max((_specificity(s, code) for s in selected), default=-1)
    best_off = max((_specificity(s, code) for s in ignored), default=-1)
    return best_on >= 0 and best_on > best_off


def _path_matches(glob: str, path: str) -> bool:
    glob = glob.rstrip("/")
    return fnmatchcase(path, glob) or path.startswith(glob + "/") or fnmatchcase(path, glob + "/*") \
        or ("**" in glob and fnmatchcase(path, glob.replace("**/", "")))


def path_ignores(settings: Settings, file: str) -> list[str]:
    """The codes ignored for `file` by `per-path-ignores` (globs relative to the file's folder)."""
    relative = os.path.relpath(os.path.abspath(file), settings.root).replace(os.sep, "/")
    return [code for glob, codes in settings.per_path_ignores if _path_matches(glob, relative) for code in codes]


def apply_config(diagnostics: list[Diagnostic], settings: Settings) -> list[Diagnostic]:
    selected = settings.select + settings.extend_select
    levels = dict(settings.severity)
    kept = []
    for diag in diagnostics:
        ignored = settings.ignore
        if diag.span is not None and settings.per_path_ignores:
            ignored = ignored + tuple(path_ignores(settings, diag.span.file))
        if not enabled(diag.code, selected, ignored):
            continue
        if diag.code in levels and levels[diag.code] != diag.severity:
            diag = replace(diag, level=levels[diag.code])
        kept.append(diag)
    return kept
