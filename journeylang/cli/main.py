"""The `journeylang` command line: the parser, built from the command families, and
the dispatch.

Consumes: argv. Produces: what the command prints and writes; an exit code.
Guarantees: exit code 0 success, 1 the input has errors (diagnostics, failing tests,
unreadable logs), 2 usage errors. Bad input never produces a traceback; an internal
error prints one line (set JOURNEYLANG_DEBUG=1 to see the traceback). A new command goes
in the family module it belongs to (or a new one listed in `FAMILIES`).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

from .. import __version__
from . import diff_commands, lsp_commands, report_commands, run_commands, scale_commands, source_commands
from . import test_commands
from . import common
from .common import EXIT_INPUT, EXIT_OK, Parser, Stop, add_color

# Command families, in the order `journeylang --help` lists them.
FAMILIES = (source_commands, run_commands, diff_commands, report_commands, test_commands, lsp_commands,
            scale_commands)


def version_text() -> str:
    """`journeylang --version`: ours, then the libraries and the Python that decide behaviour."""
    from importlib.metadata import PackageNotFoundError, version
    parts = []
    for package in ("lark", "jinja2"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} (not installed)")
    python = ".".join(str(n) for n in sys.version_info[:3])
    return f"journeylang {__version__} ({', '.join(parts)}, Python {python} {sys.implementation.name})"


class _Version(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit()


EPILOG = """\
examples:
  journeylang check journeys/                    errors only; exit 1 when there are any
  journeylang lint journeys/ --format github     warnings as GitHub annotations
  journeylang test journeys/ --format junit > report.xml
  journeylang replay journeys/ --events log.jsonl --out out/
  journeylang why ann@example.com --out out/     a profile's way through the journeys

configuration: [tool.journeylang] in pyproject.toml or a journeylang.toml (see
`journeylang config`); colour: --color, NO_COLOR, FORCE_COLOR. Docs: docs/cli.md."""


def build_parser() -> Parser:
    parser = Parser(prog="journeylang", description="Customer journeys as code: check, lint, format, "
                    "compile and replay .journey programs.", epilog=EPILOG)
    parser.add_argument("--version", action=_Version,
                        help="print the versions of journeylang, lark, jinja2 and Python, and exit")
    parser.add_argument("--color", "--colour", dest="color", choices=("auto", "always", "never"), default="auto",
                        help="colour on a terminal: auto, always or never (NO_COLOR / FORCE_COLOR are honoured "
                             "under auto; e.g. --color never)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for family in FAMILIES:
        family.register(commands)
    for sub in commands.choices.values():   # every command takes --color too (after its name)
        if not any("--color" in action.option_strings for action in sub._actions):
            add_color(sub)
    return parser


def parse(argv: Optional[list[str]] = None):
    """Options and positionals in any order: positionals left over after the options (as in
    `why PROFILE --out DIR PATH`) join the command's PATH list."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        options = [item for item in extra if item.startswith("-") and item != "-"]
        if options or not hasattr(args, "paths"):
            parser.error(f"unrecognized arguments: {' '.join(options or extra)}")
        args.paths = list(args.paths or []) + extra
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse(argv)
    common.COLOUR_ARGS = args
    try:
        return args.run(args)
    except Stop as stop:
        print(stop.message, file=sys.stderr)
        return stop.code
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
