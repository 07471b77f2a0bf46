"""Robustness of the front end: mutated programs never crash `check`/`lint`.

Every `journeys/*.journey` file is mutated with seeded random edits (token and character
deletes, duplicates and swaps; inserted keywords, punctuation, digits, quotes, `%`,
unicode; renamed names; extreme literals; truncation; 500 nested parentheses). Each
mutant goes through the whole pipeline in-process (`analyse([], sources=..., lint=...)`)
and the compiled graphs through every exporter; a few go through the real CLI.
The contract: no exception escapes, and every diagnostic has a registered code and a span
inside the file it names (E199, "too many errors", is the one diagnostic without a span).

The mutants are deterministic (seeded by file name), so a failure id such as
`abandoned_cart-017-delete_token` reproduces; `_mutants()` rebuilds its text.
"""
from __future__ import annotations

import random
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from journeylang.compile.export import to_dot, to_json, to_mermaid
from journeylang.diagnostics.model import CODES
from journeylang.diagnostics.render import render_json, render_text
from journeylang.pipeline import analyse

ROOT = Path(__file__).resolve().parent.parent
JOURNEYS = Path("journeys")
PER_FILE = 44  # ~300 mutants for the seven seed files

KEYWORDS = ["segment", "journey", "message", "lookup", "policy", "event", "entry", "audience", "read", "at",
            "every", "reentry", "never", "always", "after", "timeout", "dedup", "by", "within", "exit", "on",
            "wait", "until", "next", "for", "if", "elif", "else", "split", "as", "enrich", "lookup", "send",
            "to", "add", "remove", "from", "set", "jump", "has", "first", "last", "no", "count", "sum", "of",
            "where", "between", "and", "ago", "before", "or", "not", "in", "not in", "true", "false", "null",
            "description", "evaluation", "streaming", "batch", "channel", "transactional", "file", "key",
            "frequency", "cap", "per", "quiet", "hours", "default", "profile", "now", "journey.name", "*"]
PUNCTUATION = list("{}()[],.=<>!+-*/%#:;'\\@$&|^~?`") + ["==", "!=", "<=", ">=", "{ }", "()", "[]", "[*]", "..."]
DIGITS = ["0", "7", "1.5", "-1", "00", "99999999999999999999", "0.0", "1e5", "3d", "0s", "1h30m", "999999999w",
          "0ms", "1x", "12.5%", "150%", "0%", "100%", "2026-11-23T09:00:00Z", "2026-13-45T25:61:61Z",
          "9999-12-31T23:59:59+14:00", "0000-01-01T00:00:00Z", "24:00", "99:99", "09:00", "2026-11-23"]
QUOTES = ['"', '""', '"""', '"\\', '"a\\"', '"""\n', "'", '"{{ x }}"', '"{% if %}"', '"{{ profile.x | nope }}"']
UNICODE = ["é", "😀", "\u200b", "\u202e", "\x00", "\t", "\r", "\r\n", "\ufeff", "名前", "ℌ", "\u0301", "\x0c",
           "\\u0000", "\U0010ffff"]


def _tokens(text: str):
    import re
    return [(m.start(), m.end()) for m in
            re.finditer(r'"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|[A-Za-z_][A-Za-z0-9_]*|\d[\w:.+-]*%?|\S', text)]


def _names(text: str) -> list[str]:
    import re
    return sorted(set(re.findall(r"\b[a-z_][a-z0-9_]*\b", text)))


def _insert(rng: random.Random, text: str, piece: str) -> str:
    tokens = _tokens(text)
    if tokens and rng.random() < 0.8:
        start, end = rng.choice(tokens)
        at = start if rng.random() < 0.5 else end
        pad = rng.choice(["", " ", " "])
        return text[:at] + pad + piece + pad + text[at:]
    at = rng.randrange(len(text) + 1)
    return text[:at] + piece + text[at:]


