"""The soak's building: four simulated gateways of 50 meters, their tenants, time and faults.

Everything goes through the real parts: the config entries are set up by Home Assistant, the
meters answer real Modbus TCP on loopback, money moves by the integration's services and its
payment webhook over HTTP. The harness only owns the simulator's clocks (all four frozen and
moved together, an hour per poll) and the fault switches of the simulated meters.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.const import (
    CONF_AREA_M2,
    CONF_GATEWAY_TYPE,
    CONF_LOW_1,
    CONF_LOW_2,
    CONF_LOW_3,
    CONF_METERS,
    CONF_OVERDRAFT,
    CONF_PRESET,
    CONF_PROTECT_NON_WORKING_DAYS,
    CONF_PROTECTED,
    CONF_PROTECTED_END,
    CONF_PROTECTED_START,
    CONF_RESTORE_ABOVE,
    CONF_RETRIES,
    CONF_ROOM,
    CONF_TIMEOUT,
    CONF_WARNING_MIN,
    DOMAIN,
    SUBENTRY_ACCOUNT,
)
from custom_components.prepaid_utility.flows.meters import simulated_meters
from custom_components.prepaid_utility.gateway.meter_names import async_title_templates
from custom_components.prepaid_utility.gateway.simulated_building import SimulatedBuilding
from custom_components.prepaid_utility.meters.simulator.devices import SimDevice
from custom_components.prepaid_utility.money.payments import CONF_WEBHOOK_SECRET
from custom_components.prepaid_utility.payments.signature import SIGNATURE_HEADER, sign
from custom_components.prepaid_utility.tariffs.catalog import (
    CONF_TARIFF_ELECTRICITY,
    tou_version,
    with_version,
)

from .external import ExternalBuilding

PRESET = "soak50"
NIGHT = ("22:00", "07:00")  # the protected hours of every third room
# Rooms 13-18 of every block are on a time-of-use tariff: their Acrel meters are billed by their
# own period registers (each rounding on its own), audited per period against the meters.
TOU_UNITS = range(13, 19)
TOU_TARIFF = "Soak TOU"
TOU_FIELDS = {  # the simulated Acrel meter's built-in table, in local time
    "sharp_hours": "18:00-20:00",
    "sharp_price": "1.2345",
    "peak_hours": "08:00-11:00, 17:00-18:00, 20:00-22:00",
    "peak_price": "0.9876",
    "flat_hours": "07:00-08:00, 11:00-17:00, 22:00-23:00",
    "flat_price": "0.6543",
    "valley_hours": "23:00-07:00",
    "valley_price": "0.3210",
}
TOU_PRICES_MICRO = {"sharp": 1_234_500, "peak": 987_600, "flat": 654_300, "valley": 321_000}
# The meters' clocks keep local time, a little fast: their periods change 25 s early.
TOU_CLOCK_DRIFT = timedelta(seconds=25)


@dataclass(slots=True)
class Room:
    """One tenant account and what the audit must know of it."""

    gateway: int
    code: str
    meters: list[str]
    protected: bool
    night: bool
    device_id: str = ""
    tou: bool = False

    def in_protected_hours(self, local: datetime) -> bool:
        """Return True at a local time inside this room's protected hours."""
        return self.night and (local.hour >= 22 or local.hour < 7)


@dataclass(slots=True)
class Money:
    """Every recharge the soak asked for, by order id (what must be credited once)."""

    orders: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (account, minor)
    deliveries: int = 0  # service calls and webhook posts, duplicates included
    service_calls: int = 0
    webhook_posts: int = 0


def meter_id(gateway: int, unit: int) -> str:
    """Return the soak's subentry id (the ledger's meter id) of a meter."""
    return f"g{gateway}m{unit:02d}"


def parse_meter_id(meter: str) -> tuple[int, int]:
    """Return (gateway index, unit) of a meter id like ``g12m05``."""
    gateway, unit = meter[1:].split("m")
    return int(gateway), int(unit)


