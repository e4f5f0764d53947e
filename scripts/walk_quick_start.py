"""Walk the quick start (docs/quick-start.md) as a new user, by clicking, in headless Chromium.

    scripts/run python scripts/walk_quick_start.py [--out DIR] [--keep] [--docs-images]

A fresh Home Assistant (its own config folder and a free port, never 8123) with only its owner
onboarded, then each step of the page through the UI: add the integration (a simulated building),
open the entry's meters, open an account, accept the dashboard offer in Repairs, top up from the
card, watch the billing, refund to zero and see the cut, recharge and see the restore. Every step
is screenshotted in English; the dashboard and the account card again in Chinese (the user's
language switched in the profile). Prints `name=value` figures; a step that cannot be done the
way the page says fails with what was on the screen.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.driver import chromium_path, launch, wait_for_frontend  # noqa: E402
from tests.browser.ha_instance import OWNER, HaInstance  # noqa: E402

# Walk pictures the quick start shows, copied to docs/images/ only with --docs-images (look at
# them before committing).
DOC_SHOTS = {
    "step3-meter-picker": "quick-start-open-account.png",
    "step7-cut": "quick-start-cut.png",
}
TENANT = "Li Wei"
ROOM = "101"


class Walk:
    """The browser page, the Home Assistant it talks to, and where the pictures go."""

    def __init__(self, page: Page, ha: HaInstance, out: Path, docs_images: bool) -> None:
        """Keep the page, the instance and the output folder."""
        self.page = page
        self.ha = ha
        self.out = out
        self.docs_images = docs_images
        self.number = 0

    def shot(self, name: str) -> Path:
        """Screenshot the page as it is now, numbered in the order of the walk."""
        self.number += 1
        path = self.out / f"{self.number:02d}-{name}.png"
        self.page.wait_for_timeout(600)
        self.page.screenshot(path=str(path))
        print(f"shot={path}")
        if self.docs_images and name in DOC_SHOTS:
            shutil.copyfile(path, REPO / "docs" / "images" / DOC_SHOTS[name])
        return path

    def go(self, path: str) -> None:
        """Open a page of the frontend and wait for it to draw."""
        self.page.goto(f"{self.ha.base}{path}")
        wait_for_frontend(self.page, self.ha.problems)
        self.page.wait_for_timeout(1500)

    def button(self, name: str, scope: Any = None) -> Any:
        """The visible button a person would press, by its label."""
        return (scope or self.page).get_by_role("button", name=name, exact=True)


def login(walk: Walk, username: str, password: str) -> None:
    """Log in through the login form."""
    page, ha = walk.page, walk.ha
    page.goto(f"{ha.base}/")
    page.wait_for_url("**/auth/authorize**", timeout=60000)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    walk.shot("login")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "auth/authorize" not in url, timeout=60000)
    wait_for_frontend(page, ha.problems)
    page.locator("ha-sidebar").wait_for(timeout=60000)


def step1_add_gateway(walk: Walk) -> None:
    """Settings → Devices & services → Add integration → Prepaid Utility → simulated building."""
    page = walk.page
    walk.go("/config/integrations/dashboard")
    walk.button("Add integration").click()
    page.wait_for_timeout(1500)
    page.keyboard.type("Prepaid")
    page.wait_for_timeout(1500)
    walk.shot("step1-search")
    page.get_by_text("Prepaid Utility", exact=True).first.click()
    page.get_by_text("A simulated building (no hardware)").wait_for(timeout=60000)
    walk.shot("step1-menu")
    page.get_by_text("A simulated building (no hardware)").click()
    name = page.get_by_role("textbox", name="Name")
    name.wait_for(timeout=30000)
    name.fill("Sunrise Flats")
    walk.shot("step1-form")
    walk.button("Submit").click()
    # Home Assistant shows what was created and offers areas for the new devices.
    finish = walk.button("Finish")
    finish.wait_for(timeout=120000)
    walk.shot("step1-created")
    finish.click()
    page.wait_for_timeout(1500)


def step2_meters(walk: Walk) -> None:
    """Open the entry: the simulated building's meters, named by room."""
    page = walk.page
    walk.go("/config/integrations/integration/prepaid_utility")
    page.get_by_text("Sunrise Flats").first.wait_for(timeout=60000)
    walk.shot("step2-entry")
    page.get_by_text("Room 101 electricity").first.wait_for(timeout=60000)
    meters = page.get_by_text(re.compile(r"^Room \d+ (electricity|water)$")).count()
    print(f"meter_titles_seen={meters}")
    walk.shot("step2-meters")


