"""Screenshot a page of the scripts/develop instance in headless Chromium, logged in as dev.

    scripts/run python scripts/screenshot.py /config/integrations/dashboard out.png
    scripts/run python scripts/screenshot.py /config/integrations/dashboard out.png \
        --add-integration "Prepaid"     # open "Add integration" and search for it

Uses the long-lived token scripts/develop saved in config/.dev_token and Debian's Chromium.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's Chromium; never a browser downloaded by Playwright."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise SystemExit("Chromium not found: run scripts/setup")
    return found


def login(page: Page, base: str, token: str) -> None:
    """Give the frontend a token the way it stores its own after a login."""
    tokens = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 315360000,
        "hassUrl": base,
        "clientId": f"{base}/",
        "expires": 4102444800000,
        "refresh_token": "",
    }
    page.goto(f"{base}/auth/authorize?response_type=code&client_id={base}/")
    page.evaluate(f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))})")


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
    parser.add_argument("--wait", type=float, default=3.0, help="seconds to let the page settle")
    args = parser.parse_args()
    token = (REPO / "config" / ".dev_token").read_text(encoding="utf-8").strip()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        login(page, args.base, token)
        page.goto(f"{args.base}{args.path}")
        page.wait_for_timeout(args.wait * 1000)
        if args.add_integration:
            page.locator("ha-fab").first.click()
            page.wait_for_timeout(1500)
            page.keyboard.type(args.add_integration)
            page.wait_for_timeout(1500)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
