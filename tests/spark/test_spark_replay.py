"""The Spark engine gives the bytes of `replay --workers 1` (local[2], one session for all).

Covers: the seed journeys over a generated log (profile merges, dedup keys), with and
without `--until`, merged and partitioned (then `merge_outputs`); logs built to make dedup
answers cross partitions (rounds over `allGather`); bad, duplicate, blank and unordered
lines over several files, gzip and Parquet; a DataFrame of records; every shared
conformance case that replays, through the `--engine spark` command line; the API with a
program path; and failures (a program with errors, a missing log, a bad lookup file).
"""
from __future__ import annotations

import gzip
import json
import random
import shutil
from pathlib import Path

import orjson
import pytest

from journeylang.cli.main import main
from journeylang.generate.xdm_log import generate_log
from journeylang.pipeline import analyse
from journeylang.runtime.engines import replay as local_replay
from journeylang.spark import SparkReplayError, merge_outputs, replay as spark_replay
from journeylang.spark.engine import run
from journeylang.syntax.literals import parse_timestamp

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT.parent / "shared" / "conformance" / "cases"
OUTPUTS = ("actions.jsonl", "trace.jsonl", "segments.jsonl", "identities.jsonl", "rejected.jsonl", "report.json")


def outputs(folder) -> dict[str, bytes]:
    return {name: (Path(folder) / name).read_bytes() for name in OUTPUTS}


def assert_same(spark_out, local_out, names=OUTPUTS) -> None:
    theirs, ours = outputs(spark_out), outputs(local_out)
    for name in names:
        assert theirs[name] == ours[name], f"the Spark replay differs from --workers 1 in {name}"


def both(spark, analysis, logs, until, tmp_path, **kwargs) -> tuple[dict, dict]:
    logs = [str(p) for p in logs]
    local_replay(analysis, logs, until, str(tmp_path / "local"), workers=1)
    report, facts = run(spark, analysis, logs, until, str(tmp_path / "spark"), **kwargs)
    return report, facts


@pytest.fixture(scope="module")
def seed_log(tmp_path_factory):
    log = tmp_path_factory.mktemp("seed") / "events.jsonl"
    generate_log(str(log), profiles=250, days=10, seed=11, start="2026-11-14T00:00:00Z")
    return log


@pytest.fixture(scope="module")
def dedup_log(seed_log):
    """The seed log with dedup at work: every third profile's `personalEmail.address` is one
    of 4 shared ones (wishlist_reengagement's `dedup by` refuses some entries, across
    partitions), and 2% of the lines repeated (`duplicate id` rejections)."""
    rng = random.Random(5)
    lines, profiles = [], 0
    for line in seed_log.read_bytes().splitlines(keepends=True):
        record = orjson.loads(line)
        if record.get("recordType") == "profile" and "personalEmail" in record:
            profiles += 1
            if profiles % 3 == 0:
                record["personalEmail"] = {"address": f"shared{profiles % 4}@example.com"}
                line = orjson.dumps(record) + b"\n"
        lines.append(line)
        if rng.random() < 0.02:
            lines.append(line)
    log = seed_log.parent / "dedup.jsonl"
    log.write_bytes(b"".join(lines))
    return log


def assert_dedup_at_work(report) -> None:
    assert report["journeys"]["wishlist_reengagement"]["refusals"].get("duplicate", 0) > 0, report["journeys"]
    assert report["records"]["rejected"] > 0


@pytest.fixture(scope="module")
def seed_program():
    return analyse([str(ROOT / "journeys")])


def test_seed_journeys_merged(spark, dedup_log, seed_program, tmp_path):
    report, facts = both(spark, seed_program, [dedup_log], None, tmp_path)
    assert_same(tmp_path / "spark", tmp_path / "local")
    assert facts["partitions"] == 2 and facts["links"] > 0          # anonymous ECIDs linked to emails
    assert_dedup_at_work(report)
    assert b'"reason":"duplicate id"' in (tmp_path / "local" / "rejected.jsonl").read_bytes()
    assert (tmp_path / "local" / "identities.jsonl").read_bytes()  # merges happened
    assert report["records"]["read"] == report["records"]["processed"] + report["records"]["rejected"]
    assert not [p for p in (tmp_path / "spark").iterdir() if p.name.startswith(".partial")]


