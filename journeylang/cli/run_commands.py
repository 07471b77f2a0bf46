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

from .common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Stop, add_config, add_format, checked, program_paths


REPLAY_EPILOG = """\
examples:
  journeylang replay journeys/ --events out/events.jsonl --out out/replay
  journeylang replay journeys/ --events day1.jsonl day2.jsonl.gz --until 2026-11-20T00:00:00Z --max-rejected 1%"""

WHY_EPILOG = """\
examples:
  journeylang why ann@example.com --out out/replay                 read a replay's outputs
  journeylang why Email:ann@example.com journeys/ --events log.jsonl --journey cart_abandonment"""


def register(commands) -> None:
    replay = commands.add_parser("replay", help="replay event logs through the program", epilog=REPLAY_EPILOG,
                                 description="Replay XDM event logs through the program on a virtual clock and "
                                             "write actions.jsonl, trace.jsonl, segments.jsonl, rejected.jsonl, "
                                             "identities.jsonl and report.json (docs/runtime.md).")
    replay.set_defaults(run=cmd_replay)
    replay.add_argument("paths", nargs="*", metavar="PATH",
                        help="program files or folders (default: the configured `paths`; e.g. journeys/)")
    replay.add_argument("--events", nargs="+", required=True, metavar="LOG",
                        help="JSONL, .jsonl.gz or Parquet logs, or folders of them, read in time order "
                             "(e.g. --events out/events.jsonl)")
    replay.add_argument("--until", metavar="T",
                        help="stop the clock at this RFC 3339 time (e.g. --until 2026-11-20T00:00:00Z)")
    replay.add_argument("--out", metavar="DIR", default="out/replay", help="output folder (e.g. --out out/run1)")
    replay.add_argument("--quiet", action="store_true", help="no summary on stdout")
    replay.add_argument("--max-rejected", type=_max_rejected, default=None, metavar="N|P%",
                        help="exit 1 when more log records than this were rejected: a count or a share of the "
                             "records read (e.g. --max-rejected 0, --max-rejected 0.5%%)")
    replay.add_argument("--workers", type=_workers, default=None, metavar="N",
                        help="replay processes (default: the machine's cores; 1 for a small log); "
                             "every N gives the same bytes (e.g. --workers 4)")
    replay.add_argument("--reference", action="store_true",
                        help="brute-force reference replay: every segment at every record and candidate instant, "
                             "no shortcuts (slow; for tests of the fast path)")
    replay.add_argument("--html", action="store_true", help="also write DIR/report.html (docs/report.md)")
    replay.add_argument("--engine", choices=("local", "spark"), default="local",
                        help="local processes, or Apache Spark (the spark extra; docs/scale.md); the same bytes "
                             "(e.g. --engine spark)")
    replay.add_argument("--master", metavar="URL", help="with --engine spark: the Spark master (default local[*]; "
                        "e.g. --master local[2], spark://host:7077, yarn)")
    replay.add_argument("--partitioned", action="store_true", help="with --engine spark: write sorted parts and "
                        "manifest.json instead of the single files (merge them with `journeylang merge-outputs`)")
    add_format(replay)
    add_config(replay, selection=False)

    why = commands.add_parser("why", help="explain a profile's way through a journey", epilog=WHY_EPILOG,
                              description="A profile's timeline: entries, waits, each branch with the values "
                                          "that decided it, each send with its status, the exit. Options and "
                                          "positionals may come in any order.")
    why.set_defaults(run=cmd_why)
    why.add_argument("profile", metavar="PROFILE",
                     help="profile id or identity value, or an unambiguous prefix (e.g. Email:ann@example.com "
                          "or ann@example.com)")
    why.add_argument("paths", nargs="*", metavar="PATH",
                     help="the program (to replay on the fly, and for labels); with --out alone, the program "
                          "recorded in its report.json (e.g. journeys/)")
    why.add_argument("--journey", metavar="NAME", help="only this journey (e.g. --journey cart_abandonment)")
    why.add_argument("--out", metavar="DIR", help="a replay's output folder to read (e.g. --out out/replay)")
    why.add_argument("--events", nargs="+", metavar="LOG",
                     help="replay these logs on the fly instead (e.g. --events log.jsonl)")
    why.add_argument("--until", metavar="T", help="with --events: stop the clock at this time "
                                                  "(e.g. --until 2026-11-20T00:00:00Z)")


