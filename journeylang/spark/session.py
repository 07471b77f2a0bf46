"""A SparkSession for the command line, and why the Spark engine may be unavailable.

Consumes: a master URL (`local[*]`, `local[2]`, `spark://host:7077`, `yarn`, `k8s://...`).
Produces: a session configured for the replay (Arrow on, no UI, the executors' Python is
this interpreter unless PYSPARK_PYTHON says otherwise), or `SparkReplayError` saying what
is missing (the `spark` extra, Java).
Guarantees: pyspark is imported here only inside functions; nothing is started at import.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import threading
from typing import Optional

from .errors import SparkReplayError

LOG_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "log4j2.properties")   # errors only


def unavailable() -> Optional[str]:
    """Why a local Spark session cannot start here, or None."""
    try:
        import pyspark  # noqa: F401
        import pyarrow  # noqa: F401
        import pandas  # noqa: F401   (mapInArrow needs it: without it the job would fail after the JVM start)
    except ImportError:
        return "the spark engine needs the spark extra: pip install 'journeylang[spark]'"
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))):
        return "the spark engine needs Java 17 or later (e.g. apt-get install openjdk-17-jre-headless)"
    return None


def active_session():
    """The SparkSession already running in this process, or None (also without pyspark)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()


def start_session(master: str = "local[*]", app_name: str = "journeylang replay"):
    """Get or create the session the CLI replays with."""
    problem = unavailable()
    if problem:
        raise SparkReplayError(problem)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    jvm_stderr = _JvmStderr()
    try:
        builder = (SparkSession.builder.master(master).appName(app_name)
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.adaptive.enabled", "true")
                   .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}"))
        if master.startswith("local"):   # the driver is the executor: room for the cached lines and shuffles
            builder = builder.config("spark.sql.shuffle.partitions", "8").config(
                "spark.driver.memory", os.environ.get("JOURNEYLANG_SPARK_DRIVER_MEMORY", "4g"))
        with jvm_stderr:
            spark = builder.getOrCreate()
    except Exception as exc:   # the JVM did not start: Java too old, a bad master URL
        text = jvm_stderr.reason() or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SparkReplayError(f"cannot start Spark with master {master}: {text}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


_NOISE = (b"WARNING: Using incubator modules", b"Setting default log level to",
          b"To adjust logging level use sc.setLogLevel")
_STACK = re.compile(rb"^\s+(at |\.\.\. \d+ more)")
_EXCEPTION = re.compile(rb"(?:[\w$]+\.)*[\w$]*(?:Exception|Error): (.+)")


class _JvmStderr:
    """While the session starts, the Java gateway's stderr (inherited from this process's
    descriptor 2 when the gateway is launched) goes through a pipe: the JVM's start-up
    chatter (`_NOISE`) is dropped; when the JVM fails to start, its exception's message
    makes the one-line error and its Java stack is not shown; after a good start, what
    it wrote meanwhile and every later line is passed on to stderr. Nothing changes when a
    gateway is already running (a session in a notebook or a test is reused)."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.failure: list[bytes] = []
        self._thread = None
        self._lock = threading.Lock()
        self._passing = False
        self._out = None

    def __enter__(self) -> "_JvmStderr":
        from pyspark import SparkContext
        if SparkContext._gateway is not None:
            return self
        try:
            sys.stderr.flush()
            read_end, write_end = os.pipe()
            self._saved = os.dup(2)
        except (OSError, ValueError):
            return self
        self._out = os.fdopen(os.dup(self._saved), "wb", buffering=0)
        os.dup2(write_end, 2)
        os.close(write_end)
        self._thread = threading.Thread(target=self._pump, args=(read_end,), name="journeylang-jvm-stderr",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if self._thread is None:
            return
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(self._saved, 2)   # the JVM keeps the pipe; this process writes to stderr again
        os.close(self._saved)
        if kind is not None:      # no session: read the JVM's last words (all of them when it has exited)
            from pyspark import SparkContext
            self._thread.join(timeout=10 if SparkContext._gateway is None else 0.5)
            with self._lock:
                self.failure, self.lines, self._passing = self.lines, [], True
            return
        with self._lock:
            self._passing = True
            self._write(b"".join(self.lines))
            self.lines = []

    def _write(self, data: bytes) -> None:
        if data:
            try:
                self._out.write(data)
            except (OSError, ValueError):
                pass

    def _pump(self, read_end: int) -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if line.startswith(_NOISE):
                    continue
                with self._lock:
                    if self._passing:
                        self._write(line)
                    else:
                        self.lines.append(line)

    def reason(self):
        """The JVM's exception message, if it wrote one."""
        for line in self.failure:
            if _STACK.match(line):
                continue
            found = _EXCEPTION.search(line)
            if found:
                return found.group(1).decode("utf-8", "replace").strip()
        return None
