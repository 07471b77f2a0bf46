"""What every command family shares: exit codes, the argument parser and help formatter,
program paths (given, or the configuration's), colour, configuration, and the one way a
program's diagnostics reach the terminal.

Consumes: parsed arguments and `Analysis` results. Produces: rendered diagnostics on
stdout/stderr and exit codes. Guarantees: exit code 0 success, 1 the input has errors,
2 usage errors (a bad configuration file too); diagnostics are rendered only here
(through `diagnostics.render` and `diagnostics.formats`); colour only on a terminal or
when forced, never in files or pipes otherwise; a path with no `.journey` files is an
error, never a silent success.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2

DIAGNOSTIC_FORMATS = ("text", "json", "github", "sarif", "junit")


class Stop(Exception):
    """End the command: print `message` (one line, to stderr) and exit with `code`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Epilogs keep their line breaks; options show their defaults."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "%(default)" in text or action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return text
        return text + " (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # usage errors: exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        print(f"journeylang: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def add_format(parser: argparse.ArgumentParser, choices=("text", "json")) -> None:
    helps = {"text": "text: diagnostics as file:line:col: CODE severity: message",
             "json": "json: one JSON document", "github": "github: GitHub Actions annotations",
             "sarif": "sarif: SARIF 2.1.0 (code scanning)", "junit": "junit: JUnit XML"}
    parser.add_argument("--format", choices=choices, default="text",
                        help="output format; " + ", ".join(helps[c] for c in choices) + " (e.g. --format json)")


def add_color(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--color", "--colour", dest="color", choices=("auto", "always", "never"),
                        default=argparse.SUPPRESS,
                        help="colour diagnostics and summaries: auto = on a terminal unless NO_COLOR is set "
                             "(FORCE_COLOR forces it) (default: auto; e.g. --color never)")


def add_config(parser: argparse.ArgumentParser, selection: bool = True) -> None:
    group = parser.add_argument_group("configuration ([tool.journeylang] in pyproject.toml, or journeylang.toml)")
    group.add_argument("--config", metavar="FILE",
                       help="use this configuration file instead of searching upwards from the paths "
                            "(e.g. --config ci/journeylang.toml)")
    group.add_argument("--no-config", action="store_true",
                       help="ignore configuration files: built-in defaults and flags only")
    if selection:
        group.add_argument("--select", metavar="CODES",
                           help="report only these warning codes or prefixes, replacing the configured "
                                "selection (e.g. --select W201,W204 or --select W2)")
        group.add_argument("--extend-select", metavar="CODES",
                           help="report these codes in addition to the selection (e.g. --extend-select W209)")
        group.add_argument("--ignore", metavar="CODES",
                           help="do not report these warning codes or prefixes; errors cannot be ignored "
                                "(e.g. --ignore W206)")


def colour_wanted(args, stream) -> bool:
    """--color always/never decide; auto: NO_COLOR (non-empty) off, FORCE_COLOR (non-empty)
    on, else on only when `stream` is a terminal (and TERM is not `dumb`)."""
    choice = getattr(args, "color", None) or "auto"
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


# ----------------------------------------------------------------------------- configuration
def settings_for(args, paths: list[str]):
    """The effective `Settings` for these paths and flags (Stop(2) on a bad file)."""
    from ..config import ConfigError, find_config, load_settings
    try:
        if getattr(args, "no_config", False):
            path = None
        elif getattr(args, "config", None):
            path = args.config
            if not os.path.isfile(path):
                raise Stop(EXIT_USAGE, f"journeylang: --config {path}: no such file")
        else:
            path = find_config(paths)
        settings = load_settings(path)
        return settings.with_flags(select=getattr(args, "select", None), ignore=getattr(args, "ignore", None),
                                   extend_select=getattr(args, "extend_select", None),
                                   strict=getattr(args, "strict", None))
    except ConfigError as exc:
        raise Stop(EXIT_USAGE, f"journeylang: configuration: {exc}") from None


