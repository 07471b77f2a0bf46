"""The replay stage: one barrier task per replay partition, each running the unchanged driver.

Consumes: the partition's records (sorted by ts, file, line: log order) as Arrow batches,
the pickled checked analysis, `--until` and the whole log's last record time.
Produces: rows (`name`, `value`): `value` is `KEY<TAB>JSON` for each line of the output
file `name` (`order.KeyedSink`'s lines, in key order), and one `_report` row with what the
partition adds to report.json (`worker.report_part`) — or, when dedup did not settle, only
a `_report` row saying so.
Guarantees: the per-partition work is the local partitioned engine's (`runtime.replay.Runtime`
with `order.KeyedSink` and `dedup_rounds.RecordingDedup`); the coordination the local
coordinator does over pipes is done with the barrier's `allGather`: every task gets every
task's dedup questions, computes the same `dedup_rounds.inconsistent` set, and the wrong
ones replay again seeded with the others' admissions (at most `parallel.MAX_ROUNDS`
rounds; later rounds read the records back from a spill on the executor's local disk);
then every task learns the run's end instant (the latest of the partitions') and
evaluates batch segments at it. What one allGather carries is the dedup questions of
the partitions (compressed), so it is bounded by the questions, not by records.
"""
from __future__ import annotations

import base64
import os
import pickle
import shutil
import tempfile
import zlib

OUT_SCHEMA = "name string, value string"
REPORT = "_report"
_ROWS = 8_192
_ANALYSES: dict[str, object] = {}


def _analysis(payload: bytes):
    digest = f"{zlib.crc32(payload)}-{len(payload)}"
    found = _ANALYSES.get(digest)
    if found is None:
        _ANALYSES.clear()
        found = _ANALYSES[digest] = pickle.loads(payload)
    return found


def _encode(value) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 6)).decode("ascii")


def _decode(text: str):
    return pickle.loads(zlib.decompress(base64.b64decode(text)))


def _spilled(path: str):
    from ..runtime.services.eventlog import LogRecord, record_identities
    import orjson
    with open(path, "rb") as handle:
        while True:
            try:
                ts, files, lines, raws = pickle.load(handle)
            except EOFError:
                return
            for t, f, n, raw in zip(ts, files, lines, raws):
                data = orjson.loads(raw)
                yield LogRecord(t, f, n, data, record_identities(data))


def _first_pass(batches, spill: str):
    """The records of the partition, spilled as they stream by (for later dedup rounds)."""
    from ..runtime.services.eventlog import LogRecord, record_identities
    import orjson
    with open(spill, "wb") as out:
        for batch in batches:
            columns = batch.to_pydict()
            ts, files, lines, raws = columns["ts"], columns["file"], columns["line"], columns["raw"]
            pickle.dump((ts, files, lines, raws), out, protocol=pickle.HIGHEST_PROTOCOL)
            for t, f, n, raw in zip(ts, files, lines, raws):
                data = orjson.loads(raw)
                yield LogRecord(t, f, n, data, record_identities(data))


def _run(analysis, folder: str, records, until, last_ts, foreign):
    from ..runtime.engines.dedup_rounds import RecordingDedup
    from ..runtime.engines.order import KeyedSink
    from ..runtime.replay import Runtime
    sink = KeyedSink(folder)
    runtime = Runtime(analysis, sink)
    runtime.dedup = RecordingDedup(sink, foreign)
    runtime.global_last_ts = last_ts
    runtime.run(records, until)
    sink.close()
    return runtime


def _stats_json(stats: dict) -> dict:
    return {name: [s.entries, dict(s.refusals), dict(s.exits), dict(s.visits), dict(s.actions)]
            for name, s in stats.items()}


def replay_partitions(payload_broadcast, until, last_ts):
    """The function `mapInArrow(..., barrier=True)` runs in each task."""

    def task(batches):
        import orjson
        import pyarrow as pa
        from pyspark import BarrierTaskContext
        from ..runtime.engines.dedup_rounds import admissions_outside, inconsistent
        from ..runtime.engines.parallel import MAX_ROUNDS
        from ..runtime.engines.worker import report_part
        from ..runtime.services.outputs import FILES

        context = BarrierTaskContext.get()
        me = context.partitionId()
        analysis = _analysis(payload_broadcast.value)
        work = tempfile.mkdtemp(prefix=f"journeylang-part-{me}-")
        try:
            spill = os.path.join(work, "records.spill")
            folder = os.path.join(work, "round-0")
            runtime = _run(analysis, folder, _first_pass(batches, spill), until, last_ts, None)
            queries = {p: _decode(m) for p, m in enumerate(context.allGather(_encode(runtime.dedup.queries)))}
            rounds, unsettled = 0, False
            while True:
                wrong = inconsistent(queries)
                if not wrong:
                    break
                rounds += 1
                if rounds > MAX_ROUNDS:
                    unsettled = True
                    break
                mine = ""
                if me in wrong:
                    shutil.rmtree(folder, ignore_errors=True)
                    folder = os.path.join(work, f"round-{rounds}")
                    runtime = _run(analysis, folder, _spilled(spill), until, last_ts,
                                   admissions_outside(queries, me))
                    mine = _encode(runtime.dedup.queries)
                for p, message in enumerate(context.allGather(mine)):
                    if message:
                        queries[p] = _decode(message)
            if unsettled:
                context.barrier()
                yield pa.RecordBatch.from_pydict({"name": [REPORT], "value": [orjson.dumps(
                    {"partition": me, "unsettled": True}).decode()]})
                return
            end = max(int(m) for m in context.allGather(str(runtime.now)))
            part = report_part(runtime, end)
            report = {"partition": me, "rounds": rounds, "processed": part["processed"],
                      "profiles": part["profiles"], "members": part["members"], "end": end,
                      "stats": _stats_json(part["stats"])}
            yield pa.RecordBatch.from_pydict({"name": [REPORT], "value": [orjson.dumps(report).decode()]})
            for name in FILES:
                path = os.path.join(folder, f"{name}.jsonl")
                if not os.path.exists(path):
                    continue
                values: list[str] = []
                with open(path, "rb") as handle:
                    for line in handle:
                        values.append(line[:-1].decode("utf-8"))
                        if len(values) == _ROWS:
                            yield pa.RecordBatch.from_pydict({"name": [name] * len(values), "value": values})
                            values = []
                if values:
                    yield pa.RecordBatch.from_pydict({"name": [name] * len(values), "value": values})
        finally:
            shutil.rmtree(work, ignore_errors=True)

    return task
