"""The identity graph: which profile each identity belongs to, and profile merges.

Consumes: each record's identities (`Namespace:id`, in canonical record order).
Produces: the record's `ProfileState`, creating it or merging profiles the record links.
Guarantees: a profile's id is its first identity in log order; when a record links two
profiles the older one (created first in log order) survives and absorbs the other, and
`resolve` maps any old profile id to the surviving one. This is cross-profile state: in a
partitioned replay it is the one service every partition asks before routing a record.
"""
from __future__ import annotations

from typing import Callable, Optional

from ..core.state import ProfileState


class IdentityGraph:
    def __init__(self, on_merge: Callable[[ProfileState, ProfileState], None]) -> None:
        self.owner: dict[str, ProfileState] = {}   # identity -> profile (always the survivor)
        self.profiles: dict[str, ProfileState] = {}  # profile id -> live profile
        self.retired: dict[str, ProfileState] = {}   # merged-away profile id -> its old state
        self.members: dict[str, tuple[str, ...]] = {}  # profile id -> identities (tuples: 100,000s of them)
        self.on_merge = on_merge
        self.created = 0

    def profile_for(self, identities: list[str]) -> ProfileState:
        owners: list[ProfileState] = []
        for identity in identities:
            profile = self.owner.get(identity)
            if profile is not None and profile not in owners:
                owners.append(profile)
        if not owners:
            profile = ProfileState(identities[0], self.created)
            self.created += 1
            self.profiles[profile.id] = profile
            self.members[profile.id] = ()
            owners.append(profile)
        owners.sort(key=lambda p: p.created_seq)
        survivor = owners[0]
        for other in owners[1:]:
            self._merge(survivor, other)
        added = [identity for identity in identities if identity not in self.owner]
        if added:
            for identity in added:
                self.owner[identity] = survivor
            self.members[survivor.id] += tuple(added)
        return survivor

    def _merge(self, survivor: ProfileState, other: ProfileState) -> None:
        moved = self.members.pop(other.id)
        for identity in moved:
            self.owner[identity] = survivor
        self.members[survivor.id] += moved
        del self.profiles[other.id]
        self.retired[other.id] = other
        survivor.absorb(other)
        self.on_merge(survivor, other)

    def resolve(self, profile_id: str) -> Optional[ProfileState]:
        profile = self.profiles.get(profile_id) or self.retired.get(profile_id)
        while profile is not None and profile.merged_into is not None:
            profile = profile.merged_into
        return profile

    def live_profiles(self) -> list[ProfileState]:
        return [self.profiles[key] for key in sorted(self.profiles)]


def find_root(parent, item):
    """The root of `item` in a union-find forest (`parent`: a dict or a list, each entry's
    parent, a root its own), with path compression. Shared by the partitioning passes
    (`engines/split.py`, `engines/scan.py`) and the Spark identity stage."""
    root = item
    while parent[root] != root:
        root = parent[root]
    while parent[item] != root:
        parent[item], item = root, parent[item]
    return root
