"""The `Analysis`: what every compiler pass reads and fills.

Consumes: a loaded `Program`. Produces: the `Analysis` record (program, diagnostics,
compiled graphs, side tables) and the `Pass` type. Guarantees: this module sits below both
the pipeline (which runs passes over an `Analysis`) and the passes themselves, so neither
imports the other; the AST is never mutated, side tables are keyed by node identity.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import networkx as nx

from ..diagnostics.model import Diagnostic, DiagnosticBag
from ..syntax import ast as A
from .loader import Program


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
