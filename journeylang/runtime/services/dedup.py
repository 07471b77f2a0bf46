"""The dedup registry: which dedup keys each journey has admitted, and when.

Consumes: `dedup by KEY [within D]` decisions from journey entries (the key as JSON text).
Produces: `seen(...)` / `admit(...)`. Guarantees: a cross-profile service, like the
identity graph — keys are compared across all profiles, so a partitioned replay keeps it
shared. Without `within`, a key is admitted once per replay, or once per scheduled read
(`read_id`) for read-audience entries; with `within D`, again after D, and only times
inside the last D are kept.
"""
from __future__ import annotations

from typing import Optional


class DedupRegistry:
    """Cross-profile: admitted dedup keys per journey, with their entry times."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, list[int]]] = {}

    def seen(self, journey: str, key: str, now: int, within: Optional[int], read_id: Optional[str]) -> bool:
        times = self.keys.get(journey, {}).get(f"{read_id}|{key}" if within is None and read_id else key, [])
        if within is None:
            return bool(times)
        return any(t > now - within for t in times)

    def admit(self, journey: str, key: str, now: int, within: Optional[int], read_id: Optional[str]) -> None:
        slot = f"{read_id}|{key}" if within is None and read_id else key
        times = self.keys.setdefault(journey, {}).setdefault(slot, [])
        times.append(now)
        if within is not None:
            times[:] = [t for t in times if t > now - within]
