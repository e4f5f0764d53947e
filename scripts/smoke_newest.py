"""Smoke test of the integration on another Home Assistant release (run by scripts/smoke_newest).

Runs with the Python of that release's venv, never the test venv: it imports nothing from the
project but tests/browser/ha_instance.py (stdlib + aiohttp, which every Home Assistant brings).

  python scripts/smoke_newest.py requirements   print the requirements of the core components a
                                                bare `hass` loads beside ours, one a line
  python scripts/smoke_newest.py run [DIR]      start `hass` with a fresh config folder (DIR, or a
                                                new temporary one removed after a pass) and drive
                                                the integration

`run` onboards an owner, adds a simulated building through the config flow over REST, opens an
account (supply cut: a new account has nothing to spend), recharges (restored), is refused a
negative recharge with the translated message, refunds the whole balance (cut again), checks
that GET /api/services lists our domain's services, and reads the log for an ERROR or a
traceback that mentions prepaid_utility. Prints its figures as name=value; exits 1 with a
one-line reason on the first thing that does not hold.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.ha_instance import DOMAIN, HaInstance  # noqa: E402

# Domains a bare `hass` with tests/browser's configuration.yaml sets up beside ours. The last
# three are imported by the service-description loader to resolve feature filters: without their
# requirements GET /api/services answers 500 (see requirements_test.txt).
CONFIGURED = ("frontend", "config", "webhook", "logger")
FILTER_IMPORTS = ("ai_task", "camera", "assist_pipeline")
LIMIT_S = 60.0


def _core_requirements() -> list[str]:
    """Return the pip requirements of the core components this smoke test loads."""
    from homeassistant import bootstrap, components  # noqa: PLC0415

    base = Path(components.__file__).parent
    ours = json.loads((REPO / "custom_components" / DOMAIN / "manifest.json").read_text())
    todo = set(CONFIGURED) | set(FILTER_IMPORTS) | set(ours["dependencies"])
    # Whatever bootstrap sets up unasked; its names move between releases, so look them up.
    for name in dir(bootstrap):
        value = getattr(bootstrap, name)
        if name.endswith("_INTEGRATIONS") and isinstance(value, (set, frozenset, tuple, list)):
            todo |= {str(v) for v in value}
    seen: set[str] = set()
    wanted: list[str] = []
    while todo:
        domain = todo.pop()
        manifest = base / domain / "manifest.json"
        if domain in seen or not manifest.is_file():
            continue
        seen.add(domain)
        data = json.loads(manifest.read_text())
        wanted += data.get("requirements", [])
        todo |= set(data.get("dependencies", []))
    return sorted(set(wanted) | set(ours["requirements"]))


async def _wait_state(ha: HaInstance, entity_id: str, want: str, what: str) -> float:
    """Wait until entity_id reads want; return the seconds it took."""
    start = time.monotonic()
    state = "?"
    while time.monotonic() - start < LIMIT_S:
        state = (await ha.rest("GET", f"/api/states/{entity_id}"))["state"]
        if state == want:
            return time.monotonic() - start
        await asyncio.sleep(0.3)
    raise AssertionError(f"{what}: {entity_id} stayed {state!r}, wanted {want!r}")


def _log_errors(log: str) -> list[str]:
    """Return the log's ERROR lines and tracebacks that concern our integration."""
    found = []
    for block in re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", log):
        head = block.split("\n", 1)[0]
        is_error = " ERROR " in head or " CRITICAL " in head or "Traceback" in block
        if is_error and DOMAIN in block:
            found.append(head[:300])
    return found


