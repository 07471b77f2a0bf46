"""What holds without Spark: the core never imports pyspark, a missing extra or Java is a
one-line error, and merge-outputs refuses folders that are not partitioned outputs.
(No SparkSession here: these run on every machine.)"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journeylang.cli.main import main
from journeylang.spark import session

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "journeylang"


def test_only_the_spark_subpackage_imports_pyspark():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "spark"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name.split(".")[0] == "pyspark" for name in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"pyspark imported outside journeylang/spark: {offenders}"


def test_importing_the_cli_and_the_spark_package_loads_no_pyspark():
    code = ("import sys, journeylang.runtime.engines, journeylang.spark, journeylang.spark.manifest; "
            "from journeylang.cli.main import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j', 'pandas')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_without_java_the_spark_engine_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert "Java 17" in session.unavailable() or "spark extra" in session.unavailable()
    log = tmp_path / "log.jsonl"
    log.write_text('{"_id": "1", "timestamp": "2026-10-01T00:00:00Z", "eventType": "a.b", '
                   '"identityMap": {"Email": [{"id": "a@b.c"}]}}\n')
    env = dict(os.environ, PATH=str(tmp_path))
    env.pop("JAVA_HOME", None)
    result = subprocess.run([sys.executable, "-m", "journeylang.cli", "replay", str(ROOT / "journeys"), "--events",
                             str(log), "--out", str(tmp_path / "out"), "--engine", "spark"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 1, result.stderr
    assert "the spark engine needs" in result.stderr and "Traceback" not in result.stderr


def test_spark_options_need_the_spark_engine(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_text("")
    assert main(["replay", str(ROOT / "journeys"), "--events", str(log), "--master", "local[2]",
                 "--out", str(tmp_path / "o")]) == 2
    assert "--engine spark" in capsys.readouterr().err


def test_merge_outputs_refuses_what_is_not_partitioned_outputs(tmp_path, capsys):
    assert main(["merge-outputs", str(tmp_path)]) == 1
    assert "no manifest.json" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "something else"}))
    assert main(["merge-outputs", str(tmp_path)]) == 1
    assert "not a journeylang manifest" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text("{broken")
    assert main(["merge-outputs", str(tmp_path)]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()


def test_a_local_replay_loads_no_pyspark(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text('{"_id": "1", "timestamp": "2026-10-01T00:00:00Z", "eventType": "app.open", '
                   '"identityMap": {"Email": [{"id": "a@b.c"}]}}\n')
    code = ("import sys; from journeylang.cli.main import main; "
            f"code = main(['replay', {str(ROOT / 'journeys')!r}, '--events', {str(log)!r}, '--quiet', "
            f"'--out', {str(tmp_path / 'out')!r}]); "
            "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0 []", result.stdout + result.stderr


def test_a_bad_master_is_one_line_without_the_java_stack(tmp_path):
    why_not = session.unavailable()
    if why_not is not None:
        if os.environ.get("JOURNEYLANG_REQUIRE_SPARK") == "1":
            pytest.fail(f"JOURNEYLANG_REQUIRE_SPARK=1 but {why_not}")
        pytest.skip(f"{why_not}; .ci/run requires it")
    log = tmp_path / "log.jsonl"
    log.write_text('{"_id": "1", "timestamp": "2026-10-01T00:00:00Z", "eventType": "app.open", '
                   '"identityMap": {"Email": [{"id": "a@b.c"}]}}\n')
    result = subprocess.run([sys.executable, "-m", "journeylang.cli", "replay", str(ROOT / "journeys"), "--events",
                             str(log), "--out", str(tmp_path / "out"), "--engine", "spark", "--master", "bogus://x"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"journeylang: replay failed: cannot start Spark with master bogus://x: Master must either be yarn or "
        f"start with spark, k8s, or local; {tmp_path / 'out'} keeps its previous outputs"], result.stderr


def test_without_pandas_the_extra_is_missing(monkeypatch):
    """PySpark's mapInArrow needs pandas: without it the job would fail after the JVM start."""
    monkeypatch.setitem(sys.modules, "pandas", None)        # `import pandas` raises ImportError
    assert session.unavailable() == "the spark engine needs the spark extra: pip install 'journeylang[spark]'"


