"""The `config` command: the effective configuration and where each value came from.

Consumes: the paths whose configuration to show (or the current folder), `--config` /
`--no-config`. Produces: the configuration file found (or none), then every key with its
value and its origin (`default`, `FILE:LINE`); `--format json` as one document;
`--codes` lists every diagnostic code with its default severity and title.
Guarantees: a bad configuration file is a usage error (2) with its file, line and a
did-you-mean; nothing is written.
"""
from __future__ import annotations

import json

from .common import EXIT_OK, add_config, settings_for

EPILOG = """\
examples:
  journeylang config                 the configuration that governs the current folder
  journeylang config journeys/ --format json
  journeylang config --codes         every diagnostic code, its default severity and title

keys ([tool.journeylang] in pyproject.toml, or top level in journeylang.toml):
  select = ["ALL"]                   warning codes or prefixes to report
  ignore = ["W206"]                  codes or prefixes not to report (errors cannot be ignored)
  extend-select = ["W209"]           added to select (more specific selectors win)
  severity = { W201 = "error" }      per-code severity (a warning may become an error)
  per-path-ignores = { "journeys/legacy/*" = ["W206"] }
  strict = true                      the default of `lint --strict`
  paths = ["journeys"]               the program when a command is given no PATH"""


def register(commands) -> None:
    config = commands.add_parser("config", help="show the effective configuration and where each value came from",
                                 epilog=EPILOG,
                                 description="Show the configuration journeylang uses for these paths: the file "
                                             "found by walking up from them, then each key's value and origin.")
    config.set_defaults(run=cmd_config)
    config.add_argument("paths", nargs="*", metavar="PATH",
                        help="where to look for the configuration from (default: the current folder; e.g. journeys/)")
    config.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: one key per line; json: one document (e.g. --format json)")
    config.add_argument("--codes", action="store_true", help="list the diagnostic codes instead (e.g. config --codes)")
    add_config(config)


def cmd_config(args) -> int:
    from ..diagnostics.model import CODES
    if args.codes:
        if args.format == "json":
            print(json.dumps({code: {"severity": sev, "title": title} for code, (sev, title) in CODES.items()},
                             indent=2))
        else:
            for code, (severity, title) in CODES.items():
                print(f"{code}  {severity:<7}  {title}")
        return EXIT_OK
    settings = settings_for(args, args.paths)
    values = settings.values()
    if args.format == "json":
        document = {"file": settings.file, "root": settings.root,
                    "settings": {key: {"value": value, "from": settings.origin(key)} for key, value in values.items()}}
        print(json.dumps(document, indent=2))
        return EXIT_OK
    print(f"configuration file: {settings.file or 'none (built-in defaults)'}")
    width = max(len(key) for key in values)
    for key, value in values.items():
        shown = json.dumps(value)
        print(f"  {key.ljust(width)} = {shown:<30}  # from {settings.origin(key)}")
    return EXIT_OK