def test_seed_journeys_partitioned_then_merged(spark, dedup_log, seed_program, tmp_path):
    until = parse_timestamp("2026-11-24T12:00:00Z")     # after the wishlist read (2026-11-23T09:00:00Z)
    report, _ = both(spark, seed_program, [dedup_log], until, tmp_path, partitioned=True)
    assert_dedup_at_work(report)
    folder = tmp_path / "spark"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert not (folder / "report.json").exists()            # the partitioned form is not a complete folder
    assert manifest["files"]["actions"] and all((folder / p).is_file() for p in manifest["files"]["trace"])
    for part in manifest["files"]["actions"]:                # every part sorted by its order key
        keys = [line.split(b"\t", 1)[0] for line in (folder / part).read_bytes().splitlines()]
        assert keys == sorted(keys)
    merge_outputs(str(folder), str(tmp_path / "merged"))
    assert_same(tmp_path / "merged", tmp_path / "local")


STRESS = """
segment active { has event app.open within 1d }
message note { channel push title "t" body "p" }
journey by_key {
  entry event app.open
  reentry after 1h
  dedup by profile.personalEmail.address within 12h
  send push note
}
journey forever_once {
  entry event commerce.buy
  reentry always
  dedup by profile.personalEmail.address
  send push note
}
journey reads {
  entry read audience active at 2026-10-01T06:00:00Z every 6h
  dedup by profile.personalEmail.address
  send push note
}
"""


def stress_records(seed: int, profiles: int = 40, records: int = 600) -> list[dict]:
    """Profiles sharing a few emails (dedup winners and losers in different partitions),
    anonymous ECIDs linked later (merges), many records at one instant."""
    rng = random.Random(seed)
    start = parse_timestamp("2026-10-01T00:00:00Z")
    emails = [f"shared{i}@example.org" for i in range(4)]
    out = []
    for i in range(profiles):
        out.append({"timestamp": "2026-10-01T00:00:00Z", "recordType": "profile",
                    "identityMap": {"Email": [{"id": f"p{i}@example.org", "primary": True}]},
                    "personalEmail": {"address": rng.choice(emails)},
                    "consents": {"marketing": {"push": {"val": "y"}}}})
    for _ in range(records):
        ts = start + rng.randrange(0, 3 * 24 * 60, rng.choice((1, 60))) * 60_000
        who = rng.randrange(profiles)
        ids = {"Email": [{"id": f"p{who}@example.org", "primary": True}]}
        if rng.random() < 0.2:
            ids = {"ECID": [{"id": f"ecid-{rng.randrange(profiles)}"}]}
        elif rng.random() < 0.1:
            ids["ECID"] = [{"id": f"ecid-{rng.randrange(profiles)}"}]
        out.append({"timestamp": _text(ts), "eventType": rng.choice(("app.open", "commerce.buy")),
                    "identityMap": ids})
    out.sort(key=lambda r: r["timestamp"])
    for n, record in enumerate(out):
        record["_id"] = f"r{n}"
    return out


def _text(ms: int) -> str:
    from journeylang.syntax.literals import format_timestamp
    return format_timestamp(ms)


def write_jsonl(path: Path, records) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def _program(tmp_path: Path, text: str):
    folder = tmp_path / "program"
    folder.mkdir(exist_ok=True)
    (folder / "main.journey").write_text(text)
    analysis = analyse([str(folder)])
    assert not analysis.diagnostics.has_errors
    return analysis


def test_dedup_across_partitions_settles_in_rounds(spark, tmp_path):
    """Seed 2 needs dedup rounds that settle; seed 1 does not settle in MAX_ROUNDS and is
    replayed as one partition (with Spark's hash partitioning of pyspark 4)."""
    analysis = _program(tmp_path, STRESS)
    facts = {}
    for seed in (1, 2):
        case = tmp_path / f"seed{seed}"
        case.mkdir()
        log = write_jsonl(case / "events.jsonl", stress_records(seed))
        _, facts[seed] = both(spark, analysis, [log], None, case)
        assert_same(case / "spark", case / "local")
    assert facts[2]["rounds"] > 0 and not facts[2]["single_partition"], facts
    assert facts[1]["single_partition"], facts


