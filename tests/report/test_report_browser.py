"""The demo report in a real headless browser (Debian's chromium, over the DevTools
protocol): it loads with no console error and no network request, every journey's graph
is drawn as SVG nodes carrying their counts, clicking a node shows example profiles with
their timelines, and the screenshots are not blank.

Skipped when no chromium is installed, unless JOURNEYLANG_REQUIRE_BROWSER=1 (set by
.ci/run), which makes a missing browser a failure. JOURNEYLANG_SCREENSHOTS=DIR keeps the
screenshots there (docs/report/ holds the ones the README shows).
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from cdp import Browser, find_chromium

CHROMIUM = find_chromium()
if CHROMIUM is None and os.environ.get("JOURNEYLANG_REQUIRE_BROWSER") != "1":
    pytest.skip("no chromium on this machine (apt-get install chromium); .ci/run requires it",
                allow_module_level=True)


@pytest.fixture(scope="module")
def page(demo):
    assert CHROMIUM, "JOURNEYLANG_REQUIRE_BROWSER=1 but no chromium is installed"
    browser = Browser(CHROMIUM, width=1400, height=1000)
    try:
        page = browser.new_page()
        page.goto(demo["html_path"].as_uri())
        page.wait_for("document.body.dataset.ready === '1'")
        yield page
    finally:
        browser.close()


def _not_blank(png: bytes) -> float:
    """The share of pixels that differ from the most common colour."""
    from PIL import Image
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 200))
    colours = image.getcolors(200 * 200)
    top = max(count for count, _ in colours)
    return 1 - top / (200 * 200), len(colours)


def test_loads_without_errors_or_requests(page, demo):
    page.drain()
    assert page.console_errors == []
    assert page.requests == [demo["html_path"].as_uri()]  # the report itself, nothing else


def test_every_graph_is_drawn_with_its_counts(page, demo):
    for journey in demo["data"]["journeys"]:
        drawn = page.evaluate(f"""Array.from(document.querySelectorAll('#flow-{journey["name"]} svg g.node'))
            .map(g => [g.getAttribute('data-node'), g.getAttribute('data-visits'), g.textContent,
                       g.getBoundingClientRect().width])""")
        expected = {n["id"]: n for n in journey["nodes"]}
        assert {row[0] for row in drawn} == set(expected), journey["name"]
        for node_id, visits, text, width in drawn:
            node = expected[node_id]
            assert int(visits) == node["visits"] == demo["report"]["journeys"][journey["name"]]["visits"].get(node_id, 0)
            assert width > 5
            if node["kind"] == "join":
                continue
            assert node["label"].split()[0] in text
            count = sum(node["exits"].values()) if node["kind"] == "exit" else node["visits"]
            assert str(count) in text, (journey["name"], node_id, text)
        edges = page.evaluate(f"document.querySelectorAll('#flow-{journey['name']} svg path.edge').length")
        assert edges == len(journey["edges"])
    cart = page.evaluate("document.querySelector('#flow-abandoned_cart g[data-node=\"n8\"]').textContent")
    assert "send email cart_reminder" in cart and "48 visits" in cart and "email sent 37" in cart


def test_clicking_a_node_shows_example_profiles(page, demo):
    journey = next(j for j in demo["data"]["journeys"] if j["name"] == "abandoned_cart")
    node = next(n for n in journey["nodes"] if n["label"] == "send email cart_reminder")
    page.evaluate(f"document.querySelector('#flow-abandoned_cart g[data-node=\"{node['id']}\"]')"
                  ".scrollIntoView({block: 'center'})")
    box = page.evaluate(f"""(() => {{ const r = document.querySelector('#flow-abandoned_cart g[data-node="{node['id']}"]')
        .getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()""")
    page.click(*box)  # a real mouse click at the node's centre
    shown = page.wait_for("""(() => { const p = document.getElementById('details-abandoned_cart');
        const b = Array.from(p.querySelectorAll('button.profile')).map(b => b.textContent);
        const t = p.querySelector('pre.timeline'); return b.length ? [b, t && t.textContent, p.textContent] : null; })()""")
    buttons, timeline, panel = shown
    assert buttons == node["examples"] and len(buttons) == 3
    assert timeline.startswith(f"{buttons[0]} in journey abandoned_cart") and "send email cart_reminder" in timeline
    assert "instances that reached it: 37" in panel
    second = page.evaluate("""(() => { const b = document.querySelectorAll('#details-abandoned_cart button.profile')[1];
        b.click(); return document.querySelector('#details-abandoned_cart pre.timeline').textContent; })()""")
    assert second.startswith(f"{buttons[1]} in journey abandoned_cart")
    page.drain()
    assert page.console_errors == []


def test_charts_are_drawn(page):
    drawn = page.evaluate("""Array.from(document.querySelectorAll('canvas[data-chart]'))
        .map(c => [c.id, c.width > 0 && !!Chart.getChart(c)])""")
    assert len(drawn) >= 8 and all(ok for _, ok in drawn), drawn


def test_screenshots_are_not_blank(page, demo):
    keep = os.environ.get("JOURNEYLANG_SCREENSHOTS")
    page.evaluate("document.querySelector('header').style.position = 'static'")  # no sticky bar mid-shot
    sections = [f"journey-{j['name']}" for j in demo["data"]["journeys"]] + ["summary", "segments"]
    for section in sections:
        rect = page.evaluate(f"""(() => {{ const r = document.getElementById('{section}')
            .getBoundingClientRect(); return {{x: r.x + window.scrollX, y: r.y + window.scrollY,
            width: r.width, height: r.height}}; }})()""")
        png = page.screenshot(rect)
        busy, colours = _not_blank(png)
        assert busy > 0.03 and colours > 20, (section, busy, colours)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            from PIL import Image  # a 256-colour copy: a third of the bytes, the same picture
            Image.open(io.BytesIO(png)).convert("RGB").quantize(256).save(Path(keep) / f"{section}.png", optimize=True)
