"""Complete Home Assistant's onboarding for scripts/develop and save a long-lived token.

Waits until HA answers, adds a simulated building through the config flow when the integration
has no entry yet, accepts the integration's offer of the Prepaid dashboard (its repair flow, as
an administrator would), creates the owner "dev" / "dev" when no user exists yet (scripts/develop
marks the other onboarding steps done beforehand), and writes a long-lived access token to
config/.dev_token so scripts (screenshots, curl) can call the API. Does nothing to an instance
already onboarded except write the token file when it is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import aiohttp

CLIENT_ID = "http://127.0.0.1:8123/"
DOMAIN = "prepaid_utility"
TOKEN_FILE = Path(__file__).resolve().parents[1] / "config" / ".dev_token"


async def _wait_until_up(session: aiohttp.ClientSession, url: str) -> list[Any]:
    while True:
        try:
            async with session.get(f"{url}/api/onboarding") as resp:
                if resp.status == 200:
                    return list(await resp.json())
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(1)


async def _token(session: aiohttp.ClientSession, url: str, code: str) -> str:
    data = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID}
    async with session.post(f"{url}/auth/token", data=data) as resp:
        resp.raise_for_status()
        return str((await resp.json())["access_token"])


async def _login(session: aiohttp.ClientSession, url: str) -> str:
    """Log in as dev/dev through the login flow; return an access token."""
    payload = {
        "client_id": CLIENT_ID,
        "handler": ["homeassistant", None],
        "redirect_uri": CLIENT_ID,
    }
    async with session.post(f"{url}/auth/login_flow", json=payload) as resp:
        flow = await resp.json()
    creds = {"client_id": CLIENT_ID, "username": "dev", "password": "dev"}
    async with session.post(f"{url}/auth/login_flow/{flow['flow_id']}", json=creds) as resp:
        result = await resp.json()
    if result.get("type") != "create_entry":
        raise RuntimeError(f"login as dev failed: {result}")
    return await _token(session, url, result["result"])


async def _long_lived(session: aiohttp.ClientSession, url: str, access: str) -> str:
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": access})
        await ws.receive_json()
        await ws.send_json(
            {
                "id": 1,
                "type": "auth/long_lived_access_token",
                "client_name": "scripts",
                "lifespan": 3650,
            }
        )
        reply = await ws.receive_json()
        return str(reply["result"])


# Demo tenants: (name, room, units of their meters in building40).
DEMO_TENANTS = (
    ("Li Wei", "Room 101", ("1", "33")),
    ("Zhang Min", "Room 102", ("2", "34")),
    ("Wang Fang", "Room 103", ("3",)),
)
# The building starts this many days ago; the demo moves it to the present in steps, topping
# up between them, so the cards, reports and the Energy dashboard have weeks to show.
HISTORY_DAYS = 21
# (hours to move the building forward first, or None: to the present; then top-ups as
# (tenant, amount)). Wang Fang's first top-up runs out (a cut), the next restores supply and
# runs out again near the end; Zhang Min ends low; Li Wei stays in credit.
DEMO_STORY: tuple[tuple[float | None, tuple[tuple[str, str], ...]], ...] = (
    (0, (("Li Wei", "150.00"), ("Zhang Min", "190.00"), ("Wang Fang", "10.00"))),
    (6 * 24, (("Wang Fang", "25.00"),)),
    (6 * 24, (("Li Wei", "80.00"),)),
    (None, ()),
)


async def _ws(session: aiohttp.ClientSession, url: str, access: str) -> Any:
    ws = await session.ws_connect(f"{url}/api/websocket")
    await ws.receive_json()
    await ws.send_json({"type": "auth", "access_token": access})
    await ws.receive_json()
    return ws


async def _ws_call(ws: Any, msg_id: int, message: dict[str, Any]) -> Any:
    await ws.send_json({"id": msg_id, **message})
    while True:
        reply = await ws.receive_json()
        if reply.get("id") == msg_id:
            if not reply.get("success", True):
                raise RuntimeError(f"{message['type']} failed: {reply}")
            return reply.get("result")


async def _show_in_energy_dashboard(ws: Any, entry_id: str) -> None:
    """List each tenant's electricity (the account statistics) in the Energy dashboard."""
    subs = await _ws_call(ws, 3, {"type": "config_entries/subentries/list", "entry_id": entry_id})
    accounts = [s for s in subs if s["subentry_type"] == "account"]
    devices = [
        {"stat_consumption": f"{DOMAIN}:{s['subentry_id'].lower()}_electricity", "name": s["title"]}
        for s in accounts
    ]
    await _ws_call(
        ws, 4, {"type": "energy/save_prefs", "energy_sources": [], "device_consumption": devices}
    )


