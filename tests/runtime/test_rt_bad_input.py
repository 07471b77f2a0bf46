"""Bad input: every line is processed or rejected with file, line and reason; log order across files."""
from __future__ import annotations

import gzip
import json
import os

import pytest
from harness import build, complete, ev, message, pid, prof, replay_files, t

AL = pid("al")

SOURCE = message("got_it", channel="sms", body="{{ go._id }}") + """
journey got_it {
  entry event app.launch as go
  reentry always
  send sms got_it
}
"""


def good(record_id: str, at: str) -> dict:
    return complete([ev("al", at, "app.launch", _id=record_id)])[0]


def line(record: dict) -> str:
    return json.dumps(record) + "\n"


def replay_lines(tmp_path, files: dict[str, list[str]], order=None, until=None):
    """Write raw lines into the named files and replay them in `order` (default: as given)."""
    analysis = build(str(tmp_path / "program"), SOURCE)
    paths = []
    for name in (order or list(files)):
        path = str(tmp_path / name)
        data = "".join(files[name]).encode("utf-8")
        if name.endswith(".gz"):
            data = gzip.compress(data)
        with open(path, "wb") as handle:
            handle.write(data)
        paths.append(path)
    return replay_files(analysis, paths, until)


def nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth):
        value = {"n": value}
    return value


PROFILE = line(complete([prof("al")], "p")[0])
BAD_LINES = [
    ("not json", "{not json}\n", "not JSON"),
    ("truncated", '{"_id": "x", "timestamp": \n', "not JSON"),
    ("array", "[1, 2]\n", "not a JSON object"),
    ("no _id", line({k: v for k, v in good("x", t(10, "10:00")).items() if k != "_id"}), "missing _id"),
    ("empty _id", line({**good("x", t(10, "10:00")), "_id": ""}), "missing _id"),
    ("numeric _id", line({**good("x", t(10, "10:00")), "_id": 7}), "missing _id"),
    ("no timestamp", line({k: v for k, v in good("x", t(10, "10:00")).items() if k != "timestamp"}),
     "missing timestamp"),
    ("naive timestamp", line(good("x", "2026-10-10T10:00:00")), "is not RFC 3339"),
    ("date only", line(good("x", "2026-10-10")), "is not RFC 3339"),
    ("impossible date", line(good("x", "2026-02-30T10:00:00Z")), "is not RFC 3339"),
    ("no identity", line({k: v for k, v in good("x", t(10, "10:00")).items() if k != "identityMap"}),
     "no identity"),
    ("empty identityMap", line({**good("x", t(10, "10:00")), "identityMap": {}}), "no identity"),
    ("identity without id", line({**good("x", t(10, "10:00")), "identityMap": {"Email": [{"primary": True}]}}),
     "without a string id"),
    ("no eventType", line({k: v for k, v in good("x", t(10, "10:00")).items() if k != "eventType"}),
     "neither an experience event"),
    ("deeply nested", line({**good("x", t(10, "10:00")), "deep": nested(100)}), "nested deeper than 64"),
    ("huge", line({**good("x", t(10, "10:00")), "blob": "x" * 1_100_000}), "larger than 1000000 bytes"),
    ("too many identities", line({**good("x", t(10, "10:00")),
                                  "identityMap": {"ECID": [{"id": f"e{i}"} for i in range(101)]}}),
     "more than 100 identities"),
]


@pytest.mark.parametrize("name, bad, reason", BAD_LINES, ids=[c[0] for c in BAD_LINES])
def test_a_bad_line_is_rejected_with_file_line_and_reason(tmp_path, name, bad, reason):
    lines = [PROFILE, line(good("e1", t(10, "09:00"))), bad, line(good("e2", t(10, "11:00")))]
    result = replay_lines(tmp_path, {"log.jsonl": lines})
    [rejected] = result.rejected
    assert rejected["file"] == str(tmp_path / "log.jsonl")
    assert rejected["line"] == 3
    assert reason in rejected["reason"]
    assert rejected["record"].startswith(bad.rstrip("\n")[:100])
    assert len(rejected["record"]) <= 2003
    counts = result.report["records"]
    assert counts == {"read": 4, "processed": 3, "rejected": 1}
    assert [a["content"]["body"] for a in result.actions] == ["e1", "e2"]


