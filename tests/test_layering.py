"""The package's layering: every import runs down the floors, and there is no circle.

The floors are the pipeline in order (docs/architecture.md). A module may import its own
floor and the floors below it, never one above; imports inside functions count too. A new
subpackage must be given a floor here, which is the moment to decide where it belongs.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "journeylang"

# Lowest first. A module belongs to the longest prefix listed here.
FLOORS = (
    "journeylang",               # the package root: __version__ only
    "journeylang.diagnostics",
    "journeylang.config",         # [tool.journeylang] / journeylang.toml: settings over diagnostics
    "journeylang.syntax",
    "journeylang.format",
    "journeylang.program",
    "journeylang.compile",
    "journeylang.checks",
    "journeylang.lint",
    "journeylang.pipeline",
    "journeylang.runtime.core",   # per-profile: what one partition runs
    "journeylang.runtime.services",  # cross-profile: log, identities, dedup, outputs
    "journeylang.runtime",        # the driver (replay.py)
    "journeylang.runtime.reference",  # the brute-force oracle: the driver without shortcuts
    "journeylang.runtime.engines",  # how a replay runs: one process, or partitions in many
    "journeylang.spark",          # the replay on Apache Spark (the spark extra): engines' pieces in executors
    "journeylang.generate",
    "journeylang.testing",
    "journeylang.diff",           # journeylang diff: both versions replayed over one log, compared
    "journeylang.report",         # the HTML report: replay outputs + compiled graphs
    "journeylang.lsp",            # the language server: analyse, format and the AST for editors
    "journeylang.cli",
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _floor(module: str) -> int:
    best = None
    for index, prefix in enumerate(FLOORS):
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(FLOORS[best]):
                best = index
    assert best is not None, f"{module} has no floor in tests/test_layering.py"
    return best


def _imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    is_package = path.name == "__init__.py"
    here = module.split(".") if is_package else module.split(".")[:-1]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names if alias.name.startswith("journeylang"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            if not origin.startswith("journeylang"):
                continue
            for alias in node.names:  # `from . import ast` imports a submodule
                sub = f"{origin}.{alias.name}"
                targets.add(sub if sub in known else origin)
    return targets


MODULES = _modules()
GRAPH = nx.DiGraph()
for _name, _path in MODULES.items():
    GRAPH.add_node(_name)
    for _target in _imports(_name, _path, MODULES):
        assert _target in MODULES, f"{_name} imports {_target}, which does not exist"
        GRAPH.add_edge(_name, _target)


def test_every_module_has_a_floor():
    for module in MODULES:
        _floor(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_down_the_floors(module):
    upward = [target for target in sorted(GRAPH.successors(module)) if _floor(target) > _floor(module)]
    assert not upward, f"{module} (floor {FLOORS[_floor(module)]}) imports a higher floor: {upward}"


def test_no_import_cycles():
    cycles = list(nx.simple_cycles(GRAPH))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_the_per_profile_core_never_sees_the_services():
    core = [m for m in MODULES if m.startswith("journeylang.runtime.core")]
    for module in core:
        crossing = [t for t in GRAPH.successors(module)
                    if t.startswith("journeylang.runtime.") and not t.startswith("journeylang.runtime.core")]
        assert not crossing, f"{module} reaches across the partition boundary: {crossing}"


def test_the_detector_sees_a_violation(tmp_path):
    """The checks themselves can fail: an upward import and a circle are both seen."""
    source = tmp_path / "parser.py"
    source.write_text("from ..runtime import replay\nfrom ..pipeline import analyse\n", encoding="utf-8")
    found = _imports("journeylang.syntax.parser", source, MODULES)
    assert found == {"journeylang.runtime.replay", "journeylang.pipeline"}
    assert all(_floor(target) > _floor("journeylang.syntax.parser") for target in found)
    circle = nx.DiGraph([("journeylang.checks.names", "journeylang.pipeline"),
                         ("journeylang.pipeline", "journeylang.checks")])
    circle.add_edge("journeylang.checks", "journeylang.checks.names")
    assert list(nx.simple_cycles(circle))
