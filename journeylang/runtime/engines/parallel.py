"""The multi-process replay: partition by identity component, replay the partitions in
parallel OS processes, settle dedup across them, merge the outputs in the total order.

Consumes: a checked `Analysis`, the event logs, `--until`, a worker count and a folder to
write into. Produces: the same files, byte for byte, as the single-process replay
(`runtime.replay.run_replay`), and the same report.
Guarantees: partition-invariant outputs (order keys, `order.py`; identity components,
`split.py`; dedup rounds, `dedup_rounds.py`); spill files live in the given folder and are
removed by the caller; a failing or killed worker ends the run with `EngineError`, never a
hang; at most `workers` replay processes run at once.
"""
from __future__ import annotations

import multiprocessing
import os
from multiprocessing.connection import wait
from typing import Callable, Optional

from ...syntax.literals import format_timestamp
from ..services.eventlog import LogReader
from ..services.outputs import FILES, JourneyStats, report_document
from .dedup_rounds import admissions_outside, inconsistent
from .errors import DedupUnsettled, EngineError
from .order import merge_keyed
from .scan import scan_split
from .split import LogSplit
from .worker import Job, run_job

MAX_ROUNDS = 4   # then one process: chains of cross-partition dedup conflicts settle slowly


class _Running:
    def __init__(self, context, job: Job, counter) -> None:
        self.job = job
        self.conn, child = context.Pipe()
        self.process = context.Process(target=run_job, args=(child, job, counter), daemon=True)
        self.process.start()
        child.close()

    def stop(self) -> None:
        try:
            self.conn.send(("quit",))
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _receive(running: list[_Running], expect: str) -> dict[int, tuple]:
    """One message of kind `expect` from each job (by partition), or EngineError."""
    results: dict[int, tuple] = {}
    pending = {r.conn: r for r in running}
    sentinels = {r.process.sentinel: r for r in running}
    while pending:
        ready = wait(list(pending) + [s for s, r in sentinels.items() if r.conn in pending], timeout=0.5)
        for item in ready:
            if item in pending:
                r = pending[item]
                try:
                    message = r.conn.recv()
                except (EOFError, OSError):
                    message = None
                if message is None or message[0] == "error":
                    why = message[1] if message else _death(r)
                    raise EngineError(f"partition {r.job.partition} failed: {why}")
                if message[0] != expect:
                    raise EngineError(f"partition {r.job.partition} answered {message[0]!r}, not {expect!r}")
                results[r.job.partition] = message
                del pending[item]
            elif item in sentinels and sentinels[item].conn in pending:
                r = sentinels[item]
                if r.conn.poll():      # its last message is still in the pipe
                    continue
                raise EngineError(f"partition {r.job.partition} failed: {_death(r)}")
    return results


def _death(r: _Running) -> str:
    r.process.join(timeout=1)
    code = r.process.exitcode
    if code is not None and code < 0:
        return f"its worker process was killed by signal {-code}"
    return f"its worker process ended (exit code {code}) without a result"


def replay_partitioned(analysis, events: list[str], until: Optional[int], folder: str, workers: int,
                       progress: Optional[Callable[[str, int, int], None]] = None,
                       buffer_bytes: int = 1 << 20, info: Optional[dict] = None) -> tuple:
    """Replay into `folder` (the outputs but `rejected.jsonl` and `report.json`, and the
    spill); returns (report, reader) — the reader holds the rejections."""
    context = multiprocessing.get_context("fork")
    if progress:
        progress("reading", 0, 0)
    scanned = scan_split(events, until, workers, workers, folder)
    if scanned is not None:   # every worker scanned a range; each partition reads its lines from the logs
        reader, records, last_ts = scanned.reader, scanned.records, scanned.last_ts
        spill, partition_of, logs, line_part = None, None, scanned.paths, scanned.line_part
    else:                     # a file out of time order, or compressed: the serial pass
        reader = LogReader(events, until)
        split = LogSplit(reader, folder, buffer_bytes)
        split.run((lambda n: progress("reading", n, 0)) if progress else None)
        reader, records, last_ts = split.reader, split.records, split.last_ts
        spill, partition_of, logs, line_part = split.path, split.partition_of(workers), None, None
    if info is not None:
        info["partitioning"] = "scan" if scanned is not None else "serial"
    counters = [context.Value("q", 0, lock=False) for _ in range(workers)]

    def job(partition: int, round_: int, foreign=None) -> Job:
        return Job(analysis, spill, partition_of, partition,
                   os.path.join(folder, f"part-{partition}-round-{round_}"), until, last_ts, foreign,
                   buffer_bytes, logs, line_part)

    running = {p: _Running(context, job(p, 0), counters[p]) for p in range(workers)}
    try:
        done = _collect(running, counters, records, progress)
        queries = {p: message[2] for p, message in done.items()}
        rounds = 0
        while True:
            wrong = inconsistent(queries)
            if not wrong:
                break
            rounds += 1
            if rounds > MAX_ROUNDS:
                raise DedupUnsettled(f"dedup conflicts across partitions did not settle in {MAX_ROUNDS} rounds")
            for p in wrong:
                running.pop(p).stop()
                counters[p].value = 0
                running[p] = _Running(context, job(p, rounds, admissions_outside(queries, p)), counters[p])
            again = _collect({p: running[p] for p in wrong}, counters, records, progress)
            for p, message in again.items():
                done[p] = message
                queries[p] = message[2]
        if info is not None:
            info["rounds"] = rounds
        end = max(message[1] for message in done.values())
        for r in running.values():
            r.conn.send(("end", end))
        parts = _receive(list(running.values()), "report")
        folders = [running[p].job.folder for p in sorted(running)]
    finally:
        for r in running.values():
            r.stop()
    for name in FILES:
        if name != "rejected":
            merge_keyed([os.path.join(f, f"{name}.jsonl") for f in folders], os.path.join(folder, f"{name}.jsonl"))
    return _report(analysis, reader, end, [parts[p][1] for p in sorted(parts)]), reader


def _collect(running: dict, counters, total: int, progress) -> dict[int, tuple]:
    if progress is None:
        return _receive(list(running.values()), "done")
    results: dict[int, tuple] = {}
    # poll with progress updates: one bar over every partition's records
    left = dict(running)
    while left:
        got = _receive_some(list(left.values()))
        results.update(got)
        for p in got:
            left.pop(p)
        progress("replaying", sum(c.value for c in counters), total)
    return results


def _receive_some(running: list[_Running]) -> dict[int, tuple]:
    ready = wait([r.conn for r in running] + [r.process.sentinel for r in running], timeout=0.25)
    if not ready:
        return {}
    subset = [r for r in running if r.conn in ready or r.process.sentinel in ready]
    return _receive(subset, "done")


def _report(analysis, reader: LogReader, end: int, parts: list[dict]) -> dict:
    stats = {name: JourneyStats() for name in sorted(analysis.graphs)}
    for part in parts:
        for name, theirs in part["stats"].items():
            mine = stats[name]
            mine.entries += theirs.entries
            for field in ("refusals", "exits", "visits", "actions"):
                getattr(mine, field).update(getattr(theirs, field))
    segments = {name: (evaluation, sum(part["members"][name][1] for part in parts))
                for name, (evaluation, _) in parts[0]["members"].items()}
    return report_document(reader, sum(part["processed"] for part in parts), sum(part["profiles"] for part in parts),
                           format_timestamp(end), stats, segments)
