"""The CI formats of diagnostics: GitHub workflow-command annotations (`github.py`),
SARIF 2.1.0 (`sarif.py`) and JUnit XML (`junit.py`). Text and JSON stay in `../render.py`.

Consumes: sorted `Diagnostic`s (and, for SARIF, the rules' documentation, given by the
caller: this floor cannot read the lint package). Produces: one string per format.
Guarantees: pure functions of their inputs, stable order, no colour.
"""
from .github import render_github
from .junit import render_junit
from .sarif import render_sarif

__all__ = ["render_github", "render_junit", "render_sarif"]