def test_bad_lines_duplicates_and_order_over_several_files(spark, tmp_path):
    analysis = _program(tmp_path, STRESS)
    records = stress_records(7, profiles=12, records=200)
    first, second = records[::2], records[1::2]
    second = second[5:] + second[:5]                        # a file out of time order
    second[3] = dict(second[3], _id=first[10]["_id"])        # a duplicate _id across files
    lines_a = [orjson.dumps(r) + b"\n" for r in first]
    lines_a[4:4] = [b"\n", b"not json\n", b'{"_id": "x1", "timestamp": "2026-10-01T00:00:00"}\n',
                    b'{"timestamp": "2026-10-01T01:00:00Z", "eventType": "app.open"}\n', b"[1]\n"]
    lines_a.append(lines_a[20])                              # a duplicate _id within a file
    (tmp_path / "a.jsonl").write_bytes(b"".join(lines_a))
    with gzip.open(tmp_path / "b.jsonl.gz", "wb") as handle:
        handle.write(b"".join(orjson.dumps(r) + b"\n" for r in second))
    logs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"]
    report, _ = both(spark, analysis, logs, parse_timestamp("2026-10-03T00:00:00Z"), tmp_path)
    assert_same(tmp_path / "spark", tmp_path / "local")
    rejected = [json.loads(line) for line in (tmp_path / "spark" / "rejected.jsonl").read_text().splitlines()]
    assert {r["reason"] for r in rejected} >= {"duplicate id", "not a JSON object"}
    assert report["records"]["read"] == report["records"]["processed"] + report["records"]["rejected"]


