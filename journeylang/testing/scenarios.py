"""Scenario files (`*.scenario.yaml`): journey tests as data, run by `journeylang test`.

Consumes: scenario files — given profiles, timed events, an optional end time, and the
expected actions, absences, exits and segment changes (format in docs/testing.md) — and
the program they test. Produces: one `ScenarioResult` per scenario (passed, and on
failure an explanation: expected vs actual actions and the involved profiles' timelines)
and the node coverage of every journey over all scenarios.
Guarantees: each scenario runs in a fresh `Simulation`; results come in file order, then
scenario order; malformed scenario files are reported as failures, never exceptions.
Every failure names the YAML `file:line` of the expectation (or key) it is about; times
of expected and actual actions are shown alike, absolute with the offset from the
scenario's start in brackets (`2026-11-20T10:30:00Z (+1h30m)`); a misspelt key gets a
did-you-mean. `select(results, expr)` filters by name as pytest's `-k` does.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Optional

import yaml

from ..diagnostics.model import did_you_mean
from ..syntax.literals import format_duration, format_timestamp

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
    line: int = 0   # the scenario's line in its file (0: unknown)


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


class Located(dict):
    """A YAML mapping that knows its line and the line of each of its keys (1-based)."""
    line = 0
    key_lines: dict = {}


class _LineLoader(yaml.SafeLoader):
    """The safe loader, with every mapping a `Located`."""


def _located_mapping(loader: _LineLoader, node):
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    yield mapping
    mapping.update(loader.construct_mapping(node))
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            mapping.key_lines.setdefault(key, key_node.start_mark.line + 1)
        except TypeError:   # an unhashable key: the shape check reports the mapping
            pass


_LineLoader.add_constructor("tag:yaml.org,2002:map", _located_mapping)


def line_of(mapping, key=None) -> int:
    """The line of `mapping` (or of its `key`); 0 when unknown."""
    if key is not None and isinstance(mapping, Located):
        return mapping.key_lines.get(key, mapping.line)
    return getattr(mapping, "line", 0)


def load_file(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_LineLoader)  # noqa: S506 - a SafeLoader that records lines
    if isinstance(document, dict) and "scenarios" in document:
        shared = {k: v for k, v in document.items() if k != "scenarios"}
        items = document["scenarios"] or []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError("`scenarios:` is a list of mappings")
        merged = []
        for item in items:
            spec = Located({**shared, **item})
            spec.line = line_of(item)
            spec.key_lines = {**getattr(document, "key_lines", {}), **getattr(item, "key_lines", {})}
            merged.append(spec)
        return merged
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


def _unknown(mapping, known, where: str) -> list[str]:
    """One problem per unknown key: its line, a did-you-mean when one is close, else the known keys."""
    problems = []
    for key in sorted((k for k in mapping if k not in known), key=str):
        line = line_of(mapping, key)
        hint = did_you_mean(str(key), known)
        problems.append(f"unknown key in {where}: {key}" + (f" (line {line})" if line else "")
                        + (f"; {hint}" if hint else f" (known: {', '.join(sorted(known))})"))
    return problems


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
    result = ScenarioResult(file, name, False, line=line_of(spec))
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
                result.problems.append(f"{_where(file, wanted)}{label}: " + _describe(criteria, sim))
    for wanted in expect.get("no_actions") or []:
        criteria = _criteria(wanted)
        involved.append(criteria.get("profile"))
        for action in sim.actions(**criteria):
            result.problems.append(f"{_where(file, wanted)}unexpected action: " + timed_action_line(action, sim))
    if "rejected" in expect and len(sim.rejected) != expect["rejected"]:
        result.problems.append(f"{_where(file, expect, 'rejected')}{len(sim.rejected)} rejected records, "
                               f"expected {expect['rejected']}")
    result.passed = not result.problems
    if not result.passed:
        result.explanation = _explain(sim, [p for p in dict.fromkeys(involved) if p])
    return result


def _where(file: str, mapping, key=None) -> str:
    line = line_of(mapping, key)
    return f"{file}:{line}: " if line else ""


def timed(text: str, sim: Simulation) -> str:
    """`2026-11-20T10:30:00Z (+1h30m)`: an instant, absolute, with its offset from the start."""
    try:
        ms = sim.time_from_start(text)
    except (ValueError, TypeError, SimulationError):
        return str(text)
    offset = ms - sim.start
    shown = ("+" if offset >= 0 else "-") + (format_duration(abs(offset)) if offset else "0s")
    return f"{format_timestamp(ms)} ({shown})"


def timed_action_line(action: dict, sim: Simulation) -> str:
    line = action_line(action)
    return timed(action["time"], sim) + line[len(action["time"]):]


def _criteria(wanted: dict) -> dict:
    criteria = dict(wanted)
    if "at" in criteria:
        criteria["at"] = _text(criteria["at"])
    if "profile" in criteria:
        criteria["profile"] = str(criteria["profile"])
    return criteria


def _describe(criteria: dict, sim: Optional[Simulation] = None) -> str:
    return ", ".join(f"{k}={timed(v, sim) if k == 'at' and sim is not None else v}" for k, v in criteria.items())


def _explain(sim: Simulation, profiles: list[str]) -> str:
    lines = ["actual actions:"]
    actions = sim.sink.memory["actions"]
    wanted = {sim.profile_id(p) for p in profiles}
    shown = [a for a in actions if not wanted or sim.profile_id(a["profile"]) in wanted]
    lines.extend("  " + timed_action_line(a, sim) for a in shown) if shown else lines.append("  (none)")
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


def keyword_matcher(expression: str):
    """A predicate over a scenario's names for `-k EXPR`, as pytest reads it: words match
    as case-insensitive substrings; `and`, `or`, `not` and parentheses combine them.
    Raises ValueError for an expression that does not parse."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expression)
    if not tokens:
        raise ValueError("-k needs an expression, e.g. -k 'cart and not sms'")
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def primary():
        token = peek()
        if token is None or token in (")", "and", "or"):
            raise ValueError(f"-k {expression!r}: expected a word or `(` at {token or 'the end'!r}")
        take()
        if token == "not":
            inner = primary()
            return lambda names: not inner(names)
        if token == "(":
            inner = disjunction()
            if peek() != ")":
                raise ValueError(f"-k {expression!r}: `(` is not closed")
            take()
            return inner
        word = token.lower()
        return lambda names: any(word in name.lower() for name in names)

    def conjunction():
        left = primary()
        while peek() == "and":
            take()
            right, first = primary(), left
            left = (lambda a, b: lambda names: a(names) and b(names))(first, right)
        return left

    def disjunction():
        left = conjunction()
        while peek() == "or":
            take()
            right, first = conjunction(), left
            left = (lambda a, b: lambda names: a(names) or b(names))(first, right)
        return left

    predicate = disjunction()
    if peek() is not None:
        raise ValueError(f"-k {expression!r}: unexpected {peek()!r}")
    return predicate


def run_tests(paths: list[str], keyword: Optional[str] = None) -> TestRun:
    """Run every scenario found under `paths` against the program under the same paths
    (or the scenario file's own `program:` paths, relative to it; when only scenario
    files are given, the nearest folder above each holding `.journey` files). With
    `keyword` (a `-k` expression), only the scenarios whose name or file name match."""
    wanted = keyword_matcher(keyword) if keyword else None
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
            name = str(spec.get("scenario") or spec.get("name") or "unnamed")
            if wanted is not None and not wanted([name, os.path.basename(file)]):
                continue
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

