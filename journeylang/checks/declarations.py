"""Declaration-level rules: messages, policies, journey headers and statements.

Consumes: `analysis.program` (all declarations, in source order).
Produces: E123 message without a channel, E121 unknown channel (message, `send`,
frequency cap), E122 message field not of its channel (hint: the valid fields), E120
`send CHANNEL m` whose channel differs from m's, E112 a clause given twice (segments,
messages, journeys, event patterns) or a journey header clause after a statement, E134
journey without entry, E135 timeout over 91d, E137 `set` target outside `profile`, E130
split percentages not adding up to 100.
Guarantees: each problem is reported once, at the most precise span available (the
channel name, the field name, the repeated clause, the duration, the `split` keyword
line); a message whose own channel is unknown produces no E120 at its sends.
"""
from __future__ import annotations

import re
from typing import Optional

from ..diagnostics.model import did_you_mean
from ..program.analysis import Analysis
from ..syntax import ast as A
from .common import CHANNELS, MAX_TIMEOUT_MS, backticked, iter_statements, kind_of

PERCENT_TOLERANCE = 1e-9
HEADER_CLAUSES = "`description`, `entry`, `reentry`, `timeout`, `dedup`, `exit on`"


def check_declarations(analysis: Analysis) -> None:
    for decl in analysis.program.declarations():
        if isinstance(decl, A.MessageDecl):
            _message(analysis, decl)
        elif isinstance(decl, A.PolicyDecl):
            for cap in decl.caps:
                _channel_name(analysis, cap.channel, "frequency cap")
        elif isinstance(decl, A.JourneyDecl):
            _journey(analysis, decl)
        if not isinstance(decl, A.PolicyDecl):
            _repeated_clauses(analysis, decl)
    for decl in analysis.program.declarations():
        for node in A.walk(decl):
            if isinstance(node, A.EventPattern):
                for span in node.repeated:
                    clause = _clause_word(analysis, span)
                    analysis.diagnostics.add("E112", f"`{clause}` is given twice in one event pattern", span,
                                             "each clause of an event pattern may appear at most once")


# ---------------------------------------------------------------- messages
def article(channel: str) -> str:
    """`an email`, `an sms`, `a push`: the article as the channel name is spoken."""
    return "an" if channel[:1] in "aeiou" or channel in ("sms",) else "a"


def _channel_name(analysis: Analysis, channel: A.Ident, where: str) -> bool:
    if channel.name in CHANNELS:
        return True
    analysis.diagnostics.add("E121", f"unknown channel `{channel.name}` in {where}", channel.span,
                             did_you_mean(channel.name, CHANNELS) or f"channels: {backticked(CHANNELS)}")
    return False


def _message(analysis: Analysis, message: A.MessageDecl) -> None:
    bag = analysis.diagnostics
    if message.channel is None:
        bag.add("E123", f"message `{message.name.name}` has no channel", message.name.span,
                f"add `channel NAME` (one of {backticked(CHANNELS)})")
        return
    if not _channel_name(analysis, message.channel, f"message `{message.name.name}`"):
        return
    channel = message.channel.name
    valid = CHANNELS[channel]
    for field in message.fields:
        if field.name.name not in valid:
            close = did_you_mean(field.name.name, valid)
            listing = f"{article(channel)} `{channel}` message takes {backticked(valid)}"
            bag.add("E122", f"`{field.name.name}` is not a field of {article(channel)} `{channel}` message",
                    field.name.span,
                    f"{close} {listing}" if close else listing)


# ---------------------------------------------------------------- repeated clauses
def _source_line(analysis: Analysis, span: A.Span) -> Optional[str]:
    source = analysis.program.source_of(span.file)
    if source is None:
        return None
    lines = source.text.split("\n")
    return lines[span.line - 1] if 1 <= span.line <= len(lines) else None


def _clause_word(analysis: Analysis, span: A.Span) -> str:
    """The keyword(s) a clause starts with (`timeout`, `exit on`, a field name), for messages."""
    line = _source_line(analysis, span)
    if line is None:
        return "clause"
    match = re.match(r"[A-Za-z_]+(\s+(on|by|hours|cap|audience|read)\b)?", line[span.column - 1:])
    if match is None:
        return "clause"
    return re.sub(r"\s+", " ", match.group(0))