def test_extremely_deep_nesting_is_rejected_not_raised(tmp_path):
    deep = '{"_id": "d", "timestamp": "2026-10-10T10:00:00Z", "x": ' + "[" * 5000 + "]" * 5000 + "}\n"
    result = replay_lines(tmp_path, {"log.jsonl": [PROFILE, deep, line(good("e1", t(10, "11:00")))]})
    assert [(r["line"], r["reason"][:3]) for r in result.rejected] == [(2, result.rejected[0]["reason"][:3])]
    assert result.report["records"] == {"read": 3, "processed": 2, "rejected": 1}


def test_duplicate_id_keeps_the_first_in_log_order(tmp_path):
    lines = [PROFILE, line(good("e1", t(10, "11:00"))), line(good("e1", t(10, "10:00"))),
             line(good("e2", t(10, "12:00"))), line(good("e2", t(10, "12:00")))]
    result = replay_lines(tmp_path, {"log.jsonl": lines})
    # e1 at 10:00 (line 3) comes first in log order; the 11:00 copy on line 2 is the duplicate
    assert [(r["line"], r["reason"]) for r in result.rejected] == [(2, "duplicate id"), (5, "duplicate id")]
    assert [a["time"] for a in result.actions] == [t(10, "10:00"), t(10, "12:00")]
    assert result.report["records"] == {"read": 5, "processed": 3, "rejected": 2}


def test_blank_lines_are_neither_read_nor_rejected(tmp_path):
    result = replay_lines(tmp_path, {"log.jsonl": [PROFILE, "\n", "   \n", line(good("e1", t(10, "10:00")))]})
    assert result.rejected == []
    assert result.report["records"] == {"read": 2, "processed": 2, "rejected": 0}


def test_gzip_logs(tmp_path):
    lines = [PROFILE, line(good("e1", t(10, "10:00"))), "oops\n"]
    result = replay_lines(tmp_path, {"log.jsonl.gz": lines})
    assert [a["time"] for a in result.actions] == [t(10, "10:00")]
    assert [(r["file"], r["line"]) for r in result.rejected] == [(str(tmp_path / "log.jsonl.gz"), 3)]


def test_log_order_across_files_given_out_of_order(tmp_path):
    # b.jsonl is given first on the command line: at equal timestamps its lines go first
    files = {
        "a.jsonl": [PROFILE, line(good("a1", t(10, "10:00"))), line(good("a2", t(10, "12:00")))],
        "b.jsonl": [line(good("b1", t(10, "09:00"))), line(good("b2", t(10, "10:00"))),
                    line(good("b3", t(10, "10:00"))), "garbage\n"],
    }
    result = replay_lines(tmp_path, files, order=["b.jsonl", "a.jsonl"])
    assert [a["content"]["body"] for a in result.actions] == ["b1", "b2", "b3", "a1", "a2"]
    assert [(os.path.basename(r["file"]), r["line"]) for r in result.rejected] == [("b.jsonl", 4)]
    assert result.report["records"] == {"read": 7, "processed": 6, "rejected": 1}


def test_an_unsorted_file_is_replayed_in_timestamp_then_line_order(tmp_path):
    lines = [PROFILE, line(good("e1", t(10, "12:00"))), line(good("e2", t(10, "10:00"))), "bad line\n",
             line(good("e3", t(10, "11:00"))), line(good("e4", t(10, "10:00"))),
             line(good("e5", "2026-10-10T11:30:00+02:00"))]  # 09:30Z
    result = replay_lines(tmp_path, {"log.jsonl": lines})
    assert [(a["content"]["body"], a["time"]) for a in result.actions] == [
        ("e5", t(10, "09:30")), ("e2", t(10, "10:00")), ("e4", t(10, "10:00")), ("e3", t(10, "11:00")),
        ("e1", t(10, "12:00"))]
    assert [r["line"] for r in result.rejected] == [4]
    assert result.report["records"] == {"read": 7, "processed": 6, "rejected": 1}


