"""The stages between reading and replaying: `--until`, rejections, exact `_id` dedup, the
identity components and the replay input, as Spark DataFrame operations.

Consumes: the lines DataFrame (`reading.py`), `--until`.
Produces: `Prepared` — `accepted` (the records to replay: component, ts, file, line, raw),
`rejected` (rows for rejected.jsonl with their order key), and the few numbers the driver
needs: lines read, the last record's time, the rejection reason kinds with their counts.
Guarantees: the local reader's decisions — a line after `--until` (by its log-order key) is
not read; of records sharing an `_id` the first in log order (key, file, line) is kept and
the others are rejected as `duplicate id`; every identity a record carries is in its
record's component (a union-find over the distinct identity links), so no profile merge
spans replay partitions. What reaches the driver is bounded by the number of distinct
identity links (one row per identity that ever appears beside another), not by records,
plus one number per reason kind; the log itself never does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..runtime.services.identity import find_root

_OFFSET = 1 << 62


@dataclass
class Prepared:
    accepted: object          # DataFrame: comp, ts, file, line, raw
    rejected: object          # DataFrame: value ("KEY<TAB>JSON" of rejected.jsonl)
    read: int
    records: int
    last_ts: Optional[int]
    reason_kinds: dict        # reason kind -> count
    links: int                # distinct identity links collected for the components
    cached: tuple = ()        # persisted DataFrames, released by `release()`

    def release(self) -> None:
        for frame in self.cached:
            frame.unpersist()


def prepare(spark, lines, until: Optional[int], names: list[str]) -> Prepared:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    if until is not None:
        lines = lines.where(F.col("key") <= F.lit(until))
    first_of_id = Window.partitionBy("rid").orderBy("key", "file", "line")
    ranked = lines.withColumn("copy", F.when(F.col("reason").isNull(), F.row_number().over(first_of_id)))
    duplicate = F.col("copy") > 1
    ranked = (ranked.withColumn("reason", F.when(duplicate, F.lit("duplicate id")).otherwise(F.col("reason")))
              .withColumn("kind", F.when(duplicate, F.lit("duplicate id")).otherwise(F.col("kind"))))
    ranked = ranked.persist(StorageLevel.MEMORY_AND_DISK)
    accepted = ranked.where(F.col("reason").isNull())
    rejected = _rejection_lines(ranked.where(F.col("reason").isNotNull())
                                .select("key", "file", "line", "raw", "reason"), names)

    # one job for every number the driver needs: per outcome (null: accepted; else the
    # reason's kind) the lines and the latest record time
    kinds: dict[str, int] = {}
    read = records = 0
    last_ts = None
    for row in ranked.groupBy("kind").agg(F.count(F.lit(1)).alias("n"), F.max("ts").alias("last")).collect():
        read += row["n"]
        if row["kind"] is None:
            records, last_ts = row["n"], row["last"]
        else:
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + row["n"]

    links = (accepted.where(F.size("idents") > 1)
             .select("first", F.explode(F.slice("idents", 2, 1 << 20)).alias("other"))
             .distinct().collect())
    roots = _components([(row["first"], row["other"]) for row in links])
    comp = F.col("first")
    if roots:
        table = spark.createDataFrame(sorted(roots.items()), "identity string, root string")
        accepted = accepted.join(F.broadcast(table), accepted["first"] == table["identity"], "left")
        comp = F.coalesce(F.col("root"), F.col("first"))
    accepted = accepted.select(comp.alias("comp"), "ts", "file", "line", "raw")
    return Prepared(accepted, rejected, read, records, last_ts, kinds, len(links), (ranked,))


def _components(links: list[tuple[str, str]]) -> dict[str, str]:
    """identity -> its component's smallest identity, for every identity in a link."""
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        return find_root(parent, item)

    for a, b in sorted(links):
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {identity: find(identity) for identity in parent}


def _rejection_lines(rows, names: list[str]):
    """rejected.jsonl lines keyed by their place in reading order."""
    def lines(batches):
        import orjson
        import pyarrow as pa
        from ..runtime.services.eventlog import Rejection, rejection_text
        from ..runtime.services.outputs import rejection_record
        for batch in batches:
            data = batch.to_pydict()
            values = []
            for key, file_, line, raw, reason in zip(data["key"], data["file"], data["line"], data["raw"],
                                                     data["reason"]):
                record = rejection_record(Rejection(names[file_], line, reason, rejection_text(raw)))
                order = f"{key + _OFFSET:016x}{file_:04x}{line:010x}"
                values.append(order + "\t" + orjson.dumps(record).decode())
            yield pa.RecordBatch.from_pydict({"value": values})

    return rows.mapInArrow(lines, "value string")
