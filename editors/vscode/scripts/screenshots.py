"""Drive a running code-server (VS Code in the browser) with headless Chromium and take the
screenshots of docs/editors.md.

Consumes: the URL of a code-server whose user settings point `journeylang.server.path` at a
journeylang executable and that has the journeylang extension installed; a workspace folder
holding a *scratch copy* of journeys/ (this script edits abandoned_cart.journey in the editor,
unsaved). Produces: the raw window screenshots in --raw and the cropped PNGs of the docs in
--out (hover.png, diagnostic.png, completion.png). Guarantees: every screenshot is taken only
after the editor shows what it is meant to show (the server's hover text, the E102 squiggle
and its quick fix, the email messages in the completion list); otherwise the script stops
with an error and writes nothing to --out.

Run by scripts/screenshots.sh (a manual step, never by `make test`).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

from PIL import Image
from playwright.sync_api import Page, sync_playwright

FILE = "abandoned_cart.journey"
SEND_LINE = "    send email cart_reminder"
# the part of the 1400x860 window that the docs show: the editor and panel, not the explorer
CROP = (352, 0, 1400, 700)


def wait_text(page: Page, selector: str, text: str, timeout_s: float = 20.0) -> None:
    """Wait until a visible element matching selector contains text."""
    locator = page.locator(selector).filter(has_text=text)
    try:
        locator.first.wait_for(state="visible", timeout=timeout_s * 1000)
    except Exception as error:  # playwright's TimeoutError: say what did not appear
        raise SystemExit(f"screenshots: {text!r} did not appear in {selector} ({error})")


def goto(page: Page, line: int, column: int) -> None:
    """Move the cursor with Go to Line (Ctrl+G accepts LINE:COLUMN)."""
    page.keyboard.press("Control+g")
    time.sleep(0.5)
    page.keyboard.type(f"{line}:{column}")
    page.keyboard.press("Enter")
    time.sleep(0.5)


def show_hover(page: Page) -> None:
    page.keyboard.press("Control+k")
    page.keyboard.press("Control+i")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="code-server URL, e.g. http://127.0.0.1:8137")
    parser.add_argument("--workspace", required=True, type=pathlib.Path)
    parser.add_argument("--raw", required=True, type=pathlib.Path, help="folder for raw shots")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="folder for the docs' PNGs")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    source = (args.workspace / "journeys" / FILE).read_text(encoding="utf-8").splitlines()
    line = source.index(SEND_LINE) + 1
    name_col = SEND_LINE.index("cart_reminder") + 1
    args.raw.mkdir(parents=True, exist_ok=True)
    raw: dict[str, pathlib.Path] = {}

    def shot(page: Page, name: str) -> None:
        raw[name] = args.raw / f"{name}.png"
        page.screenshot(path=str(raw[name]))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(f"{args.url}/?folder={args.workspace}", wait_until="domcontentloaded")
        page.wait_for_selector(".monaco-workbench", timeout=60_000)
        time.sleep(5)
        page.keyboard.press("Control+p")
        time.sleep(1)
        page.keyboard.type(FILE)
        time.sleep(1.5)
        page.keyboard.press("Enter")
        wait_text(page, ".monaco-editor .view-line", "journey abandoned_cart")
        # the status bar names the language mode the extension contributes
        wait_text(page, ".statusbar", "journeylang")

        # 1. highlighting and the server's hover on a message name
        goto(page, line, name_col + 2)
        for _ in range(10):  # the server may still be starting: ask again until it answers
            show_hover(page)
            try:
                wait_text(page, ".monaco-hover", "message cart_reminder", timeout_s=3)
                break
            except SystemExit:
                page.keyboard.press("Escape")
        wait_text(page, ".monaco-hover", "declared at")
        time.sleep(1)
        shot(page, "hover")
        page.keyboard.press("Escape")

        # 2. an undefined message name (typed, unsaved): E102 and its did-you-mean quick fix
        goto(page, line, name_col + len("cart_reminder") - 1)  # before the final "r"
        page.keyboard.press("Backspace")  # cart_reminder -> cart_remindr
        page.wait_for_selector(".monaco-editor .squiggly-error", timeout=20_000)
        page.keyboard.press("Control+Shift+m")  # the Problems panel
        wait_text(page, ".markers-panel", "E102")
        wait_text(page, ".markers-panel", "W206")
        goto(page, line, name_col + 2)
        page.keyboard.press("Control+.")
        wait_text(page, ".action-widget", "cart_reminder")
        time.sleep(1)
        shot(page, "diagnostic")
        page.keyboard.press("Enter")  # apply the fix: the problems clear
        wait_text(page, ".markers-panel", "No problems have been detected")

        # 3. completion after `send email `: the email messages of the program
        page.keyboard.press("Control+j")  # close the panel
        goto(page, line, 200)
        page.keyboard.press("End")
        page.keyboard.press("Enter")
        page.keyboard.type("send email ", delay=60)
        time.sleep(0.5)
        page.keyboard.press("Control+Space")
        wait_text(page, ".suggest-widget", "order_confirmation")
        time.sleep(1.5)
        shot(page, "completion")
        page.keyboard.press("Escape")
        browser.close()

    args.out.mkdir(parents=True, exist_ok=True)
    for name, path in raw.items():
        image = Image.open(path).convert("RGB").crop(CROP)
        # 256 colours keep the dark theme's text crisp at a fraction of the size
        image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        target = args.out / f"{name}.png"
        image.save(target, optimize=True)
        print(f"{target}: {target.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
