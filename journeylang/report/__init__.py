"""The HTML report of a replay: journey graphs with their counts, charts and a summary.

Consumes: a replay's output folder (`journeylang replay --out DIR`) and the program that
was replayed (its `Analysis`: compiled graphs, for the layout and the node labels).
Produces: one self-contained HTML file (`write_html_report`).
Guarantees: see `page.py`; bad input raises `ReportInputError` with a one-line message.
"""
from .inputs import ReportInputError
from .page import build_data, render_html, write_html_report

__all__ = ["ReportInputError", "build_data", "render_html", "write_html_report"]
