"""The logs a Spark replay reads, as a list of files in log order.

Consumes: what `journeylang.spark.replay` was given as `events`: a path, a glob, a folder
or a list of them (local paths or any Hadoop URI the session can read: `hdfs://`, `s3a://`,
`abfss://`, `gs://`, `dbfs:/`).
Produces: `LogFile`s — the name rejected.jsonl shows (the path as given for a file; for a
file found in a folder or by a glob, its path) and the URI the executors read — in log-file
order: the arguments in their order, a glob's matches and a folder's files in name order.
Guarantees: the same list `expand_logs` gives the local replay for local paths, so file
positions (part of the order key) and names are the same as a local replay's; a folder
contributes its `.parquet`, `.jsonl` and `.jsonl.gz` files at any depth (`_`- and
`.`-prefixed names, such as `_SUCCESS`, skipped).
"""
from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from typing import Iterable, Union

from ..runtime.services.parquet_log import LOG_SUFFIXES, expand_logs
from .errors import SparkReplayError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


MAX_FILES = 1 << 16   # a file's position is 4 hex digits of the order key (runtime/engines/order.py)


@dataclass(frozen=True)
class LogFile:
    name: str
    uri: str


def _as_list(events: Union[str, Iterable[str]]) -> list[str]:
    return [events] if isinstance(events, (str, os.PathLike)) else [str(e) for e in events]


def log_files(spark, events) -> list[LogFile]:
    out: list[LogFile] = []
    for spec in _as_list(events):
        spec = os.fspath(spec)
        if _SCHEME.match(spec) and not spec.startswith("file:"):
            out.extend(_hadoop_files(spark, spec))
            continue
        local = ("/" + spec[len("file:"):].lstrip("/")) if spec.startswith("file:") else spec   # file:///x -> /x
        matches = sorted(glob.glob(local)) if glob.has_magic(local) else [local]
        if not matches:
            raise SparkReplayError(f"no event log matches {spec}")
        try:
            names = expand_logs(matches)
        except OSError as exc:
            raise SparkReplayError(f"cannot read event log {spec}: {exc}") from None
        for name in names:
            if not os.path.isfile(name):
                raise SparkReplayError(f"cannot read event log {name}: no such file")
            out.append(LogFile(name, "file://" + os.path.abspath(name)))
    if not out:
        raise SparkReplayError("no event logs given")
    if len(out) > MAX_FILES:
        raise SparkReplayError(f"{len(out):,} event log files: a replay reads at most {MAX_FILES:,} "
                               "(merge small files first)")
    return out


def _hadoop_files(spark, spec: str) -> list[LogFile]:
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(spec)
    try:
        fs = path.getFileSystem(conf)
        statuses = fs.globStatus(path)
    except Exception as exc:
        raise SparkReplayError(f"cannot read event log {spec}: {str(exc).splitlines()[0]}") from None
    if not statuses:
        raise SparkReplayError(f"no event log matches {spec}")
    found: list[LogFile] = []
    for status in sorted(statuses, key=lambda s: s.getPath().toString()):
        if status.isDirectory():
            files = []
            iterator = fs.listFiles(status.getPath(), True)
            while iterator.hasNext():
                item = iterator.next().getPath()
                relative = item.toString()[len(status.getPath().toString()):]
                if any(part.startswith((".", "_")) for part in relative.split("/") if part):
                    continue
                if item.getName().lower().endswith(LOG_SUFFIXES):
                    files.append(item.toString())
            if not files:
                raise SparkReplayError(f"no event logs (.parquet, .jsonl, .jsonl.gz) in the folder {spec}")
            found.extend(LogFile(f, f) for f in sorted(files))
        else:
            text = status.getPath().toString()
            found.append(LogFile(spec if text.rstrip("/") == spec.rstrip("/") else text, text))
    return found
