#!/usr/bin/env python3
"""Spark engine throughput: prints numbers, asserts nothing (docs/scale.md).

Generates (once, cached under bench/data/) the seeded log `replay_throughput.py` uses,
then, in one process per master, starts a SparkSession (`local[1]`, `local[2]`, ...),
replays `journeys/` over the log once to warm the JVM and the Python workers, and then
`--runs` more times, printing for each run the wall time, records/s and the time of the
phases (read + prepare: validation, `_id` dedup, identity links; the barrier replay stage
and its write; the merge into the single files with the node labels; other: the rejected
lines' write, report.json, the commit), and the min-max over the runs. The local replay
(`--workers 1`) is timed `--runs` times too, for the ratio; `--explain` prints the replay
stage's physical plan. Each timed run's outputs are compared with the local ones byte for
byte.

Usage: bench/spark_throughput.py [--profiles 10000] [--days 30] [--seed 7] [--masters local[1],local[2]] [--runs 3] [--explain]
"""
import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NAMES = ("actions.jsonl", "trace.jsonl", "segments.jsonl", "identities.jsonl", "rejected.jsonl", "report.json")

SPARK = """
import json, sys, time
from journeylang.pipeline import analyse
from journeylang.spark.session import start_session
import journeylang.spark.engine as engine
phases = {}
def timed(name, f):
    def g(*a, **k):
        t = time.perf_counter(); r = f(*a, **k); phases[name] = phases.get(name, 0) + time.perf_counter() - t; return r
    return g
engine.prepare = timed("read+prepare", engine.prepare)
engine._replay_stage = timed("replay stage", engine._replay_stage)
engine.merge_into = timed("merge", engine.merge_into)
engine.annotate_outputs = timed("merge", engine.annotate_outputs)
plans = {}
_frame = engine.replay_frame
def replay_frame(*a, **k):
    frame = _frame(*a, **k)
    if "replay" not in plans:   # the physical plan before adaptive execution
        plans["replay"] = frame._sc._jvm.PythonSQLUtils.explainString(frame._jdf.queryExecution(), "simple")
    return frame
engine.replay_frame = replay_frame
master, program, log, out, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
t = time.perf_counter()
spark = start_session(master)
startup = time.perf_counter() - t
analysis = analyse([program])
results = []
for n in range(runs + 1):
    phases.clear()
    t = time.perf_counter()
    report, facts = engine.run(spark, analysis, [log], None, f"{out}/run{n}")
    wall = time.perf_counter() - t
    phases["other"] = wall - sum(phases.values())   # the rejected lines' write, report.json, the commit
    results.append({"wall": wall, "phases": dict(phases), "facts": facts, "records": report["records"]["read"]})
spark.stop()
print(json.dumps({"startup": startup, "runs": results, "plan": plans.get("replay", "")}))
"""

LOCAL = """
import sys, time
from journeylang.pipeline import analyse
from journeylang.runtime.engines import replay
analysis = analyse([sys.argv[1]])
for n in range(int(sys.argv[4])):
    t = time.perf_counter()
    report = replay(analysis, [sys.argv[2]], None, sys.argv[3], workers=1)
    print(time.perf_counter() - t, report["records"]["read"])
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--masters", default="local[1],local[2]")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=os.path.join(HERE, "data"))
    parser.add_argument("--explain", action="store_true", help="print the replay stage's physical plan")
    args = parser.parse_args()
    os.makedirs(args.data, exist_ok=True)
    log = os.path.join(args.data, f"events-{args.profiles}p-{args.days}d-s{args.seed}.jsonl")
    if not os.path.exists(log):
        sys.path.insert(0, ROOT)
        from journeylang.generate.xdm_log import generate_log
        generate_log(log, profiles=args.profiles, days=args.days, seed=args.seed)
    program = os.path.join(ROOT, "journeys")
    with tempfile.TemporaryDirectory(prefix="spark-bench-") as scratch:
        local_out = os.path.join(scratch, "local", "run")   # the depth of the Spark runs' folders: report.json
                                                            # records the program relative to its folder
        done = subprocess.run([sys.executable, "-c", LOCAL, program, log, local_out, str(args.runs)],
                              capture_output=True, text=True, check=True)
        timings = [line.split() for line in done.stdout.splitlines()]
        records = int(timings[0][1])
        seconds = [float(t) for t, _ in timings]
        print(f"log: {log} ({records:,} records)")
        print(f"local --workers 1 ({args.runs} runs): {min(seconds):.1f}-{max(seconds):.1f} s, "
              f"{records / max(seconds):,.0f}-{records / min(seconds):,.0f} rec/s")
        for master in args.masters.split(","):
            out = os.path.join(scratch, master.replace("[", "_").replace("]", ""))
            done = subprocess.run([sys.executable, "-c", SPARK, master, program, log, out, str(args.runs)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{master}: failed\n{done.stderr[-2000:]}")
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{master}: session start {result['startup']:.1f} s")
            timed_runs = result["runs"][1:] or result["runs"]
            walls = [run["wall"] for run in timed_runs]
            print(f"  runs 1-{len(timed_runs)}: {min(walls):.1f}-{max(walls):.1f} s, "
                  f"{records / max(walls):,.0f}-{records / min(walls):,.0f} rec/s")
            if args.explain:
                print("  the replay stage's physical plan (before adaptive execution):")
                print("\n".join("    " + line for line in result["plan"].splitlines()))
            for n, run in enumerate(result["runs"]):
                same = all(filecmp.cmp(os.path.join(out, f"run{n}", name), os.path.join(local_out, name),
                                       shallow=False) for name in NAMES)
                phases = ", ".join(f"{k} {v:.1f} s" for k, v in run["phases"].items())
                label = "warm-up" if n == 0 else f"run {n}"
                print(f"  {label}: {run['wall']:.1f} s, {run['records'] / run['wall']:,.0f} rec/s ({phases}; "
                      f"partitions {run['facts']['partitions']}, dedup rounds {run['facts']['rounds']}); "
                      f"{'same bytes as --workers 1' if same else 'DIFFERENT from --workers 1'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
