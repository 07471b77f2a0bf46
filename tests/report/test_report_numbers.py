"""The numbers the HTML report shows (the data embedded in the demo report) equal those
in report.json and the trace, on the seed journeys; labels read as in the source."""
from __future__ import annotations

from collections import Counter

import pytest


def _journeys(demo) -> dict:
    return {j["name"]: j for j in demo["data"]["journeys"]}


def test_every_journey_of_the_program_is_shown(demo):
    assert sorted(_journeys(demo)) == sorted(demo["analysis"].graphs) == sorted(demo["report"]["journeys"])


def test_node_counts_are_report_json_visits(demo):
    for name, journey in _journeys(demo).items():
        visits = demo["report"]["journeys"][name]["visits"]
        shown = {node["id"]: node["visits"] for node in journey["nodes"]}
        assert set(shown) == set(demo["analysis"].graphs[name].nodes)
        assert {k: v for k, v in shown.items() if v} == visits, name
        assert journey["entries"] == demo["report"]["journeys"][name]["entries"]


def test_edge_counts_add_up_to_the_visits_of_their_target(demo):
    """Instances arriving over the edges (plus entries at the entry, plus a deferred send's
    second visit) are the node's visits in report.json; the edges leaving a node never
    carry more than the instances that reached it."""
    checked = 0
    for name, journey in _journeys(demo).items():
        incoming, outgoing = Counter(), Counter()
        for edge in journey["edges"]:
            incoming[edge["target"]] += edge["count"]
            outgoing[edge["source"]] += edge["count"]
        for node in journey["nodes"]:
            entries = journey["entries"] if node["kind"] == "entry" else 0
            assert incoming[node["id"]] + entries + node["revisits"] == node["visits"], (name, node["id"])
            assert outgoing[node["id"]] + sum(node["exits"].values()) + node["waiting"] == node["instances"] \
                or node["kind"] == "exit", (name, node["id"])
            checked += 1
    assert checked > 50


def test_branch_edges_match_the_trace(demo):
    """A branch or resumed-wait edge carries exactly the trace's steps with that label."""
    graphs = demo["analysis"].graphs
    labelled = Counter((r["journey"], r["node"], r["label"]) for r in demo["trace"]
                       if r["event"] in ("branch", "resumed") and r.get("label"))
    seen = 0
    for name, journey in _journeys(demo).items():
        for edge in journey["edges"]:
            labels = graphs[name].edges[edge["source"], edge["target"]]["labels"]
            if graphs[name].nodes[edge["source"]]["kind"] in ("condition", "split", "wait_for_event"):
                assert edge["count"] == sum(labelled[(name, edge["source"], label)] for label in labels), edge
                seen += 1
    assert seen > 20
    cart = _journeys(demo)["abandoned_cart"]
    by_label = {e["label"]: e for e in cart["edges"] if e["source"] == "n1"}
    assert by_label["on event"]["count"] == demo["report"]["journeys"]["abandoned_cart"]["exits"]["cart resolved"]
    assert round(by_label["on event"]["count"] / cart["entries"], 4) == by_label["on event"]["share"]


def test_exits_refusals_and_sends_per_node_match_report_json(demo):
    for name, journey in _journeys(demo).items():
        stats = demo["report"]["journeys"][name]
        exits, sends = Counter(), Counter()
        for node in journey["nodes"]:
            exits.update(node["exits"])
        assert dict(exits) == stats["exits"]
        entry = next(n for n in journey["nodes"] if n["kind"] == "entry")
        assert entry["refusals"] == stats["refusals"]
        for action in demo["actions"]:
            if action["journey"] == name:
                outcome = action["op"] if action["channel"] == "audience" else action["status"]
                sends[f"{action['channel']}/{outcome}"] += 1
        assert dict(sends) == stats["actions"], name
        shown = Counter()
        for node in journey["nodes"]:
            for key, count in node["sends"].items():
                channel, second = key.split()[:2]  # `email sent`, `audience add NAME: applied`
                shown[f"{channel}/{second}"] += count
        assert dict(shown) == stats["actions"], name
    cart = {n["id"]: n for n in _journeys(demo)["abandoned_cart"]["nodes"]}
    assert cart["n14"]["sends"] == {"sms failed (no address)": 3, "sms sent": 10}
    assert cart["n8"]["deferred"] == {"quiet hours": 11}


def test_labels_read_as_in_the_source(demo):
    labels = {n["label"] for j in demo["data"]["journeys"] for n in j["nodes"]}
    for expected in ("wait 3d", "if consented(email)", "send email cart_reminder", 'exit "cart resolved"',
                     "if in_segment(engaged_last_day) or in_segment(engaged_last_3_days)",
                     "wait for event commerce.purchases, commerce.productListRemovals, commerce.cartCleared within 30m"):
        assert expected in labels
    browse = _journeys(demo)["abandoned_browse"]
    assert "elif consented(push)" in {e["label"] for e in browse["edges"]}


def test_examples_reached_the_node_and_have_their_timeline(demo):
    by_instance = {}
    for record in demo["trace"]:
        if record.get("instance"):
            by_instance.setdefault((record["journey"], record["instance"]), []).append(record)
    for name, journey in _journeys(demo).items():
        for node in journey["nodes"]:
            assert bool(node["examples"]) == bool(node["instances"]), (name, node["id"])
            assert len(node["examples"]) <= 3
            for profile in node["examples"]:
                timeline = journey["timelines"][profile]
                assert timeline.startswith(f"{profile} in journey {name}")
                assert "entered as" in timeline
            if node["kind"] in ("send", "exit") and node["examples"]:
                profile = node["examples"][0]
                assert any(r["node"] == node["id"] and r["profile"] == profile
                           for records in by_instance.values() for r in records if r["journey"] == name)


def test_summary_and_charts(demo):
    summary = demo["data"]["summary"]
    assert summary["records"] == demo["report"]["records"]
    assert [s["members"] for s in summary["segments"]] == \
        [demo["report"]["segments"][n]["members"] for n in sorted(demo["report"]["segments"])]
    cart = _journeys(demo)["abandoned_cart"]["charts"]
    entered = next(d for d in cart["daily"]["datasets"] if d["stack"] == "entries")
    assert sum(entered["data"]) == demo["report"]["journeys"]["abandoned_cart"]["entries"]
    sends = sum(sum(d["data"]) for d in cart["daily"]["datasets"] if d["stack"] == "sends")
    assert sends == sum(demo["report"]["journeys"]["abandoned_cart"]["actions"].values())
    to_send = cart["to_send"]
    assert sum(sum(d["data"]) for d in to_send["datasets"]) == \
        sum(1 for a in demo["actions"] if a["journey"] == "abandoned_cart" and a["channel"] != "audience")
    segments = demo["data"]["segments"]
    assert segments["datasets"] and all(len(d["data"]) == len(segments["labels"]) for d in segments["datasets"])
    assert max(max(d["data"]) for d in segments["datasets"]) > 0
    final = {d["label"]: d["data"][-1] for d in segments["datasets"]}
    for name, members in final.items():
        assert members == demo["report"]["segments"][name]["members"]


@pytest.mark.parametrize("needle", ['src="http', "src='http", 'href="http', "@import", "url(http"])
def test_self_contained(demo, needle):
    assert needle not in demo["html"]
    assert demo["html"].count("<script") == 4  # data, dagre, Chart.js, the page script
