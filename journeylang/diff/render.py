"""Render the diff document: text for a terminal, Markdown for a pull-request comment,
JSON for programs.

Consumes: the document `compare.build` made. Produces: text. Guarantees: pure formatting
of the document (the same document gives the same bytes); text shows every pattern with
its examples and their first divergence; Markdown is compact — counts that changed,
patterns with one example each (the rest folded), the structural changes.
"""
from __future__ import annotations

import json


MD_PATTERNS = 8     # patterns listed per journey in Markdown
MD_EXAMPLES = 3     # of them, with their first example's divergence


def render_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _headline(doc: dict) -> str:
    if not doc["behavioural_difference"]:
        return "no behavioural difference"
    summary = doc["summary"]
    actions = summary["actions"]
    parts = [f"{plural(actions[k], 'action')} {k}" for k in ("added", "removed", "changed") if actions[k]]
    head = f"{profiles(summary['profiles_differing'])} behave" + ("s" if summary["profiles_differing"] == 1 else "") \
        + " differently"
    if summary["segments_differing"]:
        parts.append(f"memberships differ in {plural(summary['segments_differing'], 'segment')}")
    return head + (": " + ", ".join(parts) if parts else "")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def profiles(count: int) -> str:
    return plural(count, "profile")


def _log_line(doc: dict) -> str:
    records = doc["log"]["records"]
    until = f" until {doc['log']['until']}" if doc["log"]["until"] else ""
    return (f"{', '.join(doc['log']['events'])}{until}: {records['read']} records read, {records['processed']} "
            f"processed, {records['rejected']} rejected; {profiles(doc['log']['profiles'])}")


def _journey_status(journey: dict) -> str:
    status = {"unchanged": "source unchanged"}.get(journey["status"], journey["status"])
    if not journey["behaviour_changed"]:
        return status + ", no behavioural difference"
    return status if journey["status"] != "unchanged" else status + ", behaves differently"


def _count_rows(counts: dict, changed_only: bool) -> list[tuple[str, dict]]:
    rows = [("entries", counts["entries"])]
    for part, word in (("refusals", "refused"), ("exits", "exited"), ("actions", "")):
        for key, trio in counts[part].items():
            rows.append(((f"{word} {key}" if word else key), trio))
    if changed_only:
        rows = [row for row in rows if row[1]["change"]]
    return rows


def _change_line(change: dict) -> str:
    what = f"{change['channel']} {change['message']}"
    old, new = change["old"], change["new"]
    if change["kind"] == "added":
        return f"{what} at {new['time']}: only in new ({_status(new)})"
    if change["kind"] == "removed":
        return f"{what} at {old['time']}: only in old ({_status(old)})"
    parts = []
    if change["moved"]:
        parts.append(f"{old['time']} -> {new['time']} ({change['moved']})")
    else:
        parts.append(f"at {old['time']}")
    if change["status"]:
        parts.append(f"{change['status'][0]} -> {change['status'][1]}")
    if change["content_fields"]:
        parts.append("content: " + ", ".join(change["content_fields"]))
    return f"{what} " + "; ".join(parts)


def _status(view: dict) -> str:
    return f"{view['status']} ({view['reason']})" if view.get("reason") else view["status"]


def _divergence_lines(divergence, indent: str) -> list[str]:
    if divergence is None:
        return [f"{indent}same way through the journey (the difference is in the rendered content)"]
    lines = [f"{indent}first divergence at step {divergence['step']}:"]
    for side, label in (("common", "both"), ("old", "old "), ("new", "new ")):
        entries = divergence[side] or (["(no further step)"] if side != "common" else [])
        for number, text in enumerate(entries):
            lines.append(f"{indent}  {label if number == 0 else ' ' * len(label)}  {text}")
    return lines


def _structure_lines(journey: dict, indent: str, markdown: bool = False) -> list[str]:
    structure = journey["structure"]
    if journey["status"] in ("added", "removed"):
        return [f"{indent}{'+' if journey['status'] == 'added' else '-'} line {n['line']}: {n['text']}"
                for n in structure["nodes"]]
    lines = []
    for clause in structure["header"]:
        old = "; ".join(clause["removed"]) or "(none)"
        new = "; ".join(clause["added"]) or "(none)"
        if markdown:
            lines += [f"- {clause['clause']} {old}", f"+ {clause['clause']} {new}"]
        else:
            lines.append(f"{indent}~ {clause['clause']}: {old} -> {new}")
    for pair in structure["nodes"]["changed"]:
        before, after = ("- ", "+ ") if markdown else ("~ ", "  -> ")
        lines.append(f"{indent}{before}line {pair['old']['line']}: {pair['old']['text']}")
        lines.append(f"{indent}{after}line {pair['new']['line']}: {pair['new']['text']}")
    for node in structure["nodes"]["removed"]:
        lines.append(f"{indent}- line {node['line']}: {node['text']}")
    for node in structure["nodes"]["added"]:
        lines.append(f"{indent}+ line {node['line']}: {node['text']}")
    for sign, part in (("-", "removed"), ("+", "added")):
        for edge in structure["edges"][part]:
            lines.append(f"{indent}{sign} edge {edge['from']} --{edge['label']}--> {edge['to']}")
    return lines


