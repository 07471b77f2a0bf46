"""A SparkSession for the command line, and why the Spark engine may be unavailable.

Consumes: a master URL (`local[*]`, `local[2]`, `spark://host:7077`, `yarn`, `k8s://...`).
Produces: a session configured for the replay (Arrow on, no UI, the executors' Python is
this interpreter unless PYSPARK_PYTHON says otherwise), or `SparkReplayError` saying what
is missing (the `spark` extra, Java).
Guarantees: pyspark is imported here only inside functions; nothing is started at import.
"""
from __future__ import annotations

import os
import shutil
import sys
from typing import Optional

from .errors import SparkReplayError

LOG_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "log4j2.properties")   # errors only


def unavailable() -> Optional[str]:
    """Why a local Spark session cannot start here, or None."""
    try:
        import pyspark  # noqa: F401
        import pyarrow  # noqa: F401
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
        spark = builder.getOrCreate()
    except Exception as exc:   # the JVM did not start: Java too old, a bad master URL
        raise SparkReplayError(f"cannot start Spark with master {master}: {str(exc).splitlines()[0]}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark
