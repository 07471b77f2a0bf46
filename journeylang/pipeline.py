"""The compiler pipeline: an explicit, ordered tuple of passes over one `Analysis`.

Consumes: paths (or in-memory sources). Produces: an `Analysis` — the program, the
diagnostics, the compiled graphs and the side tables later passes and the runtime use.
Guarantees: passes run in the order of `CHECK_PASSES` / `LINT_PASSES`; a pass never
prints or exits, it only adds diagnostics and fills side tables; the AST is never mutated.
"""
from __future__ import annotations

from typing import Optional

from .checks import CHECKS
from .compile.graph import compile_journey
from .lint import lint_program
from .program.analysis import Analysis, Pass
from .program.loader import load_program


def compile_graphs(analysis: Analysis) -> None:
    """Compile every journey (by name) into its graph."""
    for name in sorted(analysis.program.journeys):
        analysis.graphs[name] = compile_journey(analysis.program.journeys[name])


# The ordered passes. `compile_graphs` comes first so every check can read the graphs.
CHECK_PASSES: tuple[Pass, ...] = (compile_graphs, *CHECKS)
LINT_PASSES: tuple[Pass, ...] = (*CHECK_PASSES, lint_program)


def analyse(paths: list[str], *, lint: bool = False, sources: Optional[dict[str, str]] = None) -> Analysis:
    """Parse and run the check passes (and the lint pass when `lint`)."""
    program, parse_diagnostics = load_program(paths, sources)
    analysis = Analysis(program=program)
    analysis.diagnostics.extend(parse_diagnostics)
    for run_pass in (LINT_PASSES if lint else CHECK_PASSES):
        run_pass(analysis)
    return analysis
