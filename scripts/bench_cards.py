"""Rooms overview with 500 rooms in headless Chromium: first render, re-render, bundle size.

    scripts/bench cards [--rooms 500] [--runs 7]

Loads the committed bundle into a blank page with a stand-in ``hass`` whose websocket answers
with N rooms, and times from attaching the card to the first painted frame with every tile
laid out (two animation frames after the last tile exists). The reference is the same number
of tiles written as plain HTML with innerHTML in the same page (no lit, no shadow DOM): the
ratio says what the card's machinery costs. Prints name=value lines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.driver import chromium_path, launch

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "custom_components" / "prepaid_utility" / "www" / "prepaid-utility-cards.js"
LEVELS = ((500, "low_3"), (2000, "low_2"), (5000, "low_1"))


def level_of(balance: int, cut: bool) -> str:
    """The alarm level the default thresholds (50, 20, 5) give a balance in cents."""
    if balance <= 0:
        return "cut_off" if cut else "arrears"
    return next((name for below, name in LEVELS if balance < below), "normal")


def rooms(count: int) -> dict[str, object]:
    """A building of ``count`` rooms on 20 floors, balances and levels spread out."""
    accounts = []
    for i in range(count):
        floor = i // 25 + 1
        balance = (i * 7919) % 40000 - 2000
        accounts.append(
            {
                "account_id": f"acc{i:04d}",
                "name": f"Tenant {i}",
                "room": f"{floor}{i % 25 + 1:02d}",
                "device_id": f"dev{i}",
                "area": f"Wing {'AB'[i % 2]}",
                "floor": f"Floor {floor}",
                "building": "Tower",
                "level": level_of(balance, i % 2 == 0),
                "supply": "off" if balance <= 0 and i % 2 == 0 else "on",
                "supply_wanted": "on",
                "pending": False,
                "hold": None,
                "online": i % 31 != 0,
                "balance": f"{balance / 100:.2f}",
                "balance_minor": balance,
                "today": {
                    "usage": {"electricity": f"{i % 13}.250", "water": "0.120"},
                    "cost": f"{i % 13 * 0.6:.2f}",
                    "cost_minor": int(i % 13 * 60),
                },
            }
        )
    return {"currency": "CNY", "exponent": 2, "day": 20261123, "accounts": accounts}


PAGE_JS = """
async ([data, runs]) => {
  const hass = {
    language: "en",
    locale: { language: "en", number_format: "language", time_zone: "server" },
    user: { id: "u", name: "Bench", is_admin: true },
    config: { currency: "CNY", time_zone: "Asia/Shanghai" },
    callWS: async () => JSON.parse(JSON.stringify(data)),
  };
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const n = data.accounts.length;
  const card = [], plain = [], rerender = [];
  for (let run = 0; run < runs; run++) {
    const host = document.createElement("div");
    document.body.append(host);
    const t0 = performance.now();
    const el = document.createElement("prepaid-utility-rooms-card");
    el.setConfig({ type: "custom:prepaid-utility-rooms-card" });
    el.hass = hass;
    host.append(el);
    const tiles = () => el.shadowRoot?.querySelectorAll(".tile").length ?? 0;
    while (tiles() < n) await new Promise((r) => setTimeout(r, 0));
    await frames();
    card.push(performance.now() - t0);
    // Re-render: sort by balance (every tile moves).
    const t1 = performance.now();
    const sort = el.shadowRoot.querySelector("select.sort");
    sort.value = "balance";
    sort.dispatchEvent(new Event("change"));
    await el.updateComplete;
    await frames();
    rerender.push(performance.now() - t1);
    host.remove();

    // Reference: the same tiles as plain HTML.
    const ref = document.createElement("div");
    ref.style.cssText =
      "display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px";
    document.body.append(ref);
    const t2 = performance.now();
    ref.innerHTML = data.accounts.map((r) =>
      `<button><div>${r.room}</div><div>${r.name}</div><div>${r.balance}</div>` +
      `<div>${r.supply}</div><div>${r.today.cost}</div></button>`).join("");
    await frames();
    plain.push(performance.now() - t2);
    ref.remove();
  }
  return { card, plain, rerender };
}
"""


SHOW_JS = """(data) => {
  const el = document.createElement("prepaid-utility-rooms-card");
  el.setConfig({ type: "custom:prepaid-utility-rooms-card", sort: "balance" });
  el.hass = {
    language: "en", locale: { language: "en", number_format: "language" },
    user: { id: "u", name: "Bench", is_admin: true }, config: { currency: "CNY" },
    callWS: async () => data,
  };
  document.body.append(el);
}"""


def main() -> None:
    """Run the benchmark and print name=value lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--screenshot", type=Path, help="also save a PNG of the rendered card")
    args = parser.parse_args()
    chromium = chromium_path()
    if not chromium:
        raise SystemExit("Chromium not found: run scripts/setup")
    bundle = BUNDLE.read_text(encoding="utf-8")
    print(f"bundle_bytes={len(bundle.encode())}")
    print(f"bundle_gzip_bytes={len(gzip.compress(bundle.encode(), 9))}")
    data = rooms(args.rooms)
    with sync_playwright() as pw:
        browser = launch(pw, chromium, report=lambda line: print(line.replace(" ", "\n")))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_content("<!doctype html><html><body></body></html>")
            page.add_script_tag(content=bundle, type="module")
            page.wait_for_function("() => !!customElements.get('prepaid-utility-rooms-card')")
            result = page.evaluate(PAGE_JS, [json.loads(json.dumps(data)), args.runs])
            if args.screenshot:
                page.evaluate(SHOW_JS, data)
                page.locator("prepaid-utility-rooms-card .tile").first.wait_for()
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.screenshot))
        finally:
            browser.close()
    card = statistics.median(result["card"])
    plain = statistics.median(result["plain"])
    rerender = statistics.median(result["rerender"])
    print(f"rooms={args.rooms} runs={args.runs}")
    print(f"rooms_first_render_ms={card:.1f}")
    print(f"rooms_first_render_first_run_ms={result['card'][0]:.1f}")
    print(f"rooms_sort_rerender_ms={rerender:.1f}")
    print(f"plain_html_render_ms={plain:.1f}")
    print(f"first_render_ratio_to_plain={card / plain:.2f}")


if __name__ == "__main__":
    main()