async def _listen(ha: HaInstance, seen: list[str], ready: asyncio.Event) -> None:
    """Append the type of every event of ours fired on Home Assistant's bus to seen."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{ha.base}/api/websocket") as sock,
    ):
        await sock.receive_json()
        await sock.send_json({"type": "auth", "access_token": ha.token})
        await sock.receive_json()
        await sock.send_json({"id": 1, "type": "subscribe_events"})
        await sock.receive_json()
        ready.set()
        async for message in sock:
            event = json.loads(message.data).get("event", {})
            if str(event.get("event_type", "")).startswith(f"{DOMAIN}_"):
                seen.append(event["event_type"])


async def _drive(ha: HaInstance) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    await ha.wait_until_up()
    await ha.onboard_owner()
    seen: list[str] = []
    ready = asyncio.Event()
    listener = asyncio.create_task(_listen(ha, seen, ready))
    await asyncio.wait_for(ready.wait(), 10)
    try:
        figures |= await _building(ha, seen)
    finally:
        listener.cancel()
    return figures


async def _building(ha: HaInstance, seen: list[str]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    entry_id = await ha.add_simulated_building()
    meters = await ha.meters_by_unit(entry_id)
    # Unit 1: an Acrel DDSY1352 flat meter with a relay, so the account's cut reaches a switch.
    await ha.open_account(
        entry_id, {"tenant": "Smoke Test", "room": "101", "meters": [meters["1"]]}
    )
    devices = await ha.ws_result({"type": "config/device_registry/list"})
    account = next(d["id"] for d in devices if d.get("name") == "Smoke Test")
    entities = await ha.ws_result({"type": "config/entity_registry/list"})
    meter_device = next(
        d["id"] for d in devices if [DOMAIN, f"{entry_id}_{meters['1']}"] in d["identifiers"]
    )
    switch = next(
        e["entity_id"]
        for e in entities
        if e["device_id"] == meter_device and e["entity_id"].startswith("switch.")
    )
    figures["supply_entity"] = switch
    # A new account holds nothing: its supply is cut until the first top-up.
    figures["cut_s"] = round(await _wait_state(ha, switch, "off", "new account not cut"), 1)
    await ha.rest(
        "POST",
        f"/api/services/{DOMAIN}/recharge?return_response",
        {"device_id": account, "amount": "50.00", "order_id": "SMOKE-1"},
    )
    figures["restore_s"] = round(await _wait_state(ha, switch, "on", "recharge not restored"), 1)
    # Bad input is refused with the translated message through this release's REST API too.
    try:
        await ha.rest(
            "POST",
            f"/api/services/{DOMAIN}/recharge?return_response",
            {"device_id": account, "amount": "-5.00", "order_id": "SMOKE-BAD"},
        )
    except RuntimeError as err:
        refused = str(err)
    else:
        raise AssertionError("a negative recharge was accepted")
    if " 400 " not in refused or "not a valid amount" not in refused:
        raise AssertionError(f"a negative recharge: {refused}")
    figures["bad_input_refused"] = 1
    await ha.rest(
        "POST",
        f"/api/services/{DOMAIN}/refund?return_response",
        {"device_id": account, "amount": "50.00", "refund_id": "SMOKE-2"},
    )
    figures["recut_s"] = round(await _wait_state(ha, switch, "off", "refund to 0 not cut"), 1)
    # The cut_off / restored events are the integration's own word that it acted on the money.
    await asyncio.sleep(1)
    figures["cut"] = seen.count(f"{DOMAIN}_cut_off")
    figures["restored"] = seen.count(f"{DOMAIN}_restored")
    if not figures["cut"] or not figures["restored"]:
        raise AssertionError(f"events fired: {sorted(set(seen))}: no cut_off or no restored")
    if seen.count(f"{DOMAIN}_recharged") != 1:
        raise AssertionError(f"recharged events: {seen.count(f'{DOMAIN}_recharged')}, wanted 1")
    services = await ha.rest("GET", "/api/services")
    ours = next((s["services"] for s in services if s["domain"] == DOMAIN), {})
    declared = set(
        re.findall(
            r"^([a-z_]+):",
            (REPO / "custom_components" / DOMAIN / "services.yaml").read_text(),
            re.M,
        )
    )
    if not declared <= set(ours):
        missing = ", ".join(sorted(declared - set(ours)))
        raise AssertionError(f"GET /api/services lacks {DOMAIN}.{missing}")
    figures["services"] = len(ours)
    return figures


def _run(config_dir: Path) -> int:
    from homeassistant.const import __version__  # noqa: PLC0415

    if any(config_dir.iterdir()):
        print(
            f"smoke: {config_dir} is not empty (a fresh config folder is the point)",
            file=sys.stderr,
        )
        return 2
    ha = HaInstance(config_dir)
    start = time.monotonic()
    ha.start()
    figures: dict[str, Any] = {"newest_ha": __version__}
    reason = ""
    try:
        figures |= asyncio.run(asyncio.wait_for(_drive(ha), 240))
    except (AssertionError, RuntimeError, TimeoutError, KeyError, StopIteration) as err:
        reason = f"{type(err).__name__}: {err}".splitlines()[0][:400]
    finally:
        ha.stop()
    log = (config_dir / "ha.log").read_text(errors="replace")
    errors = _log_errors(log)
    figures["log_errors"] = len(errors)
    figures["smoke_s"] = round(time.monotonic() - start, 1)
    print(" ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    if reason:
        problems = ha.problems()
        print(
            f"smoke failed on Home Assistant {__version__}: {reason}"
            + (f" ({problems})" if problems else ""),
            file=sys.stderr,
        )
        print(ha.log_tail(40), file=sys.stderr)
        return 1
    if errors:
        print(
            f"smoke failed: the log has {len(errors)} error(s) from {DOMAIN}: {errors[0]}",
            file=sys.stderr,
        )
        return 1
    return 0


def main() -> int:
    """Dispatch the subcommand."""
    if sys.argv[1:2] == ["requirements"]:
        print("\n".join(_core_requirements()))
        return 0
    if sys.argv[1:2] == ["run"] and len(sys.argv) == 3:
        path = Path(sys.argv[2])
        path.mkdir(parents=True, exist_ok=True)
        return _run(path)
    if sys.argv[1:] == ["run"]:
        path = Path(tempfile.mkdtemp(prefix="smoke-newest-"))
        status = _run(path)
        if status == 0:
            shutil.rmtree(path, ignore_errors=True)
        else:
            print(f"smoke: Home Assistant's config folder and log kept in {path}", file=sys.stderr)
        return status
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
