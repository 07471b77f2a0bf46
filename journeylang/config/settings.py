"""The effective configuration: defaults, then the configuration file, then flags.

Consumes: a `journeylang.toml` (keys at the top level) or a `pyproject.toml` (keys under
`[tool.journeylang]`), and the command's flags. Produces: `Settings` — the code
selection (`select`, `ignore`, `extend-select`), per-code `severity` overrides,
`per-path-ignores`, the default `strict` and the default program `paths` — with, for each
key, where its value came from (`default`, `FILE:LINE`, or the flag).
Guarantees: an unknown key, an unknown code or a value of the wrong type is a
`ConfigError` naming the file and line, with a did-you-mean where one is close; errors
(E codes) can be neither ignored nor made warnings (a broken program must not replay);
paths in the file are taken relative to the file's folder.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from typing import Optional

from ..diagnostics.model import CODES, did_you_mean

KEYS = ("select", "ignore", "extend-select", "severity", "per-path-ignores", "strict", "paths")
SEVERITIES = ("error", "warning")


class ConfigError(Exception):
    """A configuration problem: `str()` is one line with the file and line number."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()            # (code, severity), sorted
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()   # (glob, codes), in file order
    strict: bool = False
    paths: tuple[str, ...] = ()
    file: Optional[str] = None          # the configuration file, None when there is none
    root: str = field(default_factory=lambda: os.path.abspath("."))   # per-path globs are relative to it
    origins: tuple[tuple[str, str], ...] = ()             # key -> where its value came from

    def origin(self, key: str) -> str:
        return dict(self.origins).get(key, "default")

    def values(self) -> dict:
        """Key -> value, in TOML spelling, for `journeylang config`."""
        return {"select": list(self.select), "ignore": list(self.ignore), "extend-select": list(self.extend_select),
                "severity": dict(self.severity),
                "per-path-ignores": {glob: list(codes) for glob, codes in self.per_path_ignores},
                "strict": self.strict, "paths": list(self.paths)}

    def with_flags(self, *, select=None, ignore=None, extend_select=None, strict=None) -> "Settings":
        """Flags over the file: `--select` replaces the selection, `--ignore` and
        `--extend-select` add to the file's lists, `--strict` sets strict."""
        origins = dict(self.origins)
        changes: dict = {}
        if select is not None:
            changes["select"] = tuple(_codes(select, "--select", None))
            origins["select"] = "--select"
        if ignore is not None:
            changes["ignore"] = self.ignore + tuple(_codes(ignore, "--ignore", None, ignoring=True))
            origins["ignore"] = "--ignore" if not self.ignore else origins.get("ignore", "default") + " + --ignore"
        if extend_select is not None:
            changes["extend_select"] = self.extend_select + tuple(_codes(extend_select, "--extend-select", None))
            origins["extend-select"] = "--extend-select" if not self.extend_select else \
                origins.get("extend-select", "default") + " + --extend-select"
        if strict is not None:
            changes["strict"] = strict
            origins["strict"] = "--strict" if strict else "--no-strict"
        return replace(self, origins=tuple(sorted(origins.items())), **changes)


def split_codes(text: str) -> list[str]:
    """`--ignore W201,W206` (or spaces) -> the codes."""
    return [part for part in re.split(r"[,\s]+", text) if part]


def _valid_selector(selector: str) -> bool:
    return selector == "ALL" or any(code.startswith(selector) for code in CODES) and bool(
        re.fullmatch(r"[EW][0-9]{0,3}", selector))


