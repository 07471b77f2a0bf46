"""The `report` command: the HTML report of a replay's output folder.

Consumes: a replay's output folder and the program that was replayed (PATH...).
Produces: one self-contained HTML file (default OUT_DIR/report.html); prints its path
and size.
Guarantees: a folder that is not a replay's outputs, or outputs of another program, is
an input error (1) with a one-line message; a program with errors prints them (1).
"""
from __future__ import annotations

import os
import sys

from .common import EXIT_INPUT, EXIT_OK, checked


def register(commands) -> None:
    report = commands.add_parser("report", help="write the HTML report of a replay's output folder", epilog="""\
examples:
  journeylang report out/replay journeys/
  journeylang report out/replay journeys/ -o site/report.html""")
    report.set_defaults(run=cmd_report)
    report.add_argument("out_dir", metavar="OUT_DIR", help="the folder `replay --out` wrote (e.g. out/replay)")
    report.add_argument("paths", nargs="+", metavar="PATH", help="the program that was replayed (e.g. journeys/)")
    report.add_argument("-o", "--output", metavar="FILE", help="where to write (default OUT_DIR/report.html; e.g. -o site/report.html)")


def cmd_report(args) -> int:
    from ..report import ReportInputError, write_html_report
    if not os.path.isdir(args.out_dir):
        print(f"journeylang: {args.out_dir}: no such folder (give a replay's --out folder)", file=sys.stderr)
        return EXIT_INPUT
    analysis = checked(args.paths)
    if analysis is None:
        return EXIT_INPUT
    path = args.output or os.path.join(args.out_dir, "report.html")
    try:
        size = write_html_report(args.out_dir, analysis, path)
    except ReportInputError as exc:
        print(f"journeylang: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(f"report written to {path} ({size:,} bytes)")
    return EXIT_OK