def step3_open_account(walk: Walk) -> None:
    """On the entry, Open account: Li Wei, room 101, Room 101's two meters."""
    page = walk.page
    walk.go("/config/integrations/integration/prepaid_utility")
    page.get_by_text("Sunrise Flats").first.wait_for(timeout=60000)
    open_account = page.get_by_role("button", name=re.compile("Open account"))
    if open_account.count() == 0:
        # Home Assistant puts subentry flows in the entry's ⋮ menu when the entry is folded.
        page.get_by_role("button", name="Menu").first.click()
    page.get_by_text("Open account").first.click()
    page.get_by_role("textbox", name="Tenant").wait_for(timeout=30000)
    page.get_by_role("textbox", name="Tenant").fill(TENANT)
    page.get_by_role("textbox", name="Room").fill(ROOM)
    walk.shot("step3-form")
    # A multiple choice drawn as a "Meters" button that opens a searchable list.
    for number, title in enumerate(("Room 101 electricity", "Room 101 water")):
        option = page.get_by_text(f"{title} (Room 101)").last
        if not option.is_visible():
            walk.button("Meters").click()
            page.wait_for_timeout(800)
            page.keyboard.type("Room 101")
            page.wait_for_timeout(800)
        if number == 0:
            walk.shot("step3-meter-picker")
        option.click()
        page.wait_for_timeout(800)
    walk.shot("step3-form-filled")
    walk.button("Submit").click()
    page.wait_for_timeout(3000)
    walk.shot("step3-created")
    with contextlib.suppress(Exception):
        walk.button("Finish").click(timeout=5000)


def step4_dashboard(walk: Walk) -> None:
    """Settings → Repairs → Add the Prepaid dashboard → Submit."""
    page = walk.page
    walk.go("/config/repairs")
    offer = page.get_by_text("Add the Prepaid dashboard").first
    offer.wait_for(timeout=60000)
    walk.shot("step4-repairs")
    offer.click()
    walk.button("Submit").wait_for(timeout=30000)
    walk.shot("step4-offer")
    walk.button("Submit").click()
    page.wait_for_timeout(2000)
    walk.shot("step4-done")
    with contextlib.suppress(Exception):
        walk.button("Close").click(timeout=3000)
    page.get_by_role("option", name="Prepaid").or_(
        page.locator("ha-sidebar").get_by_text("Prepaid", exact=True)
    ).first.click()
    page.locator("prepaid-utility-rooms-card .tile").first.wait_for(timeout=60000)
    walk.shot("step4-dashboard")


def _tile(walk: Walk) -> Any:
    return walk.page.locator("prepaid-utility-rooms-card .tile").filter(has_text=TENANT).first


def _card(walk: Walk) -> Any:
    return walk.page.locator("prepaid-utility-account-dialog prepaid-utility-account-card")


def _amount(text: str) -> Decimal:
    found = re.search(r"-?[\d,]+\.\d+", text)
    return Decimal(found.group().replace(",", "")) if found else Decimal("NaN")


def step5_top_up(walk: Walk) -> None:
    """Click the tile, Recharge, 100, confirm: the balance is 100.00 and supply comes back."""
    page = walk.page
    _tile(walk).click()
    card = _card(walk)
    card.locator(".big").wait_for(timeout=30000)
    walk.shot("step5-card-before")
    print(f"supply_before={card.locator('.pill.supply').inner_text()!r}")
    walk.button("Recharge", card).click()
    dialog = card.locator("prepaid-utility-money-dialog")
    dialog.get_by_role("textbox", name=re.compile("Amount")).fill("100")
    walk.shot("step5-recharge-dialog")
    walk.button("Confirm", dialog).click()
    card.locator(".pill.supply.on").wait_for(timeout=60000)
    page.wait_for_timeout(1000)
    walk.shot("step5-card-after")
    print(f"balance_after_recharge={_amount(card.locator('.big').inner_text())}")
    print(f"supply_after_recharge={card.locator('.pill.supply').inner_text()!r}")


def step6_billing(walk: Walk, seconds: float) -> None:
    """Wait a few polls: the tile's Today figures go up."""
    page = walk.page
    with contextlib.suppress(Exception):
        walk.button("Close").click(timeout=3000)
    page.keyboard.press("Escape")
    before = _tile(walk).locator(".today").inner_text()
    page.wait_for_timeout(seconds * 1000)
    after = _tile(walk).locator(".today").inner_text()
    print(f"today_before={before!r} today_after={after!r} waited_s={seconds}")
    walk.shot("step6-billing")


