"""Two real Home Assistant processes on one PostgreSQL ledger, both configured for one gateway.

Site A and Site B are two ``hass`` processes with fresh configuration folders, set up over REST
as a person would in the UI: each adds its own simulated building and, separately, the same
Modbus TCP gateway (a simulator process on loopback) with its two meters and a tenant account
of its own; every entry keeps its ledger on the PostgreSQL server the test script started.
Then, while both poll:

- recharges with the same order ids race from both sites (each to its own account);
- the same payment notification is delivered to both sites' webhooks at once (each expects
  that order id for its own account);
- the same bill is marked paid from both sites under different payment ids;
- the instance that drives the shared gateway is SIGKILLed at an instant of its polling (not
  chosen: a real process, no hook inside it) and restarted; the other takes the gateway over.

The audit reads the books: one credit per order id, one payment per bill, energy of a physical
meter billed on one meter row only (the first site to bill a meter owns it; the other relays
its readings, :mod:`custom_components.prepaid_utility.ledger.identities`), never two drivers
seen at once, the ledger's invariants. ``scripts/test`` runs the short variant,
``scripts/soak`` the full one (more orders, longer polling, two kills).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.schema import (
    bill,
    journal_entry,
    meter,
    meter_generation,
    usage_bucket,
)
from custom_components.prepaid_utility.payments.signature import SIGNATURE_HEADER, sign
from tests.browser.ha_instance import DOMAIN, REPO, HaInstance, free_port

PG_URL = os.environ.get("PREPAID_UTILITY_PG_URL")
FULL = os.environ.get("PREPAID_SOAK") == "full"
POLL_S = 5
ORDERS = 12 if FULL else 3
KILLS = 3 if FULL else 2  # two handovers: the first driver comes back to its old cursor
RUN_S = 60 if FULL else 12  # polling after each phase
START_LIMIT_S = 240  # both processes start together on a machine other tests also load
CALL_LIMIT_S = 30
UNITS = (1, 2)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.timeout(1800 if FULL else 900),
    pytest.mark.skipif(not PG_URL, reason="PREPAID_UTILITY_PG_URL not set (scripts/test)"),
]


@pytest.fixture
def ledger_db(sockets: None) -> Iterator[str]:
    """A fresh database on the test server; yields its postgresql:// URL (the form's value)."""
    assert PG_URL
    name = f"two_ha_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        url = make_url(PG_URL).set(drivername="postgresql", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def shared_gateway(tmp_path: Path, sockets: None) -> Iterator[int]:
    """Two Acrel meters behind a Modbus TCP gateway, in their own process; yields its port."""
    port = free_port()
    ready = tmp_path / "sim.json"
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "custom_components.prepaid_utility.meters.simulator",
            "--meters", "acrel_ddsy1352:1-2", "--tcp", f"127.0.0.1:{port}",
            "--speed", "60", "--ready-file", str(ready),
        ],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not ready.exists() or not ready.read_text():
        assert proc.poll() is None, "the gateway simulator exited"
        assert time.monotonic() < deadline, "the gateway simulator did not start within 60 s"
        time.sleep(0.2)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


