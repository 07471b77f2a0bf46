#!/usr/bin/env python3
"""Replay throughput benchmark: prints numbers, asserts nothing.

Generates (once, cached under bench/data/) a seeded XDM log of N profiles over D days,
then measures in separate processes:
  1. the raw ceiling: reading the same file and parsing every line with orjson;
  2. the runtime's fixed cost: replaying it through an empty program (records are read,
     validated, deduplicated and routed to profiles; nothing else happens);
  3. `journeylang replay journeys/` over it (all seed journeys and segments loaded);
and prints records/s for both (and events/s, profile records excluded, for the replay),
their ratio, and each process's peak RSS.

Usage: bench/replay_throughput.py [--profiles 100000] [--days 30] [--seed 7] [--data DIR]
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
from journeylang.runtime.replay import run_replay
analysis = analyse([sys.argv[1]])
assert not analysis.diagnostics.has_errors
start = time.perf_counter()
report, _ = run_replay(analysis, [sys.argv[2]], None, sys.argv[3])
elapsed = time.perf_counter() - start
print(report['records']['processed'], elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0)
"""


def run(code, *args):
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout.split()
    return int(out[0]), float(out[1]), int(out[2]) / 1024.0, int(out[3])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
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
    lines, raw_s, raw_rss, events = run(RAW_PARSE, log)
    with tempfile.TemporaryDirectory() as empty:
        with open(os.path.join(empty, "empty.journey"), "w", encoding="utf-8") as handle:
            handle.write("# no journeys, no segments: the fixed cost of a record\n")
        _, floor_s, floor_rss, _ = run(REPLAY, empty, log, os.path.join(empty, "out"))
    with tempfile.TemporaryDirectory() as out:
        records, replay_s, replay_rss, _ = run(REPLAY, os.path.join(ROOT, "journeys"), log, out)
    raw_rate, replay_rate = lines / raw_s, records / replay_s
    result = {"log": os.path.basename(log), "log_mb": round(size_mb, 1), "records": lines, "events": events,
              "raw_parse_records_per_s": round(raw_rate), "raw_parse_s": round(raw_s, 2),
              "raw_parse_peak_rss_mb": round(raw_rss, 1),
              "empty_program_records_per_s": round(lines / floor_s), "empty_program_peak_rss_mb": round(floor_rss, 1),
              "replay_records_per_s": round(replay_rate), "replay_events_per_s": round(events / replay_s),
              "replay_s": round(replay_s, 2),
              "replay_peak_rss_mb": round(replay_rss, 1),
              "replay_vs_raw_parse": round(raw_rate / replay_rate, 2)}
    for key, value in result.items():
        print(f"{key:28} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
