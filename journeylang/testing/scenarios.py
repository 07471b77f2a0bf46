"""Scenario files (`*.scenario.yaml`): journey tests as data, run by `journeylang test`.

Consumes: scenario files — given profiles, timed events, an optional end time, and the
expected actions, absences, exits and segment changes (format in docs/testing.md) — and
the program they test. Produces: one `ScenarioResult` per scenario (passed, and on
failure an explanation: expected vs actual actions and the involved profiles' timelines)
and the node coverage of every journey over all scenarios.
Guarantees: each scenario runs in a fresh `Simulation`; results come in file order, then
scenario order; malformed scenario files are reported as failures, never exceptions.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

import yaml

from ..compile.graph import reachable_nodes
from ..pipeline import analyse
from .simulation import Simulation, SimulationError, action_line

SUFFIX = ".scenario.yaml"


@dataclass
class ScenarioResult:
    file: str
    name: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    explanation: str = ""
    visits: dict[str, set[str]] = field(default_factory=dict)


def find_scenarios(paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        if os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(SUFFIX))
        elif path.endswith(SUFFIX):
            found.append(path)
    return sorted(dict.fromkeys(os.path.normpath(p) for p in found))


def load_file(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    if isinstance(document, dict) and "scenarios" in document:
        shared = {k: v for k, v in document.items() if k != "scenarios"}
        items = document["scenarios"] or []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError("`scenarios:` is a list of mappings")
        return [{**shared, **item} for item in items]
    if isinstance(document, dict):
        return [document]
    raise ValueError("a scenario file holds a mapping (one scenario) or `scenarios:` (a list)")


def _text(value) -> Optional[str]:
    if value is None:
        return None
    if hasattr(value, "isoformat"):  # YAML turns unquoted timestamps into datetimes
        text = value.isoformat()
        return text.replace("+00:00", "Z") if "+" in text or text.endswith("Z") else text + "Z"
    return str(value)


SCENARIO_KEYS = {"scenario", "name", "start", "program", "profiles", "events", "until", "expect"}
EVENT_KEYS = {"at", "profile", "type", "dataset", "data", "identities"}
EXPECT_KEYS = {"actions": {"id", "at", "journey", "instance", "profile", "node", "channel", "message", "to",
                           "status", "reason", "audience", "op"},
               "no_actions": None, "exits": {"at", "journey", "instance", "profile", "node", "reason"},
               "segments": {"at", "segment", "profile", "change"},
               "refusals": {"at", "journey", "profile", "reason"}, "rejected": None}
EXPECT_KEYS["no_actions"] = EXPECT_KEYS["actions"]


def _unknown(keys, known, where: str) -> list[str]:
    extra = sorted(str(k) for k in keys if k not in known)
    return [f"unknown key{'s' if len(extra) > 1 else ''} in {where}: {', '.join(extra)} "
            f"(known: {', '.join(sorted(known))})"] if extra else []


def validate_spec(spec) -> list[str]:
    """Shape problems of one scenario: unknown keys (a misspelt key would otherwise make
    an expectation vacuous, e.g. `no_actions: [{chanel: sms}]`) and wrong types."""
    if not isinstance(spec, dict):
        return ["a scenario is a mapping"]
    problems = _unknown(spec, SCENARIO_KEYS, "the scenario")
    if not isinstance(spec.get("profiles") or {}, dict):
        problems.append("`profiles` is a mapping of name to attributes")
    else:
        for name, attributes in (spec.get("profiles") or {}).items():
            if not isinstance(attributes or {}, dict):
                problems.append(f"profile `{name}`: attributes are a mapping")
    events = spec.get("events") or []
    if not isinstance(events, list):
        problems.append("`events` is a list")
    else:
        for number, item in enumerate(events, 1):
            if not isinstance(item, dict):
                problems.append(f"event {number} is not a mapping")
                continue
            problems.extend(_unknown(item, EVENT_KEYS, f"event {number}"))
            missing = [k for k in ("type", "profile") if k not in item]
            if missing:
                problems.append(f"event {number} has no {' or '.join(missing)}")
            if not isinstance(item.get("data") or {}, dict):
                problems.append(f"event {number}: `data` is a mapping")
    expect = spec.get("expect") or {}
    if not isinstance(expect, dict):
        return problems + ["`expect` is a mapping"]
    problems.extend(_unknown(expect, EXPECT_KEYS, "expect"))
    for kind, known in EXPECT_KEYS.items():
        if kind == "rejected" or kind not in expect:
            continue
        items = expect[kind] or []
        if not isinstance(items, list):
            problems.append(f"expect.{kind} is a list")
            continue
        for number, item in enumerate(items, 1):
            if not isinstance(item, dict):
                problems.append(f"expect.{kind} item {number} is not a mapping")
            else:
                problems.extend(_unknown(item, known, f"expect.{kind} item {number}"))
    if "rejected" in expect and (not isinstance(expect["rejected"], int) or isinstance(expect["rejected"], bool)):
        problems.append("expect.rejected is a number")
    return problems


def run_scenario(spec: dict, analysis, file: str) -> ScenarioResult:
    name = str(spec.get("scenario") or spec.get("name") or "unnamed") if isinstance(spec, dict) else "unnamed"
    result = ScenarioResult(file, name, False)
    shape = validate_spec(spec)
    if shape:
        result.problems.extend("malformed scenario: " + p for p in shape)
        return result
    try:
        sim = Simulation(analysis, start=_text(spec.get("start")) or "2026-01-01T00:00:00Z")
        for profile_name, attributes in (spec.get("profiles") or {}).items():
            attributes = dict(attributes or {})
            sim.profile(str(profile_name), email=attributes.pop("email", None), at=_text(attributes.pop("at", None)),
                        identities=attributes.pop("identities", None), **attributes)
        for item in spec.get("events") or []:
            item = dict(item)
            data = dict(item.pop("data", None) or {})
            sim.event(item.pop("type"), str(item.pop("profile")), at=_text(item.pop("at", None)),
                      dataset=item.pop("dataset", None), identities=item.pop("identities", None), **data, **item)
        sim.run(until=_text(spec.get("until")))
    except (SimulationError, ValueError, KeyError, TypeError) as exc:
        result.problems.append(f"cannot run the scenario: {exc}")
        return result
    result.visits = {name: {n for n, count in stats.visits.items() if count}
                     for name, stats in sim.runtime.stats.items()}
    expect = spec.get("expect") or {}
    involved: list[str] = []
    presence = (("actions", sim.actions, "missing action"), ("exits", sim.exits, "missing exit"),
                ("segments", sim.segment_changes, "missing segment change"),
                ("refusals", sim.refusals, "missing refusal"))
    for key, query, label in presence:
        for wanted in expect.get(key) or []:
            criteria = _criteria(wanted)
            involved.append(criteria.get("profile"))
            if not query(**criteria):
                result.problems.append(f"{label}: " + _describe(criteria))
    for wanted in expect.get("no_actions") or []:
        criteria = _criteria(wanted)
        involved.append(criteria.get("profile"))
        for action in sim.actions(**criteria):
            result.problems.append("unexpected action: " + action_line(action))
    if "rejected" in expect and len(sim.rejected) != expect["rejected"]:
        result.problems.append(f"{len(sim.rejected)} rejected records, expected {expect['rejected']}")
    result.passed = not result.problems
    if not result.passed:
        result.explanation = _explain(sim, [p for p in dict.fromkeys(involved) if p])
    return result


def _criteria(wanted: dict) -> dict:
    criteria = dict(wanted)
    if "at" in criteria:
        criteria["at"] = _text(criteria["at"])
    if "profile" in criteria:
        criteria["profile"] = str(criteria["profile"])
    return criteria


def _describe(criteria: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in criteria.items())


def _explain(sim: Simulation, profiles: list[str]) -> str:
    lines = ["actual actions:"]
    actions = sim.sink.memory["actions"]
    wanted = {sim.profile_id(p) for p in profiles}
    shown = [a for a in actions if not wanted or sim.profile_id(a["profile"]) in wanted]
    lines.extend("  " + action_line(a) for a in shown) if shown else lines.append("  (none)")
    for profile in dict.fromkeys(sim.profile_id(p) for p in profiles):  # one timeline per merged profile
        lines.append(sim.explain(profile))
    return "\n".join(lines)


@dataclass
class TestRun:
    results: list[ScenarioResult]
    coverage: dict[str, tuple[int, int, list[str]]]  # journey -> (covered, total, unreached labels)


def _program_folder(file: str) -> str:
    """The scenario file's own folder or the nearest one above it holding `.journey` files
    (`journeys/tests/x.scenario.yaml` -> `journeys`); the current folder when there is none."""
    folder = os.path.dirname(os.path.abspath(file))
    while True:
        try:
            if any(name.endswith(".journey") for name in os.listdir(folder)):
                return os.path.relpath(folder)
        except OSError:
            pass
        parent = os.path.dirname(folder)
        if parent == folder:
            return "."
        folder = parent


def run_tests(paths: list[str]) -> TestRun:
    """Run every scenario found under `paths` against the program under the same paths
    (or the scenario file's own `program:` paths, relative to it; when only scenario
    files are given, the nearest folder above each holding `.journey` files)."""
    results: list[ScenarioResult] = []
    default_analysis = None
    analyses: dict[tuple, object] = {}
    for file in find_scenarios(paths):
        try:
            specs = load_file(file)
        except (OSError, yaml.YAMLError, ValueError) as exc:
            results.append(ScenarioResult(file, "(file)", False, [f"cannot read scenarios: {exc}"]))
            continue
        for spec in specs:
            program = spec.get("program")
            if program:
                targets = tuple(os.path.normpath(os.path.join(os.path.dirname(file), p))
                                for p in ([program] if isinstance(program, str) else program))
                if targets not in analyses:
                    analyses[targets] = analyse(list(targets))
                analysis = analyses[targets]
            elif any(not p.endswith(SUFFIX) for p in paths):
                if default_analysis is None:
                    default_analysis = analyse([p for p in paths if not p.endswith(SUFFIX)])
                analysis = default_analysis
            else:  # only scenario files given: the program is the nearest folder above with .journey files
                targets = (_program_folder(file),)
                if targets not in analyses:
                    analyses[targets] = analyse(list(targets))
                analysis = analyses[targets]
            results.append(run_scenario(spec, analysis, file))
    coverage = {}
    all_analyses = list(analyses.values()) + ([default_analysis] if default_analysis else [])
    for analysis in all_analyses:
        for name, graph in analysis.graphs.items():
            seen = set().union(*(r.visits.get(name, set()) for r in results)) if results else set()
            nodes = sorted((n for n in reachable_nodes(graph) if graph.nodes[n]["kind"] != "join"),
                           key=lambda n: int(n[1:]))
            missing = [f"{n} {graph.nodes[n]['label']} (line {graph.nodes[n]['span'].line})"
                       for n in nodes if n not in seen]
            coverage[name] = (len(nodes) - len(missing), len(nodes), missing)
    return TestRun(results, dict(sorted(coverage.items())))

