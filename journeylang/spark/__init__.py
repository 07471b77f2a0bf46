"""The replay on Apache Spark (`pip install 'journeylang[spark]'`; docs/scale.md).

`replay(spark, program_path, events, out)` replays a program over XDM event logs — a path,
a glob, a folder, a list of them, or a Spark DataFrame of records; JSON lines (`.jsonl`,
`.jsonl.gz`) or Parquet — with the per-profile work in the executors, through the same
driver and per-profile core as `journeylang replay` (`runtime/engines`' worker pieces:
`order.KeyedSink`, `dedup_rounds`, `worker.report_part`). The outputs are byte-identical
to `journeylang replay --workers 1`: the usual files in `out`, or, with
`partitioned=True` (and for any `out` that is not a local folder), sorted partition files
plus `manifest.json`, which `merge_outputs(out, target)` / `journeylang merge-outputs`
turn into the single files.

Modules: `session` (starting a session for the CLI, and why Spark is unavailable),
`inputs` (the logs as files), `reading` (the read stage: lines validated in the
executors), `stages` (rejections, `_id` dedup, identity components, the plan), `executor`
(the barrier replay stage: partitions, dedup rounds, the run's end instant), `manifest`
(the partitioned form and its merge; no pyspark), `engine` (the whole job).

Nothing outside this subpackage imports pyspark, and this package imports it only when a
replay runs, so `import journeylang.spark` works without the extra.
"""
from __future__ import annotations


def replay(spark, program_path, events, out: str, *, until=None, partitions=None, partitioned=None) -> dict:
    """Replay the program at `program_path` (a `.journey` file, a folder, or a list of them)
    over `events` into `out`; returns the report (report.json's content). `until`: an
    RFC 3339 text or epoch milliseconds. `partitions`: replay partitions (default: the
    session's default parallelism). Raises `journeylang.spark.SparkReplayError` for a
    program with errors, unreadable logs or a failed job."""
    from .engine import replay_program
    return replay_program(spark, program_path, events, out, until=until, partitions=partitions,
                          partitioned=partitioned)


def merge_outputs(folder: str, target=None) -> dict:
    """The partitioned form in `folder` (manifest.json, parts/) -> the single output files in
    `target` (default: `folder`), byte-identical to a one-process replay; returns the report."""
    from .manifest import merge_partitioned
    return merge_partitioned(folder, target or folder)


from .errors import SparkReplayError  # noqa: E402  (no pyspark behind it)

__all__ = ["SparkReplayError", "merge_outputs", "replay"]
