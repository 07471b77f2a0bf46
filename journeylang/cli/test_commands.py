"""Commands that test and make inputs: `test` (scenario files) and `generate` (a log).

Consumes: program paths with `*.scenario.yaml` files; generator settings.
Produces: pass/fail lines, coverage, and a seeded XDM event log.
Guarantees: `test` exits 1 on any failure or when no scenario is found; `generate` is
deterministic for a seed.
"""
from __future__ import annotations

import os
import sys

from .common import EXIT_INPUT, EXIT_OK, EXIT_USAGE


def register(commands) -> None:
    test = commands.add_parser("test", help="run journey scenario tests (*.scenario.yaml)")
    test.set_defaults(run=cmd_test)
    test.add_argument("paths", nargs="+", metavar="PATH")
    test.add_argument("--coverage", action="store_true", help="list the graph nodes no scenario reached")
    test.add_argument("-q", "--quiet", action="store_true", help="only failures and the closing line")

    gen = commands.add_parser("generate", help="write a realistic, seeded example event log")
    gen.set_defaults(run=cmd_generate)
    gen.add_argument("--profiles", type=int, default=1000)
    gen.add_argument("--days", type=int, default=14)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--start", default="2026-11-01T00:00:00Z")
    gen.add_argument("-o", "--output", required=True, metavar="FILE", help="JSONL (or .jsonl.gz) to write")


def cmd_generate(args) -> int:
    import json

    from ..generate.xdm_log import generate_log
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
    from ..testing.scenarios import run_tests
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
