"""Source spans: where a node, a token or a diagnostic sits in a `.journey` file.

Consumes: nothing. Produces: `Span`, an immutable (file, 1-based line and column, end)
record. Guarantees: spans are frozen and hashable; they are the one location type shared
by the AST (`syntax.ast`, which re-exports it as `ast.Span`) and the diagnostics.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def at(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"
