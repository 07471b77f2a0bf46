"""Find the configuration file that governs some paths, as ruff finds its own.

Consumes: the paths given on the command line (or none: the current folder).
Produces: the first `journeylang.toml`, or `pyproject.toml` that has a `[tool.journeylang]`
table, in the folder of the first path or any folder above it; None when there is none.
Guarantees: in one folder `journeylang.toml` wins over `pyproject.toml`; a
`pyproject.toml` without the table is passed over (the search goes on upwards); reads
files only, never writes.
"""
from __future__ import annotations

import os
import re
from typing import Iterable, Optional

NAMES = ("journeylang.toml", "pyproject.toml")
_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*journeylang\s*[\].]", re.MULTILINE)


def _start(paths: Iterable[str]) -> str:
    for path in paths:
        absolute = os.path.abspath(path)
        if os.path.isdir(absolute):
            return absolute
        return os.path.dirname(absolute)
    return os.path.abspath(".")


def has_table(pyproject: str) -> bool:
    try:
        with open(pyproject, encoding="utf-8") as handle:
            return bool(_TABLE.search(handle.read()))
    except (OSError, UnicodeDecodeError):
        return False


def find_config(paths: Iterable[str] = ()) -> Optional[str]:
    folder = _start(paths)
    while True:
        candidate = os.path.join(folder, "journeylang.toml")
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate) and has_table(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