def _mutate(rng: random.Random, text: str, kind: str) -> str:  # noqa: C901 - one branch per kind
    tokens = _tokens(text)
    if kind == "delete_token" and tokens:
        start, end = rng.choice(tokens)
        return text[:start] + text[end:]
    if kind == "duplicate_token" and tokens:
        start, end = rng.choice(tokens)
        return text[:end] + " " + text[start:end] + text[end:]
    if kind == "swap_tokens" and len(tokens) > 1:
        i = rng.randrange(len(tokens) - 1)
        (a0, a1), (b0, b1) = tokens[i], tokens[i + 1]
        return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]
    if kind == "move_token" and len(tokens) > 1:
        start, end = rng.choice(tokens)
        piece, rest = text[start:end], text[:start] + text[end:]
        at = rng.randrange(len(rest) + 1)
        return rest[:at] + " " + piece + " " + rest[at:]
    if kind == "delete_char" and text:
        at = rng.randrange(len(text))
        return text[:at] + text[at + 1:]
    if kind == "duplicate_char" and text:
        at = rng.randrange(len(text))
        return text[:at] + text[at] + text[at:]
    if kind == "swap_chars" and len(text) > 1:
        at = rng.randrange(len(text) - 1)
        return text[:at] + text[at + 1] + text[at] + text[at + 2:]
    if kind == "insert_keyword":
        return _insert(rng, text, rng.choice(KEYWORDS))
    if kind == "insert_punctuation":
        return _insert(rng, text, rng.choice(PUNCTUATION))
    if kind == "insert_digits":
        return _insert(rng, text, rng.choice(DIGITS))
    if kind == "insert_quote":
        return _insert(rng, text, rng.choice(QUOTES))
    if kind == "insert_percent":
        return _insert(rng, text, rng.choice(["%", "50%", "%%", "% {", "101%"]))
    if kind == "insert_unicode":
        return _insert(rng, text, rng.choice(UNICODE))
    if kind == "replace_literal":
        import re
        literals = [m.span() for m in re.finditer(r"\d[\w:.+-]*%?|\"(?:\\.|[^\"\\\n])*\"", text)]
        if literals:
            start, end = rng.choice(literals)
            return text[:start] + rng.choice(DIGITS + QUOTES + ["[]", "null", "-0"]) + text[end:]
    if kind == "rename":
        names = _names(text)
        if len(names) > 1:
            old, new = rng.sample(names, 2)
            import re
            occurrences = [m.span() for m in re.finditer(rf"\b{re.escape(old)}\b", text)]
            start, end = rng.choice(occurrences)
            return text[:start] + new + text[end:]
    if kind in ("delete_line", "duplicate_line") and text:
        lines = text.split("\n")
        at = rng.randrange(len(lines))
        if kind == "delete_line":
            return "\n".join(lines[:at] + lines[at + 1:])
        return "\n".join(lines[:at + 1] + lines[at:])
    if kind == "truncate" and text:
        return text[:rng.randrange(len(text))]
    if kind == "nest_parens":
        deep = "(" * 500 + "true" + ")" * 500
        choice = rng.randrange(3)
        if choice == 0 and " if " in text:
            return text.replace(" if ", f" if {deep} and ", 1)
        if choice == 1:
            return text + f"\nsegment deep_fuzz {{\n  {deep}\n}}\n"
        return _insert(rng, text, "(" * 500)
    if kind == "blocks":
        return _insert(rng, text, rng.choice(["{", "}", "{ {", "} }", "{}" * 50, "[" * 300, "not " * 400,
                                              "- " * 400, "a." * 400 + "b"]))
    return text


KINDS = ["delete_token", "duplicate_token", "swap_tokens", "move_token", "delete_char", "duplicate_char",
         "swap_chars", "insert_keyword", "insert_punctuation", "insert_digits", "insert_quote", "insert_percent",
         "insert_unicode", "replace_literal", "rename", "delete_line", "duplicate_line", "truncate", "nest_parens",
         "blocks"]


def _mutants() -> list[tuple[str, str, str]]:
    """(id, path, text) for every mutant, deterministic per file name and content."""
    out = []
    for path in sorted((ROOT / JOURNEYS).glob("*.journey")):
        original = path.read_text(encoding="utf-8")
        rng = random.Random(zlib.crc32(path.name.encode()))
        relative = str(JOURNEYS / path.name)
        for index in range(PER_FILE):
            kind = KINDS[index % len(KINDS)] if index < len(KINDS) else rng.choice(KINDS)
            text = _mutate(rng, original, kind)
            if index >= len(KINDS) and rng.random() < 0.4:  # some mutants get a second and third edit
                for _ in range(rng.randint(1, 2)):
                    text = _mutate(rng, text, rng.choice(KINDS))
            out.append((f"{path.stem}-{index:03d}-{kind}", relative, text))
    return out


MUTANTS = _mutants()


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def assert_pipeline_survives(path: str, text: str, *, lint: bool) -> list:
    """Run the whole pipeline on one mutated file; check the diagnostics' shape."""
    analysis = analyse([], sources={path: text}, lint=lint)
    diagnostics = analysis.sorted_diagnostics()
    lines = text.split("\n")
    for diag in [*analysis.diagnostics.items, *diagnostics]:
        assert diag.code in CODES, diag
        assert diag.severity in ("error", "warning")
        if diag.code == "E199":
            continue
        assert diag.span is not None, diag
        span = diag.span
        assert span.line >= 1 and span.column >= 1, diag
        if span.file == path:
            assert span.line <= len(lines) + 1, diag
            assert (span.end_line, span.end_column) >= (span.line, span.column), diag
    sources = {s.path: s.text for s in analysis.program.files} or {path: text}
    render_text(diagnostics, sources)
    render_json(diagnostics)
    if not analysis.diagnostics.has_errors:
        to_json(analysis.graphs), to_dot(analysis.graphs), to_mermaid(analysis.graphs)
    return diagnostics