def program_paths(args, settings=None) -> list[str]:
    """The program's paths: those given, else the configuration's `paths`. Each must exist
    and folders must hold `.journey` files (Stop(1) with a plain message otherwise)."""
    paths = list(getattr(args, "paths", None) or [])
    if not paths:
        settings = settings or settings_for(args, [])
        paths = list(settings.paths)
        if not paths:
            raise Stop(EXIT_USAGE, "journeylang: error: no PATH given and no `paths` in the configuration "
                                   "(e.g. `journeylang check journeys/`, or paths = [\"journeys\"] in journeylang.toml)")
    require_programs(paths)
    return paths


def require_programs(paths: list[str], suffix: str = ".journey") -> None:
    for path in paths:
        if not os.path.exists(path):
            raise Stop(EXIT_INPUT, f"journeylang: {path}: no such file or folder")
        if os.path.isdir(path) and not _has_file(path, suffix):
            raise Stop(EXIT_INPUT, f"journeylang: no {suffix} files under {path}")


def _has_file(folder: str, suffix: str) -> bool:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if any(name.endswith(suffix) for name in filenames):
            return True
    return False


# ----------------------------------------------------------------------------- analysis
def analyse(paths: list[str], lint: bool = False):
    from ..pipeline import analyse as run_pipeline
    return run_pipeline(paths, lint=lint)


def checked(paths: list[str]):
    """The analysis of a program that must be free of errors (else they are printed: None)."""
    require_programs(paths)
    analysis = analyse(paths)
    if analysis.diagnostics.has_errors:
        report(analysis, "text", warnings=False, out=sys.stderr)
        return None
    return analysis


def sources_of(analysis) -> dict[str, str]:
    return with_missing_sources({s.path: s.text for s in analysis.program.files}, analysis.diagnostics.items)


def with_missing_sources(sources: dict[str, str], diagnostics) -> dict[str, str]:
    """Add the text of files diagnostics point into that were not parsed (templates, bad files)."""
    for diag in diagnostics:
        if diag.span and diag.span.file not in sources and os.path.isfile(diag.span.file):
            try:
                with open(diag.span.file, encoding="utf-8") as handle:
                    sources[diag.span.file] = handle.read()
            except (OSError, UnicodeDecodeError):
                pass
    return sources


def rule_docs() -> dict[str, str]:
    """Code -> the lint rule's documentation (its module docstring), for SARIF."""
    from ..lint import ALL_RULES
    return {rule.CODE: (rule.__doc__ or "").strip() for rule in ALL_RULES}


def report(analysis, fmt: str, *, warnings: bool, out=None, settings=None, strict: bool = False,
           colour: Optional[bool] = None, suite: str = "journeylang") -> tuple[int, int]:
    """Print the analysis's diagnostics (errors, and warnings when asked) in `fmt`, after
    the configuration's selection: (errors, warnings)."""
    from .. import __version__
    from ..diagnostics.formats import render_github, render_junit, render_sarif
    from ..diagnostics.render import render_json, render_summary, render_text
    out = out or sys.stdout
    diagnostics = analysis.sorted_diagnostics()
    if settings is not None:
        from ..config import apply_config
        diagnostics = apply_config(diagnostics, settings)
    diagnostics = [d for d in diagnostics if warnings or d.severity == "error"]
    errors = sum(1 for d in diagnostics if d.severity == "error")
    count = analysis.program.file_count
    if fmt == "json":
        print(render_json(diagnostics, files=count), file=out)
    elif fmt == "github":
        if diagnostics:
            print(render_github(diagnostics), file=out)
    elif fmt == "sarif":
        print(render_sarif(diagnostics, __version__, rule_docs()), file=out)
    elif fmt == "junit":
        files = [s.path for s in analysis.program.files]
        failing = frozenset({"error", "warning"}) if strict else frozenset({"error"})
        print(render_junit(diagnostics, files, sources_of(analysis), suite=suite, failing=failing), file=out)
    else:
        colour = colour_wanted_for(out) if colour is None else colour
        if diagnostics:
            print(render_text(diagnostics, sources_of(analysis), colour), file=out)
        print(render_summary(diagnostics, f" in {count} file" + ("s" if count != 1 else ""), colour), file=out)
    return errors, len(diagnostics) - errors


COLOUR_ARGS = None   # the parsed arguments, for `colour_wanted_for` (set by main)


def colour_wanted_for(stream) -> bool:
    return colour_wanted(COLOUR_ARGS, stream)
