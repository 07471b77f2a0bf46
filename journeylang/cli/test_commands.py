"""Commands that test and make inputs: `test` (scenario files) and `generate` (a log).

Consumes: program paths with `*.scenario.yaml` files; generator settings.
Produces: pass/fail lines, coverage, and a seeded XDM event log.
Guarantees: `test` exits 1 on any failure or when no scenario is found (text, json or
JUnit XML; `-k` selects by name); `generate` is deterministic for a seed.
"""
from __future__ import annotations

import json
import os
import sys

from .common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Stop, add_config, colour_wanted_for, settings_for


TEST_EPILOG = """\
examples:
  journeylang test journeys/ --coverage
  journeylang test journeys/ -k 'cart and not sms'
  journeylang test journeys/ --format junit > scenario-results.xml     (CI test report)"""


def register(commands) -> None:
    test = commands.add_parser("test", help="run journey scenario tests (*.scenario.yaml)", epilog=TEST_EPILOG,
                               description="Run the scenario files (*.scenario.yaml, docs/testing.md) under the "
                                           "paths against the program; exit 1 on any failure or when none is found.")
    test.set_defaults(run=cmd_test)
    test.add_argument("paths", nargs="*", metavar="PATH",
                      help="folders with .journey and *.scenario.yaml files, or scenario files (default: the "
                           "configured `paths`; e.g. journeys/)")
    test.add_argument("-k", dest="keyword", metavar="EXPR",
                      help="only scenarios whose name or file name matches, as pytest's -k: words are "
                           "case-insensitive substrings combined with and/or/not (e.g. -k 'cart and not sms')")
    test.add_argument("--coverage", action="store_true", help="list the graph nodes no scenario reached "
                                                               "(e.g. test journeys/ --coverage)")
    test.add_argument("-q", "--quiet", action="store_true", help="only failures and the closing line")
    test.add_argument("--format", choices=("text", "json", "junit"), default="text",
                      help="text: ok/FAIL lines; json: one document; junit: JUnit XML for CI (e.g. --format junit)")
    add_config(test, selection=False)

    gen = commands.add_parser("generate", help="write a realistic, seeded example event log", epilog="""\
examples:
  journeylang generate -o out/events.jsonl
  journeylang generate --profiles 10000 --days 30 --seed 7 -o out/big.jsonl.gz""")
    gen.set_defaults(run=cmd_generate)
    gen.add_argument("--profiles", type=int, default=1000, metavar="N", help="profiles to generate (e.g. --profiles 300)")
    gen.add_argument("--days", type=int, default=14, metavar="N", help="days of events (e.g. --days 30)")
    gen.add_argument("--seed", type=int, default=1, metavar="N", help="random seed; one seed, one log (e.g. --seed 7)")
    gen.add_argument("--start", default="2026-11-01T00:00:00Z", metavar="T",
                     help="RFC 3339 time of the first day (e.g. --start 2026-11-10T00:00:00Z)")
    gen.add_argument("-o", "--output", required=True, metavar="FILE",
                     help="JSONL (or .jsonl.gz, or .parquet) to write (e.g. -o out/events.jsonl)")


def cmd_generate(args) -> int:
    from ..generate.xdm_log import generate_log
    if args.profiles < 1 or args.days < 1:
        print("journeylang: --profiles and --days must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    folder = os.path.dirname(args.output)
    if folder:
        os.makedirs(folder, exist_ok=True)
    try:
        stats = generate_log(args.output, profiles=args.profiles, days=args.days, seed=args.seed, start=args.start)
    except ValueError as exc:   # e.g. .parquet without pyarrow
        print(f"journeylang: generate: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(json.dumps(stats, sort_keys=True))
    return EXIT_OK


def cmd_test(args) -> int:
    from ..testing.scenarios import keyword_matcher, run_tests
    if args.keyword is not None:
        try:
            keyword_matcher(args.keyword)
        except ValueError as exc:
            raise Stop(EXIT_USAGE, f"journeylang: error: {exc}") from None
    paths = list(args.paths or []) or list(settings_for(args, []).paths)
    if not paths:
        raise Stop(EXIT_USAGE, "journeylang: error: no PATH given and no `paths` in the configuration "
                               "(e.g. `journeylang test journeys/`)")
    for path in paths:
        if not os.path.exists(path):
            raise Stop(EXIT_INPUT, f"journeylang: {path}: no such file or folder")
    run = run_tests(paths, args.keyword)
    if args.format == "json":
        print(json.dumps(_document(run), indent=2, ensure_ascii=False))
    elif args.format == "junit":
        print(_junit(run))
    else:
        _print_text(run, args)
    failed = sum(1 for r in run.results if not r.passed)
    return EXIT_INPUT if failed or not run.results else EXIT_OK


def _print_text(run, args) -> None:
    from ..diagnostics.render import styled
    colour = colour_wanted_for(sys.stdout)
    passed = sum(1 for r in run.results if r.passed)
    failed = len(run.results) - passed
    for result in run.results:
        if result.passed:
            if not args.quiet:
                print(styled([("ok", "ok"), (f"   {result.file}::{result.name}", None)], colour))
            continue
        print(styled([("FAIL", "error"), (f" {result.file}::{result.name}", None)], colour))
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
        what = f"matching -k {args.keyword!r}" if args.keyword else "(files named *.scenario.yaml)"
        print(f"no scenarios found {what}")
    print(styled([(f"{passed} passed", "ok" if passed else None), (", ", None),
                  (f"{failed} failed", "error" if failed else None)], colour))


def _document(run) -> dict:
    results = [{"file": r.file, "line": r.line, "name": r.name, "passed": r.passed, "problems": r.problems,
                "explanation": r.explanation} for r in run.results]
    return {"results": results, "passed": sum(1 for r in run.results if r.passed),
            "failed": sum(1 for r in run.results if not r.passed),
            "coverage": {name: {"covered": c, "total": t, "not_reached": m} for name, (c, t, m) in run.coverage.items()}}


def _junit(run) -> str:
    """One <testsuite> per scenario file, one <testcase> per scenario (file and line
    attributes as pytest writes them); a failure's text is its problems and explanation."""
    import xml.etree.ElementTree as ET
    files: dict[str, list] = {}
    for result in run.results:
        files.setdefault(result.file, []).append(result)
    root = ET.Element("testsuites", name="journeylang test")
    total = failures = 0
    for file, results in files.items():
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(results)),
                              failures=str(sum(1 for r in results if not r.passed)), errors="0", skipped="0")
        for result in results:
            case = ET.SubElement(suite, "testcase", classname=file, name=result.name, file=file,
                                 line=str(result.line))
            if not result.passed:
                failure = ET.SubElement(case, "failure", message=(result.problems or ["failed"])[0])
                failure.text = "\n".join(result.problems) + ("\n" + result.explanation if result.explanation else "")
        total += len(results)
        failures += sum(1 for r in results if not r.passed)
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
