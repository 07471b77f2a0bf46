"""The command line, one module per command family (`source_commands`: check, lint, fmt,
compile; `run_commands`: replay, why; `test_commands`: test, generate), a shared
`common` (exit codes, rendering) and `main` (parser and dispatch).

`journeylang.cli:main` is the console-script entry point.
"""
from .main import main

__all__ = ["main"]
