"""The canonical formatting of a `.journey` file (`journeylang fmt`).

Consumes: a parsed `SourceFile` (declarations, comments and the source text).
Produces: `format_source(source) -> str`, the canonical text: 2-space indentation, one
blank line between declarations, header clauses in canonical order, one statement /
condition / field / policy item per line, `{` on the statement line, expressions with the
fewest parentheses (see `format_expr`).
Guarantees: the result re-parses to the same tree (spans aside), formatting it again
changes nothing, and every comment of the source appears exactly once. A comment is
attached to the construct that follows it (printed above it), or, when it ends a line of
code, kept at the end of that construct's line; comments before a closing `}` stay at the
end of that block; comments inside a multi-line expression move above the statement.
Files that did not parse are never formatted (the caller reports the syntax error).
"""
from __future__ import annotations

import re
from typing import Optional

from ..syntax import ast as A
from .expr import CLAUSE_F, KEYWORDS, NONE, escape_string, fmt, pattern_clauses, render
from .layout import INDENT, CommentPlacement, Pos, _Block, _end, _Item, _start, _string_lines, _Tokens

MAX_WIDTH = 100      # a statement-level event pattern longer than this is split over lines
CONTINUATION = "    "  # indentation of a pattern's continuation lines, relative to the statement

# words that can continue an expression: a segment condition starting with a bare name
# spelled like one of them is parenthesised
_CONTINUING_WORDS = frozenset({"and", "or", "in", "as", "from", "where", "within", "between", "before", "after",
                               "of", "description", "evaluation"})


def format_source(source: A.SourceFile) -> str:
    """The canonical text of a parsed file."""
    return _Formatter(source).run()