def _repeated_clauses(analysis: Analysis, decl: A.Decl) -> None:
    kind = kind_of(decl)
    for span in getattr(decl, "repeated", ()):
        clause = _clause_word(analysis, span)
        analysis.diagnostics.add("E112", f"`{clause}` is given twice in {kind} `{decl.name.name}`", span,
                                 "keep one; each clause may be given at most once")
    for span in getattr(decl, "late_headers", ()):
        clause = _clause_word(analysis, span)
        analysis.diagnostics.add("E112", f"`{clause}` comes after a statement in journey `{decl.name.name}`",
                                 span, f"header clauses ({HEADER_CLAUSES}) go before the first statement")


# ---------------------------------------------------------------- journeys
def _journey(analysis: Analysis, journey: A.JourneyDecl) -> None:
    bag = analysis.diagnostics
    if journey.entry is None:
        bag.add("E134", f"journey `{journey.name.name}` has no entry", journey.name.span,
                "add `entry event TYPE`, `entry audience SEGMENT` or `entry read audience SEGMENT at TIME`")
    if journey.timeout is not None and journey.timeout.ms > MAX_TIMEOUT_MS:
        bag.add("E135", f"timeout `{journey.timeout.text}` is over the maximum of 91d", journey.timeout.span,
                "an instance can stay in a journey at most 91 days")
    for stmt in iter_statements(journey.body):
        if isinstance(stmt, A.Send):
            _send(analysis, stmt)
        elif isinstance(stmt, A.SetProfile):
            _set(analysis, stmt)
        elif isinstance(stmt, A.Split):
            _split(analysis, stmt)


def _send(analysis: Analysis, send: A.Send) -> None:
    if not _channel_name(analysis, send.channel, "`send`"):
        return
    message: Optional[A.MessageDecl] = analysis.program.messages.get(send.message.name)
    if message is None or message.channel is None or message.channel.name not in CHANNELS:
        return
    if message.channel.name != send.channel.name:
        analysis.diagnostics.add(
            "E120", f"`send {send.channel.name}` of message `{message.name.name}`, which is "
            f"{article(message.channel.name)} `{message.channel.name}` message", send.channel.span,
            f"write `send {message.channel.name} {message.name.name}`, or send {article(send.channel.name)} "
            f"`{send.channel.name}` message (`{message.name.name}` is declared at {message.name.span.at()})")


def _set(analysis: Analysis, stmt: A.SetProfile) -> None:
    dotted = ".".join((stmt.root, *stmt.path))
    span = stmt.span
    line = _source_line(analysis, span)
    match = re.match(r"set\s+", line[span.column - 1:]) if line is not None else None
    if match is not None:
        start = span.column + match.end()
        span = A.Span(file=span.file, line=span.line, column=start, end_line=span.line, end_column=start + len(dotted))
    if stmt.root != "profile":
        analysis.diagnostics.add("E137", f"`set {dotted}`: only profile attributes can be set", span,
                                 f"write `set profile.{dotted} = ...`")
    elif not stmt.path:
        analysis.diagnostics.add("E137", "`set profile` needs an attribute path", span,
                                 "write e.g. `set profile.loyalty.tier = \"gold\"`")


def _split(analysis: Analysis, split: A.Split) -> None:
    total = sum(branch.percent.value for branch in split.branches)
    if abs(total - 100.0) <= PERCENT_TOLERANCE:
        return
    shown = " + ".join(branch.percent.text for branch in split.branches)
    first, last = split.branches[0].percent.span, split.branches[-1].percent.span
    span = A.Span(file=split.span.file, line=split.span.line, column=split.span.column,
                  end_line=split.span.line, end_column=split.span.column + len("split"))
    if first.line == last.line:
        span = A.Span(file=first.file, line=first.line, column=first.column,
                      end_line=last.end_line, end_column=last.end_column)
    analysis.diagnostics.add("E130", f"split percentages add up to {total:g}%, not 100% ({shown})", span,
                             f"adjust the branches by {100 - total:+g}% so that they add up to 100%")

