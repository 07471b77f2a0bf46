"""Commands over program text: `check`, `lint`, `fmt` and `compile`.

Consumes: program paths. Produces: diagnostics, formatted sources, exported graphs.
Guarantees: exit 0 clean, 1 errors (or warnings with `lint --strict`, or files that
`fmt --check` would change); nothing is written unless `fmt -w` or `compile -o` asks.
`check` and `lint` read the configuration (`journeylang config` shows it) and print in
text, json, github, sarif or junit.
"""
from __future__ import annotations

import sys

import argparse

from . import config_commands
from .common import (DIAGNOSTIC_FORMATS, EXIT_INPUT, EXIT_OK, add_config, add_format, analyse, checked,
                     colour_wanted_for, program_paths, report, settings_for, with_missing_sources)


CHECK_EPILOG = """\
examples:
  journeylang check journeys/
  journeylang check journeys/ --format sarif > journeylang.sarif"""

LINT_EPILOG = """\
examples:
  journeylang lint journeys/ --strict
  journeylang lint journeys/ --format github --ignore W206     (in a GitHub Actions step)"""


def register(commands) -> None:
    check = commands.add_parser("check", help="parse and check; errors only", epilog=CHECK_EPILOG,
                                description="Parse and check a program; report its errors (exit 1 when there "
                                            "are any).")
    check.set_defaults(run=cmd_check)
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="program files or folders searched for .journey files (default: the configured "
                            "`paths`; e.g. journeys/)")
    add_format(check, DIAGNOSTIC_FORMATS)
    add_config(check, selection=False)

    lint = commands.add_parser("lint", help="check and report warnings", epilog=LINT_EPILOG,
                               description="Check a program and report its errors and warnings (exit 1 on "
                                           "errors, and on warnings with --strict).")
    lint.set_defaults(run=cmd_lint)
    lint.add_argument("paths", nargs="*", metavar="PATH",
                      help="program files or folders (default: the configured `paths`; e.g. journeys/)")
    lint.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                      help="warnings fail the run (exit 1); --no-strict overrides a configured `strict = true` "
                           "(default: the configured `strict`, else off)")
    add_format(lint, DIAGNOSTIC_FORMATS)
    add_config(lint)

    fmt = commands.add_parser("fmt", help="print the canonical formatting", epilog="""\
examples:
  journeylang fmt journeys/welcome.journey      print the formatted file
  journeylang fmt --check journeys/             exit 1 when a file would change (CI)
  journeylang fmt -w journeys/                  rewrite in place""")
    fmt.set_defaults(run=cmd_fmt)
    fmt.add_argument("paths", nargs="*", metavar="PATH",
                     help="program files or folders (default: the configured `paths`; e.g. journeys/)")
    group = fmt.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true",
                       help="print the files that would change and exit 1 if any (e.g. in CI)")
    group.add_argument("-w", "--write", action="store_true", help="rewrite the files in place (e.g. fmt -w journeys/)")
    add_config(fmt, selection=False)

    comp = commands.add_parser("compile", help="compile journeys to graphs (JSON, DOT, Mermaid)", epilog="""\
examples:
  journeylang compile journeys/ --journey cart_abandonment --format mermaid
  journeylang compile journeys/ --format dot -o graphs.dot""")
    comp.set_defaults(run=cmd_compile)
    comp.add_argument("paths", nargs="*", metavar="PATH",
                      help="program files or folders (default: the configured `paths`; e.g. journeys/)")
    comp.add_argument("--journey", metavar="NAME", help="only this journey (e.g. --journey welcome)")
    comp.add_argument("--format", choices=("json", "dot", "mermaid"), default="json",
                      help="graph format (e.g. --format dot)")
    comp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout (e.g. -o graph.json)")
    add_config(comp, selection=False)

    config_commands.register(commands)


def cmd_check(args) -> int:
    settings = settings_for(args, args.paths)
    paths = program_paths(args, settings)
    errors, _ = report(analyse(paths), args.format, warnings=False, settings=settings, suite="journeylang check")
    return EXIT_INPUT if errors else EXIT_OK


def cmd_lint(args) -> int:
    settings = settings_for(args, args.paths)
    paths = program_paths(args, settings)
    strict = settings.strict
    errors, warnings = report(analyse(paths, lint=True), args.format, warnings=True, settings=settings,
                              strict=strict, suite="journeylang lint")
    return EXIT_INPUT if errors or (strict and warnings) else EXIT_OK


def cmd_fmt(args) -> int:
    from ..diagnostics.render import render_text
    from ..format.printer import format_source
    from ..program.loader import load_program
    program, diagnostics = load_program(program_paths(args))
    if diagnostics:
        sources = with_missing_sources({s.path: s.text for s in program.files}, diagnostics)
        print(render_text(sorted(diagnostics, key=lambda d: d.sort_key()), sources, colour_wanted_for(sys.stderr)),
              file=sys.stderr)
        return EXIT_INPUT
    changed = []
    for source in program.files:
        formatted = format_source(source)
        if formatted != source.text:
            changed.append(source.path)
        if args.write:
            if formatted != source.text:
                with open(source.path, "w", encoding="utf-8") as handle:
                    handle.write(formatted)
        elif not args.check:
            if len(program.files) > 1:
                print(f"==> {source.path} <==")
            sys.stdout.write(formatted)
    if args.check:
        for path in changed:
            print(f"would reformat {path}")
        print(f"{len(changed)} of {len(program.files)} files would be reformatted")
        return EXIT_INPUT if changed else EXIT_OK
    if args.write:
        print(f"reformatted {len(changed)} of {len(program.files)} files", file=sys.stderr)
    return EXIT_OK


def cmd_compile(args) -> int:
    from ..compile import export
    analysis = checked(program_paths(args))
    if analysis is None:
        return EXIT_INPUT
    graphs = analysis.graphs
    if args.journey:
        if args.journey not in graphs:
            known = ", ".join(sorted(graphs)) or "none"
            print(f"journeylang: no journey named `{args.journey}` (journeys: {known})", file=sys.stderr)
            return EXIT_INPUT
        graphs = {args.journey: graphs[args.journey]}
    render = {"json": export.to_json, "dot": export.to_dot, "mermaid": export.to_mermaid}[args.format]
    text = render(graphs)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK
