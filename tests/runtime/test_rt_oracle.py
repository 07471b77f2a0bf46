"""The fast path equals the brute-force reference oracle on random programs and logs.

For each seed: a random program of streaming segments (windows, `has first/last`, `after A
within D`, `count`, `sum`, `now` comparisons, `in_segment`, `or`, `not`) with journeys
entered on their membership, and a random small log; `segments.jsonl` and `actions.jsonl`
of the normal replay must equal those of `replay --reference` byte for byte.
`JOURNEYLANG_ORACLE_CASES` sets the number of seeds (CI: 200; `make fuzz`: thousands).
"""
from __future__ import annotations

import os
import random

import pytest

from journeylang.runtime.engines import replay

from harness import build, write_log
from oracle_gen import random_log, random_program

CASES = int(os.environ.get("JOURNEYLANG_ORACLE_CASES", "200"))


def _replay_both(seed: int, folder):
    rng = random.Random(seed)
    source = random_program(rng)
    analysis = build(str(folder / "program"), source)
    log = write_log(str(folder / "log.jsonl"), random_log(rng))
    until = None if seed % 3 else "2026-10-04T12:00:00Z"
    from journeylang.syntax.literals import parse_timestamp
    until_ms = parse_timestamp(until) if until else None
    replay(analysis, [log], until_ms, str(folder / "fast"))
    replay(analysis, [log], until_ms, str(folder / "reference"), reference=True)
    return source


@pytest.mark.parametrize("seed", range(CASES))
def test_fast_path_equals_the_reference(seed, tmp_path):
    source = _replay_both(seed, tmp_path)
    for name in ("segments.jsonl", "actions.jsonl"):
        fast = (tmp_path / "fast" / name).read_bytes()
        reference = (tmp_path / "reference" / name).read_bytes()
        if fast != reference:
            fast_lines, ref_lines = fast.decode().splitlines(), reference.decode().splitlines()
            first = next((i for i, (a, b) in enumerate(zip(fast_lines, ref_lines)) if a != b),
                         min(len(fast_lines), len(ref_lines)))
            pytest.fail(f"seed {seed}: {name} differs at line {first + 1}\n"
                        f"fast:      {fast_lines[first] if first < len(fast_lines) else '(end)'}\n"
                        f"reference: {ref_lines[first] if first < len(ref_lines) else '(end)'}\n"
                        f"program:\n{source}")


def test_the_generated_cases_exercise_the_constructs(tmp_path):
    """Across the first seeds, memberships change, actions happen, and every construct is
    generated (so the property test above cannot pass vacuously)."""
    changes = actions = 0
    text = ""
    for seed in range(12):
        folder = tmp_path / str(seed)
        text += _replay_both(seed, folder)
        changes += (folder / "fast" / "segments.jsonl").read_bytes().count(b"\n")
        actions += (folder / "fast" / "actions.jsonl").read_bytes().count(b"\n")
    assert changes > 50 and actions > 50
    for construct in ("within", "between", "before", "after v", "has first", "has last", "count ", "sum(",
                      "now", "in_segment", " or ", "not ("):
        assert construct in text, construct
