"""Help: every command has a description or help line and an epilog with examples; every
argument has a description, options that take a value show an example (`e.g.`), and
defaults are shown; `--version` names lark, jinja2 and Python."""
from __future__ import annotations

import argparse
import re
import sys

import pytest

from cli_helpers import run
from journeylang.cli.main import build_parser, version_text


def _commands():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


COMMANDS = sorted(_commands())
# The commands of issue 13's CLI work; `diff` (docs/diff.md) and `merge-outputs` (docs/scale.md)
# are documented by their own families, and only have to run `--help` here.
CHECKED = ["check", "compile", "config", "fmt", "generate", "lint", "lsp", "replay", "report", "test", "why"]


@pytest.mark.parametrize("name", CHECKED)
def test_every_command_has_examples_and_described_arguments(name):
    sub = _commands()[name]
    assert sub.epilog and "examples:" in sub.epilog and f"journeylang {name}" in sub.epilog, name
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help and len(action.help) > 10, (name, action.dest)
        takes_value = action.option_strings and action.nargs != 0 and not isinstance(
            action, (argparse._StoreTrueAction, argparse.BooleanOptionalAction))
        if takes_value or not action.option_strings:
            assert "e.g." in action.help, (name, action.dest, action.help)


def test_defaults_are_shown():
    text = _commands()["replay"].format_help()
    assert "(default: out/replay)" in re.sub(r"\s+", " ", text)
    assert "(default: text)" in re.sub(r"\s+", " ", _commands()["lint"].format_help())


def test_help_runs_for_every_command():
    assert set(CHECKED) <= set(COMMANDS)
    for name in COMMANDS:
        result = run(name, "--help")
        assert result.returncode == 0 and "usage: journeylang" in result.stdout, name
        if name in CHECKED:
            assert "examples:" in result.stdout, name


def test_version_names_the_libraries():
    text = version_text()
    assert re.fullmatch(r"journeylang \S+ \(lark \S+, jinja2 \S+, Python \d+\.\d+\.\d+ \w+\)", text), text
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == text
    assert f"Python {sys.version_info[0]}.{sys.version_info[1]}." in text
