"""One SparkSession (`local[2]`) for every Spark test: the JVM starts once per test run.

Skipped with a one-line reason when pyspark (the spark extra) or Java is missing, unless
JOURNEYLANG_REQUIRE_SPARK=1 (set by .ci/run), which makes a missing one a failure.
"""
from __future__ import annotations

import os

import pytest

from journeylang.spark.session import unavailable

REQUIRED = os.environ.get("JOURNEYLANG_REQUIRE_SPARK") == "1"
WHY_NOT = unavailable()


@pytest.fixture(scope="session")
def spark():
    if WHY_NOT is not None:
        if REQUIRED:
            pytest.fail(f"JOURNEYLANG_REQUIRE_SPARK=1 but {WHY_NOT}")
        pytest.skip(f"{WHY_NOT}; .ci/run requires it")
    from journeylang.spark.session import start_session
    session = start_session("local[2]", "journeylang tests")
    yield session
    session.stop()