def _rooms(gateway: int) -> list[Room]:
    """Rooms 1-24 hold an electricity meter (and 1-12 a water meter too); 29-38 one meter each.

    Meters 25-28 belong to nobody (landings, a pump): billed to no tenant.
    """
    rooms = []
    for unit in [*range(1, 25), *range(29, 39)]:
        meters = [meter_id(gateway, unit)]
        if unit <= 12:
            meters.append(meter_id(gateway, 38 + unit))
        rooms.append(
            Room(
                gateway=gateway,
                code=f"g{gateway}a{unit:02d}",
                meters=meters,
                protected=unit % 10 == 7,
                night=unit % 3 == 0,
                tou=unit in TOU_UNITS,
            )
        )
    return rooms


def _account_data(room: Room, unit: int) -> ConfigSubentryData:
    return ConfigSubentryData(
        subentry_id=room.code,
        subentry_type=SUBENTRY_ACCOUNT,
        title=f"Tenant {room.code}",
        unique_id=None,
        data={
            CONF_ROOM: f"Room {unit}",
            CONF_METERS: room.meters,
            CONF_AREA_M2: 40.0 + unit,
            CONF_PROTECTED: room.protected,
            CONF_PROTECT_NON_WORKING_DAYS: False,
            CONF_WARNING_MIN: 0,
            CONF_PROTECTED_START: NIGHT[0] if room.night else "",
            CONF_PROTECTED_END: NIGHT[1] if room.night else "",
            CONF_LOW_1: "30",
            CONF_LOW_2: "15",
            CONF_LOW_3: "5",
            CONF_OVERDRAFT: "0",
            CONF_RESTORE_ABOVE: "0",
            **({CONF_TARIFF_ELECTRICITY: TOU_TARIFF} if room.tou else {}),
        },
    )


