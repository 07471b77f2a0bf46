"""Assemble the HTML report: one self-contained file from a replay's outputs and the program.

Consumes: a replay output folder (`inputs.read_outputs`) and the program's `Analysis`
(its compiled graphs and source texts; the caller guarantees it has no errors).
Produces: `build_data` (everything the page shows, as one JSON-ready dict), `render_html`
(the page: the jinja2 template with the stylesheet, the page script, the vendored dagre
and Chart.js bundles and the data inlined) and `write_html_report(out_dir, analysis,
path)`, which writes it and returns its size in bytes.
Guarantees: the page loads nothing at view time (no URL in any `src` or `href`; no
fonts but the system's); the same outputs and program give the same bytes (sorted JSON,
no clock, no random); `</` inside the data is escaped so a profile id cannot end the
script; bad input raises `ReportInputError` before anything is written.
"""
from __future__ import annotations

import json
import os
from importlib import resources

import jinja2
from markupsafe import Markup

from .. import __version__
from ..testing import why
from .charts import daily_activity, days_between, segment_membership, summary, time_range, time_to_send
from .flows import journey_flow
from .inputs import ReplayOutputs, ReportInputError, check_program, read_outputs

TIMELINE_LINES = 60
VENDOR = ("dagre.min.js", "chart.umd.min.js")


def _asset(*parts: str) -> str:
    return resources.files("journeylang.report").joinpath(*parts).read_text(encoding="utf-8")


def _profile_timeline(outputs: ReplayOutputs, profile: str, journey: str, graphs) -> str:
    """`journeylang why PROFILE --journey JOURNEY`'s text, over the profile's own records."""
    root, absorbed = why.merged_group(outputs.identities, profile)
    indices: list[int] = []
    for pid in {profile, *([root] if root else []), *absorbed}:
        indices.extend(outputs.by_profile.get(pid, ()))
    records = [outputs.trace[i] for i in sorted(indices) if outputs.trace[i]["journey"] == journey]
    text = why.render(records, profile, journey, graphs, outputs.identities)
    lines = text.split("\n")
    if len(lines) > TIMELINE_LINES:
        rest = len(lines) - TIMELINE_LINES
        lines = lines[:TIMELINE_LINES] + [f"  ... {rest} more lines: journeylang why {profile} "
                                          f"--journey {journey} --out OUT_DIR"]
    return "\n".join(lines)


def build_data(outputs: ReplayOutputs, analysis) -> dict:
    """Everything the page shows (see the module doc)."""
    graphs = analysis.graphs
    check_program(outputs, graphs)
    sources = {source.path: source.text for source in analysis.program.files}
    first, last = time_range(outputs)
    days = days_between(first, last) if first else []
    journeys = []
    for name in sorted(graphs):
        flow = journey_flow(name, graphs[name], sources, outputs)
        profiles = sorted({p for node in flow["nodes"] for p in node["examples"]})
        flow["timelines"] = {p: _profile_timeline(outputs, p, name, graphs) for p in profiles}
        flow["charts"] = {"daily": daily_activity(name, outputs, days),
                          "to_send": time_to_send(name, outputs, flow)}
        journeys.append(flow)
    return {"version": __version__, "folder": os.path.basename(os.path.abspath(outputs.folder)), "summary": summary(outputs),
            "journeys": journeys, "segments": segment_membership(outputs, first, last) if first else
            {"labels": [], "datasets": [], "bucket_minutes": 60}}


def _json_for_script(data: dict) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(data: dict) -> str:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(lambda name: _asset("templates", name)),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    template = env.get_template("report.html.j2")
    scripts = [_asset("vendor", name) for name in VENDOR]
    for text in scripts:
        if "</script" in text.lower():
            raise RuntimeError("a vendored script contains </script>")  # cannot happen with the shipped files
    return template.render(data=data, data_json=Markup(_json_for_script(data)),
                           style=Markup(_asset("static", "report.css")),
                           script=Markup(_asset("static", "report.js")),
                           vendor=[Markup(text) for text in scripts])


def write_html_report(out_dir: str, analysis, path: str | None = None) -> int:
    """Write the report of the replay outputs in `out_dir` (default `OUT_DIR/report.html`);
    return the bytes written. Raises `ReportInputError` for a folder that is not a replay
    output folder of this program."""
    outputs = read_outputs(out_dir)
    html = render_html(build_data(outputs, analysis)).encode("utf-8")
    path = path or os.path.join(out_dir, "report.html")
    try:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(html)
    except OSError as exc:
        raise ReportInputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(html)
