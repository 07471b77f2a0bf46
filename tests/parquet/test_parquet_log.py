"""Parquet event logs in the local replay: the same outputs as the JSONL of the same records.

Covers: generate -o x.parquet (deterministic) -> replay gives the JSONL replay's bytes for
--workers 1 and 2, and through the CLI for a folder of part files (an AEP export, with
`_SUCCESS`); AEP-shaped columns (a `map<string, list<struct>>` identityMap, a zoned
timestamp column, nulls as absent fields) give the records of the JSONL; a bad row
(missing `_id`, a zoneless timestamp) is rejected alone, by row number; a zoneless
timestamp column rejects every row with the JSONL reason; a file that is not Parquet is
a one-line error.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from journeylang.cli.main import main
from journeylang.generate.xdm_log import generate_log
from journeylang.pipeline import analyse
from journeylang.runtime.engines import replay
from journeylang.runtime.services.eventlog import LogReader

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ("actions.jsonl", "trace.jsonl", "segments.jsonl", "identities.jsonl", "rejected.jsonl", "report.json")


def outputs(folder) -> dict[str, bytes]:
    return {name: (Path(folder) / name).read_bytes() for name in OUTPUTS}


def test_generate_parquet_round_trip_gives_the_jsonl_bytes(tmp_path):
    jsonl, parquet = tmp_path / "events.jsonl", tmp_path / "events.parquet"
    args = dict(profiles=150, days=8, seed=4, start="2026-11-14T00:00:00Z")
    stats_jsonl = generate_log(str(jsonl), **args)
    stats_parquet = generate_log(str(parquet), **args)
    assert stats_parquet["records"] == stats_jsonl["records"] and stats_parquet["events"] == stats_jsonl["events"]
    again = tmp_path / "again.parquet"
    generate_log(str(again), **args)
    assert again.read_bytes() == parquet.read_bytes()                     # deterministic
    schema = pq.ParquetFile(parquet).schema_arrow
    assert schema.field("timestamp").type == pa.timestamp("ms", tz="UTC")
    analysis = analyse([str(ROOT / "journeys")])
    replay(analysis, [str(jsonl)], None, str(tmp_path / "from-jsonl"), workers=1)
    expected = outputs(tmp_path / "from-jsonl")
    assert expected["actions.jsonl"].count(b"\n") > 50
    for workers in (1, 2):
        replay(analysis, [str(parquet)], None, str(tmp_path / f"w{workers}"), workers=workers)
        assert outputs(tmp_path / f"w{workers}") == expected, f"--workers {workers}"


def test_a_folder_of_part_files_through_the_cli(tmp_path, capsys):
    jsonl = tmp_path / "events.jsonl"
    generate_log(str(jsonl), profiles=80, days=6, seed=9, start="2026-11-14T00:00:00Z")
    records = [orjson.loads(line) for line in jsonl.read_bytes().splitlines()]
    export = tmp_path / "export"
    (export / "day=2").mkdir(parents=True)
    third = len(records) // 3            # split by time, as an export by date: the log's order holds
    pq.write_table(pa.Table.from_struct_array(pa.array(records[:third])), export / "part-00000.parquet")
    pq.write_table(pa.Table.from_struct_array(pa.array(records[third:2 * third])), export / "part-00001.parquet")
    pq.write_table(pa.Table.from_struct_array(pa.array(records[2 * third:])), export / "day=2" / "part-0.parquet")
    (export / "_SUCCESS").write_text("")
    common = [str(ROOT / "journeys"), "--quiet", "--workers", "1"]
    assert main(["replay", *common, "--events", str(jsonl), "--out", str(tmp_path / "a")]) == 0
    assert main(["replay", *common, "--events", str(export), "--out", str(tmp_path / "b")]) == 0
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["replay", *common, "--events", str(empty), "--out", str(tmp_path / "c")]) == 1
    assert "no event logs" in capsys.readouterr().err


def _aep_table(rows: list[dict]) -> pa.Table:
    """Columns as AEP exports them: identityMap a map, timestamp a zoned timestamp."""
    identity = pa.map_(pa.string(), pa.list_(pa.struct([("id", pa.string()), ("primary", pa.bool_())])))
    schema = pa.schema([("_id", pa.string()), ("timestamp", pa.timestamp("us", tz="UTC")),
                        ("eventType", pa.string()), ("identityMap", identity),
                        ("commerce", pa.struct([("order", pa.struct([("priceTotal", pa.float64()),
                                                                    ("currencyCode", pa.string())]))]))])
    return pa.Table.from_pylist(rows, schema=schema)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_aep_columns_become_the_jsonl_records(tmp_path):
    rows = [{"_id": "e1", "timestamp": _when("2026-11-01T10:00:00+00:00"), "eventType": "commerce.purchases",
             "identityMap": [("Email", [{"id": "a@example.com", "primary": True}])],
             "commerce": {"order": {"priceTotal": 12.5, "currencyCode": None}}},
            {"_id": "e2", "timestamp": _when("2026-11-01T10:00:00.250+00:00"), "eventType": "web.pageViews",
             "identityMap": [("ECID", [{"id": "123", "primary": None}])], "commerce": None}]
    pq.write_table(_aep_table(rows), tmp_path / "aep.parquet")
    records = [record.data for record in LogReader([str(tmp_path / "aep.parquet")])]
    assert records == [
        {"_id": "e1", "timestamp": "2026-11-01T10:00:00Z", "eventType": "commerce.purchases",
         "identityMap": {"Email": [{"id": "a@example.com", "primary": True}]},
         "commerce": {"order": {"priceTotal": 12.5}}},
        {"_id": "e2", "timestamp": "2026-11-01T10:00:00.250Z", "eventType": "web.pageViews",
         "identityMap": {"ECID": [{"id": "123"}]}}]


def test_a_bad_row_is_rejected_alone_by_row_number(tmp_path):
    good = {"timestamp": "2026-11-01T10:00:00Z", "eventType": "app.open",
            "identityMap": {"Email": [{"id": "a@example.com", "primary": True}]}}
    rows = [dict(good, _id="1"), dict(good, _id=None), dict(good, _id="3", timestamp="2026-11-01T11:00:00"),
            dict(good, _id="4", timestamp="2026-11-01T12:00:00Z")]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "bad.parquet", row_group_size=2)
    out = tmp_path / "out"
    assert main(["replay", str(ROOT / "journeys"), "--events", str(tmp_path / "bad.parquet"), "--out", str(out),
                 "--quiet", "--workers", "1"]) == 0
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert [(r["line"], r["reason"]) for r in rejected] == [
        (2, "missing _id (a non-empty string)"),
        (3, "timestamp '2026-11-01T11:00:00' is not RFC 3339 with Z or an offset")]
    assert all(r["file"] == str(tmp_path / "bad.parquet") for r in rejected)
    records = json.loads((out / "report.json").read_text())["records"]
    assert (records["read"], records["processed"], records["rejected"]) == (4, 2, 2)


def test_a_zoneless_timestamp_column_rejects_its_rows(tmp_path):
    table = pa.table({"_id": ["1", "2"], "timestamp": pa.array([datetime(2026, 11, 1, 10), datetime(2026, 11, 1, 11)],
                                                               pa.timestamp("ms")),
                      "eventType": ["a.b", "a.b"],
                      "identityMap": [{"Email": [{"id": "x@example.com"}]}] * 2})
    pq.write_table(table, tmp_path / "naive.parquet")
    reader = LogReader([str(tmp_path / "naive.parquet")])
    assert list(reader) == []
    assert [r.reason for r in reader.rejections] == [
        "timestamp '2026-11-01T10:00:00' is not RFC 3339 with Z or an offset",
        "timestamp '2026-11-01T11:00:00' is not RFC 3339 with Z or an offset"]


def test_a_file_that_is_not_parquet_is_a_one_line_error(tmp_path, capsys):
    fake = tmp_path / "events.parquet"
    fake.write_text('{"_id": "1"}\n')
    assert main(["replay", str(ROOT / "journeys"), "--events", str(fake), "--out", str(tmp_path / "o"),
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "not a readable Parquet file" in err and "Traceback" not in err
