"""Beyond one machine: `merge-outputs`, and `replay --engine spark` (docs/scale.md).

Consumes: a folder of partitioned outputs (`manifest.json`, `parts/`) for `merge-outputs`;
for `replay --engine spark`, the checked program, the logs and `--master`.
Produces: the single output files (byte-identical to `replay --workers 1`), or the
partitioned form with `--partitioned`.
Guarantees: without the spark extra or Java, `--engine spark` is an input error (1) that
says what to install, never a traceback; a folder that is not partitioned outputs is an
input error (1); the merged folder is complete or keeps its previous outputs. pyspark is
imported only when the Spark engine runs (`journeylang/spark`).
"""
from __future__ import annotations

import sys

from .common import EXIT_INPUT, EXIT_OK, Stop

MERGE_EPILOG = """\
examples:
  journeylang replay journeys/ --events 'exports/*.parquet' --engine spark --partitioned --out out/big
  journeylang merge-outputs out/big                      the single files beside the parts
  journeylang merge-outputs out/big --out out/merged"""


def register(commands) -> None:
    merge = commands.add_parser("merge-outputs", help="merge a Spark replay's partitioned outputs into the "
                                "single files", epilog=MERGE_EPILOG,
                                description="Turn the partitioned outputs of `replay --engine spark "
                                            "--partitioned` (manifest.json, parts/) into actions.jsonl, "
                                            "trace.jsonl, segments.jsonl, identities.jsonl, rejected.jsonl and "
                                            "report.json, byte-identical to `replay --workers 1` (docs/scale.md).")
    merge.set_defaults(run=cmd_merge_outputs)
    merge.add_argument("folder", metavar="DIR", help="the partitioned outputs (e.g. out/big)")
    merge.add_argument("--out", metavar="DIR", help="where to write the single files (default: DIR itself)")


def cmd_merge_outputs(args) -> int:
    from ..spark.manifest import merge_partitioned
    from ..spark.errors import SparkReplayError
    try:
        report = merge_partitioned(args.folder, args.out or args.folder)
    except SparkReplayError as exc:
        print(f"journeylang: merge-outputs: {exc}", file=sys.stderr)
        return EXIT_INPUT
    records = report.get("records", {})
    print(f"merged {records.get('processed', 0)} processed records' outputs into {args.out or args.folder}/")
    return EXIT_OK


def replay_on_spark(analysis, args, until, rejected_limit) -> dict:
    """`replay --engine spark`: the report of the merged outputs in `--out`. With
    `--partitioned` the partitioned form is written instead and the command ends here
    (`Stop`: exit 0, or 1 past `--max-rejected`; there is no report.json to summarise).
    `rejected_limit(limit, records)`: replay's `--max-rejected` check (exit code, its
    reason printed). Raises `EngineError`."""
    from ..spark.engine import run
    from ..spark.session import active_session, start_session
    existing = active_session()   # a session already running in this process (a notebook, tests) is reused
    spark = existing or start_session(args.master or "local[*]")
    try:
        report, facts = run(spark, analysis, args.events, until, args.out, partitioned=args.partitioned)
    finally:
        if existing is None:
            spark.stop()
    if args.partitioned:   # --max-rejected still decides the exit code (its reason printed first)
        code = rejected_limit(args.max_rejected, report["records"])
        raise Stop(code, f"partitioned outputs of {facts['partitions']} partitions in {args.out}/ "
                         f"(manifest.json); `journeylang merge-outputs {args.out}` writes the single files")
    return report
