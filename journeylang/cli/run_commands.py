"""Commands that run a program over events: `replay` and `why`.

Consumes: program paths and event logs (or a replay's output folder, for `why`).
Produces: the replay's output files and summary; a profile's timeline.
Guarantees: a bad `--until` is a usage error (2), an unreadable log or a program with
errors an input error (1); a progress line only on a terminal.
"""
from __future__ import annotations

import os
import sys
from typing import Optional

from .common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, add_format, checked


def register(commands) -> None:
    replay = commands.add_parser("replay", help="replay event logs through the program")
    replay.set_defaults(run=cmd_replay)
    replay.add_argument("paths", nargs="+", metavar="PATH")
    replay.add_argument("--events", nargs="+", required=True, metavar="LOG", help="JSONL or .jsonl.gz logs")
    replay.add_argument("--until", metavar="T", help="stop the clock at this RFC 3339 time")
    replay.add_argument("--out", metavar="DIR", default="out/replay", help="output folder (default out/replay)")
    replay.add_argument("--quiet", action="store_true", help="no summary on stdout")
    replay.add_argument("--workers", type=_workers, default=None, metavar="N",
                        help="replay processes (default: the machine's cores; 1 for a small log); "
                             "every N gives the same bytes")
    replay.add_argument("--reference", action="store_true",
                        help="brute-force reference replay: every segment at every record and candidate instant, "
                             "no shortcuts (slow; for tests of the fast path)")
    replay.add_argument("--html", action="store_true", help="also write DIR/report.html (docs/report.md)")
    add_format(replay)

    why = commands.add_parser("why", help="explain a profile's way through a journey")
    why.set_defaults(run=cmd_why)
    why.add_argument("profile", metavar="PROFILE", help="profile id (Email:ann@example.com) or identity value")
    why.add_argument("paths", nargs="*", metavar="PATH", help="the program (to replay on the fly, and for labels)")
    why.add_argument("--journey", help="only this journey")
    why.add_argument("--out", metavar="DIR", help="a replay's output folder to read")
    why.add_argument("--events", nargs="+", metavar="LOG", help="replay these logs on the fly")
    why.add_argument("--until", metavar="T")


def _workers(text: str) -> int:
    import argparse
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


SMALL_LOG_BYTES = 4 << 20   # below this, starting processes costs more than it saves


def default_workers(events: list[str]) -> int:
    size = sum(os.path.getsize(path) for path in events if os.path.isfile(path))
    if size < SMALL_LOG_BYTES:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


class _ProgressBar:
    """One bar for the whole run on a terminal (tqdm): reading, then replaying."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(file=sys.stderr, unit=" records", unit_scale=True, dynamic_ncols=True, leave=False)
        if self.bar.desc != phase:
            self.bar.set_description(phase, refresh=False)
            self.bar.reset(total=total or None)
        self.bar.total = total or None
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _replay_inputs(args) -> tuple[Optional[int], Optional[int]]:
    """(--until as epoch ms, None) or (None, the exit code after printing why): a bad
    `--until` is a usage error, an unreadable log an input error."""
    from ..runtime.services.eventlog import check_readable
    from ..syntax.literals import parse_timestamp
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

    from ..runtime.engines import EngineError, replay
    from ..runtime.services.outputs import summary_text
    analysis = checked(args.paths)
    if analysis is None:
        return EXIT_INPUT
    until, problem = _replay_inputs(args)
    if problem is not None:
        return problem
    workers = args.workers or default_workers(args.events)
    progress = _ProgressBar() if sys.stderr.isatty() else None   # a progress bar only on a terminal
    try:
        report = replay(analysis, args.events, until, args.out, workers=workers, progress=progress,
                        reference=args.reference)
    except EngineError as exc:
        print(f"journeylang: replay failed: {exc}; {args.out} keeps its previous outputs", file=sys.stderr)
        return EXIT_INPUT
    finally:
        if progress is not None:
            progress.close()
    if args.format == "json":
        print(json.dumps(report, indent=2, sort_keys=True))
    elif not args.quiet:
        print(summary_text(report))
        print(f"\noutputs in {args.out}/")
    if args.html:  # the HTML report over the outputs just written (journeylang/report)
        from ..report import ReportInputError, write_html_report
        try:
            size = write_html_report(args.out, analysis, os.path.join(args.out, "report.html"))
        except ReportInputError as exc:
            print(f"journeylang: --html: {exc}", file=sys.stderr)
            return EXIT_INPUT
        if args.format != "json" and not args.quiet:
            print(f"report written to {os.path.join(args.out, 'report.html')} ({size:,} bytes)")
    return EXIT_OK


def cmd_why(args) -> int:
    from ..testing import why
    graphs = None
    trace, merges = None, []
    if args.paths:
        analysis = checked(args.paths)
        if analysis is None:
            return EXIT_INPUT
        graphs = analysis.graphs
        if args.journey and args.journey not in graphs:
            print(f"journeylang: no journey named `{args.journey}`", file=sys.stderr)
            return EXIT_INPUT
        if args.events:
            from ..runtime.replay import run_replay
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