def _max_rejected(text: str):
    import argparse
    value = text.strip()
    try:
        if value.endswith("%"):
            share = float(value[:-1])
            if not 0 <= share <= 100:
                raise ValueError
            return ("share", share)
        count = int(value)
        if count < 0:
            raise ValueError
        return ("count", count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a count (e.g. 10) or a percentage (e.g. 0.5%), not {text!r}") from None


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
    if getattr(args, "engine", "local") == "spark":   # globs, folders and Hadoop URIs: the engine lists them
        return until, None
    from ..runtime.services.parquet_log import expand_logs
    try:   # a folder (an AEP export) is its Parquet / JSONL files, in name order
        args.events = expand_logs(args.events)
    except OSError as exc:
        print(f"journeylang: {exc}", file=sys.stderr)
        return None, EXIT_INPUT
    problem = check_readable(args.events)
    if problem:
        print(f"journeylang: {problem}", file=sys.stderr)
        return None, EXIT_INPUT
    return until, None


def cmd_replay(args) -> int:
    import json

    from ..runtime.engines import EngineError, replay
    from ..runtime.services.outputs import summary_text
    analysis = checked(program_paths(args))
    if analysis is None:
        return EXIT_INPUT
    if args.engine != "spark" and (args.master or args.partitioned):
        raise Stop(EXIT_USAGE, "journeylang: --master and --partitioned go with --engine spark")
    until, problem = _replay_inputs(args)
    if problem is not None:
        return problem
    workers = args.workers or default_workers(args.events)
    progress = _ProgressBar() if sys.stderr.isatty() else None   # a progress bar only on a terminal
    try:
        if args.engine == "spark":   # journeylang[spark] (cli/scale_commands.py)
            from .scale_commands import replay_on_spark
            report = replay_on_spark(analysis, args, until, _rejected_limit)
        else:
            report = replay(analysis, args.events, until, args.out, workers=workers, progress=progress,
                            reference=args.reference)
    except EngineError as exc:
        print(f"journeylang: replay failed: {exc}; {args.out} keeps its previous outputs", file=sys.stderr)
        return EXIT_INPUT
    finally:
        if progress is not None:
            progress.close()
    with open(os.path.join(args.out, "report.json"), "rb") as handle:
        report = json.loads(handle.read())
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
    return _rejected_limit(args.max_rejected, report["records"])


def _rejected_limit(limit, records: dict) -> int:
    """EXIT_INPUT (with the reason on stderr) when more records were rejected than allowed."""
    if limit is None:
        return EXIT_OK
    kind, value = limit
    rejected, read = records["rejected"], records["read"]
    allowed = value if kind == "count" else value / 100 * read
    if rejected <= allowed:
        return EXIT_OK
    shown = f"{value}" if kind == "count" else f"{value:g}% of {read} records read"
    print(f"journeylang: {rejected} records rejected, more than --max-rejected {shown} "
          "(rejected.jsonl has them, with reasons)", file=sys.stderr)
    return EXIT_INPUT


def cmd_why(args) -> int:
    from ..testing import why
    graphs = None
    trace, merges = None, []
    paths = list(args.paths or [])
    if not paths and args.out and not args.events:
        paths = _recorded_program(args.out)
    if paths:
        analysis = checked(paths)
        if analysis is None:
            return EXIT_INPUT
        graphs = analysis.graphs
        if args.events:
            from ..runtime.replay import run_replay
            until, problem = _replay_inputs(args)
            if problem is not None:
                return problem
            _, sink = run_replay(analysis, args.events, until, None)
            trace, merges = sink.memory["trace"], sink.memory["identities"]
    elif args.events:
        raise Stop(EXIT_USAGE, "journeylang: why --events needs the program too: why PROFILE PATH... --events LOG...")
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
    journeys = sorted(set(graphs or ()) | {r["journey"] for r in trace if r.get("journey")})
    if args.journey and args.journey not in journeys:
        raise Stop(EXIT_INPUT, f"journeylang: no journey named `{args.journey}`" + _suggest(args.journey, journeys))
    if not why.profile_known(trace, merges, args.profile):
        suggestions = why.profile_suggestions(args.profile, why.known_profiles(trace, merges))
        hint = f"; did you mean {' or '.join(f'`{s}`' for s in suggestions)}?" if suggestions else \
            " (no profile of the replay has an id like it)"
        raise Stop(EXIT_INPUT, f"journeylang: no profile `{args.profile}` in the replay{hint}")
    print(why.render(trace, args.profile, args.journey, graphs, merges))
    return EXIT_OK


def _suggest(name: str, known: list[str]) -> str:
    import difflib
    close = [k for k in known if k.startswith(name)] + difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    close = list(dict.fromkeys(close))[:3]
    if close:
        return f"; did you mean {' or '.join(f'`{c}`' for c in close)}?"
    return f" (journeys: {', '.join(known) or 'none'})"


def _recorded_program(out_dir: str) -> list[str]:
    """The program a replay's report.json records, when its files are still there; a
    warning on stderr when they are missing or changed since (labels then come from the
    trace lines, written at replay time)."""
    from ..runtime.services.annotate import program_hash, read_program_record
    record = read_program_record(out_dir)
    if record is None:
        return []
    files = [os.path.normpath(os.path.join(out_dir, name)) for name in record["files"]]
    missing = [f for f in files if not os.path.isfile(f)]
    if missing or not files:
        print(f"journeylang: warning: the program of this replay is not where it was ({', '.join(missing[:3])} "
              "missing); steps are labelled from the trace", file=sys.stderr)
        return []
    texts = {}
    for path in files:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                texts[path] = handle.read()
        except (OSError, UnicodeDecodeError):
            return []
    if program_hash(texts) != record.get("sha256"):
        print("journeylang: warning: the program changed since the replay; steps are labelled as they were at "
              "the replay (trace.jsonl), branch values are the replay's", file=sys.stderr)
    return files
