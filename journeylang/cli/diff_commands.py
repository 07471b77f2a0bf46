"""`journeylang diff`: replay two versions of a program over one log and say who gets
what differently (journeylang/diff, docs/diff.md).

Consumes: `OLD NEW` program paths, or `--base REV [PATH]` (the program at a git revision
against PATH as it is now), event logs, `--until`, `--format`, `--exit-code`,
`--examples`, `--workers`, `--out`. Produces: the diff on stdout.
Guarantees: both programs are checked first and the errors of each are shown prefixed by
its side (`old:` / `new:`), exit 1; bad arguments exit 2; with `--exit-code` a
behavioural difference exits 1 (as `git diff --exit-code`), else 0.
"""
from __future__ import annotations

import argparse
import io
import os
import sys

from .common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, analyse, report

FORMATS = ("text", "json", "markdown")


def _count(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number of at least {minimum}, not {text!r}")
        return value
    return parse


def register(commands) -> None:
    diff = commands.add_parser("diff", help="what changes if NEW replaces OLD, replayed over event logs")
    diff.set_defaults(run=cmd_diff)
    diff.add_argument("paths", nargs="*", metavar="PATH",
                      help="OLD NEW (program files or folders); with --base, the program PATH (default .)")
    diff.add_argument("--base", metavar="REV", help="compare PATH at git revision REV (read from git; the work "
                      "tree is not touched) with PATH as it is now")
    diff.add_argument("--events", nargs="+", required=True, metavar="LOG", help="JSONL or .jsonl.gz logs")
    diff.add_argument("--until", metavar="T", help="stop the clock at this RFC 3339 time")
    diff.add_argument("--format", choices=FORMATS, default="text", help="output format: text for a terminal, markdown for a pull-request comment, json (docs/diff.md)")
    diff.add_argument("--exit-code", action="store_true",
                      help="exit 1 when the versions behave differently, 0 when not")
    diff.add_argument("--examples", type=_count(0), default=3, metavar="N",
                      help="example profiles per pattern")
    diff.add_argument("--workers", type=_count(1), default=1, metavar="N",
                      help="replay each side with N processes; 1 replays both sides over one reading of the log")
    diff.add_argument("--out", metavar="DIR", help="keep both replays' outputs in DIR/old and DIR/new "
                      "(for `journeylang why --out DIR/new`)")


def _checked(side: str, paths: list[str], rename: tuple[str, str] = None):
    """The analysis, or None after printing its errors with every line prefixed by the side."""
    analysis = analyse(paths)
    if not analysis.diagnostics.has_errors:
        return analysis
    buffer = io.StringIO()
    report(analysis, "text", warnings=False, out=buffer)
    text = buffer.getvalue()
    if rename:
        text = text.replace(rename[0], rename[1])
    for line in text.rstrip("\n").split("\n"):
        print(f"{side}: {line}", file=sys.stderr)
    return None


def cmd_diff(args) -> int:
    from ..diff import GitError, ProgramAtRevision
    if args.base is None and len(args.paths) != 2:
        return _usage("give OLD NEW, or --base REV [PATH]")
    if args.base is not None and len(args.paths) > 1:
        return _usage("with --base, give at most one PATH")
    from ..runtime.services.eventlog import check_readable
    from ..syntax.literals import parse_timestamp
    until = None
    if args.until:
        try:
            until = parse_timestamp(args.until)
        except ValueError as exc:
            return _usage(f"--until: {exc}")
    problem = check_readable(args.events)
    if problem:
        print(f"journeylang: {problem}", file=sys.stderr)
        return EXIT_INPUT
    if args.base is None:
        old_path, new_path = args.paths
        for path in (old_path, new_path):
            if not os.path.exists(path):
                return _usage(f"{path}: no such file or folder")
        return _run(args, old_path, new_path, (old_path, new_path), until, None)
    new_path = args.paths[0] if args.paths else "."
    try:
        with ProgramAtRevision(args.base, new_path) as old_path:
            shown = f"{os.path.normpath(new_path)} at {args.base}"
            rename = (old_path, f"{args.base}:{os.path.normpath(new_path)}")
            return _run(args, old_path, new_path, (shown, os.path.normpath(new_path)), until, rename)
    except GitError as exc:
        print(f"journeylang: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.usage else EXIT_INPUT


def _run(args, old_path: str, new_path: str, labels: tuple[str, str], until, rename) -> int:
    from ..diff import RENDERERS, SideError, run_diff
    old = _checked("old", [old_path], rename)
    new = _checked("new", [new_path])
    if old is None or new is None:
        return EXIT_INPUT
    try:
        doc = run_diff(old, new, args.events, until, labels=labels, workers=args.workers, examples=args.examples,
                       out=args.out)
    except SideError as exc:
        print(f"journeylang: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(RENDERERS[args.format](doc))
    if args.exit_code and doc["behavioural_difference"]:
        return EXIT_INPUT
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"journeylang: diff: {message}", file=sys.stderr)
    return EXIT_USAGE
