"""The one error a replay engine raises for a run that cannot complete.

Consumes/produces: nothing but the type. Guarantees: the message names what failed
(a partition and why, a busy output folder) in words fit for the command line.
"""


class EngineError(Exception):
    """A replay could not complete: the message says what and why."""


class DedupUnsettled(Exception):
    """Dedup answers across partitions did not settle within the round limit: the caller
    replays in one process instead (exact, and slower)."""
