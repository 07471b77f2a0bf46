"""The `journeylang` command line.

Consumes: argv. Produces: text or JSON on stdout/stderr and files where asked.
Guarantees: exit code 0 success, 1 the input has errors (diagnostics, failing tests,
unreadable logs), 2 usage errors. Bad input never produces a traceback; an internal
error prints one line (set JOURNEYLANG_DEBUG=1 to see the traceback).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

from . import __version__

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        print(f"journeylang: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="journeylang", description="Customer journeys as code: check, lint, format, "
                     "compile and replay .journey programs.")
    parser.add_argument("--version", action="version", version=f"journeylang {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    check = commands.add_parser("check", help="parse and check; errors only")
    check.add_argument("paths", nargs="+", metavar="PATH")
    _add_format(check)

    lint = commands.add_parser("lint", help="check and report warnings")
    lint.add_argument("paths", nargs="+", metavar="PATH")
    lint.add_argument("--strict", action="store_true", help="warnings fail (exit 1)")
    _add_format(lint)

    fmt = commands.add_parser("fmt", help="print the canonical formatting")
    fmt.add_argument("paths", nargs="+", metavar="PATH")
    group = fmt.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="exit 1 when a file is not formatted")
    group.add_argument("-w", "--write", action="store_true", help="rewrite the files in place")

    comp = commands.add_parser("compile", help="compile journeys to graphs (JSON, DOT, Mermaid)")
    comp.add_argument("paths", nargs="+", metavar="PATH")
    comp.add_argument("--journey", help="only this journey")
    comp.add_argument("--format", choices=("json", "dot", "mermaid"), default="json")
    comp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")

    replay = commands.add_parser("replay", help="replay event logs through the program")
    replay.add_argument("paths", nargs="+", metavar="PATH")
    replay.add_argument("--events", nargs="+", required=True, metavar="LOG", help="JSONL or .jsonl.gz logs")
    replay.add_argument("--until", metavar="T", help="stop the clock at this RFC 3339 time")
    replay.add_argument("--out", metavar="DIR", default="out/replay", help="output folder (default out/replay)")
    replay.add_argument("--quiet", action="store_true", help="no summary on stdout")
    _add_format(replay)

    test = commands.add_parser("test", help="run journey scenario tests (*.scenario.yaml)")
    test.add_argument("paths", nargs="+", metavar="PATH")
    test.add_argument("--coverage", action="store_true", help="list the graph nodes no scenario reached")
    test.add_argument("-q", "--quiet", action="store_true", help="only failures and the closing line")

    why = commands.add_parser("why", help="explain a profile's way through a journey")
    why.add_argument("profile", metavar="PROFILE", help="profile id (Email:ann@example.com) or identity value")
    why.add_argument("paths", nargs="*", metavar="PATH", help="the program (to replay on the fly, and for labels)")
    why.add_argument("--journey", help="only this journey")
    why.add_argument("--out", metavar="DIR", help="a replay's output folder to read")
    why.add_argument("--events", nargs="+", metavar="LOG", help="replay these logs on the fly")
    why.add_argument("--until", metavar="T")

    gen = commands.add_parser("generate", help="write a realistic, seeded example event log")
    gen.add_argument("--profiles", type=int, default=1000)
    gen.add_argument("--days", type=int, default=14)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--start", default="2026-11-01T00:00:00Z")
    gen.add_argument("-o", "--output", required=True, metavar="FILE", help="JSONL (or .jsonl.gz) to write")
    return parser


def _analyse(paths: list[str], lint: bool = False):
    from .pipeline import analyse
    return analyse(paths, lint=lint)


def _checked(paths: list[str]):
    """The analysis of a program that must be free of errors (else they are printed: None)."""
    analysis = _analyse(paths)
    if analysis.diagnostics.has_errors:
        _report(analysis, "text", warnings=False, out=sys.stderr)
        return None
    return analysis


def _sources(analysis) -> dict[str, str]:
    return _with_missing_sources({s.path: s.text for s in analysis.program.files}, analysis.diagnostics.items)


def _with_missing_sources(sources: dict[str, str], diagnostics) -> dict[str, str]:
    """Add the text of files diagnostics point into that were not parsed (templates, bad files)."""
    for diag in diagnostics:
        if diag.span and diag.span.file not in sources and os.path.isfile(diag.span.file):
            try:
                with open(diag.span.file, encoding="utf-8") as handle:
                    sources[diag.span.file] = handle.read()
            except (OSError, UnicodeDecodeError):
                pass
    return sources


def _report(analysis, fmt: str, *, warnings: bool, out=None) -> tuple[int, int]:
    from .render import render_json, render_text, summary_line
    out = out or sys.stdout
    diagnostics = [d for d in analysis.sorted_diagnostics() if warnings or d.severity == "error"]
    errors = sum(1 for d in diagnostics if d.severity == "error")
    if fmt == "json":
        print(render_json(diagnostics, files=analysis.program.file_count), file=out)
    else:
        if diagnostics:
            print(render_text(diagnostics, _sources(analysis)), file=out)
        count = analysis.program.file_count
        print(summary_line(diagnostics) + f" in {count} file" + ("s" if count != 1 else ""), file=out)
    return errors, len(diagnostics) - errors


def cmd_check(args) -> int:
    errors, _ = _report(_analyse(args.paths), args.format, warnings=False)
    return EXIT_INPUT if errors else EXIT_OK


def cmd_lint(args) -> int:
    errors, warnings = _report(_analyse(args.paths, lint=True), args.format, warnings=True)
    return EXIT_INPUT if errors or (args.strict and warnings) else EXIT_OK


def cmd_fmt(args) -> int:
    from .formatter import format_source
    from .program import load_program
    from .render import render_text
    program, diagnostics = load_program(args.paths)
    if diagnostics:
        sources = _with_missing_sources({s.path: s.text for s in program.files}, diagnostics)
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
    from . import export
    analysis = _checked(args.paths)
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


def _progress_bar(count: int) -> None:
    print(f"\rreplayed {count:,} records", end="", file=sys.stderr, flush=True)


def _replay_inputs(args) -> tuple[Optional[int], Optional[int]]:
    """(--until as epoch ms, None) or (None, the exit code after printing why): a bad
    `--until` is a usage error, an unreadable log an input error."""
    from .runtime.eventlog import check_readable
    from .timeparse import parse_timestamp
    until = None
    if args.until:
        try:
            until = parse_timestamp(args.until)
        except ValueError as exc:
            print(f"journeylang: --until: {exc}", file=sys.stderr)
            return None, EXIT_USAGE
    problem = check_readable(args.events)
    if problem:
        print(f"journeylang: {problem}", file=sys.stderr)
        return None, EXIT_INPUT
    return until, None


def cmd_replay(args) -> int:
    import json
    from .runtime.outputs import summary_text
    from .runtime.replay import run_replay
    analysis = _checked(args.paths)
    if analysis is None:
        return EXIT_INPUT
    until, problem = _replay_inputs(args)
    if problem is not None:
        return problem
    progress = _progress_bar if sys.stderr.isatty() else None   # a progress line only on a terminal
    report, _ = run_replay(analysis, args.events, until, args.out, progress)
    if progress is not None:
        print("", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(report, indent=2, sort_keys=True))
    elif not args.quiet:
        print(summary_text(report))
        print(f"\noutputs in {args.out}/")
    return EXIT_OK


def cmd_generate(args) -> int:
    import json
    from .generate import generate_log
    if args.profiles < 1 or args.days < 1:
        print("journeylang: --profiles and --days must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    folder = os.path.dirname(args.output)
    if folder:
        os.makedirs(folder, exist_ok=True)
    stats = generate_log(args.output, profiles=args.profiles, days=args.days, seed=args.seed, start=args.start)
    print(json.dumps(stats, sort_keys=True))
    return EXIT_OK


def cmd_test(args) -> int:
    from .scenarios import run_tests
    run = run_tests(args.paths)
    passed = sum(1 for r in run.results if r.passed)
    failed = len(run.results) - passed
    for result in run.results:
        if result.passed:
            if not args.quiet:
                print(f"ok   {result.file}::{result.name}")
            continue
        print(f"FAIL {result.file}::{result.name}")
        for problem in result.problems:
            print(f"  {problem}")
        if result.explanation:
            print("  " + result.explanation.replace("\n", "\n  "))
    if args.coverage:
        print("\ncoverage (graph nodes reached by some scenario):")
        for journey, (covered, total, missing) in run.coverage.items():
            share = 100.0 * covered / total if total else 100.0
            print(f"  {journey}: {covered}/{total} nodes ({share:.0f}%)")
            for label in missing:
                print(f"    not reached: {label}")
    if not run.results:
        print("no scenarios found (files named *.scenario.yaml)")
    print(f"{passed} passed, {failed} failed")
    return EXIT_INPUT if failed or not run.results else EXIT_OK


def cmd_why(args) -> int:
    from . import why
    graphs = None
    trace, merges = None, []
    if args.paths:
        analysis = _checked(args.paths)
        if analysis is None:
            return EXIT_INPUT
        graphs = analysis.graphs
        if args.journey and args.journey not in graphs:
            print(f"journeylang: no journey named `{args.journey}`", file=sys.stderr)
            return EXIT_INPUT
        if args.events:
            from .runtime.replay import run_replay
            until, problem = _replay_inputs(args)
            if problem is not None:
                return problem
            _, sink = run_replay(analysis, args.events, until, None)
            trace, merges = sink.memory["trace"], sink.memory["identities"]
    if trace is None:
        if not args.out:
            print("journeylang: why needs --out DIR (a replay's outputs) or PATH... --events LOG...",
                  file=sys.stderr)
            return EXIT_USAGE
        path = os.path.join(args.out, "trace.jsonl")
        if not os.path.exists(path):
            print(f"journeylang: no trace.jsonl in {args.out}", file=sys.stderr)
            return EXIT_INPUT
        trace = why.read_jsonl(path)
        merges = why.read_jsonl(os.path.join(args.out, "identities.jsonl"))
    print(why.render(trace, args.profile, args.journey, graphs, merges))
    return EXIT_OK


COMMANDS = {"check": cmd_check, "lint": cmd_lint, "fmt": cmd_fmt, "compile": cmd_compile,
            "replay": cmd_replay, "generate": cmd_generate, "test": cmd_test, "why": cmd_why}


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
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
