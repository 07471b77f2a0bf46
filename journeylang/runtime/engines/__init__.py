"""Replay engines: how a replay is run, over the unchanged per-profile runtime.

`replay(...)` is the one entry point the CLI uses: `workers=1` runs the single-process
driver (`runtime.replay.run_replay`); `workers>1` the partitioned multi-process engine
(`parallel.py`, with `split.py`, `order.py`, `dedup_rounds.py`, `worker.py`). Both write
the same bytes. `reference=True` runs `runtime.reference` (brute-force segments: the
oracle the fast path is tested against). Outputs are written into a partial folder inside `--out`, report.json
gets the node table and the program (`services/annotate.py`), and they are moved into place only when the run succeeded, `report.json`
last (`outputs_folder.py`). The report returned is the one written.
"""
from __future__ import annotations

import os
from typing import Callable, Optional

import orjson

from ..core.content import LookupFileError
from ..reference.runtime import ReferenceRuntime
from ..replay import run_replay
from ..services.annotate import annotate_report
from ..services.outputs import write_rejections, write_report
from .errors import DedupUnsettled, EngineError
from .outputs_folder import OutputFolder
from .parallel import replay_partitioned


def replay(analysis, events: list[str], until: Optional[int], out_dir: str, *, workers: int = 1,
           progress: Optional[Callable[[str, int, int], None]] = None, buffer_bytes: int = 1 << 20,
           info: Optional[dict] = None, reference: bool = False) -> dict:
    """Replay the logs into `out_dir`; returns the report. Raises `EngineError`. `info`, when
    given, receives facts about the run (`rounds`: dedup rounds after the first).
    `reference` runs the brute-force reference replay (one process, slow: for tests)."""
    with OutputFolder(out_dir) as work:
        try:
            if reference:
                report, _ = run_replay(analysis, events, until, work.path, None, ReferenceRuntime)
            elif workers <= 1:
                single = (lambda n: progress("replaying", n, 0)) if progress else None
                report, _ = run_replay(analysis, events, until, work.path, single)
            else:
                try:
                    report, reader = replay_partitioned(analysis, events, until, work.path, workers, progress,
                                                        buffer_bytes, info)
                    write_rejections(work.path, reader.rejections)
                    write_report(work.path, report)
                except DedupUnsettled:
                    if info is not None:
                        info["single_process"] = True
                    work.clear()
                    report, _ = run_replay(analysis, events, until, work.path, None)
        except LookupFileError as exc:
            raise EngineError(str(exc)) from None
        # the node table and the program in report.json (the driver wrote `where` on every
        # trace and action line): before the outputs move into place, so a folder with
        # report.json is whole
        annotate_report(work.path, analysis, relative_to=out_dir)
        with open(os.path.join(work.path, "report.json"), "rb") as handle:
            report = orjson.loads(handle.read())
        work.commit()
    return report


__all__ = ["EngineError", "replay"]