def render_text(doc: dict) -> str:
    out = ["journeylang diff", f"  old  {doc['old']}", f"  new  {doc['new']}", f"  log  {_log_line(doc)}", "",
           _headline(doc)]
    for journey in doc["journeys"]:
        if journey["status"] == "unchanged" and not journey["behaviour_changed"]:
            continue
        out += ["", f"journey {journey['name']} ({_journey_status(journey)})"]
        rows = _count_rows(journey["counts"], changed_only=False)
        rows = [r for r in rows if r[1]["change"] or r[0] == "entries"]
        width = max(len(label) for label, _ in rows)
        out.append(f"  {'counts'.ljust(width + 2)}  {'old':>7}  {'new':>7}  {'change':>7}")
        for label, trio in rows:
            out.append(f"    {label.ljust(width)}  {trio['old']:>7}  {trio['new']:>7}  {trio['change']:>+7}")
        if journey["patterns"]:
            out.append(f"  {profiles(journey['profiles_differing'])} with differences:")
        for pattern in journey["patterns"]:
            actions = f" ({plural(pattern['actions'], 'action')})" if pattern["actions"] > pattern["profiles"] else ""
            out.append(f"  * {profiles(pattern['profiles'])}: {pattern['summary']}{actions}")
            for example in pattern["examples"]:
                out.append(f"      {example['profile']}")
                for change in example["changes"]:
                    if pattern["kind"] == "steps":   # the summary says it; JSON lists the steps
                        continue
                    out.append(f"        {_change_line(change)}")
                    out += [f"          {line}" for line in change.get("content_diff", [])]
                out += _divergence_lines(example.get("divergence"), "        ")
        structure = _structure_lines(journey, "    ")
        if structure:
            out += ["  structure"] + structure
    for segment in doc["segments"]:
        out += ["", f"segment {segment['name']} ({segment['status']})",
                f"  {'counts':<17}  {'old':>7}  {'new':>7}  {'change':>7}"]
        for label in ("entered", "exited", "members_at_end"):
            trio = segment[label]
            out.append(f"    {label.replace('_', ' '):<15}  {trio['old']:>7}  {trio['new']:>7}  {trio['change']:>+7}")
        for pattern in segment["patterns"]:
            out.append(f"  * {profiles(pattern['profiles'])}: {pattern['summary']}")
            for example in pattern["examples"]:
                out.append(f"      {example['profile']}: change {example['change']}: "
                           f"old {_membership(example['old'])}, new {_membership(example['new'])}")
    if doc["declarations"]:
        out += ["", "declarations"]
        for decl in doc["declarations"]:
            out.append(f"  {decl['kind']} {decl['name']} ({decl['status']})")
            out += [f"    {line}" for line in decl["diff"]]
    return "\n".join(out)


def _membership(change) -> str:
    return f"{change['change']} at {change['time']}" if change else "(none)"


def _md(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def render_markdown(doc: dict) -> str:
    out = [f"### journeylang diff: {_md(doc['old'])} → {_md(doc['new'])}", "",
           f"**{_headline(doc)}** over {_log_line(doc)}."]
    for journey in doc["journeys"]:
        if journey["status"] == "unchanged" and not journey["behaviour_changed"]:
            continue
        out += ["", f"#### journey {_md(journey['name'])} — {_journey_status(journey)}"]
        rows = _count_rows(journey["counts"], changed_only=True)
        if rows:
            out += ["", "| | old | new | change |", "| --- | ---: | ---: | ---: |"]
            out += [f"| {label} | {t['old']} | {t['new']} | {t['change']:+} |" for label, t in rows]
        patterns = journey["patterns"]
        if patterns:
            out.append("")
        for pattern in patterns[:MD_PATTERNS]:
            example = f" — e.g. {_md(pattern['examples'][0]['profile'])}" if pattern["examples"] else ""
            out.append(f"- **{profiles(pattern['profiles'])}**: {pattern['summary']}{example}")
        if len(patterns) > MD_PATTERNS:
            out.append(f"- and {len(patterns) - MD_PATTERNS} more patterns (`--format text` lists them all)")
        shown = [p for p in patterns[:MD_EXAMPLES] if p["examples"]]
        if shown:
            out += ["", "<details><summary>examples: where the versions first diverged</summary>", "", "```"]
            for number, pattern in enumerate(shown):
                example = pattern["examples"][0]
                out += ([""] if number else []) + [f"{example['profile']} ({pattern['summary']})"]
                for change in example["changes"][:3]:
                    if pattern["kind"] != "steps":
                        out.append("  " + _change_line(change))
                        out += [f"    {line}" for line in change.get("content_diff", [])]
                out += _divergence_lines(example.get("divergence"), "  ")
            out += ["```", "", "</details>"]
        structure = _structure_lines(journey, "", markdown=True)
        if structure:
            out += ["", "Structure:", "", "```diff", *structure, "```"]
    for segment in doc["segments"]:
        m = segment["members_at_end"]
        out += ["", f"#### segment {_md(segment['name'])} — {segment['status']}", "",
                f"members at the end {m['old']} → {m['new']} ({m['change']:+}); "
                f"entered {segment['entered']['old']} → {segment['entered']['new']}, "
                f"exited {segment['exited']['old']} → {segment['exited']['new']}"]
        if segment["patterns"]:
            out.append("")
        for pattern in segment["patterns"]:
            out.append(f"- **{profiles(pattern['profiles'])}**: {pattern['summary']}")
    if doc["declarations"]:
        out += ["", "#### declarations", ""]
        out += [f"- {decl['kind']} {_md(decl['name'])}: {decl['status']}" for decl in doc["declarations"]]
    return "\n".join(out)


__all__ = ["render_json", "render_markdown", "render_text"]