def test_unsorted_files_merge_with_sorted_ones(tmp_path):
    files = {
        "sorted.jsonl": [PROFILE, line(good("s1", t(10, "10:00"))), line(good("s2", t(10, "11:00")))],
        "unsorted.jsonl": [line(good("u1", t(10, "11:00"))), line(good("u2", t(10, "09:00"))),
                           line(good("u3", t(10, "10:00")))],
    }
    result = replay_lines(tmp_path, files)
    assert [a["content"]["body"] for a in result.actions] == ["u2", "s1", "u3", "s2", "u1"]


def test_rejections_are_written_with_their_outputs(tmp_path):
    from journeylang.runtime.replay import run_replay
    analysis = build(str(tmp_path / "program"), SOURCE)
    log = tmp_path / "log.jsonl"
    log.write_text(PROFILE + "not json\n")
    report, _ = run_replay(analysis, [str(log)], None, str(tmp_path / "out"))
    rows = [json.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert [(r["file"], r["line"], r["record"]) for r in rows] == [(str(log), 2, "not json")]
    assert json.loads((tmp_path / "out" / "report.json").read_text())["records"] == report["records"] == {
        "read": 2, "processed": 1, "rejected": 1}


def nested_first(record_id: str, at: str, nested_at: str) -> str:
    """A record whose text has a nested `timestamp` before its own (key order is free in JSON)."""
    record = good(record_id, at)
    ordered = {"_id": record["_id"], "placeContext": {"localTime": {"timestamp": nested_at}},
               "items": [{"timestamp": nested_at}]}
    ordered.update({k: v for k, v in record.items() if k != "_id"})
    return line(ordered)


def test_order_comes_from_the_top_level_timestamp_not_a_nested_one(tmp_path):
    # sorted by their own timestamps, "unsorted" by the nested ones that come first in the text
    lines = [PROFILE, nested_first("e1", t(10, "10:00"), t(12, "00:00")),
             nested_first("e2", t(10, "11:00"), t(9, "00:00")), nested_first("e3", t(10, "12:00"), t(11, "00:00"))]
    result = replay_lines(tmp_path, {"log.jsonl": lines})
    assert [(a["content"]["body"], a["time"]) for a in result.actions] == [
        ("e1", t(10, "10:00")), ("e2", t(10, "11:00")), ("e3", t(10, "12:00"))]
    # unsorted by their own timestamps, "sorted" by the nested ones
    lines = [PROFILE, nested_first("f1", t(10, "12:00"), t(1, "00:00")),
             nested_first("f2", t(10, "10:00"), t(2, "00:00")), nested_first("f3", t(10, "11:00"), t(3, "00:00"))]
    result = replay_lines(tmp_path, {"log2.jsonl": lines})
    assert [a["content"]["body"] for a in result.actions] == ["f2", "f3", "f1"]


def test_brackets_inside_strings_do_not_confuse_the_order(tmp_path):
    record = good("g1", t(10, "12:00"))
    tricky = line({"_id": "g1", "note": "a { and a [", **{k: v for k, v in record.items() if k != "_id"}})
    lines = [PROFILE, tricky, line(good("g2", t(10, "10:00")))]
    result = replay_lines(tmp_path, {"log.jsonl": lines})
    assert [a["content"]["body"] for a in result.actions] == ["g2", "g1"]


def test_one_hundred_identities_are_still_accepted(tmp_path):
    record = {**good("x", t(10, "10:00")), "identityMap": {"ECID": [{"id": f"e{i}"} for i in range(100)]}}
    result = replay_lines(tmp_path, {"log.jsonl": [PROFILE, line(record)]})
    assert result.rejected == []
