"""Diagnostics as data, and the registry of stable diagnostic codes.

Consumes: spans from the AST (or raw positions from the parser).
Produces: `Diagnostic` records and `DiagnosticBag`, a capped, location-sorted collector.
Guarantees: codes are stable and never renumbered (new codes get new numbers); passes
only *create* diagnostics, they never print them — rendering lives in `render.py` beside this module.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Literal, Optional

from .span import Span

Severity = Literal["error", "warning"]

# code -> (severity, short title). The README's diagnostic index is generated from this.
CODES: dict[str, tuple[Severity, str]] = {
    "E001": ("error", "syntax error"),
    "E002": ("error", "invalid literal"),
    "E003": ("error", "cannot read source file"),
    "E101": ("error", "undefined segment"),
    "E102": ("error", "undefined message"),
    "E103": ("error", "undefined lookup"),
    "E104": ("error", "undefined name"),
    "E105": ("error", "undefined journey"),
    "E106": ("error", "duplicate split label"),
    "E110": ("error", "duplicate declaration"),
    "E111": ("error", "alias out of scope"),
    "E112": ("error", "duplicate clause"),
    "E120": ("error", "channel mismatch between send and message"),
    "E121": ("error", "unknown channel"),
    "E122": ("error", "unknown message field for the channel"),
    "E123": ("error", "message has no channel"),
    "E130": ("error", "split percentages do not add up to 100"),
    "E131": ("error", "segment cycle"),
    "E132": ("error", "empty between window"),
    "E133": ("error", "invalid window"),
    "E134": ("error", "journey has no entry"),
    "E135": ("error", "timeout over 91d"),
    "E136": ("error", "unknown function or wrong arguments"),
    "E137": ("error", "invalid set target"),
    "E138": ("error", "invalid value"),
    "E140": ("error", "missing lookup file"),
    "E141": ("error", "missing template file"),
    "E142": ("error", "template syntax error"),
    "E143": ("error", "template name not in scope"),
    "E144": ("error", "file outside the project"),
    "E199": ("error", "too many errors"),
    "W201": ("warning", "marketing send not guarded by consent"),
    "W202": ("warning", "unreachable statement"),
    "W203": ("warning", "event entry without explicit reentry"),
    "W204": ("warning", "waits exceed the journey timeout"),
    "W205": ("warning", "two journeys entered by the same event without dedup"),
    "W206": ("warning", "unused declaration"),
    "W207": ("warning", "long look-back in a streaming segment"),
    "W208": ("warning", "unused suppression"),
    "W209": ("warning", "streaming segment reads now with no computable flip instant"),
}

MAX_ERRORS = 50


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Optional[Span]
    hint: Optional[str] = None
    level: Optional[Severity] = None  # a configured override of the code's severity (W201 as an error)

    @property
    def severity(self) -> Severity:
        return self.level or CODES[self.code][0]

    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)

    def to_json(self) -> dict:
        span = self.span
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "file": span.file if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
        }


class DiagnosticBag:
    """Collects diagnostics; `sorted()` returns them by location, errors capped."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, code: str, message: str, span: Optional[Span], hint: Optional[str] = None) -> None:
        if code not in CODES:
            raise KeyError(f"unregistered diagnostic code {code}")
        self.items.append(Diagnostic(code, message, span, hint))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        unique = sorted(set(self.items), key=Diagnostic.sort_key)
        errors = [d for d in unique if d.severity == "error"]
        if len(errors) <= MAX_ERRORS:
            return unique
        kept = set(errors[:MAX_ERRORS])
        result = [d for d in unique if d.severity != "error" or d in kept]
        result.append(Diagnostic("E199", f"too many errors: {len(errors) - MAX_ERRORS} more not shown",
                                 None, "fix the errors above and run check again"))
        return result


def did_you_mean(name: str, candidates: Iterable[str]) -> Optional[str]:
    """A 'did you mean' hint from the names in scope, or None."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None
