"""The throughput benchmark still runs end to end (on a tiny log: a smoke test, no timing)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_prints_its_numbers(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "replay_throughput.py"), "--profiles", "20",
                           "--days", "2", "--seed", "3", "--data", str(tmp_path)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["records"] > 0 and 0 < result["events"] <= result["records"]
    for key in ("raw_parse_records_per_s", "empty_program_records_per_s", "workers_1_records_per_s",
                "workers_1_events_per_s", "workers_1_peak_rss_mb", "workers_1_vs_raw_parse",
                "workers_2_events_per_s", "workers_2_largest_worker_peak_rss_mb", "speedup_2_over_1"):
        assert result[key] > 0, key
    assert list(tmp_path.glob("events-20p-2d-s3.jsonl"))
