"""Commands over program text: `check`, `lint`, `fmt` and `compile`.

Consumes: program paths. Produces: diagnostics, formatted sources, exported graphs.
Guarantees: exit 0 clean, 1 errors (or warnings with `lint --strict`, or files that
`fmt --check` would change); nothing is written unless `fmt -w` or `compile -o` asks.
"""
from __future__ import annotations

import sys

from .common import EXIT_INPUT, EXIT_OK, add_format, analyse, checked, report, with_missing_sources


def register(commands) -> None:
    check = commands.add_parser("check", help="parse and check; errors only")
    check.set_defaults(run=cmd_check)
    check.add_argument("paths", nargs="+", metavar="PATH")
    add_format(check)

    lint = commands.add_parser("lint", help="check and report warnings")
    lint.set_defaults(run=cmd_lint)
    lint.add_argument("paths", nargs="+", metavar="PATH")
    lint.add_argument("--strict", action="store_true", help="warnings fail (exit 1)")
    add_format(lint)

    fmt = commands.add_parser("fmt", help="print the canonical formatting")
    fmt.set_defaults(run=cmd_fmt)
    fmt.add_argument("paths", nargs="+", metavar="PATH")
    group = fmt.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="exit 1 when a file is not formatted")
    group.add_argument("-w", "--write", action="store_true", help="rewrite the files in place")

    comp = commands.add_parser("compile", help="compile journeys to graphs (JSON, DOT, Mermaid)")
    comp.set_defaults(run=cmd_compile)
    comp.add_argument("paths", nargs="+", metavar="PATH")
    comp.add_argument("--journey", help="only this journey")
    comp.add_argument("--format", choices=("json", "dot", "mermaid"), default="json")
    comp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def cmd_check(args) -> int:
    errors, _ = report(analyse(args.paths), args.format, warnings=False)
    return EXIT_INPUT if errors else EXIT_OK


def cmd_lint(args) -> int:
    errors, warnings = report(analyse(args.paths, lint=True), args.format, warnings=True)
    return EXIT_INPUT if errors or (args.strict and warnings) else EXIT_OK


def cmd_fmt(args) -> int:
    from ..diagnostics.render import render_text
    from ..format.printer import format_source
    from ..program.loader import load_program
    program, diagnostics = load_program(args.paths)
    if diagnostics:
        sources = with_missing_sources({s.path: s.text for s in program.files}, diagnostics)
        print(render_text(sorted(diagnostics, key=lambda d: d.sort_key()), sources), file=sys.stderr)
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
    analysis = checked(args.paths)
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
