"""One partition's replay, in its own OS process.

Consumes: a `Job` (the checked analysis, the spill file, identity -> partition, this
partition's number, the run's `--until` and last record time, and — in a later round — the
other partitions' dedup admissions) and a pipe to the coordinator.
Produces: keyed output files in the job's folder (`order.KeyedSink`) and, over the pipe,
("done", end instant, dedup queries), then, once told the run's end instant,
("report", part) with the counters `report.json` is made of; ("error", text) on failure.
Guarantees: the unchanged per-profile runtime (`runtime.replay.Runtime`) over the
partition's records in log order; the job never writes outside its folder.
"""
from __future__ import annotations

import heapq
import os
import signal
from dataclasses import dataclass
from typing import Optional

import orjson

from ..replay import Runtime
from ..services.eventlog import LogRecord, _open, record_identities, timestamp_ms
from .dedup_rounds import ForeignAdmissions, RecordingDedup
from .order import KeyedSink


@dataclass
class Job:
    analysis: object
    spill: str
    partition_of: dict
    partition: int
    folder: str
    until: Optional[int]
    last_ts: Optional[int]
    foreign: Optional[ForeignAdmissions] = None
    buffer_bytes: int = 1 << 20
    logs: Optional[list[str]] = None          # set by the parallel scan (`scan.py`): read the logs
    line_part: Optional[list[bytearray]] = None   # themselves, taking the lines of this partition


def _records(job: Job, counter):
    if job.logs is not None:
        yield from _records_from_logs(job, counter)
        return
    mine, part_of, loads = job.partition, job.partition_of, orjson.loads
    taken = 0
    with open(job.spill, "rb") as handle:
        for line in handle:
            identity, ts, file_index, number, raw = line.split(b"\t", 4)
            if part_of[identity] != mine:
                continue
            data = loads(raw)
            taken += 1
            if counter is not None and taken % 2_000 == 0:
                counter.value = taken
            yield LogRecord(int(ts), int(file_index), int(number), data, record_identities(data))
    if counter is not None:
        counter.value = taken


def _log_lines(job: Job, index: int, counter):
    """This partition's records of one log file, in file order (the file is in time order)."""
    mine, loads, parts = job.partition, orjson.loads, job.line_part[index]
    taken = 0
    with _open(job.logs[index]) as handle:
        for number, raw in enumerate(handle, start=1):
            if parts[number] != mine:
                continue
            data = loads(raw)
            taken += 1
            if counter is not None and taken % 2_000 == 0:
                counter.value += 2_000
            yield timestamp_ms(data["timestamp"]), index, number, data
    if counter is not None:
        counter.value += taken % 2_000


def _records_from_logs(job: Job, counter):
    streams = [_log_lines(job, index, counter) for index in range(len(job.logs))]
    merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=lambda item: (item[0], item[1], item[2]))
    for ts, index, number, data in merged:
        yield LogRecord(ts, index, number, data, record_identities(data))


def report_part(runtime: Runtime, end: int) -> dict:
    """What this partition adds to report.json, with batch segments evaluated at `end`."""
    runtime.now = end
    return {"processed": runtime.processed, "profiles": len(runtime.identities.profiles),
            "members": runtime.segment_members(end), "stats": dict(runtime.stats)}


def _injected_fault(partition: int) -> None:
    """Tests make a worker fail: JOURNEYLANG_TEST_WORKER_FAULT=PARTITION:error|kill."""
    fault = os.environ.get("JOURNEYLANG_TEST_WORKER_FAULT", "")
    target, _, kind = fault.partition(":")
    if target == str(partition):
        if kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("a failure injected by JOURNEYLANG_TEST_WORKER_FAULT")


def die_with_parent(parent: Optional[int] = None) -> None:
    """On Linux, the kernel kills this process when the coordinator dies (even by SIGKILL),
    so no orphan goes on writing into a partial folder or holding the folder's lock (a
    forked process shares the lock's open file). `parent`: the coordinator's pid, to catch
    a coordinator that died before this call."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def run_job(conn, job: Job, counter=None) -> None:
    die_with_parent()
    try:
        _injected_fault(job.partition)
        sink = KeyedSink(job.folder, job.buffer_bytes)
        runtime = Runtime(job.analysis, sink)
        runtime.dedup = RecordingDedup(sink, job.foreign)
        runtime.global_last_ts = job.last_ts
        runtime.run(_records(job, counter), job.until)
        sink.close()
        conn.send(("done", runtime.now, runtime.dedup.queries))
        message = conn.recv()
        if message[0] == "end":
            conn.send(("report", report_part(runtime, message[1])))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    except Exception as exc:  # reported by the coordinator as the run's failure
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except (BrokenPipeError, OSError):
            pass
    finally:
        conn.close()