def _codes(value, where: str, line: Optional[str], ignoring: bool = False) -> list[str]:
    if isinstance(value, str):
        value = split_codes(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{line or where}: `{where}` is a list of codes (e.g. [\"W201\", \"W2\"])")
    for selector in value:
        if not _valid_selector(selector):
            hint = did_you_mean(selector, list(CODES) + ["ALL"])
            raise ConfigError(f"{line or where}: `{where}`: unknown code `{selector}`" + (f"; {hint}" if hint else "")
                              + " (codes are listed by `journeylang config --codes`)")
        if ignoring and selector != "ALL" and selector.startswith("E"):
            raise ConfigError(f"{line or where}: `{where}`: `{selector}` is an error code; errors cannot be ignored")
    return list(value)


def _line_of(text: str, key: str, table_start: int) -> int:
    """The line where `key` is set (after the table's header), else the header's line."""
    pattern = re.compile(r'^[ \t]*(?:"' + re.escape(key) + r'"|' + re.escape(key) + r')[ \t]*[=.]', re.MULTILINE)
    match = pattern.search(text, table_start) or pattern.search(text)
    if match:
        return text.count("\n", 0, match.start()) + 1
    header = re.compile(r"^\s*\[(?:tool\.journeylang\.)?" + re.escape(key) + r"\]", re.MULTILINE).search(text)
    return text.count("\n", 0, header.start()) + 1 if header else text.count("\n", 0, table_start) + 1


def load_settings(path: Optional[str]) -> Settings:
    """The settings of configuration file `path` (None: the defaults)."""
    if path is None:
        return Settings()
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        text = raw.decode("utf-8")
        document = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    if os.path.basename(path) == "pyproject.toml":
        table = document.get("tool", {}).get("journeylang", {})
        header = re.search(r"^\s*\[\s*tool\s*\.\s*journeylang", text, re.MULTILINE)
        start, where = (header.start() if header else 0), "[tool.journeylang]"
    else:
        table, start, where = document, 0, shown
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.journeylang] is a table")
    folder = os.path.dirname(os.path.abspath(path))
    origins: dict[str, str] = {}
    values: dict = {}
    for key, value in table.items():
        line = f"{shown}:{_line_of(text, key, start)}"
        if key not in KEYS:
            hint = did_you_mean(key, KEYS)
            raise ConfigError(f"{line}: unknown key `{key}` in {where}" + (f"; {hint}" if hint else "")
                              + f" (known: {', '.join(KEYS)})")
        origins[key] = line
        if key in ("select", "extend-select"):
            values[key.replace("-", "_")] = tuple(_codes(value, key, line))
        elif key == "ignore":
            values["ignore"] = tuple(_codes(value, key, line, ignoring=True))
        elif key == "severity":
            values["severity"] = _severity(value, line)
        elif key == "per-path-ignores":
            values["per_path_ignores"] = _per_path(value, line)
        elif key == "strict":
            if not isinstance(value, bool):
                raise ConfigError(f"{line}: `strict` is true or false")
            values["strict"] = value
        elif key == "paths":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
                raise ConfigError(f"{line}: `paths` is a list of program files or folders")
            values["paths"] = tuple(os.path.relpath(os.path.join(folder, v)) for v in value)
    return Settings(file=path, root=folder, origins=tuple(sorted(origins.items())), **values)


def _severity(value, line: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{line}: `severity` is a table of code = \"error\" or \"warning\"")
    result = []
    for code, level in value.items():
        if code not in CODES:
            hint = did_you_mean(code, CODES)
            raise ConfigError(f"{line}: `severity`: unknown code `{code}`" + (f"; {hint}" if hint else ""))
        if level not in SEVERITIES:
            hint = did_you_mean(str(level), SEVERITIES)
            raise ConfigError(f"{line}: `severity.{code}` is \"error\" or \"warning\", not {level!r}"
                              + (f"; {hint}" if hint else ""))
        if code.startswith("E") and level != "error":
            raise ConfigError(f"{line}: `severity.{code}`: errors cannot be made warnings")
        result.append((code, level))
    return tuple(sorted(result))


def _per_path(value, line: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{line}: `per-path-ignores` is a table of \"GLOB\" = [codes]")
    return tuple((glob, tuple(_codes(codes, f"per-path-ignores.\"{glob}\"", line, ignoring=True)))
                 for glob, codes in value.items())
