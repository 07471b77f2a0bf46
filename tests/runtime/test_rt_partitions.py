"""Partitioned replay: every number of workers gives the single-process bytes.

Covers the seed journeys over a generated log, every shared conformance case, and seeded
random logs built to stress what crosses partitions: profile merges (anonymous ECIDs
linked to emails later), dedup keys shared by profiles in different partitions (the
winner in another partition than the loser), equal timestamps across profiles, scheduled
reads with `every`, and `--until`. Also: a tiny spill buffer, failing and killed workers,
and a busy output folder.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import zlib
from pathlib import Path

import orjson
import pytest

from journeylang.generate.xdm_log import generate_log
from journeylang.pipeline import analyse
from journeylang.runtime.engines import EngineError, replay
from journeylang.syntax.literals import parse_timestamp

from harness import build, write_log

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT.parent / "shared" / "conformance" / "cases"
OUTPUTS = ("actions.jsonl", "trace.jsonl", "segments.jsonl", "identities.jsonl", "rejected.jsonl", "report.json")


def outputs(folder) -> dict[str, bytes]:
    return {name: (Path(folder) / name).read_bytes() for name in OUTPUTS}


def replay_all(analysis, logs, until, tmp_path, workers=(1, 2, 3, 4), **kwargs):
    """Replay with every worker count; assert identical bytes; the single-process outputs."""
    results = {}
    for count in workers:
        out = tmp_path / f"w{count}"
        replay(analysis, [str(p) for p in logs], until, str(out), workers=count, **kwargs)
        results[count] = outputs(out)
        assert not [p for p in os.listdir(out) if p.startswith(".partial")], "spill left behind"
    for count, files in results.items():
        for name in OUTPUTS:
            assert files[name] == results[1][name], f"--workers {count} differs from 1 in {name}"
    return results[1]


def test_seed_journeys_over_a_generated_log(tmp_path):
    log = tmp_path / "events.jsonl"
    generate_log(str(log), profiles=250, days=10, seed=11, start="2026-11-14T00:00:00Z")
    files = replay_all(analyse([str(ROOT / "journeys")]), [log], None, tmp_path)
    assert files["actions.jsonl"].count(b"\n") > 100 and files["identities.jsonl"]


def test_seed_journeys_with_until(tmp_path):
    log = tmp_path / "events.jsonl"
    generate_log(str(log), profiles=120, days=10, seed=5, start="2026-11-14T00:00:00Z")
    replay_all(analyse([str(ROOT / "journeys")]), [log], parse_timestamp("2026-11-20T12:00:00Z"), tmp_path,
               workers=(1, 3))


def _replay_cases() -> list[str]:
    if not CASES.is_dir():
        return []
    return sorted(p.name for p in CASES.iterdir() if (p / "events.jsonl").exists()
                  and json.loads((p / "case.json").read_text()).get("command", "replay") == "replay")


@pytest.mark.skipif(not CASES.is_dir(), reason="shared conformance cases not found")
@pytest.mark.parametrize("case", _replay_cases())
def test_conformance_cases(case, tmp_path):
    folder = CASES / case
    spec = json.loads((folder / "case.json").read_text())
    analysis = analyse([str(folder / "program")])
    until = parse_timestamp(spec["until"]) if spec.get("until") else None
    replay_all(analysis, [folder / "events.jsonl"], until, tmp_path)


STRESS = """
segment active { has event app.open within 1d }
segment shoppers { has event commerce.view within 2d }
segment loyal { count event commerce.buy within 7d >= 2 }
message mail { channel email subject "hello {{ profile.personalEmail.address }}" body "b" }
message note { channel push title "t" body "p" }
journey by_key {
  entry event app.open
  reentry after 1h
  dedup by profile.personalEmail.address within 12h
  wait 30m
  if consented(email) { send email mail }
}
journey forever_once {
  entry event commerce.buy
  reentry always
  dedup by profile.personalEmail.address
  send push note
}
journey reads {
  entry read audience shoppers at 2026-10-01T06:00:00Z every 6h
  dedup by profile.personalEmail.address
  if consented(push) { send push note }
}
journey qualify {
  entry audience active
  reentry always
  dedup by profile.personalEmail.address within 1d
  wait 1h
  if in_segment(loyal) { send push note } else { exit "not loyal" }
}
"""


def stress_log(seed: int, profiles: int = 24, records: int = 500) -> list[dict]:
    """Profiles whose emails collide (shared addresses), anonymous ECIDs linked later, and
    many records at the same instants."""
    rng = random.Random(seed)
    start = parse_timestamp("2026-10-01T00:00:00Z")
    emails = [f"shared{i}@example.org" for i in range(max(2, profiles // 4))]
    out = []
    for i in range(profiles):
        out.append({"timestamp": "2026-10-01T00:00:00Z", "recordType": "profile",
                    "identityMap": {"Email": [{"id": f"p{i}@example.org", "primary": True}]},
                    "personalEmail": {"address": rng.choice(emails)},
                    "consents": {"marketing": {"email": {"val": rng.choice("yn")}, "push": {"val": "y"}}}})
    for _ in range(records):
        minute = rng.randrange(0, 4 * 24 * 60, rng.choice((1, 30, 60)))   # coarse steps: equal instants
        ts = start + minute * 60_000
        who = rng.randrange(profiles)
        anon = f"ecid-{rng.randrange(profiles * 2)}"
        ids = {"Email": [{"id": f"p{who}@example.org", "primary": True}]}
        roll = rng.random()
        if roll < 0.25:
            ids = {"ECID": [{"id": anon}]}                        # anonymous until linked
        elif roll < 0.35:
            ids["ECID"] = [{"id": anon}]                          # the link: a merge
        out.append({"timestamp": _iso(ts), "eventType": rng.choice(("app.open", "commerce.view", "commerce.buy")),
                    "identityMap": ids})
    out.sort(key=lambda r: r["timestamp"])
    return out


def _iso(ms: int) -> str:
    from journeylang.syntax.literals import format_timestamp
    return format_timestamp(ms)


@pytest.mark.parametrize("seed", range(6))
def test_stress_logs_cross_partition_merges_and_dedup(seed, tmp_path):
    analysis = build(str(tmp_path / "program"), STRESS)
    log = write_log(str(tmp_path / "log.jsonl"), stress_log(seed))
    until = parse_timestamp("2026-10-03T18:00:00Z") if seed % 2 else None
    files = replay_all(analysis, [log], until, tmp_path)
    trace = [orjson.loads(line) for line in files["trace.jsonl"].splitlines()]
    assert any(r.get("reason") == "duplicate" for r in trace), "the log must exercise dedup"
    assert files["identities.jsonl"], "the log must exercise merges"


def test_a_dedup_winner_in_another_partition_is_found(tmp_path):
    """Two profiles share a key; they sit in different partitions, and the one that comes
    second in log order must be refused even though its partition never saw the first."""
    analysis = build(str(tmp_path / "program"), STRESS)
    names = [f"p{i}@example.org" for i in range(40)]
    part = {n: zlib.crc32(f"Email:{n}".encode("unicode_escape")) % 2 for n in names}
    first = next(n for n in names if part[n] == 1)
    second = next(n for n in names if part[n] == 0)
    records = []
    for n in (first, second):
        records.append({"timestamp": "2026-10-01T00:00:00Z", "recordType": "profile",
                        "identityMap": {"Email": [{"id": n, "primary": True}]},
                        "personalEmail": {"address": "same@example.org"}})
    for n, at in ((first, "2026-10-01T08:00:00Z"), (second, "2026-10-01T09:00:00Z")):
        records.append({"timestamp": at, "eventType": "commerce.buy", "identityMap": {"Email": [{"id": n}]}})
    log = write_log(str(tmp_path / "log.jsonl"), records)
    info: dict = {}
    replay(analysis, [log], None, str(tmp_path / "w2"), workers=2, info=info)
    assert info["rounds"] == 1, "partition 0 had to be replayed once with partition 1's admissions"
    files = replay_all(analysis, [log], None, tmp_path, workers=(1, 2))
    refused = [orjson.loads(line) for line in files["trace.jsonl"].splitlines() if b'"duplicate"' in line]
    assert [(r["journey"], r["profile"]) for r in refused] == [("forever_once", f"Email:{second}")]


def test_a_tiny_spill_buffer_still_replays_and_cleans_up(tmp_path):
    log = tmp_path / "events.jsonl"
    generate_log(str(log), profiles=60, days=5, seed=2, start="2026-11-14T00:00:00Z")
    assert log.stat().st_size > 64 * 1024
    replay_all(analyse([str(ROOT / "journeys")]), [log], None, tmp_path, workers=(1, 2), buffer_bytes=4096)


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "journeylang.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("fault", ["1:error", "0:kill"])
def test_a_failing_worker_ends_the_run_and_keeps_the_old_outputs(fault, tmp_path):
    log = tmp_path / "events.jsonl"
    generate_log(str(log), profiles=40, days=3, seed=4, start="2026-11-14T00:00:00Z")
    out = tmp_path / "out"
    ok = _cli("replay", "journeys", "--events", str(log), "--out", str(out), "--quiet", "--workers", "2")
    assert ok.returncode == 0, ok.stderr
    before = outputs(out)
    failed = _cli("replay", "journeys", "--events", str(log), "--out", str(out), "--quiet", "--workers", "2",
                  "--until", "2026-11-15T00:00:00Z", env={"JOURNEYLANG_TEST_WORKER_FAULT": fault})
    assert failed.returncode == 1
    partition = fault.split(":")[0]
    assert f"replay failed: partition {partition} failed" in failed.stderr
    assert ("killed by signal 9" if "kill" in fault else "injected") in failed.stderr
    assert "Traceback" not in failed.stderr + failed.stdout
    assert outputs(out) == before, "the previous complete outputs stay as they were"
    assert not [p for p in os.listdir(out) if p.startswith(".partial")]


def test_a_bad_lookup_file_at_run_time_is_a_clear_error(tmp_path):
    source = """