def test_mutant_count_and_variety():
    assert 250 <= len(MUTANTS) <= 400, len(MUTANTS)
    files = {path for _, path, _ in MUTANTS}
    assert len(files) >= 5, files
    originals = {str(JOURNEYS / p.name): p.read_text(encoding="utf-8") for p in (ROOT / JOURNEYS).glob("*.journey")}
    changed = sum(1 for _, path, text in MUTANTS if text != originals[path])
    assert changed >= 0.9 * len(MUTANTS)


@pytest.mark.parametrize("path", sorted(str(JOURNEYS / p.name) for p in (ROOT / JOURNEYS).glob("*.journey")))
def test_seed_files_survive_unmutated(path):
    assert_pipeline_survives(path, (ROOT / path).read_text(encoding="utf-8"), lint=True)


@pytest.mark.parametrize("mutant_id,path,text", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant(mutant_id, path, text):
    # lint runs every check pass too; a third of the mutants also run check alone
    assert_pipeline_survives(path, text, lint=True)
    if zlib.crc32(mutant_id.encode()) % 3 == 0:
        assert_pipeline_survives(path, text, lint=False)


# ----------------------------------------------------------------------------- regressions
# Mutants that once crashed the pipeline, kept verbatim. (None so far in the parser.)
REGRESSIONS: list[tuple[str, str]] = [
    ("deep_parens_in_if", "journey j {\n  entry audience s\n  if " + "(" * 500 + "true" + ")" * 500 + " { exit }\n}\n"),
    ("deep_parens_unclosed", "segment s {\n  " + "(" * 500 + "\n}\n"),
    ("deep_not", "segment s {\n  " + "not " * 2000 + "true\n}\n"),
    ("deep_minus", "segment s {\n  " + "- " * 2000 + "1 > 0\n}\n"),
    ("deep_lists", "segment s {\n  profile.x in " + "[" * 500 + "]" * 500 + "\n}\n"),
    ("deep_blocks", "journey j {\n  entry audience s\n  " + "if true { " * 300 + "}" * 300 + "\n}\n"),
    ("long_path", "segment s {\n  " + "a." * 3000 + "b\n}\n"),
    ("nul_byte", "segment s {\x00 profile.x }"),
    ("bom", "\ufeffsegment s { profile.x }"),
    ("crlf", "segment s {\r\n  profile.x == 1\r\n}\r\n"),
    ("huge_duration", "journey j {\n  entry audience s\n  timeout 99999999999999999999w\n  wait 99999999999999999999d\n}\n"),
    ("huge_timestamp", "journey j {\n  entry read audience s at 9999-12-31T23:59:59-14:00 every 0s\n}\nsegment s { }\n"),
    ("zero_split", "journey j {\n  entry audience s\n  split { 0% { } 0% { } }\n}\nsegment s { }\n"),
    ("huge_percent", "journey j {\n  entry audience s\n  split { 99999999999999999999% { } }\n}\nsegment s { }\n"),
    ("huge_int", "segment s {\n  count event a >= 99999999999999999999999999999999\n}\n"),
    ("unterminated_long_string", 'message m {\n  channel email\n  body """\n  never closed\n}\n'),
]


@pytest.mark.parametrize("name,text", REGRESSIONS, ids=[r[0] for r in REGRESSIONS])
def test_regression(name, text):
    assert_pipeline_survives(f"journeys/regression_{name}.journey", text, lint=True)


# ----------------------------------------------------------------------------- through the CLI
def test_a_few_mutants_through_the_cli(tmp_path):
    rng = random.Random(7)
    chosen = rng.sample(MUTANTS, 2) + [("regression-deep", "journeys/x.journey", REGRESSIONS[0][1])]
    files = []
    for mutant_id, path, text in chosen:
        target = tmp_path / f"{mutant_id}.journey"
        target.write_text(text, encoding="utf-8")
        files.append(target)
    for index, target in enumerate(files):
        command = ["check"] if index % 2 else ["lint", "--format", "json"]
        if True:
            result = subprocess.run([sys.executable, "-m", "journeylang.cli", *command, str(target)], cwd=ROOT,
                                    capture_output=True, text=True, timeout=120)
            output = result.stdout + result.stderr
            assert result.returncode in (0, 1), (target.name, output)
            assert "Traceback" not in output and "internal error" not in output, (target.name, output)