class Site:
    """One Home Assistant process and what the test set up in it."""

    def __init__(self, name: str, folder: Path) -> None:
        folder.mkdir()
        self.name = name
        self.ha = HaInstance(folder)
        self.shared_entry = ""
        self.account_device = ""
        self.account_code = ""
        self.webhook = ("", "")  # id, secret
        self.shared_meters: dict[str, str] = {}  # unit address -> this site's subentry id

    def start(self) -> None:
        # Its own location name: the Driven-by sensor and the lease name the instance by it.
        self.ha.location = self.name
        self.ha.start()

    def kill(self) -> None:
        proc = self.ha._proc
        assert proc is not None
        proc.kill()
        proc.wait(timeout=30)
        self.ha._proc = None

    async def wait_up_again(self, limit_s: float) -> None:
        """Wait until a restarted instance answers (onboarded: its onboarding API is gone)."""
        deadline = time.monotonic() + limit_s
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{self.ha.base}/auth/providers") as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.5)
        raise TimeoutError(f"{self.name} did not answer after its restart:\n{self.ha.log_tail()}")

    async def entries(self) -> list[dict[str, Any]]:
        return list(await self.ha.rest("GET", f"/api/config/config_entries/entry?domain={DOMAIN}"))

    async def wait_loaded(self, limit_s: float = 120) -> None:
        """Wait until every gateway entry is loaded (after a reload the form caused)."""
        deadline = time.monotonic() + limit_s
        states: list[str] = []
        while time.monotonic() < deadline:
            states = [e["state"] for e in await self.entries()]
            if states and all(s == "loaded" for s in states):
                return
            await asyncio.sleep(0.5)
        raise TimeoutError(f"{self.name}: entries not loaded ({states}):\n{self.ha.log_tail()}")

    async def flow(self, api: str, handler: Any, *steps: dict[str, Any]) -> Any:
        result = flow = await self.ha.rest("POST", api, {"handler": handler})
        for step in steps:
            result = await self.ha.rest("POST", f"{api}/{flow['flow_id']}", step)
            assert result["type"] in {"form", "menu", "create_entry"}, result
            assert not result.get("errors"), result
        return result

    async def to_ledger(self, entry_id: str, ledger_url: str) -> None:
        await self.flow(
            "/api/config/config_entries/options/flow", entry_id, {"next_step_id": "settings"},
            {"poll_interval": POLL_S, "ledger_url": ledger_url},
        )  # fmt: skip
        await asyncio.sleep(1)
        await self.wait_loaded()

    async def set_up(self, port: int, ledger_url: str) -> None:
        await self.ha.onboard_owner()
        entries = "/api/config/config_entries/flow"
        created = await self.flow(
            entries, DOMAIN, {"next_step_id": "simulated"},
            {"name": f"{self.name} flats", "preset": "mixed"},
        )  # fmt: skip
        await self.wait_loaded()
        await self.to_ledger(created["result"]["entry_id"], ledger_url)
        created = await self.flow(
            entries, DOMAIN, {"next_step_id": "tcp"},
            {"name": "Shared gateway", "host": "127.0.0.1", "port": port},
        )  # fmt: skip
        entry_id = self.shared_entry = str(created["result"]["entry_id"])
        await self.wait_loaded()
        await self.to_ledger(entry_id, ledger_url)
        subentries = "/api/config/config_entries/subentries/flow"
        for unit in UNITS:
            await self.flow(
                subentries, [entry_id, "meter"], {"next_step_id": "modbus"},
                {"name": f"Meter {unit}", "room": f"10{unit}", "profile": "acrel_ddsy1352",
                 "address": unit},
                {"breaker_a": 60, "billing_mode": "platform"},
            )  # fmt: skip
            await asyncio.sleep(0.5)
            await self.wait_loaded()
        self.shared_meters = await self.ha.meters_by_unit(entry_id)
        meters = list(self.shared_meters.values())
        tenant = f"Tenant of {self.name}"
        await self.flow(
            subentries, [entry_id, "account"], {"tenant": tenant, "room": "101", "meters": meters}
        )
        await asyncio.sleep(0.5)
        await self.wait_loaded()
        subs = await self.ha.ws_result(
            {"type": "config_entries/subentries/list", "entry_id": entry_id}
        )
        self.account_code = next(s["subentry_id"] for s in subs if s["subentry_type"] == "account")
        devices = await self.ha.ws_result({"type": "config/device_registry/list"})
        self.account_device = next(
            d["id"]
            for d in devices
            if d.get("model") == "Tenant account" and entry_id in d["config_entries"]
        )
        self.webhook = await self._webhook_credentials(entry_id)

    async def _webhook_credentials(self, entry_id: str) -> tuple[str, str]:
        """Read the gateway's webhook id and secret from the saved config entries."""
        saved = self.ha.config_dir / ".storage" / "core.config_entries"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                for entry in json.loads(saved.read_text())["data"]["entries"]:
                    if entry["entry_id"] == entry_id and "webhook_secret" in entry["data"]:
                        return entry["data"]["webhook_id"], entry["data"]["webhook_secret"]
            await asyncio.sleep(1)
        raise TimeoutError(f"{self.name}: the webhook credentials were never saved")

    async def call(self, service: str, data: dict[str, Any]) -> tuple[bool, Any]:
        """Call one of our services; return (succeeded, response or the error text)."""
        try:
            async with asyncio.timeout(CALL_LIMIT_S):
                return True, await self.ha.rest(
                    "POST", f"/api/services/{DOMAIN}/{service}?return_response", data
                )
        except RuntimeError as err:
            return False, str(err)

    async def driving(self) -> bool | None:
        """Return whether this site drives the shared gateway (None: not known or down)."""
        try:
            states = await self.ha.rest("GET", "/api/states")
        except RuntimeError, aiohttp.ClientError:
            return None
        for state in states:
            attrs = state["attributes"]
            if state["entity_id"].endswith("driven_by") and "Shared" in attrs.get(
                "friendly_name", ""
            ):
                if state["state"] in {"unavailable", "unknown"}:
                    return None
                return not attrs.get("standby", True)
        return None

    async def deliver(self, body: bytes) -> tuple[int, str]:
        webhook_id, secret = self.webhook
        headers = {SIGNATURE_HEADER: sign(secret, int(time.time()), body)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.ha.base}/api/webhook/{webhook_id}", data=body, headers=headers
            ) as resp,
        ):
            return resp.status, str((await resp.json())["result"])


