"""The one error the Spark engine raises: the job could not give outputs (a program with
errors, logs that cannot be read, Spark or Java missing, a failed stage, a bad manifest).
Its text is one line, meant for the user, without a traceback."""
from __future__ import annotations

from ..runtime.engines.errors import EngineError


class SparkReplayError(EngineError):
    pass
