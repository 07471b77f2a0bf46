"""Replay two programs over one reading of the log: the records are read, validated,
ordered and deduplicated once and each record is handed to both programs' runtimes.

Consumes: two checked `Analysis` objects, the event logs and `--until`; two output
folders. Produces: in each folder the files `journeylang replay` writes (actions, trace,
segments, rejected, identities, report.json), byte for byte the same as a plain replay
of that program over that log (a test holds it to that).
Guarantees: one `LogReader` pass; each side gets its own copy of every record (parsed
again from the record's line, so neither runtime can see the other's objects); both
runtimes take the records in log order and are then advanced to `--until` (or drained)
exactly as `Runtime.run` does; the output folders are committed only when both sides
finished. Built only on the runtime's public classes (`Runtime`, `LogReader`,
`OutputSink`, `OutputFolder`); nothing in `runtime/` is changed for it.
"""
from __future__ import annotations

import gc
from typing import Optional

import orjson

from ..runtime.engines.outputs_folder import OutputFolder
from ..runtime.replay import YOUNG_GC_EVERY, Runtime
from ..runtime.services.eventlog import LogReader, LogRecord
from ..runtime.services.outputs import OutputSink, rejection_record


class SideError(Exception):
    """A side failed to run (a lookup file that cannot be read, a folder in use)."""

    def __init__(self, side: str, message: str) -> None:
        super().__init__(f"{side}: {message}")
        self.side = side
        self.message = message


def _copy(record: LogRecord, raw: bytes) -> LogRecord:
    return LogRecord(record.ts, record.file_index, record.line, orjson.loads(raw), list(record.identities))


def replay_both(old_analysis, new_analysis, events: list[str], until: Optional[int], old_out: str,
                new_out: str) -> tuple[dict, dict]:
    """Replay both programs over one pass of the log; returns (old report, new report).
    Raises `SideError` naming the side that failed."""
    from ..runtime.core.content import LookupFileError
    from ..runtime.engines.errors import EngineError
    folders = {}
    try:
        folders["old"] = OutputFolder(old_out).__enter__()
        folders["new"] = OutputFolder(new_out).__enter__()
    except EngineError as exc:
        for folder in folders.values():
            folder.__exit__(None, None, None)
        raise SideError("new" if "old" in folders else "old", str(exc)) from None
    try:
        sinks, runtimes = {}, {}
        for side, analysis in (("old", old_analysis), ("new", new_analysis)):
            sinks[side] = OutputSink(folders[side].path)
            try:
                runtimes[side] = Runtime(analysis, sinks[side])
            except LookupFileError as exc:
                raise SideError(side, str(exc)) from None
        old, new = runtimes["old"], runtimes["new"]
        reader = LogReader(events, until)
        was_enabled = gc.isenabled()
        gc.disable()     # as Runtime.run: long-lived state without cycles
        try:
            for record, raw in reader.with_lines():
                old.take(record)
                new.take(_copy(record, raw))
                if old.processed % YOUNG_GC_EVERY == 0:
                    gc.collect(1)
            old.advance(until)
            new.advance(until)
        finally:
            if was_enabled:
                gc.enable()
        reports = {}
        for side, runtime in runtimes.items():
            for rejection in reader.rejections:
                sinks[side].write("rejected", rejection_record(rejection))
            reports[side] = runtime.report(reader)
            sinks[side].close(reports[side])
        for folder in folders.values():
            folder.commit()
        return reports["old"], reports["new"]
    finally:
        for folder in folders.values():
            folder.__exit__(None, None, None)


def replay_each(old_analysis, new_analysis, events: list[str], until: Optional[int], old_out: str, new_out: str,
                workers: int) -> tuple[dict, dict]:
    """The partitioned replay (`--workers N`, N > 1) of each side in turn: the engine's
    split pass reads the log once per side."""
    from ..runtime.engines import EngineError, replay
    reports = []
    for side, analysis, out in (("old", old_analysis, old_out), ("new", new_analysis, new_out)):
        try:
            reports.append(replay(analysis, events, until, out, workers=workers))
        except EngineError as exc:
            raise SideError(side, f"replay failed: {exc}") from None
    return reports[0], reports[1]
