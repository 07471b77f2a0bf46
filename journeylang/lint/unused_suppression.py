"""W208 — unused suppression.

What it flags
    An allow comment (`# journeylang: allow CODE ...`) that removes nothing:
    * a code that is not a warning code (an error code, which can never be allowed, or
      no code at all);
    * an own-line comment followed by a blank line (it covers no construct);
    * a code no warning of which starts inside the covered construct or line.
    One diagnostic per comment, listing its unused codes.

Why it matters
    Suppressions outlive the warnings they were written for. A stale one hides the next
    real warning of that code in the same place and tells the reader a problem exists
    that does not. Reporting it keeps every allow comment meaningful (as ruff's RUF100
    does for `noqa`).

Example (triggers)::

    # journeylang: allow W201 the sends below were consent-checked upstream
    journey receipts {      # but every send in it is transactional: nothing to allow
      ...
    }

Fix: delete the comment, or the codes of it that no longer apply; move an own-line
comment directly above the construct it is meant for. W208 itself cannot be allowed.
"""
from __future__ import annotations

from typing import Iterable

from ..diagnostics.model import CODES, Diagnostic
from ..syntax.ast import Span
from .suppressions import Suppression

CODE = "W208"


def run(suppressions: list[Suppression], warnings: list[Diagnostic]) -> Iterable[Diagnostic]:
    """`warnings`: every rule's diagnostics before suppressions were applied."""
    found = []
    for allow in suppressions:
        span = Span(file=allow.file, line=allow.line, column=allow.column, end_line=allow.line,
                    end_column=allow.end_column)
        not_warnings = sorted(code for code in allow.codes if CODES.get(code, ("",))[0] != "warning")
        if allow.region is None:
            found.append(Diagnostic(CODE, "this allow comment covers nothing: a blank line follows it", span,
                                    "put it directly above the construct it is for, or delete it"))
            continue
        unused = sorted(code for code in allow.codes
                        if code not in not_warnings and not any(allow.covers(d) for d in warnings if d.code == code))
        problems = []
        for code in not_warnings:
            problems.append(f"`{code}` is an error code (errors cannot be allowed)" if code in CODES
                            else f"`{code}` is not a diagnostic code")
        if unused:
            listed = " or ".join(f"`{code}`" for code in unused)
            problems.append(f"no {listed} warning is reported where it applies")
        if problems:
            found.append(Diagnostic(CODE, "unused suppression: " + "; ".join(problems), span,
                                    "delete the comment, or the codes of it that no longer apply"))
    found.sort(key=Diagnostic.sort_key)
    return found
