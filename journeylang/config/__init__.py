"""Project configuration: `[tool.journeylang]` in `pyproject.toml` or a `journeylang.toml`,
found by walking up from the paths on the command line (`discover.py`), validated into a
`Settings` record that remembers where every value came from (`settings.py`), and applied
to a program's diagnostics (`select.py`: select / ignore / extend-select, severity
overrides, per-path ignores).

Floor 1: reads only `diagnostics`. Never prints or exits: problems are `ConfigError`s
(one-line messages with the file and line) that the CLI turns into exit code 2.
"""
from .discover import find_config
from .select import apply_config
from .settings import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "Settings", "apply_config", "find_config", "load_settings"]
