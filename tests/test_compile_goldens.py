"""Goldens and structural properties of compiled journey graphs (LANGUAGE.md section 7).

For every `tests/fixtures/compile/<name>.journey`, `journeylang compile FILE --format F`
(run from the repository root with a relative path, so spans are stable) must print
exactly `<name>.json`, `<name>.dot` and `<name>.mmd`. Run with `UPDATE_GOLDENS=1` to
rewrite the goldens, then review the diff.

The structural tests check every compiled graph: acyclic; `n0` is the entry; every node
is reachable from `n0` unless it sits after an exit (a statement right after an `exit`,
or the join of a statement whose every branch exits, and whatever follows those); edge
labels are the ones section 7 lists and fit the node they leave; and every journey
ends in exit nodes (the implicit `end (completed)` node among them).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from journeylang.cli.main import main
from journeylang.compile.graph import reachable_nodes, split_branch_label
from journeylang.pipeline import analyse
from journeylang.syntax import ast as A

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path("tests") / "fixtures" / "compile"
FORMATS = {"json": ".json", "dot": ".dot", "mermaid": ".mmd"}

# journeys with nodes nobody can reach (all of them after an exit), by node id
EXPECTED_UNREACHABLE = {
    "churn_guard": {"n11", "n12", "n13"},
    "after_exit": {"n2", "n3", "n4"},
}


def _programs() -> list[str]:
    return sorted(p.name for p in (ROOT / FIXTURES).glob("*.journey"))


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def _compile(relative: str, fmt: str, capsys) -> str:
    code = main(["compile", relative, "--format", fmt])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.out + captured.err
    return captured.out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", _programs())
def test_compile_golden(name, fmt, capsys):
    relative = str(FIXTURES / name)
    text = _compile(relative, fmt, capsys)
    golden = ROOT / FIXTURES / (Path(name).stem + FORMATS[fmt])
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"missing golden {golden.name}: run with UPDATE_GOLDENS=1"
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} differs; UPDATE_GOLDENS=1 rewrites it"


def test_goldens_have_programs():
    programs = {Path(p).stem for p in _programs()}
    assert len(programs) >= 5
    for golden in (ROOT / FIXTURES).iterdir():
        if golden.suffix in FORMATS.values():
            assert golden.stem in programs, f"stale golden {golden.name}"


def test_console_script_prints_the_golden():
    """The in-process goldens are what the real command prints."""
    name = "split.journey"
    result = subprocess.run([sys.executable, "-m", "journeylang.cli", "compile", str(FIXTURES / name),
                             "--format", "mermaid"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / FIXTURES / "split.mmd").read_text(encoding="utf-8")


def test_json_is_node_link(capsys):
    document = json.loads(_compile(str(FIXTURES / "wait_for_event.journey"), "json", capsys))
    assert list(document) == ["nudge"]
    data = document["nudge"]
    assert data["directed"] is True and data["multigraph"] is False
    assert data["graph"] == {"journey": "nudge", "entry": "n0"}
    ids = [n["id"] for n in data["nodes"]]
    assert ids == [f"n{i}" for i in range(len(ids))]
    for edge in data["edges"]:
        assert edge["source"] in ids and edge["target"] in ids and edge["label"]
    for node in document["nudge"]["nodes"]:
        assert set(node) >= {"id", "kind", "label", "span"}
        assert node["span"]["file"] == str(FIXTURES / "wait_for_event.journey")
        assert node["span"]["line"] >= 1 and node["span"]["column"] >= 1


def test_output_file_and_journey_filter(tmp_path, capsys):
    out = tmp_path / "graph.dot"
    assert main(["compile", str(FIXTURES / "jump.journey"), "--journey", "follow_up", "--format", "dot",
                 "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    assert "cluster_follow_up" in text and "first_purchase" not in text
    # the whole folder is one program: all journeys, sorted by name
    document = json.loads(_compile(str(FIXTURES), "json", capsys))
    assert list(document) == sorted(document)
    assert {"tiers", "ab_test", "nudge", "churn_guard", "after_exit", "first_purchase", "follow_up"} <= set(document)


# ----------------------------------------------------------------------------- structure
def _graphs():
    analysis = analyse([str(FIXTURES)])
    assert not analysis.diagnostics.has_errors, [(d.code, d.message) for d in analysis.sorted_diagnostics()]
    return analysis.graphs


GRAPHS_CACHE: dict = {}


def _graph_params():
    return sorted(_graphs_cached())


def _graphs_cached():
    if not GRAPHS_CACHE:
        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            GRAPHS_CACHE.update(_graphs())
        finally:
            os.chdir(cwd)
    return GRAPHS_CACHE


@pytest.fixture(params=_graph_params())
def graph(request) -> nx.DiGraph:
    return _graphs_cached()[request.param]


def _labels(graph: nx.DiGraph, source: str, target: str) -> tuple[str, ...]:
    data = graph.edges[source, target]
    return tuple(data.get("labels", (data["label"],)))


def test_acyclic(graph):
    assert nx.is_directed_acyclic_graph(graph)


def test_n0_is_the_entry(graph):
    assert graph.graph["entry"] == "n0"
    assert graph.nodes["n0"]["kind"] == "entry"
    assert graph.in_degree("n0") == 0
    assert sum(1 for _, data in graph.nodes(data=True) if data["kind"] == "entry") == 1
    assert sorted(graph.nodes, key=lambda n: int(n[1:])) == [f"n{i}" for i in range(graph.number_of_nodes())]


def test_every_node_reachable_or_after_an_exit(graph):
    reachable = reachable_nodes(graph)
    unreachable = set(graph.nodes) - reachable
    assert unreachable == EXPECTED_UNREACHABLE.get(graph.graph["journey"], set())
    for node in unreachable:
        # nothing reachable leads into the unreachable region
        assert all(pred in unreachable for pred in graph.predecessors(node))
        if graph.in_degree(node) == 0:
            data = graph.nodes[node]
            previous = f"n{int(node[1:]) - 1}"
            if data["kind"] == "join":
                # the join of a statement whose every branch exits: all its branches' ends are exits
                stmt = data["stmt"]
                assert isinstance(stmt, (A.If, A.Split, A.WaitForEvent))
            else:
                # a statement right after an exit (or after such a join)
                assert graph.nodes[previous]["kind"] in ("exit", "join"), (node, previous)
                if graph.nodes[previous]["kind"] == "join":
                    assert previous in unreachable


_FIXED = {"next", "true", "false", "else", "on event", "on timeout"}


def test_edge_labels(graph):
    for node, data in graph.nodes(data=True):
        out = [label for target in graph.successors(node) for label in _labels(graph, node, target)]
        kind = data["kind"]
        if kind == "exit":
            assert out == []
        elif kind == "condition":
            stmt = data["stmt"]
            elifs = [f"elif {i}" for i in range(1, len(stmt.branches))]
            otherwise = ["else"] if stmt.else_body is not None or elifs else ["false"]
            assert sorted(out) == sorted(["true", *elifs, *otherwise]), (node, out)
        elif kind == "split":
            stmt = data["stmt"]
            assert sorted(out) == sorted(split_branch_label(i, b) for i, b in enumerate(stmt.branches))
        elif kind == "wait_for_event":
            assert sorted(out) == ["on event", "on timeout"]
        else:
            assert out == ["next"], (node, kind, out)
        for target in graph.successors(node):
            edge = graph.edges[node, target]
            assert edge["label"] == ", ".join(_labels(graph, node, target))
            for label in _labels(graph, node, target):
                assert label in _FIXED or re.fullmatch(r"elif \d+", label) or kind == "split", label


def test_journey_ends_in_exit_nodes(graph):
    sinks = [n for n in graph.nodes if graph.out_degree(n) == 0]
    assert sinks and all(graph.nodes[n]["kind"] == "exit" for n in sinks), sinks
    implicit = [n for n, d in graph.nodes(data=True) if d.get("implicit")]
    assert len(implicit) == 1
    end = implicit[0]
    assert graph.nodes[end]["kind"] == "exit" and graph.nodes[end]["reason"] == "completed"
    assert end == f"n{graph.number_of_nodes() - 1}"
    # every path from the entry ends at an exit
    for node in reachable_nodes(graph):
        assert any(graph.nodes[d]["kind"] == "exit" for d in nx.descendants(graph, node) | {node})


def test_branching_statements_have_joins(graph):
    for node, data in graph.nodes(data=True):
        if data["kind"] in ("condition", "split", "wait_for_event"):
            joins = [n for n, d in graph.nodes(data=True) if d["kind"] == "join" and d["stmt"] is data["stmt"]]
            assert len(joins) == 1, node


def test_nodes_carry_span_and_payload(graph):
    decl = graph.graph["decl"]
    for node, data in graph.nodes(data=True):
        span = data["span"]
        assert span.line >= decl.span.line and span.end_line <= decl.span.end_line, node
        assert data["label"]
        if data["kind"] not in ("entry", "join") and not data.get("implicit"):
            assert isinstance(data["stmt"], A.Node)
