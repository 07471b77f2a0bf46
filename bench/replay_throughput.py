#!/usr/bin/env python3
"""Replay throughput benchmark: prints numbers, asserts nothing.

Generates (once, cached under bench/data/) a seeded XDM log of N profiles over D days,
then measures in separate processes, one run each:
  1. the raw ceiling: reading the same file and parsing every line with orjson;
  2. the runtime's fixed cost: replaying it through an empty program (records are read,
     validated, deduplicated and routed to profiles; nothing else happens), one worker;
  3. `journeylang replay journeys/` over it (all seed journeys and segments loaded) with
     `--workers 1` and with `--workers N` (default 2);
and prints records/s and events/s (profile records excluded), each one's ratio to the raw
parse, the speed-up of N workers over 1, CPU seconds (the process and its children: a
steadier figure than wall time on a shared machine), and peak RSS: the coordinator's, and the largest
worker process's.

Usage: bench/replay_throughput.py [--profiles 100000] [--days 30] [--seed 7] [--workers 2] [--data DIR]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

RAW_PARSE = """
import orjson, sys, time, resource
start = time.perf_counter(); n = 0; events = 0
with open(sys.argv[1], 'rb') as f:
    for line in f:
        if 'eventType' in orjson.loads(line):
            events += 1
        n += 1
elapsed = time.perf_counter() - start
print(n, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, events)
"""

REPLAY = """
import sys, time, resource
from journeylang.pipeline import analyse
from journeylang.runtime.engines import replay
analysis = analyse([sys.argv[1]])
assert not analysis.diagnostics.has_errors
start = time.perf_counter()
report = replay(analysis, [sys.argv[2]], None, sys.argv[3], workers=int(sys.argv[4]))
elapsed = time.perf_counter() - start
me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(report['records']['processed'], elapsed, me.ru_maxrss, children.ru_maxrss,
      me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime)
"""


def run(code, *args):
    """(count, seconds, peak RSS MB of the process, events or the largest child's RSS in KB,
    CPU seconds of the process and its children or None)."""
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout.split()
    return int(out[0]), float(out[1]), int(out[2]) / 1024.0, int(out[3]), (float(out[4]) if len(out) > 4 else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="the parallel replay's worker count")
    parser.add_argument("--data", default=os.path.join(HERE, "data"), help="where generated logs are cached")
    args = parser.parse_args()
    data = args.data
    os.makedirs(data, exist_ok=True)
    log = os.path.join(data, f"events-{args.profiles}p-{args.days}d-s{args.seed}.jsonl")
    if not os.path.exists(log):
        sys.path.insert(0, ROOT)
        from journeylang.generate.xdm_log import generate_log
        t0 = time.perf_counter()
        stats = generate_log(log, profiles=args.profiles, days=args.days, seed=args.seed,
                             start="2026-11-01T00:00:00Z")
        print(f"generated {stats['records']:,} records ({stats['events']:,} events) in "
              f"{time.perf_counter() - t0:.1f} s -> {log}")
    size_mb = os.path.getsize(log) / 1e6
    lines, raw_s, raw_rss, events, _ = run(RAW_PARSE, log)
    with tempfile.TemporaryDirectory() as empty:
        with open(os.path.join(empty, "empty.journey"), "w", encoding="utf-8") as handle:
            handle.write("# no journeys, no segments: the fixed cost of a record\n")
        _, floor_s, floor_rss, _, _ = run(REPLAY, empty, log, os.path.join(empty, "out"), "1")
    with tempfile.TemporaryDirectory() as out:
        records, one_s, one_rss, _, one_cpu = run(REPLAY, os.path.join(ROOT, "journeys"), log,
                                                  os.path.join(out, "w1"), "1")
        _, many_s, many_rss, child_kb, many_cpu = run(REPLAY, os.path.join(ROOT, "journeys"), log, os.path.join(out, "wn"),
                                            str(args.workers))
    raw_rate = lines / raw_s
    n = args.workers
    result = {"log": os.path.basename(log), "log_mb": round(size_mb, 1), "records": lines, "events": events,
              "raw_parse_records_per_s": round(raw_rate), "raw_parse_s": round(raw_s, 2),
              "raw_parse_peak_rss_mb": round(raw_rss, 1),
              "empty_program_records_per_s": round(lines / floor_s),
              "empty_program_vs_raw_parse": round(floor_s / raw_s, 2),
              "empty_program_peak_rss_mb": round(floor_rss, 1),
              "workers_1_records_per_s": round(records / one_s), "workers_1_events_per_s": round(events / one_s),
              "workers_1_s": round(one_s, 2), "workers_1_vs_raw_parse": round(one_s / raw_s, 2),
              "workers_1_peak_rss_mb": round(one_rss, 1), "workers_1_cpu_s": round(one_cpu, 2),
              f"workers_{n}_records_per_s": round(records / many_s), f"workers_{n}_events_per_s": round(events / many_s),
              f"workers_{n}_s": round(many_s, 2), f"workers_{n}_vs_raw_parse": round(many_s / raw_s, 2),
              f"workers_{n}_coordinator_peak_rss_mb": round(many_rss, 1),
              f"workers_{n}_largest_worker_peak_rss_mb": round(child_kb / 1024.0, 1),
              f"workers_{n}_cpu_s": round(many_cpu, 2),
              f"speedup_{n}_over_1": round(one_s / many_s, 2)}
    for key, value in result.items():
        print(f"{key:38} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