def step7_cut_and_restore(walk: Walk) -> None:
    """Refund the whole balance: cut. Recharge again: restored."""
    page = walk.page
    _tile(walk).click()
    card = _card(walk)
    card.locator(".big").wait_for(timeout=30000)
    balance = _amount(card.locator(".big").inner_text())
    print(f"balance_before_refund={balance}")
    walk.button("Refund", card).click()
    dialog = card.locator("prepaid-utility-money-dialog")
    dialog.get_by_role("textbox", name=re.compile("Amount")).fill(str(balance))
    walk.shot("step7-refund-dialog")
    walk.button("Confirm", dialog).click()
    started = time.monotonic()
    card.locator(".pill.supply", has_text="Supply off").wait_for(timeout=90000)
    print(f"cut_seen_after_s={time.monotonic() - started:.1f}")
    page.wait_for_timeout(1000)
    walk.shot("step7-cut")
    walk.button("Recharge", card).click()
    dialog.get_by_role("textbox", name=re.compile("Amount")).fill("100")
    walk.button("Confirm", dialog).click()
    started = time.monotonic()
    card.locator(".pill.supply", has_text="Supply on").wait_for(timeout=60000)
    print(f"restore_seen_after_s={time.monotonic() - started:.1f}")
    page.wait_for_timeout(1000)
    walk.shot("step7-restored")
    shown = card.locator(".big").inner_text()
    card.page.locator("prepaid-utility-account-dialog").get_by_role("button", name="Close").or_(
        card.page.locator("prepaid-utility-account-dialog .close")
    ).first.click()
    started = time.monotonic()
    _tile(walk).locator(".balance", has_text=shown).wait_for(timeout=30000)
    print(f"tile_caught_up_after_s={time.monotonic() - started:.1f} tile_balance={shown!r}")
    walk.shot("step7-tile")


def chinese(walk: Walk) -> None:
    """Switch the user's language in the profile; look at the dashboard and the card again."""
    page = walk.page
    walk.go("/profile/general")
    walk.shot("zh-profile")
    # What the profile's Language picker stores; set over the websocket from another thread
    # (Playwright's sync API owns this one's event loop).
    message = {
        "type": "frontend/set_user_data",
        "key": "language",
        "value": {"language": "zh-Hans", "number_format": "language"},
    }
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, walk.ha.ws_result(message)).result()
    walk.go("/prepaid-utility/rooms")
    page.locator("prepaid-utility-rooms-card .tile").first.wait_for(timeout=60000)
    walk.shot("zh-dashboard")
    _tile(walk).click()
    _card(walk).locator(".big").wait_for(timeout=30000)
    walk.shot("zh-card")
    page.keyboard.press("Escape")
    walk.go("/config/integrations/integration/prepaid_utility")
    walk.shot("zh-entry")


async def _fresh(ha: HaInstance) -> None:
    await ha.wait_until_up()
    await ha.onboard_owner()


def main() -> None:
    """Start a fresh Home Assistant and walk the quick start in the browser."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    # Under the repository: scripts/run runs in a chroot whose /tmp is not the host's.
    parser.add_argument("--out", type=Path, default=REPO / "test-output" / "walk")
    parser.add_argument("--billing-s", type=float, default=65.0, help="how long to watch billing")
    parser.add_argument("--keep", action="store_true", help="keep the config folder")
    parser.add_argument(
        "--docs-images", action="store_true", help="also copy the pictures docs/ shows"
    )
    args = parser.parse_args()
    chromium = chromium_path()
    if not chromium:
        raise SystemExit("Chromium not found: run scripts/setup")
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    config = Path(tempfile.mkdtemp(prefix="walk-ha-"))
    ha = HaInstance(config)
    started = time.monotonic()
    ha.start()
    try:
        asyncio.run(_fresh(ha))
        print(f"ha_base={ha.base} ha_up_s={time.monotonic() - started:.1f}")
        with sync_playwright() as pw:
            browser = launch(pw, chromium)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            walk = Walk(page, ha, args.out, args.docs_images)
            try:
                login(walk, *OWNER)
                for step in (
                    step1_add_gateway,
                    step2_meters,
                    step3_open_account,
                    step4_dashboard,
                    step5_top_up,
                ):
                    began = time.monotonic()
                    step(walk)
                    print(f"{step.__name__}_s={time.monotonic() - began:.1f}")
                step6_billing(walk, args.billing_s)
                step7_cut_and_restore(walk)
                chinese(walk)
            except Exception:
                walk.shot("failed-here")
                raise
            finally:
                browser.close()
        print(f"walk_s={time.monotonic() - started:.1f}")
    finally:
        ha.stop()
        if problems := ha.problems():
            print(f"ha_problems={problems}")
        if args.keep:
            print(f"config={config}")
        else:
            shutil.rmtree(config, ignore_errors=True)


if __name__ == "__main__":
    main()
