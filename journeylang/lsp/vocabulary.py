"""What a program talks about, for completion: event types and XDM field paths.

Consumes: a program's declarations (the AST) and its folder's scenario files
(`*.scenario.yaml`, the `journeylang test` format: events with `type` and `data`,
profiles with attributes). Produces: `Vocabulary` — the event types used, the event field
paths (relative to an event: `commerce.cart.cartID`) and profile paths
(`person.name.firstName`) seen in the program or a scenario.
Guarantees: deterministic, sorted results; unreadable or malformed scenario files are
skipped; bounded work (at most `MAX_FILES` scenario files, `MAX_PATHS` paths each kind).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Optional

from ..syntax import ast as A

MAX_FILES = 50
MAX_PATHS = 5000
EVENT_ROOT_NAMES = ("event",)


@dataclass
class Vocabulary:
    event_types: set[str] = field(default_factory=set)
    event_paths: set[str] = field(default_factory=set)
    profile_paths: set[str] = field(default_factory=set)

    @classmethod
    def collect(cls, folder: str, decls: Iterable[A.Decl]) -> "Vocabulary":
        vocabulary = cls()
        for decl in decls:
            vocabulary._from_decl(decl)
        for path in _scenario_files(folder):
            vocabulary._from_scenario(path)
        return vocabulary

    def next_steps(self, root: str, typed: list[str]) -> list[str]:
        """Field names that follow `typed` (the steps after the root) in known paths."""
        table = self.profile_paths if root == "profile" else self.event_paths
        found = set()
        for path in table:
            steps = path.split(".")
            if len(steps) > len(typed) and steps[:len(typed)] == typed:
                found.add(steps[len(typed)])
        return sorted(found)

    # ------------------------------------------------------------ program
    def _from_decl(self, decl) -> None:
        enrich_names = {n.name.name for n in A.walk(decl) if isinstance(n, A.Enrich)}
        for node in A.walk(decl):
            if isinstance(node, A.EventPattern):
                self.event_types.update(node.types)
            elif isinstance(node, (A.Attr, A.Index, A.Star)):
                root, steps = _path(node)
                if root is None or not steps:
                    continue
                if root == "profile":
                    self._add(self.profile_paths, steps)
                elif root not in ("journey", "now") and root not in enrich_names:
                    self._add(self.event_paths, steps)
            elif isinstance(node, A.SetProfile) and node.path:
                self._add(self.profile_paths, list(node.path))

    def _add(self, table: set[str], steps: list[str]) -> None:
        if len(table) < MAX_PATHS:
            for end in range(1, len(steps) + 1):
                table.add(".".join(steps[:end]))

    # ------------------------------------------------------------ scenarios
    def _from_scenario(self, path: str) -> None:
        try:
            import yaml
            with open(path, encoding="utf-8") as handle:
                document = yaml.safe_load(handle)
        except Exception:  # any unreadable or malformed file is simply not a source of names
            return
        scenarios = document.get("scenarios") if isinstance(document, dict) else None
        for scenario in scenarios if isinstance(scenarios, list) else ():
            if not isinstance(scenario, dict):
                continue
            profiles = scenario.get("profiles")
            if isinstance(profiles, dict):
                for attributes in profiles.values():
                    self._flatten(attributes, [], self.profile_paths)
            events = scenario.get("events")
            for event in events if isinstance(events, list) else ():
                if not isinstance(event, dict):
                    continue
                if isinstance(event.get("type"), str):
                    self.event_types.add(event["type"])
                self._flatten(event.get("data"), [], self.event_paths)

    def _flatten(self, value, prefix: list[str], table: set[str], depth: int = 0) -> None:
        if depth > 12 or len(table) >= MAX_PATHS:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    table.add(".".join(prefix + [key]))
                    self._flatten(item, prefix + [key], table, depth + 1)
        elif isinstance(value, list):
            for item in value[:3]:
                self._flatten(item, prefix, table, depth + 1)


def _path(node) -> tuple[Optional[str], list[str]]:
    steps: list[str] = []
    while True:
        if isinstance(node, A.Attr):
            steps.append(node.name)
            node = node.target
        elif isinstance(node, (A.Index, A.Star)):
            node = node.target
        elif isinstance(node, A.NameRef):
            return node.name, list(reversed(steps))
        else:
            return None, []


def _scenario_files(folder: str) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in ("node_modules", "out"))
        found.extend(os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith(".scenario.yaml"))
        if len(found) >= MAX_FILES:
            break
    return found[:MAX_FILES]
