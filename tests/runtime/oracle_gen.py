"""Random programs and logs for the oracle property test (tests/runtime/test_rt_oracle.py).

`random_program(rng)` writes streaming segments from the constructs of LANGUAGE.md section
3 — windows (`within`, `between ... ago`, `before ... ago`), `has first/last ... as`,
`after A [within D]`, `count`, `sum`, comparisons of `now` with event and attribute times,
`in_segment`, `or`, `not` — and journeys that turn membership into actions. `random_log`
writes a few profiles' events on a coarse clock (so instants collide with window
boundaries), attribute updates and identity links (merges).
"""
from __future__ import annotations

import random

from journeylang.syntax.literals import format_timestamp, parse_timestamp

TYPES = ("a.x", "a.y", "a.z")
DURATIONS = ("30m", "1h", "2h", "6h", "1d", "2d")
START = parse_timestamp("2026-10-01T00:00:00Z")


class _Segment:
    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng, self.index, self.aliases = rng, index, []

    def duration(self) -> str:
        return self.rng.choice(DURATIONS)

    def where(self) -> str:
        rng = self.rng
        options = ['event.tag == "p"', "event.amount > 3", 'event.tag != "q"']
        if self.aliases:
            alias = rng.choice(self.aliases)
            options += [f"event.tag == {alias}.tag", f"event.amount >= {alias}.amount"]
        return rng.choice(options)

    def pattern(self, allow_after: bool = True, alias: str = "") -> str:
        rng = self.rng
        types = ", ".join(rng.sample(TYPES, rng.choice((1, 1, 2))))
        text = f"event {types}" + (f" as {alias}" if alias else "")
        if rng.random() < 0.35:
            text += f" where {self.where()}"
        roll = rng.random()
        if roll < 0.35:
            text += f" within {self.duration()}"
        elif roll < 0.5:
            far, near = sorted(rng.sample(range(len(DURATIONS)), 2), reverse=True)
            text += f" between {DURATIONS[far]} and {DURATIONS[near]} ago"
        elif roll < 0.6:
            text += f" before {self.duration()} ago"
        elif roll < 0.75 and allow_after and self.aliases:
            text += f" after {rng.choice(self.aliases)}"
            if rng.random() < 0.6:
                text += f" within {self.duration()}"
        return text

    def binding(self) -> str:
        alias = f"v{len(self.aliases)}"
        quantifier = self.rng.choice(("", "first ", "last ", "last "))
        line = f"has {quantifier}{self.pattern(alias=alias)}"
        self.aliases.append(alias)
        return line

    def clock(self) -> str:
        rng = self.rng
        d = self.duration()
        if self.aliases and rng.random() < 0.7:
            v = rng.choice(self.aliases)
            return rng.choice((f"{v}.timestamp > now - {d}", f"now - {v}.timestamp >= {d}",
                               f"{v}.timestamp <= now - {d}", f"{v}.at < now + {d}"))
        return rng.choice((f"profile.since < now - {d}", f"profile.since >= now - {d}"))

    def atom(self, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return f"(has {self.pattern()})"
        if roll < 0.42:
            return f"(no {self.pattern()})"
        if roll < 0.52:
            return f"(count {self.pattern()} >= {rng.randint(1, 3)})"
        if roll < 0.58:
            return f"(sum(amount) of {self.pattern()} > {rng.randint(2, 9)})"
        if roll < 0.7:
            return self.clock()
        if roll < 0.76:
            return f'profile.tier == "{rng.choice(("gold", "silver"))}"'
        if roll < 0.84 and self.index > 0:
            return f"in_segment(s{rng.randrange(self.index)})"
        if depth > 0 and roll < 0.93:
            return f"({self.atom(depth - 1)} or {self.atom(depth - 1)})"
        if depth > 0:
            return f"not ({self.atom(depth - 1)})"
        return f"(has {self.pattern()})"

    def body(self) -> list[str]:
        rng = self.rng
        lines = []
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.4 and len(self.aliases) < 2:
                lines.append(self.binding())
            else:
                lines.append(self.atom(2))
        return lines


def random_program(rng: random.Random, segments: int = 3) -> str:
    parts = ['message m {\n  channel email\n  transactional\n  subject "s"\n  body "b"\n}\n']
    for index in range(segments):
        body = _Segment(rng, index).body()
        parts.append(f"segment s{index} {{\n" + "".join(f"  {line}\n" for line in body) + "}\n")
    for index in range(segments):
        parts.append(f"journey on_s{index} {{\n  entry audience s{index}\n  reentry always\n"
                     f"  send email m\n}}\n")
    parts.append("journey checks {\n  entry event a.x\n  reentry always\n  wait 1h\n"
                 "  if in_segment(s0) or in_segment(s1) { send email m }\n}\n")
    return "\n".join(parts)


def random_log(rng: random.Random, profiles: int = 4, events: int = 70) -> list[dict]:
    records = []
    for i in range(profiles):
        records.append({"timestamp": format_timestamp(START), "recordType": "profile",
                        "identityMap": {"Email": [{"id": f"u{i}@example.org", "primary": True}]},
                        "tier": rng.choice(("gold", "silver")),
                        "since": format_timestamp(START + rng.randrange(0, 3 * 48) * 1_800_000)})
    for _ in range(events):
        ts = START + rng.randrange(0, 4 * 48) * 1_800_000
        who = rng.randrange(profiles)
        ids = {"Email": [{"id": f"u{who}@example.org", "primary": True}]}
        if rng.random() < 0.1:
            ids = {"ECID": [{"id": f"e{rng.randrange(3)}"}]}
        elif rng.random() < 0.08:
            ids["ECID"] = [{"id": f"e{rng.randrange(3)}"}]
        if rng.random() < 0.08:
            records.append({"timestamp": format_timestamp(ts), "recordType": "profile", "identityMap": ids,
                            "tier": rng.choice(("gold", "silver"))})
            continue
        records.append({"timestamp": format_timestamp(ts), "eventType": rng.choice(TYPES), "identityMap": ids,
                        "tag": rng.choice("pq"), "amount": rng.randint(0, 6),
                        "at": format_timestamp(ts + rng.randrange(-4, 5) * 3_600_000)})
    records.sort(key=lambda r: r["timestamp"])
    return records
