"""Configuration: discovery (walking up; journeylang.toml before pyproject.toml; a
pyproject without the table is passed over), precedence (defaults < file < flags),
per-path ignores, severity overrides, default strict and paths, `journeylang config`,
and bad files (unknown keys and codes with a did-you-mean, exit 2)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import make_project, run
from journeylang.config import apply_config, find_config, load_settings
from journeylang.config.select import enabled
from journeylang.config.settings import ConfigError


def _codes(result) -> list[str]:
    return sorted({d["code"] for d in json.loads(result.stdout)["diagnostics"]})


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path / "repo")


# ----------------------------------------------------------------------------- discovery
def test_discovery_walks_up_and_prefers_journeylang_toml(project):
    nested = project / "journeys"
    assert find_config([str(nested)]) is None or not str(find_config([str(nested)])).startswith(str(project))
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert find_config([str(nested)]) is None or not find_config([str(nested)]).startswith(str(project))
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.journeylang]\nstrict = true\n",
                                            encoding="utf-8")
    assert find_config([str(nested / "clean.journey")]) == str(project / "pyproject.toml")
    (project / "journeylang.toml").write_text("strict = false\n", encoding="utf-8")
    assert find_config([str(nested)]) == str(project / "journeylang.toml")
    (nested / "journeylang.toml").write_text("ignore = ['W206']\n", encoding="utf-8")
    assert find_config([str(nested)]) == str(nested / "journeylang.toml")


def test_pyproject_table_is_read(project):
    (project / "pyproject.toml").write_text('[tool.journeylang]\nignore = ["W203"]\n', encoding="utf-8")
    result = run("lint", "journeys", "--format", "json", cwd=project)
    assert "W203" not in _codes(result) and "W201" in _codes(result)


# ----------------------------------------------------------------------------- precedence
def test_file_then_flags(project):
    (project / "journeylang.toml").write_text('ignore = ["W2"]\nextend-select = ["W201"]\n', encoding="utf-8")
    from_file = run("lint", "journeys", "--format", "json", cwd=project)
    assert _codes(from_file) == ["W201"]           # the more specific extend-select wins over ignore W2
    more = run("lint", "journeys", "--format", "json", "--ignore", "W201", cwd=project)
    assert _codes(more) == []                      # --ignore adds to the file's list; on a tie ignore wins
    replaced = run("lint", "journeys", "--format", "json", "--select", "W203", cwd=project)
    assert _codes(replaced) == ["W201", "W203"]    # --select W203 is more specific than the file's ignore W2
    only = run("lint", "journeys", "--format", "json", "--select", "W204", cwd=project)
    assert _codes(only) == ["W201"]                # the selection replaced: W203 is gone, extend-select stays
    isolated = run("lint", "journeys", "--format", "json", "--no-config", cwd=project)
    assert {"W201", "W203"} <= set(_codes(isolated))


def test_errors_are_never_dropped(project):
    (project / "journeylang.toml").write_text('select = ["W201"]\n', encoding="utf-8")
    result = run("lint", "broken", "--format", "json", cwd=project)
    assert result.returncode == 1 and {"E102", "E120"} <= set(_codes(result))


def test_severity_override_makes_a_warning_fail(project):
    plain = run("lint", "journeys", cwd=project)
    assert plain.returncode == 0 and "W201 warning:" in plain.stdout
    (project / "journeylang.toml").write_text('[severity]\nW201 = "error"\n', encoding="utf-8")
    raised = run("lint", "journeys", cwd=project)
    assert raised.returncode == 1
    assert "journeys/warnings.journey:3:3: W201 error:" in raised.stdout
    assert "1 error, " in raised.stdout
    document = json.loads(run("lint", "journeys", "--format", "json", cwd=project).stdout)
    assert {d["code"]: d["severity"] for d in document["diagnostics"]}["W201"] == "error"


def test_per_path_ignores(project):
    (project / "legacy").mkdir()
    (project / "legacy" / "old.journey").write_text((project / "journeys" / "warnings.journey").read_text()
                                                    .replace("nag", "old"), encoding="utf-8")
    (project / "journeylang.toml").write_text('[per-path-ignores]\n"legacy" = ["W201", "W203"]\n',
                                              encoding="utf-8")
    result = run("lint", "journeys", "legacy", "--format", "json", cwd=project)
    found = {(Path(d["file"]).parts[0], d["code"]) for d in json.loads(result.stdout)["diagnostics"]}
    assert ("journeys", "W201") in found and ("journeys", "W203") in found
    assert ("legacy", "W201") not in found and ("legacy", "W203") not in found


def test_default_strict_and_paths(project):
    (project / "journeylang.toml").write_text('strict = true\npaths = ["journeys"]\n', encoding="utf-8")
    strict = run("lint", cwd=project)                       # no PATH: the configured paths
    assert strict.returncode == 1 and "in 2 files" in strict.stdout
    relaxed = run("lint", "--no-strict", cwd=project)
    assert relaxed.returncode == 0 and relaxed.stdout == strict.stdout
    assert run("check", cwd=project).returncode == 0
    # from a sub-folder too: the paths are relative to the configuration file
    assert run("check", cwd=project / "broken").returncode == 0


def test_no_path_and_no_configured_paths_is_a_usage_error(project):
    result = run("check", cwd=project / "journeys")
    assert result.returncode == 2 and "no PATH given" in result.stderr


# ----------------------------------------------------------------------------- bad files
@pytest.mark.parametrize("text, message", [
    ('selct = ["W201"]\n', "journeylang.toml:1: unknown key `selct` in journeylang.toml; did you mean `select`?"),
    ('strict = true\nignroe = ["W201"]\n', "journeylang.toml:2: unknown key `ignroe`"),
    ('ignore = ["W2O1"]\n', "unknown code `W2O1`; did you mean `W201`?"),
    ('ignore = ["E102"]\n', "`E102` is an error code; errors cannot be ignored"),
    ('[severity]\nW201 = "fatal"\n', "is \"error\" or \"warning\", not 'fatal'"),
    ('[severity]\nE102 = "warning"\n', "errors cannot be made warnings"),
    ('strict = "yes"\n', "`strict` is true or false"),
    ('select = [\n', "not valid TOML"),
])
def test_bad_configuration_is_a_usage_error(project, text, message):
    (project / "journeylang.toml").write_text(text, encoding="utf-8")
    result = run("lint", "journeys", cwd=project)
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr, result.stderr


def test_unknown_key_in_pyproject_has_its_line(project):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.journeylang]\nstirct = true\n',
                                            encoding="utf-8")
    result = run("check", "journeys", cwd=project)
    assert result.returncode == 2
    assert "pyproject.toml:5: unknown key `stirct` in [tool.journeylang]; did you mean `strict`?" in result.stderr


def test_bad_flag_code_is_a_usage_error(project):
    result = run("lint", "journeys", "--ignore", "W2x", cwd=project)
    assert result.returncode == 2 and "unknown code `W2x`" in result.stderr


# ----------------------------------------------------------------------------- journeylang config
def test_config_command_shows_values_and_origins(project):
    (project / "journeylang.toml").write_text('strict = true\n\nignore = ["W206"]\n', encoding="utf-8")
    result = run("config", "journeys", "--ignore", "W203", cwd=project)
    assert result.returncode == 0
    assert f"configuration file: {project / 'journeylang.toml'}" in result.stdout
    lines = {line.split("=")[0].strip(): line for line in result.stdout.splitlines()[1:]}
    assert lines["strict"].endswith("# from journeylang.toml:1")
    assert '["W206", "W203"]' in lines["ignore"] and "journeylang.toml:3 + --ignore" in lines["ignore"]
    assert lines["select"].endswith("# from default")
    document = json.loads(run("config", "--format", "json", cwd=project).stdout)
    assert document["settings"]["strict"] == {"value": True, "from": "journeylang.toml:1"}
    assert document["file"] == str(project / "journeylang.toml")


def test_config_codes_lists_every_code():
    from journeylang.diagnostics.model import CODES
    result = run("config", "--codes")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == len(CODES)
    assert "W201  warning  marketing send not guarded by consent" in result.stdout


# ----------------------------------------------------------------------------- the selection itself
@pytest.mark.parametrize("code, selected, ignored, expected", [
    ("W201", ["ALL"], [], True),
    ("W201", ["ALL"], ["W2"], False),
    ("W201", ["ALL", "W201"], ["W2"], True),     # more specific select
    ("W201", ["W201"], ["W201"], False),         # a tie: ignore wins
    ("W204", ["W20"], ["W201"], True),
    ("W201", ["W3"], [], False),
    ("E102", [], ["ALL"], True),                  # errors always
])
def test_enabled(code, selected, ignored, expected):
    assert enabled(code, selected, ignored) is expected


def test_apply_config_keeps_order_and_sets_levels(tmp_path):
    from journeylang.diagnostics.model import Diagnostic
    from journeylang.diagnostics.span import Span
    path = tmp_path / "journeylang.toml"
    path.write_text('ignore = ["W206"]\n[severity]\nW203 = "error"\n', encoding="utf-8")
    settings = load_settings(str(path))
    span = Span(file=str(tmp_path / "a.journey"), line=1, column=1, end_line=1, end_column=2)
    diags = [Diagnostic("W206", "x", span), Diagnostic("W203", "y", span), Diagnostic("E101", "z", span)]
    kept = apply_config(diags, settings)
    assert [(d.code, d.severity) for d in kept] == [("W203", "error"), ("E101", "error")]
    with pytest.raises(ConfigError):
        settings.with_flags(ignore="nonsense")
