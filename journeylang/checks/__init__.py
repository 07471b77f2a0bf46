"""The check passes (errors), in the order they run. See journeylang/pipeline.py.

Order matters: `check_names` fills `analysis.sends_of_message` and `check_scopes` fills
`analysis.scopes`; `check_templates` reads both, so it runs last. See docs/checks.md.
"""
from .declarations import check_declarations
from .expressions import check_expressions
from .files import check_files
from .names import check_names
from .scope import check_scopes
from .templates import check_templates

CHECKS: tuple = (
    check_names,
    check_scopes,
    check_declarations,
    check_expressions,
    check_files,
    check_templates,
)

__all__ = ["CHECKS", "check_names", "check_scopes", "check_declarations", "check_expressions",
           "check_files", "check_templates"]