def _phase(started: float, name: str) -> None:
    """Say where the story is (a failure or a hang on a loaded machine names its phase)."""
    print(f"phase={name} at_s={time.monotonic() - started:.1f}", file=sys.stderr, flush=True)


class Watch:
    """Samples both sites' Driven-by sensors every second while the test runs."""

    def __init__(self, sites: tuple[Site, Site]) -> None:
        self.sites = sites
        self.samples = 0
        self.by_two = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            views = await asyncio.gather(*(s.driving() for s in self.sites))
            self.samples += 1
            self.by_two += all(v is True for v in views)
            await asyncio.sleep(1)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def _one_driver(sites: tuple[Site, Site], limit_s: float) -> Site:
    deadline = time.monotonic() + limit_s
    views: list[bool | None] = []
    while time.monotonic() < deadline:
        views = list(await asyncio.gather(*(s.driving() for s in sites)))
        if sum(v is True for v in views) == 1 and None not in views:
            return sites[views.index(True)]
        await asyncio.sleep(1)
    raise TimeoutError(f"no single driver of the shared gateway within {limit_s} s: {views}")


def _order_body(order: str) -> bytes:
    return json.dumps(
        {"order_id": order, "amount": "10.00", "currency": "CNY", "status": "paid"}
    ).encode()


def test_two_home_assistants_on_one_postgresql_ledger(
    tmp_path: Path, ledger_db: str, shared_gateway: int
) -> None:
    figures = asyncio.run(_scenario(tmp_path, ledger_db, shared_gateway))
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    assert figures["double_credits"] == 0
    assert figures["double_bill_payments"] == 0
    assert figures["energy_billed_twice_kwh"] == 0
    assert figures["gateways_driven_by_two"] == 0
    assert figures["books_error"] == 0
    assert figures["orders_credited"] == 2 * ORDERS  # each order once: service + webhook
    assert figures["bills_paid"] == 1
    assert figures["shared_meter_rows"] == len(UNITS)
    assert figures["relay_rows"] > 0  # the site that does not own the meters read them too
    assert figures["unbound_meter_rows"] == 0