def test_files_read_through_sparks_binary_source_give_the_same_lines(spark, tmp_path):
    """The path remote logs take (hdfs://, s3a://: Spark's binaryFile source, a local copy
    in the executor) reads the same lines as the local one, gzip and Parquet too."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from journeylang.spark.inputs import log_files
    from journeylang.spark.reading import read_lines
    records = stress_records(3, profiles=6, records=60)
    write_jsonl(tmp_path / "a.jsonl", records[:30])
    (tmp_path / "a.jsonl").write_bytes((tmp_path / "a.jsonl").read_bytes() + b"broken\n")
    with gzip.open(tmp_path / "b.jsonl.gz", "wb") as handle:
        handle.write(b"".join(orjson.dumps(r) + b"\n" for r in records[30:45]))
    pq.write_table(pa.Table.from_struct_array(pa.array(records[45:])), tmp_path / "c.parquet")
    files = log_files(spark, [str(tmp_path / name) for name in ("a.jsonl", "b.jsonl.gz", "c.parquet")])

    def rows(**kwargs):
        return sorted(tuple(row) for row in read_lines(spark, files, **kwargs).drop("idents").collect())
    streamed = rows()
    assert len(streamed) == len(records) + 1 and streamed == rows(through_spark=True)


def test_a_log_without_one_good_record(spark, tmp_path):
    analysis = _program(tmp_path, STRESS)
    log = tmp_path / "bad.jsonl"
    log.write_bytes(b'not json\n{"_id": "1", "timestamp": "2026-10-01T00:00:00Z"}\n\n[]\n')
    report, facts = both(spark, analysis, [log], parse_timestamp("2026-10-02T00:00:00Z"), tmp_path)
    assert_same(tmp_path / "spark", tmp_path / "local")
    assert facts["records"] == 0 and report["records"]["rejected"] == 3


def test_parquet_logs_and_a_folder(spark, seed_log, seed_program, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    records = [orjson.loads(line) for line in seed_log.read_bytes().splitlines()]
    folder = tmp_path / "export"
    folder.mkdir()
    half = len(records) // 2       # split by time: the folder's two files keep the log's order
    for n, chunk in enumerate((records[:half], records[half:])):
        pq.write_table(pa.Table.from_struct_array(pa.array(chunk)), folder / f"part-{n:05d}.parquet")
    (folder / "_SUCCESS").write_bytes(b"")
    report, _ = run(spark, seed_program, [str(folder)], None, str(tmp_path / "spark"))
    local_replay(seed_program, [str(seed_log)], None, str(tmp_path / "local"), workers=1)
    assert_same(tmp_path / "spark", tmp_path / "local")
    assert report["records"]["read"] == len(records)


def test_a_dataframe_of_records(spark, seed_log, seed_program, tmp_path):
    frame = spark.read.json(str(seed_log))
    run(spark, seed_program, frame, None, str(tmp_path / "spark"))
    local_replay(seed_program, [str(seed_log)], None, str(tmp_path / "local"), workers=1)
    assert_same(tmp_path / "spark", tmp_path / "local")


def test_a_hadoop_uri_output_is_partitioned_then_merged(spark, seed_log, seed_program, tmp_path):
    """A URI output (file: here, hdfs:// or s3a:// on a cluster) goes through Hadoop's
    FileSystem: parts and manifest only; merged from the files afterwards. A DataFrame's
    scratch copy lives beside the outputs and is removed."""
    frame = spark.read.json(str(seed_log))
    out = tmp_path / "remote"
    run(spark, seed_program, frame, None, "file://" + str(out))
    assert (out / "manifest.json").is_file() and not (out / "_input").exists()
    assert not (out / "report.json").exists()
    assert main(["replay", str(ROOT / "journeys"), "--events", str(seed_log), "--quiet", "--workers", "1",
                 "--out", str(tmp_path / "local")]) == 0
    report = merge_outputs(str(out), str(tmp_path / "merged"))
    assert report == json.loads((tmp_path / "local" / "report.json").read_text())
    assert_same(tmp_path / "merged", tmp_path / "local")


def _replay_cases() -> list[str]:
    if not CASES.is_dir():
        return []
    return sorted(p.name for p in CASES.iterdir() if (p / "events.jsonl").exists()
                  and json.loads((p / "case.json").read_text()).get("command", "replay") == "replay")


@pytest.mark.skipif(not CASES.is_dir(), reason="shared conformance cases not found")
@pytest.mark.parametrize("case", _replay_cases())
def test_conformance_cases_through_the_cli(spark, case, tmp_path, capsys):
    folder = CASES / case
    spec = json.loads((folder / "case.json").read_text())
    common = [str(folder / "program"), "--events", str(folder / "events.jsonl"), "--quiet"]
    if spec.get("until"):
        common += ["--until", spec["until"]]
    assert main(["replay", *common, "--workers", "1", "--out", str(tmp_path / "local")]) == 0
    assert main(["replay", *common, "--engine", "spark", "--master", "local[2]", "--out", str(tmp_path / "spark")]) == 0
    assert_same(tmp_path / "spark", tmp_path / "local")


def test_cli_partitioned_then_merge_outputs(spark, dedup_log, tmp_path, capsys):
    common = [str(ROOT / "journeys"), "--events", str(dedup_log), "--quiet"]
    assert main(["replay", *common, "--out", str(tmp_path / "local"), "--workers", "1"]) == 0
    assert main(["replay", *common, "--engine", "spark", "--partitioned", "--max-rejected", "0",
                 "--out", str(tmp_path / "big")]) == 1                 # the log has duplicate ids
    err = capsys.readouterr().err
    assert "records rejected, more than --max-rejected 0" in err and "merge-outputs" in err, err
    assert main(["merge-outputs", str(tmp_path / "big"), "--out", str(tmp_path / "merged")]) == 0
    assert_same(tmp_path / "merged", tmp_path / "local")          # node labels and program record too
    shutil.rmtree(tmp_path / "big" / "parts" / "name=trace")
    assert main(["merge-outputs", str(tmp_path / "big"), "--out", str(tmp_path / "merged")]) == 1
    assert "missing" in capsys.readouterr().err
    assert_same(tmp_path / "merged", tmp_path / "local")          # the failed merge left the folder as it was


def test_cli_takes_globs_and_uris_as_the_engine_does(spark, seed_log, dedup_log, tmp_path, capsys):
    """`--engine spark --events` is listed by the Spark engine, not checked as local files
    first: a quoted glob and a `file:` URI (as hdfs:// or s3a:// on a cluster), with a URI
    `--out` (partitioned); a `file:///x` log is named `/x` in rejected.jsonl, as the local
    replay names `/x`; an unreadable log is still a one-line error."""
    lines = seed_log.read_bytes().splitlines(keepends=True)
    logs = tmp_path / "logs"
    logs.mkdir()
    half = len(lines) // 2                                   # split by time: log order holds
    (logs / "part-0.jsonl").write_bytes(b"".join(lines[:half]))
    (logs / "part-1.jsonl").write_bytes(b"".join(lines[half:]))
    program = str(ROOT / "journeys")
    assert main(["replay", program, "--events", str(logs / "part-0.jsonl"), str(logs / "part-1.jsonl"),
                 "--quiet", "--workers", "1", "--out", str(tmp_path / "local")]) == 0
    assert main(["replay", program, "--events", str(logs / "part-*.jsonl"), "--engine", "spark", "--quiet",
                 "--out", str(tmp_path / "glob")]) == 0
    assert_same(tmp_path / "glob", tmp_path / "local")
    assert main(["replay", program, "--events", str(dedup_log), "--quiet", "--workers", "1",
                 "--out", str(tmp_path / "local-dedup")]) == 0
    assert main(["replay", program, "--events", "file://" + str(dedup_log), "--engine", "spark", "--partitioned",
                 "--quiet", "--out", "file://" + str(tmp_path / "uri")]) == 0
    assert main(["merge-outputs", str(tmp_path / "uri"), "--out", str(tmp_path / "merged")]) == 0
    assert_same(tmp_path / "merged", tmp_path / "local-dedup")
    capsys.readouterr()
    (tmp_path / "fake.parquet").write_text('{"_id": "1"}\n')
    assert main(["replay", program, "--events", str(tmp_path / "fake.parquet"), "--engine", "spark", "--quiet",
                 "--out", str(tmp_path / "fake")]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not a readable Parquet file" in err, err
    assert main(["replay", program, "--events", str(tmp_path / "none-*.jsonl"), "--engine", "spark", "--quiet",
                 "--out", str(tmp_path / "none")]) == 1
    assert "no event log matches" in capsys.readouterr().err


def test_api_with_a_program_path_and_a_uri(spark, seed_log, tmp_path):
    report = spark_replay(spark, str(ROOT / "journeys"), "file://" + str(seed_log), str(tmp_path / "api"),
                          until="2026-11-18T00:00:00Z")
    assert main(["replay", str(ROOT / "journeys"), "--events", str(seed_log), "--until", "2026-11-18T00:00:00Z",
                 "--quiet", "--workers", "1", "--out", str(tmp_path / "local")]) == 0
    assert_same(tmp_path / "api", tmp_path / "local")
    assert report["records"]["processed"] > 0


def test_failures_are_one_line_errors(spark, seed_log, tmp_path, capsys):
    with pytest.raises(SparkReplayError, match="no event log matches"):
        spark_replay(spark, str(ROOT / "journeys"), str(tmp_path / "nothing-*.jsonl"), str(tmp_path / "x"))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "main.journey").write_text("journey j { entry event a.b\n send email nowhere }\n")
    with pytest.raises(SparkReplayError, match="the program has errors"):
        spark_replay(spark, str(bad), str(seed_log), str(tmp_path / "x"))
    lookups = tmp_path / "lookups"
    lookups.mkdir()
    (lookups / "main.journey").write_text(
        'lookup tiers from "tiers.jsonl" key id\n'
        'message m { channel email subject "s" body "{{ t.tier }}" }\n'
        "journey j {\n  entry event commerce.productViews\n  reentry always\n"
        "  enrich t = lookup tiers by profile.personalEmail.address\n  send email m\n}\n")
    (lookups / "tiers.jsonl").write_text('{"id": "a", "tier": "gold"}\n')
    analysis = analyse([str(lookups)])
    assert not analysis.diagnostics.has_errors, analysis.diagnostics.items
    (lookups / "tiers.jsonl").write_text('{"id": "a"}\nnot json\n')    # broken before the replay
    with pytest.raises(SparkReplayError, match="tiers.jsonl line 2 is not JSON"):
        run(spark, analysis, [str(seed_log)], None, str(tmp_path / "x"))
    assert not (tmp_path / "x" / "report.json").exists()
