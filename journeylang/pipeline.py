"""The compiler pipeline: an explicit, ordered tuple of passes over one `Analysis`.

Consumes: paths (or in-memory sources). Produces: an `Analysis` — the program, the
diagnostics, the compiled graphs and the side tables later passes and the runtime use.
Guarantees: passes run in the order of `CHECK_PASSES` / `LINT_PASSES`; a pass never
prints or exits, it only adds diagnostics and fills side tables; the AST is never mutated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import networkx as nx

from . import ast as A
from .compiler import compile_journey
from .diagnostics import Diagnostic, DiagnosticBag
from .program import Program, load_program


@dataclass
class Analysis:
    program: Program
    diagnostics: DiagnosticBag = field(default_factory=DiagnosticBag)
    graphs: dict[str, nx.DiGraph] = field(default_factory=dict)
    # id(statement or pattern node) -> {name: kind} of the names visible there
    # (kinds: "alias", "enrich", "send"); filled by the scope pass.
    scopes: dict[int, dict[str, str]] = field(default_factory=dict)
    # name of a message -> the Send nodes that use it (filled by the name pass)
    sends_of_message: dict[str, list[A.Send]] = field(default_factory=dict)

    def sorted_diagnostics(self) -> list[Diagnostic]:
        return self.diagnostics.sorted()


Pass = Callable[[Analysis], None]


def compile_graphs(analysis: Analysis) -> None:
    """Compile every journey (by name) into its graph."""
    for name in sorted(analysis.program.journeys):
        analysis.graphs[name] = compile_journey(analysis.program.journeys[name])


def _check_passes() -> tuple[Pass, ...]:
    from .checks import CHECKS
    return (compile_graphs, *CHECKS)


def _lint_passes() -> tuple[Pass, ...]:
    from .lint import lint_program
    return (*_check_passes(), lint_program)


def analyse(paths: list[str], *, lint: bool = False, sources: Optional[dict[str, str]] = None) -> Analysis:
    """Parse and run the check passes (and the lint pass when `lint`)."""
    program, parse_diagnostics = load_program(paths, sources)
    analysis = Analysis(program=program)
    analysis.diagnostics.extend(parse_diagnostics)
    for run_pass in (_lint_passes() if lint else _check_passes()):
        run_pass(analysis)
    return analysis
