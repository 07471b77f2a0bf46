"""Where two versions first took a profile different ways through one journey.

Consumes: one profile's trace records on each side (`outputs.profile_trace`), the merge
records and the compiled graphs of both versions. Produces: the first step at which the
two timelines differ — the last step they share, then each side's next steps — as the
lines `journeylang why` prints for them (node, branch taken, the values that decided it).
Guarantees: steps are compared by time, event, the node's source text (not its id, which
shifts with edits), label, reason and detail; instance ids are left out (they count the
profile's admissions to every journey, so adding a journey renumbers them). None when
the timelines are the same (the difference is then in rendered content only).
"""
from __future__ import annotations

from typing import Optional

import orjson

from ..testing import why
from .graphs import node_text

SHOWN_AFTER = 2     # steps shown on each side from the first difference


class _Texts:
    def __init__(self, analysis) -> None:
        self.graphs = analysis.graphs
        self.sources = {f.path: f.text for f in analysis.program.files}
        self.cache: dict[tuple[str, str], str] = {}

    def of(self, journey: str, node: Optional[str]) -> str:
        key = (journey, node or "")
        if key not in self.cache:
            graph = self.graphs.get(journey)
            self.cache[key] = node_text(graph, node, self.sources) if graph is not None and node in graph.nodes \
                else (node or "")
        return self.cache[key]


def _normal(record: dict, texts: _Texts) -> tuple:
    return (record["time"], record["event"], texts.of(record["journey"], record.get("node")), record.get("label"),
            record.get("reason"), orjson.dumps(record.get("detail"), option=orjson.OPT_SORT_KEYS))


class Divergence:
    def __init__(self, old_analysis, new_analysis, old_merges: list[dict], new_merges: list[dict]) -> None:
        self.sides = ((_Texts(old_analysis), old_merges), (_Texts(new_analysis), new_merges))

    def first(self, profile: str, journey: str, old_trace: list[dict], new_trace: list[dict]) -> Optional[dict]:
        traces = [[r for r in trace if r.get("journey") == journey] for trace in (old_trace, new_trace)]
        normal = [[_normal(r, texts) for r in trace] for trace, (texts, _) in zip(traces, self.sides)]
        at = 0
        while at < len(normal[0]) and at < len(normal[1]) and normal[0][at] == normal[1][at]:
            at += 1
        if at == len(normal[0]) and at == len(normal[1]):
            return None
        doc = {"journey": journey, "step": at + 1, "common": [], "old": [], "new": []}
        if at:
            doc["common"] = self._lines(0, traces[0][at - 1:at], profile, journey)
        for index, side in ((0, "old"), (1, "new")):
            doc[side] = self._lines(index, traces[index][at:at + SHOWN_AFTER], profile, journey)
        return doc

    def _lines(self, index: int, records: list[dict], profile: str, journey: str) -> list[str]:
        texts, merges = self.sides[index]
        root, absorbed = why.merged_group(merges, profile)
        return why.timeline(records, profile, journey, texts.graphs, root, absorbed)
