"""The `journeylang` command line: the parser, built from the command families, and
the dispatch.

Consumes: argv. Produces: what the command prints and writes; an exit code.
Guarantees: exit code 0 success, 1 the input has errors (diagnostics, failing tests,
unreadable logs), 2 usage errors. Bad input never produces a traceback; an internal
error prints one line (set JOURNEYLANG_DEBUG=1 to see the traceback). A new command goes
in the family module it belongs to (or a new one listed in `FAMILIES`).
"""
from __future__ import annotations

import os
import sys
from typing import Optional

from .. import __version__
from . import lsp_commands, report_commands, run_commands, source_commands, test_commands
from .common import EXIT_INPUT, EXIT_OK, Parser

# Command families, in the order `journeylang --help` lists them.
FAMILIES = (source_commands, run_commands, report_commands, test_commands, lsp_commands)


def build_parser() -> Parser:
    parser = Parser(prog="journeylang", description="Customer journeys as code: check, lint, format, "
                    "compile and replay .journey programs.")
    parser.add_argument("--version", action="version", version=f"journeylang {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for family in FAMILIES:
        family.register(commands)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("journeylang: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback for users; JOURNEYLANG_DEBUG=1 shows it
        if os.environ.get("JOURNEYLANG_DEBUG"):
            raise
        print(f"journeylang: internal error: {type(exc).__name__}: {exc} "
              "(please report it; JOURNEYLANG_DEBUG=1 shows the details)", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
