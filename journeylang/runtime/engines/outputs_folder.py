"""A replay's output folder, written so that it never looks complete when it is not.

Consumes: the `--out` folder. Produces: a partial folder inside it (`.partial-<pid>`) that
the replay writes into (outputs, spill files, partitions' folders), and `commit()`, which
moves the output files into `--out`.
Guarantees: one replay at a time per folder (an exclusive lock on `--out/.lock`, released
by the system even when the process is killed; a second replay fails at once); until the
commit `--out` keeps the previous run's files; the commit removes the old `report.json`
first and writes the new one last, so a folder without `report.json` is incomplete and a
folder with one holds one whole run; the partial folder is removed on success and on
error (one left by a killed run says `.partial` in its name and is cleared by the next run).
"""
from __future__ import annotations

import fcntl
import os
import shutil

from ..services.outputs import FILES
from .errors import EngineError


class OutputFolder:
    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.path = os.path.join(out_dir, f".partial-{os.getpid()}")
        self._lock = None

    def __enter__(self) -> "OutputFolder":
        os.makedirs(self.out_dir, exist_ok=True)
        self._lock = open(os.path.join(self.out_dir, ".lock"), "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise EngineError(f"another replay is writing {self.out_dir} (its lock is {self.out_dir}/.lock)")
        for name in os.listdir(self.out_dir):   # left by a killed run
            if name.startswith(".partial-"):
                shutil.rmtree(os.path.join(self.out_dir, name), ignore_errors=True)
        os.makedirs(self.path)
        return self

    def clear(self) -> None:
        """Start the partial folder over (a run that changes engines midway)."""
        shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path)

    def commit(self) -> None:
        report = os.path.join(self.out_dir, "report.json")
        if os.path.exists(report):
            os.remove(report)
        for name in FILES:
            os.replace(os.path.join(self.path, f"{name}.jsonl"), os.path.join(self.out_dir, f"{name}.jsonl"))
        os.replace(os.path.join(self.path, "report.json"), report)

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
        return None
