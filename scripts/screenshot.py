"""Screenshot a page of the scripts/develop instance in headless Chromium, logged in as dev.

    scripts/run python scripts/screenshot.py /config/integrations/dashboard out.png
    scripts/run python scripts/screenshot.py /config/integrations/dashboard out.png \
        --add-integration "Prepaid"     # open "Add integration" and search for it

Logs in through the login form as dev / dev (the user scripts/develop creates), with Debian's
Chromium.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.driver import chromium_path, launch, wait_for_frontend

REPO = Path(__file__).resolve().parents[1]


def login(page: Page, base: str, username: str, password: str) -> None:
    """Log in through the real login form, as a person would."""
    page.goto(f"{base}/")
    page.wait_for_url("**/auth/authorize**", timeout=30000)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "auth/authorize" not in url, timeout=30000)
    wait_for_frontend(page, lambda: "see scripts/develop's log", timeout_ms=30000)
    page.locator("ha-sidebar").wait_for(timeout=30000)


def main() -> None:
    """Parse arguments and take the screenshot."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("path", help="page path, e.g. /config/integrations/dashboard")
    parser.add_argument("out", type=Path, help="PNG file to write")
    parser.add_argument("--base", default="http://127.0.0.1:8123")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--add-integration", metavar="QUERY", help="open the add dialog and search")
    parser.add_argument("--user", default="dev")
    parser.add_argument("--password", default="dev")
    parser.add_argument("--wait", type=float, default=3.0, help="seconds to let the page settle")
    args = parser.parse_args()

    chromium = chromium_path()
    if not chromium:
        raise SystemExit("Chromium not found: run scripts/setup")
    with sync_playwright() as pw:
        browser = launch(pw, chromium)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        args.out.parent.mkdir(parents=True, exist_ok=True)
        try:
            login(page, args.base, args.user, args.password)
            page.goto(f"{args.base}{args.path}")
            page.wait_for_timeout(args.wait * 1000)
            if args.add_integration:
                page.get_by_role("button", name="Add integration").click()
                page.wait_for_timeout(1500)
                page.keyboard.type(args.add_integration)
                page.wait_for_timeout(1500)
        finally:
            # Also on failure: the picture usually says what went wrong.
            page.screenshot(path=str(args.out))
            browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
