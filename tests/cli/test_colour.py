"""Colour: on a terminal (a pseudo-terminal here) diagnostics and summaries are coloured;
in pipes and files never, unless forced; --color and NO_COLOR / FORCE_COLOR decide.
The text is the same characters either way (the escape codes stripped)."""
from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import make_project, run

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("colour"))


def _on_a_terminal(args: list[str], cwd: Path, env: dict) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; (exit code, what it printed)."""
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update({"TERM": "xterm-256color", **env})
    process = subprocess.Popen([sys.executable, "-m", "journeylang.cli", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=slave, stderr=slave, env=environment)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:   # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = process.wait(timeout=120)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.mark.parametrize("command", [["check", "broken"], ["lint", "journeys"]])
def test_a_terminal_gets_colour(project, command):
    code, text = _on_a_terminal(command, project, {})
    assert code in (0, 1)
    assert ESCAPE.search(text), text
    plain = run(*command, cwd=project)
    assert not ESCAPE.search(plain.stdout + plain.stderr)          # a pipe: none
    assert ESCAPE.sub("", text) == plain.stdout + plain.stderr      # the same characters


def test_the_parts_are_styled(project):
    _, text = _on_a_terminal(["check", "broken"], project, {})
    assert "\x1b[1;31merror\x1b[0m" in text                         # the severity
    assert "\x1b[1mbroken/errors.journey:4:14:\x1b[0m" in text      # the location
    assert "\x1b[1;31m^^^^\x1b[0m" in text                          # the caret
    assert "\x1b[36mhint\x1b[0m" in text                            # the hint
    assert "\x1b[1;31m2 errors\x1b[0m" in text                      # the summary


@pytest.mark.parametrize("args, env", [
    (["--color", "never"], {}),
    ([], {"NO_COLOR": "1"}),
    (["--color", "never"], {"FORCE_COLOR": "1"}),
])
def test_colour_off_on_a_terminal(project, args, env):
    code, text = _on_a_terminal(["lint", "journeys", *args], project, env)
    assert code == 0 and "W201" in text and not ESCAPE.search(text)


@pytest.mark.parametrize("args, env", [
    (["--color", "always"], {}),
    ([], {"FORCE_COLOR": "1"}),
    (["--color", "always"], {"NO_COLOR": "1"}),     # the flag beats the environment
])
def test_colour_forced_into_a_pipe(project, args, env):
    result = run("lint", "journeys", *args, cwd=project, env=env)
    assert ESCAPE.search(result.stdout), result.stdout


def test_the_option_before_the_command_name(project):
    result = run("--color", "always", "check", "broken", cwd=project)
    assert ESCAPE.search(result.stdout)


def test_machine_formats_never_have_colour(project):
    for fmt in ("json", "github", "sarif", "junit"):
        result = run("lint", "journeys", "broken", "--format", fmt, "--color", "always", cwd=project)
        assert not ESCAPE.search(result.stdout), fmt


def test_test_command_colours_ok_and_fail():
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios"
    result = run("test", str(fixtures / "passes.scenario.yaml"), "--color", "always")
    assert "\x1b[1;32mok\x1b[0m" in result.stdout
    plain = run("test", str(fixtures / "passes.scenario.yaml"))
    assert not ESCAPE.search(plain.stdout) and plain.stdout == ESCAPE.sub("", result.stdout)
