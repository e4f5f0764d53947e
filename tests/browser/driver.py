"""Debian's Chromium driven by Playwright: one launch for the browser tests and the scripts.

Why Playwright and not Selenium with Debian's chromium-driver: Playwright drives Chromium over the
DevTools protocol through a pipe, the same protocol it uses for Google's stable and beta Chrome
channels, which it does not download either; a Chromium a few releases older or newer than the one
a Playwright release bundles keeps working. What moves with every Debian update is therefore
checked, not assumed: each launch prints both versions and drives a small page (fill, click,
read back, screenshot) before any test does, and a pair that cannot do that fails in one line that
says what was found and what is needed, instead of a timeout somewhere in a test.

The 2026-12 timeout ("locator resolved to hidden <home-assistant>") was not the driver: Home
Assistant's frontend stayed on its launch screen because `get_services` failed on core components
whose Python requirements were missing. ``wait_for_frontend`` waits for what a person waits for
(the launch screen to go) and names Home Assistant's own error when it does not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SMOKE_PAGE = """<!doctype html><meta charset=utf-8>
<input id=name><button onclick="document.querySelector('#out').textContent =
  '\u4f60\u597d ' + document.querySelector('#name').value">go</button><p id=out></p>"""


class DriverMismatch(RuntimeError):
    """The browser and the driver cannot work together (one line: found, needed)."""


class FrontendStuck(RuntimeError):
    """Home Assistant's frontend did not leave its launch screen."""


@dataclass(frozen=True)
class Pair:
    """The browser and the driver a run uses."""

    chromium_path: str
    chromium: str
    playwright: str
    playwright_chromium: str

    def line(self) -> str:
        """Return the versions as the run prints them."""
        return (
            f"browser=chromium/{self.chromium} driver=playwright/{self.playwright}"
            f" driver_bundles=chromium/{self.playwright_chromium} browser_path={self.chromium_path}"
        )

    def needed(self) -> str:
        """Say what would make the pair work again."""
        return (
            f"needs a Playwright release whose Chromium is near {self.chromium.split('.')[0]}"
            " (pin it in requirements_test.txt), or Debian's chromium of the release this"
            f" Playwright was built for ({self.playwright_chromium.split('.')[0]})"
        )


def chromium_path() -> str | None:
    """Debian's Chromium (scripts/setup installs it); never a browser downloaded by Playwright."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium_version(path: str) -> str:
    out = subprocess.run(
        [path, "--version"], capture_output=True, text=True, check=False, timeout=60
    ).stdout
    words = [w for w in out.split() if w[:1].isdigit()]
    return words[0] if words else "unknown"


def _playwright_chromium() -> str:
    """Return the Chromium version this Playwright release was built and tested with."""
    import playwright  # noqa: PLC0415  # only where a browser is driven

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    try:
        listed = json.loads(browsers.read_text(encoding="utf-8"))["browsers"]
    except OSError, KeyError, ValueError:
        return "unknown"
    return next((b["browserVersion"] for b in listed if b["name"] == "chromium"), "unknown")


def pair(path: str) -> Pair:
    """Return the versions of the browser at ``path`` and of the installed driver."""
    return Pair(
        path, _chromium_version(path), metadata.version("playwright"), _playwright_chromium()
    )


def launch(pw: Any, path: str, report: Callable[[str], None] = print) -> Any:
    """Launch Chromium, print the pair, prove it can drive a page; return the browser."""
    found = pair(path)
    report(found.line())
    try:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, timeout=60000)
    except Exception as err:
        raise DriverMismatch(
            f"{found.line()} could not start: {_first_line(err)}; {found.needed()}"
        ) from err
    try:
        page = browser.new_page()
        page.set_content(SMOKE_PAGE)
        page.locator("#name").fill("ok")
        page.locator("button").click()
        text = page.locator("#out").inner_text(timeout=10000)
        shot = page.screenshot()
        page.close()
        if text != "\u4f60\u597d ok" or not shot.startswith(b"\x89PNG"):
            msg = f"the smoke page read back {text!r}"
            raise DriverMismatch(msg)  # noqa: TRY301  # reported with the pair below
    except Exception as err:
        browser.close()
        raise DriverMismatch(
            f"{found.line()} cannot drive a page ({_first_line(err)}); {found.needed()}"
        ) from err
    return browser


def wait_for_frontend(page: Any, why: Callable[[], str], timeout_ms: int = 60000) -> None:
    """Wait until Home Assistant's frontend has replaced its launch screen with the app.

    ``why`` returns Home Assistant's own explanation (its log) for the one-line failure.
    """
    try:
        page.locator("#ha-launch-screen").wait_for(state="detached", timeout=timeout_ms)
        page.locator("home-assistant").wait_for(timeout=timeout_ms)
    except Exception as err:
        shown = page.evaluate(
            "() => { const e = document.querySelector('home-assistant');"
            " const r = e ? e.getBoundingClientRect() : null;"
            " return r ? `${r.width}x${r.height}` : 'absent'; }"
        )
        raise FrontendStuck(
            f"Home Assistant's frontend stayed on its launch screen ({timeout_ms // 1000} s,"
            f" <home-assistant> {shown}): {why() or _first_line(err)}"
        ) from err


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def shot(page: Any, path: Path, *, doc_name: str | None = None, full_page: bool = False) -> None:
    """Screenshot once Home Assistant's launch screen is gone (it fades over a fresh page).

    With ``PREPAID_DOCS_IMAGES=1`` a picture the documentation shows (``doc_name``) is also
    copied into docs/images; only on request, so a routine run leaves the committed ones alone.
    """
    page.locator("#ha-launch-screen").wait_for(state="detached", timeout=30000)
    # A field's label floats up over 150 ms once focused: a picture taken mid-way shows the
    # label across the value. Finite transitions are fast-forwarded to their end.
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    if doc_name is not None and os.environ.get("PREPAID_DOCS_IMAGES") == "1":
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_IMAGES / doc_name)
