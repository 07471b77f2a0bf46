"""One SparkSession (`local[2]`) for every Spark test: the JVM starts once per test run.

Skipped when pyspark (the spark extra: pyspark, pyarrow, pandas) or Java is missing — the
run ends with one line saying which and how many tests were skipped — unless
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


def pytest_terminal_summary(terminalreporter):
    """The one line `make test` shows when the Spark tests could not run here."""
    if WHY_NOT is None or REQUIRED:
        return
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if report.nodeid.replace("\\", "/").startswith("tests/spark/")]
    if skipped:
        terminalreporter.write_line(f"tests/spark: {len(skipped)} Spark tests skipped: {WHY_NOT} "
                                    "(.ci/run installs both and requires them)")