async def _scenario(tmp_path: Path, ledger_url: str, port: int) -> dict[str, Any]:
    sites = (Site("Site A", tmp_path / "a"), Site("Site B", tmp_path / "b"))
    figures: dict[str, Any] = {}
    started = time.monotonic()
    try:
        for site in sites:
            site.start()
        try:
            await asyncio.gather(*(s.ha.wait_until_up(START_LIMIT_S) for s in sites))
        except TimeoutError as err:
            raise TimeoutError(
                f"two Home Assistant processes did not both answer within {START_LIMIT_S} s"
                f" (load {os.getloadavg()[0]:.1f}); {err}"
            ) from err
        figures["start_s"] = round(time.monotonic() - started, 1)
        _phase(started, "up")
        await asyncio.gather(*(s.set_up(port, ledger_url) for s in sites))
        figures["setup_s"] = round(time.monotonic() - started, 1)
        _phase(started, "set_up")
        await _one_driver(sites, 12 * POLL_S)
        watch = Watch(sites)
        watch.start()
        a, b = sites
        # Recharges: the same order ids from both sites (each to its own account) at once.
        refused = 0
        for n in range(ORDERS):
            results = await asyncio.gather(
                *(
                    s.call("recharge", {"device_id": s.account_device, "amount": 10,
                                        "order_id": f"DESK-{n}", "method": "cash"})
                    for s in sites
                )
            )  # fmt: skip
            refused += sum(not ok for ok, _ in results)
        figures["recharges_refused"] = refused
        _phase(started, "recharges")
        # Webhooks: both sites expect order WEB-n (each for its own account); the provider's
        # notification reaches both at once, then again (a retry).
        answers: list[tuple[int, str]] = []
        for n in range(ORDERS):
            for s in sites:
                ok, why = await s.call(
                    "create_payment_order",
                    {"device_id": s.account_device, "amount": "10.00", "order_id": f"WEB-{n}"},
                )
                assert ok, why
            body = _order_body(f"WEB-{n}")
            answers += await asyncio.gather(*(s.deliver(body) for s in sites))
            answers += await asyncio.gather(*(s.deliver(body) for s in sites))
        figures["webhook_credited"] = sum(r == (200, "credited") for r in answers)
        figures["webhook_answers"] = ",".join(sorted({f"{c}:{r}" for c, r in answers}))
        _phase(started, "webhooks")
        # One bill of Site A's tenant, marked paid from both sites under their own payment ids.
        ok, why = await a.call(
            "add_fee",
            {"device_id": a.account_device, "fee_id": "key-deposit", "name": "Key deposit",
             "amount": "5.00", "recurrence": "one_off", "collection": "billed"},
        )  # fmt: skip
        assert ok, why
        bill_id = await _wait_for_bill(ledger_url, a.account_code, 6 * POLL_S)
        paid = await asyncio.gather(
            *(
                s.call("mark_bill_paid", {"bill_id": bill_id, "payment_id": f"PAY-{s.name[-1]}"})
                for s in sites
            )
        )
        figures["bill_payments_accepted"] = sum(ok for ok, _ in paid)
        _phase(started, "bill")
        await asyncio.sleep(RUN_S)
        # The driver of the shared gateway is killed, the other takes over, the killed restarts.
        takeovers: list[float] = []
        for _ in range(KILLS):
            driver = await _one_driver(sites, 12 * POLL_S)
            other = b if driver is a else a
            driver.kill()
            killed = time.monotonic()
            while await other.driving() is not True:
                assert time.monotonic() - killed < 12 * POLL_S, "nobody took the gateway over"
                await asyncio.sleep(0.5)
            takeovers.append(time.monotonic() - killed)
            _phase(started, "taken_over")
            await asyncio.sleep(RUN_S)  # the owner may be the one down: readings wait for it
            driver.ha.start()
            _phase(started, "restart")
            await driver.wait_up_again(START_LIMIT_S)
            driver.ha.token = await driver.ha.login("owner", "owner-pass")
            await driver.wait_loaded()
            _phase(started, "restarted")
            await _one_driver(sites, 12 * POLL_S)
            await asyncio.sleep(RUN_S)
        figures["kills"] = KILLS
        figures["takeover_s_max"] = round(max(takeovers), 1)
        await watch.stop()
        figures["driver_samples"] = watch.samples
        figures["gateways_driven_by_two"] = watch.by_two
    except BaseException:
        for site in sites:
            print(f"--- {site.name} log ---\n{site.ha.log_tail(40)}")
        raise
    finally:
        await asyncio.gather(*(asyncio.to_thread(s.ha.stop) for s in sites))
    figures |= _audit(ledger_url, sites)
    figures["wall_s"] = round(time.monotonic() - started, 1)
    return figures


