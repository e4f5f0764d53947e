"""Screenshot the meter form's "Scan the bus" steps in English and Chinese, in headless Chromium.

    scripts/run python scripts/shot_meter_scan.py OUT_DIR

Starts its own Home Assistant on a free port (tests/browser/ha_instance.py), adds the simulated
"mixed" building, removes the meters at units 3 and 4 (an SDM120 and an SDM630) so the scan has
something new to list, then walks Add meter -> Scan the bus -> range -> list as a person would.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.driver import chromium_path, launch, wait_for_frontend
from tests.browser.ha_instance import OWNER, HaInstance

LABELS = {
    "en": ("Add meter", "Scan the bus", "Submit"),
    "zh-Hans": ("添加表计", "扫描总线", "提交"),
}


async def _prepare(ha: HaInstance) -> str:
    await ha.wait_until_up()
    await ha.onboard_owner()
    entry_id = await ha.add_simulated_building("mixed")
    meters = await ha.meters_by_unit(entry_id)
    for unit in ("3", "4"):
        await ha.ws_result(
            {
                "type": "config_entries/subentries/delete",
                "entry_id": entry_id,
                "subentry_id": meters[unit],
            }
        )
    await asyncio.sleep(3)
    await ha.wait_loaded()
    return entry_id


async def _language(ha: HaInstance, language: str) -> None:
    token = await ha.login(*OWNER)
    await ha.ws_result(
        {
            "type": "frontend/set_user_data",
            "key": "language",
            "value": {"language": language, "number_format": "language"},
        },
        token=token,
    )


def _login(page: Page, ha: HaInstance) -> None:
    page.goto(f"{ha.base}/")
    page.wait_for_url("**/auth/authorize**", timeout=60000)
    page.locator("input[name=username]").fill(OWNER[0])
    page.locator("input[name=password]").fill(OWNER[1])
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "auth/authorize" not in url, timeout=60000)
    wait_for_frontend(page, ha.problems)


def _walk(page: Page, ha: HaInstance, language: str, out: Path) -> None:
    add, scan, submit = LABELS[language]
    page.goto(f"{ha.base}/config/integrations/integration/prepaid_utility")
    page.wait_for_timeout(4000)
    page.get_by_text(add, exact=True).first.click()
    page.wait_for_timeout(2500)
    page.screenshot(path=str(out / f"scan-0-menu-{language}.png"))
    page.get_by_text(scan, exact=True).first.click()
    page.wait_for_timeout(2500)
    field = page.get_by_role("spinbutton").nth(1)  # the last address
    field.fill("8")
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / f"scan-1-range-{language}.png"))
    page.get_by_role("button", name=submit).click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / f"scan-2-progress-{language}.png"))
    page.wait_for_timeout(8000)
    page.screenshot(path=str(out / f"scan-3-pick-{language}.png"))


def main() -> None:
    """Start Home Assistant, take the screenshots, stop it."""
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    chromium = chromium_path()
    if not chromium:
        raise SystemExit("Chromium not found: run scripts/setup")
    with tempfile.TemporaryDirectory() as tmp:
        ha = HaInstance(Path(tmp))
        ha.start()
        try:
            asyncio.run(_prepare(ha))
            with sync_playwright() as pw:
                browser = launch(pw, chromium)
                try:
                    for language in LABELS:
                        # Playwright's sync API holds this thread's event loop.
                        with ThreadPoolExecutor(1) as pool:
                            pool.submit(asyncio.run, _language(ha, language)).result()
                        page = browser.new_page(viewport={"width": 1280, "height": 900})
                        _login(page, ha)
                        try:
                            _walk(page, ha, language, out)
                        finally:
                            page.screenshot(path=str(out / f"scan-last-{language}.png"))
                            page.close()
                finally:
                    browser.close()
        finally:
            ha.stop()
    print(out)


if __name__ == "__main__":
    main()