class Soak:
    """Four simulated gateways in one Home Assistant, driven an hour at a time."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        gateways: int = 4,
        seed: int = 7,
        external: ExternalBuilding | None = None,
    ) -> None:
        """Prepare (nothing runs until ``async_setup``).

        With ``external`` the meters are served by a simulator in another process and the
        gateways are plain Modbus TCP gateways: Home Assistant's process then holds only what a
        real installation holds (the benchmark's CPU and memory figures need that).
        """
        self.hass = hass
        self.external = external
        self.client: Any = None  # an HTTP test client of Home Assistant, for the webhook
        self.rng = random.Random(seed)  # a test's dice
        self.entries: list[MockConfigEntry] = []
        self.rooms: list[Room] = []
        self.money = Money()
        self.gateways = gateways

    # -- set-up ------------------------------------------------------------------------------

    async def async_setup(self, first_poll: datetime | None = None) -> None:
        """Add the gateways with their meters and tenants, and load them.

        With ``first_poll`` the buildings start at that instant (as if saved then) rather than
        now, so a run's calendar, and every figure that follows from it, is the same each time.
        """
        for g in range(self.gateways):
            meters = simulated_meters(PRESET, await async_title_templates(self.hass))
            for sub in meters:
                sub["subentry_id"] = meter_id(g, int(str(sub["unique_id"])))
            rooms = _rooms(g)
            accounts = [_account_data(room, int(room.code[-2:])) for room in rooms]
            data: dict[str, Any] = {
                CONF_GATEWAY_TYPE: "simulated",
                "name": f"Block {g}",
                CONF_PRESET: PRESET,
            }
            unique_id = f"simulated:block {g}"
            if self.external is not None:
                host, port = self.external.endpoints[g]
                data = {CONF_GATEWAY_TYPE: "tcp", "name": f"Block {g}", "host": host, "port": port}
                unique_id = f"net:{host}:{port}"
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=f"Block {chr(65 + g)}",
                unique_id=unique_id,
                data=data,
                # Loopback answers in a millisecond: a short timeout keeps lost frames cheap.
                options=with_version(
                    {CONF_TIMEOUT: 0.2, CONF_RETRIES: 1},
                    TOU_TARIFF,
                    UtilityKind.ELECTRICITY,
                    tou_version(TOU_FIELDS),
                    datetime(2000, 1, 1, tzinfo=UTC),
                ),
                subentries_data=[*meters, *accounts],
            )
            entry.add_to_hass(self.hass)
            if first_poll is not None and self.external is None:
                building = SimulatedBuilding(self.hass, entry.entry_id, PRESET)
                building.building.clock.freeze()
                building.building.clock.advance(
                    (first_poll - building.building.clock.now()).total_seconds()
                )
                await building.async_save()
            self.entries.append(entry)
            self.rooms.extend(rooms)
        await self._async_load()
        registry = dr.async_get(self.hass)
        for room in self.rooms:
            entry = self.entries[room.gateway]
            device = registry.async_get_device_by_identifier(
                (DOMAIN, f"{entry.entry_id}_{room.code}"), entry.entry_id
            )
            assert device is not None, room.code
            room.device_id = device.id
        if self.external is None:
            self.set_tou_clocks()
            self.align()

    def tou_meters(self) -> list[str]:
        """Return the meters of the time-of-use rooms (one Acrel meter each)."""
        return [room.meters[0] for room in self.rooms if room.tou]

    def set_tou_clocks(self) -> None:
        """Set the time-of-use meters' clocks to local time, a little fast (kept on restart)."""
        offset = dt_util.as_local(self.now()).utcoffset() or timedelta(0)
        for meter in self.tou_meters():
            self.device(meter).clock_offset = offset + TOU_CLOCK_DRIFT

    async def _async_load(self) -> None:
        # Setting up the first entry sets up the integration, which loads the others too.
        for entry in self.entries:
            if entry.state is ConfigEntryState.NOT_LOADED:
                assert await self.hass.config_entries.async_setup(entry.entry_id)
        await self.hass.async_block_till_done()
        assert all(e.state is ConfigEntryState.LOADED for e in self.entries)

    def align(self, at: datetime | None = None) -> None:
        """Freeze every gateway's clock and bring them all to the same instant."""
        clocks = [entry.runtime_data.building.building.clock for entry in self.entries]
        for clock in clocks:
            clock.freeze()
        target = max([clock.now() for clock in clocks] + ([at] if at else []))
        for clock in clocks:
            clock.advance((target - clock.now()).total_seconds())

    # -- time --------------------------------------------------------------------------------

    def now(self) -> datetime:
        """Return the building's (simulated) time."""
        return self.entries[0].runtime_data.building.building.clock.now()

    def local_now(self) -> datetime:
        """Return the building's time in Home Assistant's time zone."""
        return dt_util.as_local(self.now())

    async def poll(self) -> None:
        """Run one poll cycle on every gateway, one gateway after the other.

        In Home Assistant each gateway's coordinator has its own timer (with jitter); forcing
        all four to publish their ~500 entity states in the same loop iteration would measure
        the harness, not the integration.
        """
        for entry in self.entries:
            await entry.runtime_data.coordinator.async_refresh()
        await self.hass.async_block_till_done()

    async def advance(self, seconds: float) -> None:
        """Move every simulated clock forward (the meters count meanwhile)."""
        if self.external is not None:
            await self.external.advance(seconds)
            return
        for entry in self.entries:
            entry.runtime_data.building.building.clock.advance(seconds)

    async def restart(self, down: timedelta) -> None:
        """Home Assistant goes down for ``down`` (meters keep counting) and comes back."""
        at = self.now() + down
        for entry in self.entries:
            assert await self.hass.config_entries.async_unload(entry.entry_id)
        await self.hass.async_block_till_done()
        await self._async_load()
        self.align(at)

    # -- meters ------------------------------------------------------------------------------

    def device(self, meter: str) -> SimDevice:
        """Return the simulated meter behind a meter id."""
        gateway, unit = parse_meter_id(meter)
        return self.entries[gateway].runtime_data.building.building.device(0, unit)

    def meter_ids(self) -> Iterator[str]:
        """Yield every meter id of the building."""
        for g in range(self.gateways):
            for unit in range(1, 51):
                yield meter_id(g, unit)

    def status(self, meter: str) -> Any:
        """Return the coordinator's view of a meter at its latest read (also mid-poll)."""
        coordinator = self.entries[parse_meter_id(meter)[0]].runtime_data.coordinator
        return coordinator._status[meter]

    def online(self, meter: str) -> bool:
        """Return whether the gateway heard the meter at its latest read."""
        return bool(self.status(meter).online)

    def switched(self, room: Room) -> list[str]:
        """Return the room's meters that have a relay or a valve."""
        meters = self.entries[room.gateway].runtime_data.coordinator.meters
        return [m for m in room.meters if meters[m].has_supply]

    def supplied(self, room: Room) -> bool:
        """Return whether any relay or valve of the room is on, in the simulator."""
        return any(self.device(m).supply_on for m in self.switched(room))

    def in_doubt(self, room: Room) -> bool:
        """Return whether the integration may not cut this room now (ledger or bus silent)."""
        coordinator = self.entries[room.gateway].runtime_data.coordinator
        billing = coordinator.billing
        return (billing is not None and billing.in_doubt) or not all(
            self.online(m) for m in room.meters
        )

    def device_id(self, meter: str) -> str:
        """Return the device-registry id of a meter."""
        entry = self.entries[parse_meter_id(meter)[0]]
        device = dr.async_get(self.hass).async_get_device_by_identifier(
            (DOMAIN, f"{entry.entry_id}_{meter}"), entry.entry_id
        )
        assert device is not None, meter
        return device.id

    async def call(self, service: str, data: dict[str, Any]) -> Any:
        """Call one of the integration's services as an admin would, returning its response."""
        return await self.hass.services.async_call(
            DOMAIN, service, data, blocking=True, return_response=True
        )

    # -- money -------------------------------------------------------------------------------

    def ledger(self) -> Any:
        """Return the shared ledger (every gateway keeps its money in the same SQLite file)."""
        return self.entries[0].runtime_data.ledger

    async def balances(self) -> dict[str, int]:
        """Return every room's balance in minor units, from the ledger."""
        codes = [room.code for room in self.rooms]
        every = await self.ledger().run(lambda s: s.balances())
        return {code: every[code] for code in codes}

    async def recharge_by_service(self, room: Room, minor: int, replays: int) -> None:
        """A landlord enters a payment at the counter (and, by mistake, again)."""
        order = f"cash-{room.code}-{len(self.money.orders)}"
        self.money.orders[order] = (room.code, minor)
        amount = str(Decimal(minor).scaleb(-2))
        for _ in range(1 + replays):
            await self.hass.services.async_call(
                DOMAIN,
                "recharge",
                {"device_id": room.device_id, "amount": amount, "order_id": order},
                blocking=True,
                return_response=True,
            )
            self.money.deliveries += 1
            self.money.service_calls += 1

    async def recharge_by_webhook(self, room: Room, minor: int, deliveries: int) -> None:
        """A resident pays online; the provider notifies ``deliveries`` times (retries)."""
        order = f"web-{room.code}-{len(self.money.orders)}"
        amount = str(Decimal(minor).scaleb(-2))
        created = await self.hass.services.async_call(
            DOMAIN,
            "create_payment_order",
            {"device_id": room.device_id, "order_id": order, "amount": amount},
            blocking=True,
            return_response=True,
        )
        assert created is not None
        self.money.orders[order] = (room.code, minor)
        entry = self.entries[room.gateway]
        body = json.dumps(
            {
                "event_id": f"evt-{order}",
                "order_id": order,
                "amount": amount,
                "currency": self.hass.config.currency,
                "status": "paid",
            }
        ).encode()
        for _ in range(deliveries):
            headers = {
                SIGNATURE_HEADER: sign(entry.data[CONF_WEBHOOK_SECRET], int(time.time()), body)
            }
            response = await self.client.post(created["webhook_path"], data=body, headers=headers)
            assert response.status == 200, await response.text()
            self.money.deliveries += 1
            self.money.webhook_posts += 1