def _pytest_without_java(tmp_path, require: bool):
    env = dict(os.environ, PATH=str(tmp_path))
    env.pop("JAVA_HOME", None)
    env.pop("JOURNEYLANG_REQUIRE_SPARK", None)
    if require:
        env["JOURNEYLANG_REQUIRE_SPARK"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "tests/spark/test_spark_replay.py", "-k", "test_a_log_without_one_good_record"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def _reason_without_java() -> str:
    """What `unavailable()` says with no java on PATH: the extra first, when it is missing here too."""
    here = session.unavailable()
    if here is not None and "spark extra" in here:
        return here
    return "the spark engine needs Java 17 or later (e.g. apt-get install openjdk-17-jre-headless)"


def test_make_test_without_java_skips_with_one_line(tmp_path):
    result = _pytest_without_java(tmp_path, require=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if "skipped" in line]
    assert lines[0] == (f"tests/spark: 1 Spark tests skipped: {_reason_without_java()} "
                        "(.ci/run installs both and requires them)"), result.stdout
    assert "1 skipped" in lines[1] and len(lines) == 2, result.stdout


def test_ci_without_java_fails(tmp_path):
    result = _pytest_without_java(tmp_path, require=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"JOURNEYLANG_REQUIRE_SPARK=1 but {_reason_without_java()}" in result.stdout
    assert "Spark tests skipped" not in result.stdout


def test_a_failed_stage_is_the_python_error_in_one_line():
    from journeylang.spark.engine import _failure_text
    text = ('An exception was thrown from the Python worker:\nTraceback (most recent call last):\n'
            '  File "/x/reading.py", line 80, in _read_local\n    raise OSError(f"{path} is not: {exc}")\n'
            'OSError: /x/fake.parquet is not a readable Parquet file: Parquet magic bytes not found in footer.')
    assert _failure_text(Exception(text)) == ("a Spark stage failed: OSError: /x/fake.parquet is not a readable "
                                              "Parquet file: Parquet magic bytes not found in footer.")
    chained = (text + "\n\nDuring handling of the above exception, another exception occurred:\n\n"
               "Traceback (most recent call last):\n  File \"/x/y.py\", line 1, in f\n"
               "journeylang.runtime.services.lookups.LookupFileError: tiers.jsonl line 2 is not JSON\n"
               "\tat org.apache.spark.api.python.BasePythonRunner.handlePythonException(Runner.scala:1)")
    assert _failure_text(Exception(chained)) == "a Spark stage failed: LookupFileError: tiers.jsonl line 2 is not JSON"


def test_a_failed_stage_shows_no_stack_on_the_command_line(tmp_path):
    """The JVM logs a failed task in one line (log4j2.properties: no exceptions), and
    journeylang says why in one line: no Java or Python stack on stderr."""
    why_not = session.unavailable()
    if why_not is not None:
        if os.environ.get("JOURNEYLANG_REQUIRE_SPARK") == "1":
            pytest.fail(f"JOURNEYLANG_REQUIRE_SPARK=1 but {why_not}")
        pytest.skip(f"{why_not}; .ci/run requires it")
    (tmp_path / "fake.parquet").write_text('{"_id": "1"}\n')
    result = subprocess.run([sys.executable, "-m", "journeylang.cli", "replay", str(ROOT / "journeys"), "--events",
                             str(tmp_path / "fake.parquet"), "--out", str(tmp_path / "out"), "--engine", "spark",
                             "--master", "local[1]"], capture_output=True, text=True, timeout=180)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and not [line for line in lines if line.startswith(("\tat ", "  File"))]
    assert lines[-1].startswith("journeylang: replay failed: a Spark stage failed: OSError: "), result.stderr
    assert "is not a readable Parquet file" in lines[-1] and len(lines) <= 3, result.stderr


def test_more_log_files_than_the_order_key_holds_is_an_error(tmp_path, monkeypatch):
    """A file's position has 4 hex digits in the order key: more than 65,536 files would
    silently break the order, so they are refused (no Spark needed to list local files)."""
    from journeylang.spark import SparkReplayError, inputs
    for n in range(3):
        (tmp_path / f"part-{n}.jsonl").write_text("")
    assert len(inputs.log_files(None, [str(tmp_path)])) == 3
    monkeypatch.setattr(inputs, "MAX_FILES", 2)
    with pytest.raises(SparkReplayError, match="3 event log files: a replay reads at most 2"):
        inputs.log_files(None, [str(tmp_path)])