lookup tiers from "tiers.jsonl" key id
message m { channel email subject "s" body "{{ t.tier }}" }
journey j {
  entry event app.open
  reentry always
  enrich t = lookup tiers by profile.personalEmail.address
  send email m
}
"""
    build(str(tmp_path / "p"), source, {"tiers.jsonl": '{"id": "a", "tier": "gold"}\n'})
    (tmp_path / "p" / "tiers.jsonl").write_text('{"id": "a"}\nnot json\n')
    log = write_log(str(tmp_path / "log.jsonl"), [{"profile": "al", "timestamp": "2026-10-01T00:00:00Z",
                                                   "eventType": "app.open"}])
    for workers in ("1", "2"):
        result = _cli("replay", str(tmp_path / "p"), "--events", log, "--out", str(tmp_path / "o"), "--quiet",
                      "--workers", workers)
        assert result.returncode == 1
        assert "tiers.jsonl line 2 is not JSON" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "o" / "report.json").exists()


def test_a_second_replay_into_a_busy_folder_fails_at_once(tmp_path):
    import fcntl
    out = tmp_path / "out"
    out.mkdir()
    log = write_log(str(tmp_path / "log.jsonl"), [{"profile": "al", "timestamp": "2026-10-01T00:00:00Z",
                                                   "eventType": "app.open"}])
    analysis = build(str(tmp_path / "p"), STRESS)
    with open(out / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(EngineError, match="another replay is writing"):
            replay(analysis, [log], None, str(out), workers=2)
    replay(analysis, [log], None, str(out), workers=2)
    assert (out / "report.json").exists()


def test_dedup_conflicts_that_do_not_settle_fall_back_to_one_process(tmp_path, monkeypatch):
    from journeylang.runtime.engines import parallel
    monkeypatch.setattr(parallel, "MAX_ROUNDS", 0)
    analysis = build(str(tmp_path / "program"), STRESS)
    log = write_log(str(tmp_path / "log.jsonl"), stress_log(4))
    info: dict = {}
    replay(analysis, [log], None, str(tmp_path / "w2"), workers=2, info=info)
    assert info.get("single_process") is True
    replay(analysis, [log], None, str(tmp_path / "w1"), workers=1)
    assert outputs(tmp_path / "w2") == outputs(tmp_path / "w1")


def test_kill_9_at_any_moment_never_leaves_outputs_that_look_complete(tmp_path):
    """Two logs with different outputs; replays into one folder are killed at seeded
    random moments. After each kill the folder holds one complete run (all files of A or
    all of B, with report.json) or says it is incomplete (no report.json); the next run
    clears what the killed one left."""
    import signal
    import time
    logs = {}
    for name, seed in (("a", 1), ("b", 2)):
        logs[name] = tmp_path / f"{name}.jsonl"
        generate_log(str(logs[name]), profiles=600, days=8, seed=seed, start="2026-11-14T00:00:00Z")
    complete = {}
    for name, log in logs.items():
        done = _cli("replay", "journeys", "--events", str(log), "--out", str(tmp_path / name), "--quiet",
                    "--workers", "2")
        assert done.returncode == 0, done.stderr
        complete[name] = outputs(tmp_path / name)
    assert complete["a"]["actions.jsonl"] != complete["b"]["actions.jsonl"]
    out = tmp_path / "out"
    rng = random.Random(9)
    for round_ in range(6):
        name = "ab"[round_ % 2]
        process = subprocess.Popen([sys.executable, "-m", "journeylang.cli", "replay", "journeys", "--events",
                                    str(logs[name]), "--out", str(out), "--quiet", "--workers", "2"], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if (out / "report.json").exists():
            now = outputs(out)
            assert now in (complete["a"], complete["b"]), "a folder with report.json holds one whole run"
    finished = _cli("replay", "journeys", "--events", str(logs["a"]), "--out", str(out), "--quiet")
    assert finished.returncode == 0, finished.stderr
    assert outputs(out) == complete["a"]
    assert not [p for p in os.listdir(out) if p.startswith(".partial")]


def _messy_logs(tmp_path) -> list[Path]:
    """Two time-ordered files with every kind of line a scan range can start or end on:
    rejected lines (not JSON, no _id, naive time), blank lines, and duplicate ids, some of
    them duplicates of a record in the other file."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    generate_log(str(first), profiles=80, days=6, seed=3, start="2026-11-14T00:00:00Z")
    generate_log(str(second), profiles=30, days=6, seed=4, start="2026-11-14T00:00:00Z")
    rows = first.read_bytes().splitlines(keepends=True)
    others = second.read_bytes().splitlines(keepends=True)
    messy = []
    for number, row in enumerate(rows):
        messy.append(row)
        if number % 97 == 5:
            messy.append(b"{not json\n")
        if number % 131 == 7:
            messy.append(b"\n")
        if number % 89 == 3:
            messy.append(row)                         # a duplicate id, right after the original
        if number % 211 == 11:
            record = orjson.loads(row)
            record["_id"] += "-x"
            stamp = record.pop("timestamp")
            messy.append(orjson.dumps(record) + b"\n")                                   # no timestamp
            record["timestamp"] = stamp.rstrip("Z")
            messy.append(orjson.dumps(record) + b"\n")                                   # a naive time
    first.write_bytes(b"".join(messy))
    twin = orjson.loads(others[40])
    twin["_id"] = orjson.loads(rows[200])["_id"]                 # a duplicate across files
    second.write_bytes(b"".join(others[:40] + [orjson.dumps(twin) + b"\n"] + others[40:]))
    return [first, second]


