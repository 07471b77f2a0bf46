"""What every command family shares: exit codes, the argument parser class, and the one
way a program's diagnostics reach the terminal.

Consumes: parsed arguments and `Analysis` results. Produces: rendered diagnostics on
stdout/stderr and exit codes. Guarantees: exit code 0 success, 1 the input has errors,
2 usage errors; diagnostics are rendered only here (through `diagnostics.render`).
"""
from __future__ import annotations

import argparse
import os
import sys

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        print(f"journeylang: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def analyse(paths: list[str], lint: bool = False):
    from ..pipeline import analyse as run_pipeline
    return run_pipeline(paths, lint=lint)


def checked(paths: list[str]):
    """The analysis of a program that must be free of errors (else they are printed: None)."""
    analysis = analyse(paths)
    if analysis.diagnostics.has_errors:
        report(analysis, "text", warnings=False, out=sys.stderr)
        return None
    return analysis


def sources_of(analysis) -> dict[str, str]:
    return with_missing_sources({s.path: s.text for s in analysis.program.files}, analysis.diagnostics.items)


def with_missing_sources(sources: dict[str, str], diagnostics) -> dict[str, str]:
    """Add the text of files diagnostics point into that were not parsed (templates, bad files)."""
    for diag in diagnostics:
        if diag.span and diag.span.file not in sources and os.path.isfile(diag.span.file):
            try:
                with open(diag.span.file, encoding="utf-8") as handle:
                    sources[diag.span.file] = handle.read()
            except (OSError, UnicodeDecodeError):
                pass
    return sources


def report(analysis, fmt: str, *, warnings: bool, out=None) -> tuple[int, int]:
    """Print the analysis's diagnostics (errors, and warnings when asked): (errors, warnings)."""
    from ..diagnostics.render import render_json, render_text, summary_line
    out = out or sys.stdout
    diagnostics = [d for d in analysis.sorted_diagnostics() if warnings or d.severity == "error"]
    errors = sum(1 for d in diagnostics if d.severity == "error")
    if fmt == "json":
        print(render_json(diagnostics, files=analysis.program.file_count), file=out)
    else:
        if diagnostics:
            print(render_text(diagnostics, sources_of(analysis)), file=out)
        count = analysis.program.file_count
        print(summary_line(diagnostics) + f" in {count} file" + ("s" if count != 1 else ""), file=out)
    return errors, len(diagnostics) - errors