async def _add_demo_tenants(
    session: aiohttp.ClientSession, url: str, access: str, entry_id: str
) -> None:
    """Open three tenant accounts (subentry flow), then play the demo's weeks (DEMO_STORY)."""
    headers = {"Authorization": f"Bearer {access}"}
    ws = await _ws(session, url, access)
    try:
        subs = await _ws_call(
            ws, 1, {"type": "config_entries/subentries/list", "entry_id": entry_id}
        )
        meter_of = {s["unique_id"]: s["subentry_id"] for s in subs if s["subentry_type"] == "meter"}
        api = f"{url}/api/config/config_entries/subentries/flow"
        for tenant, room, units in DEMO_TENANTS:
            async with session.post(
                api, json={"handler": [entry_id, "account"]}, headers=headers
            ) as resp:
                resp.raise_for_status()
                flow_id = (await resp.json())["flow_id"]
            form = {"tenant": tenant, "room": room, "meters": [meter_of[u] for u in units]}
            async with session.post(f"{api}/{flow_id}", json=form, headers=headers) as resp:
                resp.raise_for_status()
        await asyncio.sleep(5)  # the gateway reloads with its accounts
        devices = await _ws_call(ws, 2, {"type": "config/device_registry/list"})
        by_name = {d["name"]: d["id"] for d in devices if d.get("model") == "Tenant account"}
        order = 0
        for hours, top_ups in DEMO_STORY:
            if hours != 0:
                move = {"config_entry_id": entry_id, **({"hours": hours} if hours else {})}
                async with session.post(
                    f"{url}/api/services/{DOMAIN}/advance_simulation?return_response",
                    json=move,
                    headers=headers,
                ) as resp:
                    resp.raise_for_status()
                    moved = (await resp.json())["service_response"]
                print(f"history: {moved['polls']} polls, now {moved['now']}", file=sys.stderr)
            for tenant, amount in top_ups:
                data = {"device_id": by_name[tenant], "amount": amount, "order_id": f"DEMO-{order}"}
                order += 1
                async with session.post(
                    f"{url}/api/services/{DOMAIN}/recharge", json=data, headers=headers
                ) as resp:
                    resp.raise_for_status()
        await _show_in_energy_dashboard(ws, entry_id)
    finally:
        await ws.close()
    print(
        f"added demo tenants with {HISTORY_DAYS} days of history: Li Wei, Zhang Min (low"
        " balance), Wang Fang (cut off, restored, cut off again)",
        file=sys.stderr,
    )


async def _ensure_simulated_building(session: aiohttp.ClientSession, url: str, access: str) -> None:
    """Add the simulated building through the real config flow, unless an entry exists."""
    headers = {"Authorization": f"Bearer {access}"}
    api = f"{url}/api/config/config_entries"
    async with session.get(f"{api}/entry", params={"domain": DOMAIN}, headers=headers) as resp:
        resp.raise_for_status()
        if await resp.json():
            return
    async with session.post(f"{api}/flow", json={"handler": DOMAIN}, headers=headers) as resp:
        resp.raise_for_status()
        flow_id = (await resp.json())["flow_id"]
    for step in (
        {"next_step_id": "simulated"},
        {"name": "Simulated building", "preset": "building40", "history_days": HISTORY_DAYS},
    ):
        async with session.post(f"{api}/flow/{flow_id}", json=step, headers=headers) as resp:
            resp.raise_for_status()
            result = await resp.json()
    if result.get("type") != "create_entry":
        raise RuntimeError(f"adding the simulated building failed: {result}")
    print("added the simulated building (40 meters)", file=sys.stderr)
    await asyncio.sleep(3)  # let it load
    await _add_demo_tenants(session, url, access, result["result"]["entry_id"])


async def _accept_dashboard_offer(session: aiohttp.ClientSession, url: str, access: str) -> None:
    """Fix the "Add the Prepaid dashboard" repair, when it is offered (once per instance)."""
    headers = {"Authorization": f"Bearer {access}"}
    fix = {"handler": DOMAIN, "issue_id": "dashboard_offer"}
    for _ in range(30):  # the offer appears once the gateway has loaded
        async with session.post(f"{url}/api/repairs/issues/fix", json=fix, headers=headers) as r:
            if r.status == 200:
                flow_id = (await r.json())["flow_id"]
                break
        await asyncio.sleep(1)
    else:
        return  # no offer: the dashboard exists already
    async with session.post(
        f"{url}/api/repairs/issues/fix/{flow_id}", json={}, headers=headers
    ) as resp:
        resp.raise_for_status()
        result = await resp.json()
    print(f"Prepaid dashboard: {result.get('type')} {result.get('reason', '')}", file=sys.stderr)


async def onboard(url: str) -> None:
    """Onboard if needed and make sure a token file exists."""
    async with aiohttp.ClientSession() as session:
        steps = {s["step"]: s["done"] for s in await _wait_until_up(session, url)}
        access = None
        if not steps.get("user"):
            user = {
                "client_id": CLIENT_ID,
                "name": "Developer",
                "username": "dev",
                "password": "dev",
                "language": "en",
            }
            async with session.post(f"{url}/api/onboarding/users", json=user) as resp:
                resp.raise_for_status()
                access = await _token(session, url, (await resp.json())["auth_code"])
            print("onboarded: log in as dev / dev", file=sys.stderr)
        access = access or await _login(session, url)
        if not TOKEN_FILE.exists():
            TOKEN_FILE.write_text(await _long_lived(session, url, access), encoding="utf-8")
            print(f"long-lived token written to {TOKEN_FILE}", file=sys.stderr)
        await _ensure_simulated_building(session, url, access)
        await _accept_dashboard_offer(session, url, access)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    async def run() -> None:
        async with asyncio.timeout(args.timeout):
            await onboard(args.url)

    asyncio.run(run())


if __name__ == "__main__":
    main()
