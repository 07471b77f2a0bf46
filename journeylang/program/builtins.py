"""The language's built-in vocabulary: channels, message fields, consent, functions.

Consumes: nothing. Produces: constant tables from LANGUAGE.md sections 2 and 4 that the
checks, the linter and the runtime all read (`CHANNELS`, `CONSENT_CHANNELS`,
`CONSENT_PATHS`, `FUNCTIONS`, `NAME_ARGUMENT_FUNCTIONS`).
Guarantees: one definition of each fact; tables are plain immutable data in a fixed order.
"""
from __future__ import annotations

from typing import Optional

# channel -> the message fields it takes (LANGUAGE.md section 4)
CHANNELS: dict[str, tuple[str, ...]] = {
    "email": ("subject", "body"),
    "sms": ("body",),
    "push": ("title", "body"),
    "inapp": ("title", "body"),
    "webhook": ("url", "body"),
    "ads": ("destination",),
}

# channels `consented(C)` knows (LANGUAGE.md section 2)
CONSENT_CHANNELS: tuple[str, ...] = ("email", "sms", "push", "ads")

# the XDM profile attribute `consented(C)` reads (its value `y` means consent)
CONSENT_PATHS: dict[str, tuple[str, ...]] = {
    "email": ("consents", "marketing", "email", "val"), "sms": ("consents", "marketing", "sms", "val"),
    "push": ("consents", "marketing", "push", "val"), "ads": ("consents", "share", "val")}

# function -> (fewest arguments, most arguments or None for "any number")
FUNCTIONS: dict[str, tuple[int, Optional[int]]] = {
    "exists": (1, 1),
    "len": (1, 1),
    "lower": (1, 1),
    "upper": (1, 1),
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "sum": (1, 1),
    "min": (1, 1),
    "max": (1, 1),
    "abs": (1, 1),
    "round": (1, 2),
    "coalesce": (1, None),
    "sha256": (1, 1),
    "consented": (1, 1),
    "in_segment": (1, 1),
}

# functions whose argument is a name of another kind (a channel, a segment), not a path
NAME_ARGUMENT_FUNCTIONS = ("consented", "in_segment")
