"""`journeylang diff`: what changes if a new version of the program replaces the old one,
over a real event log.

Consumes: two checked `Analysis` objects (old, new), event logs, `--until`. Produces: the
diff document (`compare.py`; rendered by `render.py` as text, Markdown or JSON). Stages,
one module each: `shared_log` replays both programs over one reading of the log (or,
with `workers > 1`, each side through the partitioned engine); `outputs` reads each
side's outputs; `actions` compares them profile by profile; `patterns` groups the
differences; `divergence` finds where a profile's ways first parted; `graphs` diffs the
compiled graphs and declarations; `membership` compares segment memberships; `git_base`
reads the program at a git revision.
Guarantees: deterministic bytes for the same programs and log, for any `workers`.
"""
from __future__ import annotations

import os
import tempfile
from typing import Optional

from .compare import build
from .git_base import GitError, ProgramAtRevision
from .render import render_json, render_markdown, render_text
from .shared_log import SideError, replay_both, replay_each


def run_diff(old_analysis, new_analysis, events: list[str], until: Optional[int], *, labels: tuple[str, str],
             workers: int = 1, examples: int = 3, out: Optional[str] = None) -> dict:
    """Replay both sides (into `out`/old and `out`/new when given, else a temporary
    folder) and compare them. Raises `SideError`."""
    with tempfile.TemporaryDirectory(prefix="journeylang-diff-") as scratch:
        root = out or scratch
        old_out, new_out = os.path.join(root, "old"), os.path.join(root, "new")
        if workers <= 1:
            replay_both(old_analysis, new_analysis, events, until, old_out, new_out)
        else:
            replay_each(old_analysis, new_analysis, events, until, old_out, new_out, workers)
        doc = build(old_analysis, new_analysis, old_out, new_out, labels, events, until, examples)
        if out is not None:   # kept folders read like a replay's: `why --out DIR/new` labels its nodes
            from ..runtime.services.annotate import annotate_outputs
            annotate_outputs(old_out, old_analysis)
            annotate_outputs(new_out, new_analysis)
        return doc


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}

__all__ = ["GitError", "ProgramAtRevision", "RENDERERS", "SideError", "run_diff"]