async def _wait_for_bill(ledger_url: str, code: str, limit_s: float) -> int:
    """Wait for the fee's bill (issued by the next poll of Site A's shared gateway)."""
    engine = create_engine(make_url(ledger_url).set(drivername="postgresql+psycopg"))
    try:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                found = conn.execute(
                    text(
                        "SELECT bill.id FROM bill JOIN account ON account.id = bill.account_id"
                        " WHERE account.code = :code"
                    ),
                    {"code": code},
                ).scalar()
            if found is not None:
                return int(found)
            await asyncio.sleep(1)
    finally:
        engine.dispose()
    raise TimeoutError(f"no bill for {code} within {limit_s} s")


def _audit(ledger_url: str, sites: tuple[Site, Site]) -> dict[str, Any]:
    store = LedgerStore.open(
        make_url(ledger_url).set(drivername="postgresql+psycopg").render_as_string(False)
    )
    try:
        with store.reading() as conn:
            per_order = conn.execute(
                select(journal_entry.c.key, func.count())
                .where(journal_entry.c.source == "recharge")
                .group_by(journal_entry.c.key)
            ).all()
            payments = conn.execute(
                select(func.count()).where(journal_entry.c.source == "bill_payment")
            ).scalar_one()
            paid = conn.execute(
                select(func.count()).where(bill.c.paid_entry_id.is_not(None))
            ).scalar_one()
            rows = set(conn.execute(select(meter.c.id)).scalars())
            billed = dict(
                conn.execute(
                    select(usage_bucket.c.meter_id, func.sum(usage_bucket.c.quantity_milli))
                    .group_by(usage_bucket.c.meter_id)
                ).all()
            )  # fmt: skip
            moved = dict(
                conn.execute(
                    select(
                        meter_generation.c.meter_id,
                        meter_generation.c.hwm_milli - meter_generation.c.start_milli,
                    )
                ).all()
            )
            relayed = conn.execute(text("SELECT count(*) FROM meter_relay")).scalar_one()
        owners = store.meter_owners()
        report = store.check()
    finally:
        store.close()
    # Each physical meter of the shared gateway, whichever rows the two sites' subentries have:
    # what they billed beyond the counter advance of the row that moved most was billed twice.
    twice = 0
    shared_rows = 0
    for unit in UNITS:
        unit_rows = [m for s in sites if (m := s.shared_meters.get(str(unit))) in rows]
        shared_rows += len(unit_rows)
        twice += sum(int(billed.get(m, 0)) for m in unit_rows) - max(
            (int(moved.get(m, 0)) for m in unit_rows), default=0
        )
    shared = [m for s in sites for m in s.shared_meters.values() if m in rows]
    # Every meter row is bound to an identity (the buildings' meters to local ones).
    unbound = [m for m in rows if m not in owners]
    return {
        "orders_credited": len(per_order),
        "double_credits": sum(int(n) - 1 for _, n in per_order),
        "bills_paid": int(paid),
        "double_bill_payments": int(payments) - int(paid),
        "shared_meter_rows": shared_rows,
        "unbound_meter_rows": len(unbound),
        "relay_rows": int(relayed),
        "billed_shared_kwh": Decimal(sum(int(billed.get(m, 0)) for m in shared)) / 1000,
        "energy_billed_twice_kwh": Decimal(twice) / 1000,
        "books_error": len(report.violations),
        "owners": ",".join(sorted({o[1] for m, o in owners.items() if o[0].startswith("bus:")})),
        "sites": len(sites),
    }