@pytest.mark.parametrize("until", [None, "2026-11-17T06:00:00Z"])
def test_the_parallel_scan_cuts_files_into_ranges_and_changes_nothing(until, tmp_path, monkeypatch):
    from journeylang.runtime.engines import scan
    monkeypatch.setattr(scan, "MIN_RANGE_BYTES", 4096)   # many ranges per file, each cut at a line start
    logs = _messy_logs(tmp_path)
    analysis = analyse([str(ROOT / "journeys")])
    end = parse_timestamp(until) if until else None
    info: dict = {}
    replay(analysis, [str(p) for p in logs], end, str(tmp_path / "probe"), workers=2, info=info)
    assert info["partitioning"] == "scan"
    files = replay_all(analysis, logs, end, tmp_path, workers=(1, 2, 3))
    rejected = [orjson.loads(line) for line in files["rejected.jsonl"].splitlines()]
    reasons = {r["reason"].split(":")[0] for r in rejected}
    assert {"not JSON", "duplicate id", "missing timestamp", "timestamp"} <= {r.split(" ")[0] if r.startswith(
        "timestamp") else r for r in reasons}
    assert all(r["record"] for r in rejected if r["reason"] == "duplicate id"), "duplicates keep their text"


def test_a_log_out_of_time_order_takes_the_serial_pass(tmp_path):
    log = tmp_path / "events.jsonl"
    generate_log(str(log), profiles=40, days=4, seed=9, start="2026-11-14T00:00:00Z")
    rows = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(rows[len(rows) // 2:] + rows[:len(rows) // 2]))
    analysis = analyse([str(ROOT / "journeys")])
    info: dict = {}
    replay(analysis, [str(log)], None, str(tmp_path / "probe"), workers=2, info=info)
    assert info["partitioning"] == "serial"
    replay_all(analysis, [log], None, tmp_path, workers=(1, 2))