class _Formatter(CommentPlacement):
    def __init__(self, source: A.SourceFile) -> None:
        self.source = source
        self.tok = _Tokens(source.text)
        self.lines = source.text.split("\n")

    # -- entry point
    def run(self) -> str:
        root = _Block(open=None, close=None)
        for decl in self.source.decls:
            item = self.decl(decl)
            item.blank_before = bool(root.items)
            root.items.append(item)
        for comment in self.source.comments:
            self.place(root, comment)
        out: list[str] = []
        self.emit_block(root, 0, out, top=True)
        text = "\n".join(out)
        return text + "\n" if text else ""

    # -- positions of keywords the tree does not keep
    def keyword(self, open_pos: Pos, close_pos: Pos, word: str, exclude: list[tuple[Pos, Pos]]) -> Optional[int]:
        """The last `word` token directly inside the block (not nested, not inside `exclude`)."""
        found = None
        for i in self.tok.top_level(open_pos, close_pos):
            if self.tok.texts[i] == word:
                pos = self.tok.starts[i]
                if not any(a <= pos < b for a, b in exclude):
                    found = i
        return found

    def keyword_item(self, index: Optional[int], headers: list[list[str]], trail: Optional[list[int]] = None,
                     printed: bool = True) -> _Item:
        if index is None:  # not found: attach at the block start (cannot happen for parsed text)
            pos = (0, 0)
            return _Item(pos, pos, headers, trail=trail or [], printed=printed)
        end_index = min(index + 1, len(self.tok.ends) - 1)
        return _Item(self.tok.starts[index], self.tok.ends[end_index], headers, trail=trail or [], printed=printed)

    # -- declarations
    def decl(self, decl) -> _Item:
        if isinstance(decl, A.SegmentDecl):
            return self.segment(decl)
        if isinstance(decl, A.JourneyDecl):
            return self.journey(decl)
        if isinstance(decl, A.MessageDecl):
            return self.message(decl)
        if isinstance(decl, A.LookupDecl):
            key = decl.key if re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", decl.key) and decl.key not in KEYWORDS \
                else escape_string(decl.key)
            text = f"lookup {decl.name.name} from {escape_string(decl.path)} key {key}"
            return _Item(_start(decl.span), _end(decl.span), [[text]])
        if isinstance(decl, A.PolicyDecl):
            return self.policy(decl)
        raise TypeError(f"cannot format {type(decl).__name__}")

    def braced(self, decl, head: str, after: Pos, items: list[_Item]) -> _Item:
        open_pos, close_pos = self.tok.brace_after(after)
        block = _Block(open_pos, close_pos, items)
        return _Item(_start(decl.span), _end(decl.span), [[head + " {"], ["}"]], [block])

    def segment(self, seg: A.SegmentDecl) -> _Item:
        open_pos, close_pos = self.tok.brace_after(_end(seg.name.span))
        exclude = [(_start(c.span), _end(c.span)) for c in seg.conditions]
        items: list[_Item] = []
        if seg.description is not None:
            lines, last = _string_lines("description", seg.description)
            items.append(self.keyword_item(self.keyword(open_pos, close_pos, "description", exclude), [lines], [last]))
        where = self.keyword(open_pos, close_pos, "evaluation", exclude)
        if seg.evaluation == "batch" or where is not None:
            items.append(self.keyword_item(where, [[f"evaluation {seg.evaluation}"]],
                                           printed=seg.evaluation == "batch"))
        texts = self.conditions(seg.conditions)
        for cond, text in zip(seg.conditions, texts):
            lines = [text]
            if len(INDENT + text) > MAX_WIDTH and isinstance(cond, A.HistoryPred) and cond.kind in ("has", "no") \
                    and not text.startswith("("):
                head = cond.kind + (f" {cond.quantifier}" if cond.quantifier else "")
                lines = self.pattern_lines(head, cond.pattern, 1)
            items.append(_Item(*self.tok.unparen(_start(cond.span), _end(cond.span)), [lines]))
        return self.braced(seg, f"segment {seg.name.name}", _end(seg.name.span), items)

    def conditions(self, conditions) -> list[str]:
        """Segment conditions, one per line: parenthesise any that would merge with its
        neighbour when read back (conditions are juxtaposed, not separated)."""
        outs = [render(c) for c in conditions]
        texts = [o.text for o in outs]
        wrapped = [False] * len(outs)

        def wrap(i: int) -> None:
            if not wrapped[i]:
                texts[i] = f"({texts[i]})"
                wrapped[i] = True

        for i, text in enumerate(texts):
            first = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text)
            if i > 0 and (text[:1] in "-[" or (first and first.group() in _CONTINUING_WORDS)):
                wrap(i)  # a leading `-` or `[` would continue the previous condition
            elif i == 0 and first and first.group() in ("description", "evaluation"):
                wrap(i)
        for i in range(len(texts) - 2, -1, -1):
            nxt = texts[i + 1]
            starts_paren = nxt.startswith("(")
            starts_not = re.match(r"not(?![A-Za-z0-9_])", nxt) is not None
            if wrapped[i]:
                continue
            if (starts_paren and outs[i].ends_name) or (outs[i].ends_where and (starts_paren or starts_not)):
                wrap(i)
        return texts

    def message(self, msg: A.MessageDecl) -> _Item:
        open_pos, close_pos = self.tok.brace_after(_end(msg.name.span))
        items: list[_Item] = []
        if msg.channel is not None:
            items.append(_Item(self.tok.start_before(_start(msg.channel.span)), _end(msg.channel.span),
                               [[f"channel {msg.channel.name}"]]))
        if msg.transactional:
            exclude = [(_start(f.span), _end(f.span)) for f in msg.fields]
            index = self.keyword(open_pos, close_pos, "transactional", exclude)
            item = self.keyword_item(index, [["transactional"]])
            if index is not None:
                item.end = self.tok.ends[index]
            items.append(item)
        for f in msg.fields:
            if f.is_file:
                lines, last = [f"{f.name.name} file {escape_string(f.value)}"], 0
            else:
                lines, last = _string_lines(f.name.name, f.value)
            items.append(_Item(_start(f.span), _end(f.span), [lines], trail=[last]))
        return self.braced(msg, f"message {msg.name.name}", _end(msg.name.span), items)

    def policy(self, pol: A.PolicyDecl) -> _Item:
        items: list[_Item] = []
        for cap in pol.caps:
            text = f"frequency cap {cap.channel.name} {cap.count} per {cap.per.text}"
            items.append(_Item(_start(cap.span), _end(cap.span), [[text]]))
        q = pol.quiet_hours
        if q is not None:
            text = f"quiet hours {q.start.text} to {q.end.text}"
            if q.zone is not None:
                text += f" in {fmt(q.zone)}"
                if q.default_zone is not None:
                    text += f" default {escape_string(q.default_zone)}"
            items.append(_Item(_start(q.span), _end(q.span), [[text]]))
        return self.braced(pol, "policy", _start(pol.span), items)

    # -- journeys
    def journey(self, j: A.JourneyDecl) -> _Item:
        open_pos, close_pos = self.tok.brace_after(_end(j.name.span))
        headers: list[_Item] = []
        spanned = [x for x in (j.entry, j.reentry, j.dedup, *j.exits, *j.body) if x is not None]
        exclude = [(_start(x.span), _end(x.span)) for x in spanned]
        if j.timeout is not None:
            exclude.append((_start(j.timeout.span), _end(j.timeout.span)))
        if j.description is not None:
            lines, last = _string_lines("description", j.description)
            index = self.keyword(open_pos, close_pos, "description", exclude)
            headers.append(self.keyword_item(index, [lines], [last]))
        if j.entry is not None:
            headers.append(self.entry(j.entry))
        if j.reentry is not None:
            r = j.reentry
            text = f"reentry after {r.after.text}" if r.mode == "after" and r.after is not None else f"reentry {r.mode}"
            headers.append(_Item(_start(r.span), _end(r.span), [[text]]))
        if j.timeout is not None:
            headers.append(_Item(self.tok.start_before(_start(j.timeout.span)), _end(j.timeout.span),
                                 [[f"timeout {j.timeout.text}"]]))
        if j.dedup is not None:
            d = j.dedup
            key = fmt(d.key, CLAUSE_F if d.within is not None else NONE)
            text = f"dedup by {key}" + (f" within {d.within.text}" if d.within is not None else "")
            headers.append(_Item(_start(d.span), _end(d.span), [[text]]))
        for x in j.exits:
            lines = self.pattern_lines("exit on", x.pattern, 1,
                                       f" {escape_string(x.reason)}" if x.reason is not None else "")
            headers.append(_Item(_start(x.span), _end(x.span), [lines]))
        body = [self.statement(s, 1) for s in j.body]
        if headers and body:
            body[0].blank_before = True
        return self.braced(j, f"journey {j.name.name}", _end(j.name.span), headers + body)

    def entry(self, e) -> _Item:
        if isinstance(e, A.EventEntry):
            lines = self.pattern_lines("entry", e.pattern, 1)
        elif isinstance(e, A.AudienceEntry):
            lines = [f"entry audience {e.segment.name}"]
        else:
            text = f"entry read audience {e.segment.name} at {e.at.text}"
            if e.every is not None:
                text += f" every {e.every.text}"
            lines = [text]
        return _Item(_start(e.span), _end(e.span), [lines])

    def pattern_lines(self, prefix: str, p: A.EventPattern, depth: int, suffix: str = "") -> list[str]:
        """`prefix event ...suffix` on one line, or split before `where` and the window when
        it is too long."""
        head, where, windows, _edge = pattern_clauses(p)
        one = " ".join([prefix, head, *where, *windows]) + suffix
        if len(INDENT * depth + one) <= MAX_WIDTH or not (where or windows):
            return [one]
        lines = [f"{prefix} {head}"] + [CONTINUATION + c for c in where + windows]
        lines[-1] += suffix
        return lines

    # -- statements
    def statement(self, s, depth: int) -> _Item:
        start, end = _start(s.span), _end(s.span)
        if isinstance(s, A.Wait):
            return _Item(start, end, [[f"wait {s.duration.text}"]])
        if isinstance(s, A.WaitUntil):
            when = fmt(s.when)
            if re.match(r"next(?![A-Za-z0-9_])", when):
                when = f"({when})"
            return _Item(start, end, [[f"wait until {when}"]])
        if isinstance(s, A.WaitUntilNext):
            text = f"wait until next {s.clock.text}" + (f" in {fmt(s.zone)}" if s.zone is not None else "")
            return _Item(start, end, [[text]])
        if isinstance(s, A.WaitForEvent):
            return self.wait_for(s, depth)
        if isinstance(s, A.If):
            return self.if_stmt(s, depth)
        if isinstance(s, A.Split):
            return self.split(s, depth)
        if isinstance(s, A.Enrich):
            return _Item(start, end, [[f"enrich {s.name.name} = lookup {s.table.name} by {fmt(s.key)}"]])
        if isinstance(s, A.Send):
            text = f"send {s.channel.name} {s.message.name}"
            if s.to is not None:
                text += f" to {fmt(s.to, CLAUSE_F if s.alias is not None else NONE)}"
            if s.alias is not None:
                text += f" as {s.alias.name}"
            return _Item(start, end, [[text]])
        if isinstance(s, A.AudienceAction):
            text = f"add to audience {s.audience.name}" if s.op == "add" else f"remove from audience {s.audience.name}"
            return _Item(start, end, [[text]])
        if isinstance(s, A.SetProfile):
            path = ".".join((s.root, *s.path))
            return _Item(start, end, [[f"set {path} = {fmt(s.value)}"]])
        if isinstance(s, A.Exit):
            return _Item(start, end, [["exit" + (f" {escape_string(s.reason)}" if s.reason is not None else "")]])
        if isinstance(s, A.Jump):
            return _Item(start, end, [[f"jump to journey {s.journey.name}"]])
        raise TypeError(f"cannot format {type(s).__name__}")

    def body(self, stmts, open_pos: Pos, close_pos: Pos, depth: int) -> _Block:
        return _Block(open_pos, close_pos, [self.statement(s, depth) for s in stmts])

    def if_stmt(self, s: A.If, depth: int) -> _Item:
        headers: list[list[str]] = []
        blocks: list[_Block] = []
        for i, branch in enumerate(s.branches):
            open_pos, close_pos = self.tok.brace_after(_end(branch.condition.span))
            cond = fmt(branch.condition)
            headers.append([f"if {cond} {{" if i == 0 else f"}} elif {cond} {{"])
            blocks.append(self.body(branch.body, open_pos, close_pos, depth + 1))
        if s.else_body is not None:
            after = blocks[-1].close or _start(s.span)
            open_pos, close_pos = self.tok.brace_after((after[0], after[1] + 1))
            headers.append(["} else {"])
            blocks.append(self.body(s.else_body, open_pos, close_pos, depth + 1))
        headers.append(["}"])
        return _Item(_start(s.span), _end(s.span), headers, blocks)

    def wait_for(self, s: A.WaitForEvent, depth: int) -> _Item:
        start, end = _start(s.span), _end(s.span)
        handlers: list[_Item] = []
        if s.end_span is not None:
            h_open, h_close = _start(s.end_span), (s.end_span.end_line, s.end_span.end_column - 1)
        else:
            h_open = h_close = end
        for kind, stmts in (("event", s.on_event), ("timeout", s.on_timeout)):
            if stmts is None:
                continue
            index = self.handler_keyword(h_open, h_close, kind)
            on_start = self.tok.starts[index] if index is not None else h_open
            open_pos, close_pos = self.tok.brace_after(self.tok.ends[index + 1] if index is not None else h_open)
            block = self.body(stmts, open_pos, close_pos, depth + 2)
            handlers.append(_Item(on_start, (close_pos[0], close_pos[1] + 1), [[f"on {kind} {{"], ["}"]], [block]))
        lines = self.pattern_lines("wait for", s.pattern, depth)
        if s.end_span is None:
            return _Item(start, end, [lines])
        item = _Item(start, end, [lines[:-1] + [lines[-1] + " {"], ["}"]], [_Block(h_open, h_close, handlers)])
        item.alt = lines  # `{ }` without handlers or comments is dropped
        return item

    def handler_keyword(self, h_open: Pos, h_close: Pos, kind: str) -> Optional[int]:
        """The `on` token of the `on event` / `on timeout` handler directly inside the block."""
        texts = self.tok.texts
        for i in self.tok.top_level(h_open, h_close):
            if texts[i] == "on" and i + 1 < len(texts) and texts[i + 1] == kind:
                return i
        return None

    def split(self, s: A.Split, depth: int) -> _Item:
        after = _end(s.by.span) if s.by is not None else _start(s.span)
        open_pos, close_pos = self.tok.brace_after(after)
        branches: list[_Item] = []
        for b in s.branches:
            label_end = _end(b.label.span) if b.label is not None else _end(b.percent.span)
            b_open, b_close = self.tok.brace_after(label_end)
            head = f"{b.percent.text}" + (f" as {b.label.name}" if b.label is not None else "") + " {"
            block = self.body(b.body, b_open, b_close, depth + 2)
            branches.append(_Item(_start(b.span), _end(b.span), [[head], ["}"]], [block]))
        head = "split" + (f" by {fmt(s.by)}" if s.by is not None else "") + " {"
        return _Item(_start(s.span), _end(s.span), [[head], ["}"]], [_Block(open_pos, close_pos, branches)])
