"""The gateway coordinator: one poll reads every meter of one gateway.

Reads of one bus are serialised by its hub (one lock, the RTU gap), so the coordinator just asks
for all meters at once and the hub orders them; a dead meter costs its timeout and is then
held back by the hub's circuit breaker, never the whole poll. A meter that fails makes only its
own entities unavailable (never 0), logged once when it goes and once when it comes back. Only
when the bus itself is gone does the whole update fail.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .accounts.setup import AccountSetup, async_sync_accounts, build_accounts
from .billing.errors import PrepaidError
from .const import (
    CONF_BILLING_MODE,
    CONF_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL_S,
    DOMAIN,
    BillingMode,
    GatewayType,
)
from .gateway.bus import AnyHub
from .gateway.lease import GatewayLease
from .gateway.meter_factory import MeterSetup
from .gateway.publishing import SlicedPublishCoordinator
from .gateway.simulated_building import SimulatedBuilding
from .gateway.watch import GatewayWatch, unreachable_issue_id
from .ledger import AsyncLedgerStore, LedgerStore, SQLAlchemyError
from .ledger.metering import CycleResult
from .meters.reading import (
    BusUnavailable,
    ControlResult,
    Medium,
    MeterError,
    MeterMisconfigured,
    MeterReading,
    SupplyState,
)
from .money.billing_cycle import GatewayBilling
from .money.fee_book import FeeBook
from .money.ledger_runtime import currency_exponent
from .money.meter_balance_check import MeterBalanceCheck
from .money.payments import PaymentOrders
from .money.topups import TopUps
from .repair_issues import raise_issue
from .supply.emergency_credit import EmergencyCredit
from .supply.overrides import OverrideStore
from .supply.supervisor import AccountState, AccountSupervisor
from .supply.watch import BYPASS_ALLOWANCE, bypass_issue_id, not_obeying_issue_id
from .supply.workday import CONF_WORKDAY_ENTITY, working_day_source
from .tariffs.runtime import GatewayTariffs
from .usage.statistics import UsageStatistics
from .usage.tracker import AccountUsage, UsageTracker

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class MeterStatus:
    """The latest word from one meter."""

    reading: MeterReading | None = None
    error: str | None = None  # the failure's class name while the meter does not answer
    online: bool = False
    last_seen: datetime | None = None
    supply: SupplyState = SupplyState.UNKNOWN
    last_control: ControlResult | None = None


@dataclass(slots=True)
class GatewayData:
    """What the entities of one gateway read."""

    meters: dict[str, MeterStatus] = field(default_factory=dict)
    polled_at: datetime | None = None
    cycle: CycleResult | None = None  # what the ledger made of this poll's readings
    ledger_ok: bool = True  # False: the readings could not be billed (billed late, not lost)
    balances: dict[str, int] = field(default_factory=dict)  # account code -> minor units
    accounts: dict[str, AccountState] = field(default_factory=dict)  # levels, desired supply
    usage: dict[str, AccountUsage] = field(default_factory=dict)  # account code -> today, month
    driver: str | None = None  # the instance that drives the gateway (None: lease not known)
    standby: bool = False  # another instance drives it: nothing read, billed or switched here


def _balances_of(store: LedgerStore, codes: list[str]) -> dict[str, int]:
    """Return these accounts' balances in one read, not one transaction per account."""
    every = store.balances()
    return {code: every[code] for code in codes if code in every}


class GatewayCoordinator(SlicedPublishCoordinator[GatewayData]):
    """Poll every meter of one gateway, and bill, supervise and count what they read."""

    config_entry: PrepaidConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PrepaidConfigEntry,
        meters: dict[str, MeterSetup],
        ledger: AsyncLedgerStore,
        *,
        gateway_device_id: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Build everything a poll uses, for the entry's meters and accounts."""
        interval = int(entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S))
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=interval),
        )
        self.meters = meters
        # The gateway's time: a simulated building's own (accelerated) clock, else the wall's.
        # Readings, protected hours and meter assignments all go by it.
        self.clock: Callable[[], datetime] = clock or dt_util.utcnow
        self.gateway_device_id = gateway_device_id
        currency = hass.config.currency
        exponent = currency_exponent(currency)
        self.accounts: dict[str, AccountSetup] = build_accounts(entry, exponent)
        self.tariffs = GatewayTariffs(hass, entry, ledger, meters, self.clock)
        self.billing = GatewayBilling(
            hass, entry.entry_id, entry.title, ledger, meters, tariffs=self.tariffs, clock=clock
        )
        self.fees = FeeBook(hass, entry.entry_id, ledger, self.clock)
        self.supervisor = AccountSupervisor(
            hass,
            self.accounts,
            {key: setup.has_supply for key, setup in meters.items()},
            currency,
            exponent,
            meter_side=frozenset(
                key
                for key in meters
                if (sub := entry.subentries.get(key)) is not None
                and sub.data.get(CONF_BILLING_MODE) == BillingMode.METER
            ),
            names={key: setup.label for key, setup in meters.items()},
        )
        self.overrides = OverrideStore(hass, entry.entry_id)
        self.gateway_watch = GatewayWatch(hass, entry.entry_id, entry.title, self.clock)
        self.emergency = EmergencyCredit(hass, ledger, entry.title)
        self.usage = UsageTracker(ledger, str(hass.config.time_zone), self.accounts)
        self.statistics = UsageStatistics(
            hass, ledger, self.accounts, self._account_kinds(), currency
        )
        self.meter_balances = MeterBalanceCheck(hass, entry, self.accounts, meters, exponent)
        # Set up after the ledger is open: only the lease holder polls, bills and switches.
        self.lease: GatewayLease | None = None
        self._accounts_synced = False
        self._balances: dict[str, int] = {}
        self._status: dict[str, MeterStatus] = {key: MeterStatus() for key in meters}

    def _account_kinds(self) -> dict[str, tuple[str, ...]]:
        """Return the utilities (electricity first) each account has meters for."""
        return {
            code: tuple(
                medium.value
                for medium in Medium
                if any(self.meters[m].medium is medium for m in setup.meters if m in self.meters)
            )
            for code, setup in self.accounts.items()
        }

    async def async_prepare(self) -> None:
        """Load what was saved and give the ledger its books (before the first poll)."""
        entry = self.config_entry
        await self.fees.async_load()
        self._prepare_supply()
        saved = await self.overrides.async_load(
            {key for key, setup in self.meters.items() if setup.has_supply}
        )
        for value in (True, False):
            self.supervisor.set_override({key for key, on in saved.items() if on is value}, value)
        await self.billing.async_register_tariffs()
        entry.async_on_unload(self.async_add_listener(self._tariff_positions))
        # The trackers must know each meter's last reading before the first poll.
        await self.usage.async_prepare()

    def _prepare_supply(self) -> None:
        """Give the watches the names, allowances and repair issues they start from."""
        entry = self.config_entry
        issues = ir.async_get(self.hass)
        meters = self.meters
        watch = self.supervisor.watch
        watch.names = {key: (setup.name, setup.room) for key, setup in meters.items()}
        watch.allowances = {key: BYPASS_ALLOWANCE[setup.medium] for key, setup in meters.items()}
        watch.bypassed = {
            key for key in meters if issues.async_get_issue(DOMAIN, bypass_issue_id(key))
        }
        # Issues outlive a restart: remember them, so the first good read clears them.
        watch.raised = {
            key for key in meters if issues.async_get_issue(DOMAIN, not_obeying_issue_id(key))
        }
        source = working_day_source(self.hass, entry.options.get(CONF_WORKDAY_ENTITY))
        if source is not None:
            self.supervisor.working_day = source
        self.gateway_watch.raised = (
            issues.async_get_issue(DOMAIN, unreachable_issue_id(entry.entry_id)) is not None
        )

    @callback
    def _tariff_positions(self) -> None:
        """Read the block usage of tiered tariffs once per poll."""
        polled_at = self.data.polled_at if self.data is not None else None
        if polled_at is not None and polled_at != self.tariffs.positions_at:
            self.hass.async_create_task(self.tariffs.async_refresh_positions(polled_at))

    async def _async_update_data(self) -> GatewayData:
        if self.lease is not None and not await self.lease.async_claim():
            return await self._async_standby()
        keys = list(self.meters)
        results = await asyncio.gather(*(self.meters[key].meter.read() for key in keys),
                                       return_exceptions=True)  # fmt: skip
        bus_down = bool(keys)
        fresh: dict[str, MeterReading] = {}
        for key, result in zip(keys, results, strict=True):
            if isinstance(result, MeterReading):
                bus_down = False
                fresh[key] = result
                self._got(key, result)
            elif isinstance(result, MeterError):
                bus_down = bus_down and isinstance(result, BusUnavailable)
                self._lost(key, result)
            elif isinstance(result, BaseException):
                raise result
        self.gateway_watch.observe(bool(fresh) or not keys)
        if bus_down:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="bus_unavailable",
                translation_placeholders={"gateway": self.config_entry.title},
            )
        cycle = None
        if fresh:
            cycle = await self.billing.async_bill(fresh)
            if not self.billing.foreign.keys() <= self.supervisor.meter_side:
                # Another instance bills these meters: this one's accounts must not switch them
                # (an account here that lists one is never charged for it).
                self.supervisor.meter_side |= frozenset(self.billing.foreign)
            if cycle is not None:
                await self._async_accounts(self.billing)
                if await self.fees.async_charge_new(self.accounts):
                    await self._async_accounts(self.billing)
                await self._async_usage(fresh, cycle)
        return GatewayData(
            meters=dict(self._status),
            polled_at=self.clock(),
            cycle=cycle,
            ledger_ok=not self.billing.in_doubt,
            balances=dict(self._balances),
            accounts=self._account_states(),
            usage=dict(self.usage.figures),
            driver=self._driver(),
        )

    def _driver(self) -> str | None:
        return None if self.lease is None else self.lease.holder_name

    async def _async_standby(self) -> GatewayData:
        """Show the shared ledger's balances; the meters are read by the instance that drives.

        Meters this instance bills that the driver read are billed here (its accounts, its
        tariffs) from what the driver relayed.
        """
        codes = list(self.accounts)
        try:
            # Recharges and payments for this instance's accounts come here, not to the driver.
            if not self._accounts_synced:
                await async_sync_accounts(
                    self.billing.ledger, self.accounts, set(self.meters), self.clock()
                )
                self._accounts_synced = True
        except PrepaidError as err:
            _LOGGER.debug("%s: accounts not synced: %s", self.config_entry.title, err)
        await self.billing.async_bill_relayed()
        try:
            self._balances = await self.billing.ledger.run(lambda s: _balances_of(s, codes))
        except (PrepaidError, SQLAlchemyError) as err:
            _LOGGER.debug("%s: balances not read: %s", self.config_entry.title, err)
        for status in self._status.values():
            status.online = False
        return GatewayData(
            meters=dict(self._status),
            polled_at=None,
            ledger_ok=not self.billing.in_doubt,
            balances=dict(self._balances),
            accounts=self._account_states(),
            usage=dict(self.usage.figures),
            driver=self._driver(),
            standby=True,
        )

    def _standing_by(self) -> bool:
        return self.lease is not None and not self.lease.held

    def require_driving(self) -> None:
        """Refuse a switching request while another instance drives the gateway."""
        if self._standing_by():
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="gateway_driven_elsewhere",
                translation_placeholders={
                    "gateway": self.config_entry.title,
                    "driver": self._driver() or "",
                },
            )

    async def _async_usage(self, fresh: dict[str, MeterReading], cycle: CycleResult) -> None:
        """Read each account's usage and cost, import statistics, compare meter-side balances."""
        try:
            await self.usage.async_update(fresh, cycle)
            if self.usage.reference is not None:
                await self.statistics.async_update(self.usage.reference, self.usage.changed_from)
        except (PrepaidError, SQLAlchemyError, HomeAssistantError) as err:
            # Figures stay as they were; billing and supply are not affected.
            _LOGGER.warning("%s: usage figures not updated: %s", self.config_entry.title, err)
        readings = {k: s.reading for k, s in self._status.items() if s.online}  # no stale
        self.meter_balances.review(readings, self._balances, not self.billing.in_doubt)

    def _account_states(self) -> dict[str, AccountState]:
        return {
            code: replace(s, pending=set(s.pending)) for code, s in self.supervisor.states.items()
        }

    def _in_doubt(self, setup: AccountSetup) -> bool:
        """Return True when a cut could be wrong: the ledger or one of its meters is silent."""
        if self.billing.in_doubt:
            return True
        return any(not self._status[m].online for m in setup.meters if m in self._status)

    async def _async_supervise(self) -> None:
        if self._standing_by():
            return  # the instance that drives the gateway switches its relays
        self.supervisor.adopt_observed({k: s.supply for k, s in self._status.items()})
        self.supervisor.totals = {
            k: s.reading.total for k, s in self._status.items() if s.reading is not None
        }
        # A top-up first pays back emergency credit it used.
        self._balances.update(await self.emergency.async_settle(self._balances))
        await self.supervisor.async_review(
            self._balances, self._in_doubt, self._async_switch, self.clock()
        )

    async def _async_switch(self, key: str, on: bool) -> ControlResult:
        """Switch one meter and keep the result (published with the cycle's data)."""
        result = await self.meters[key].meter.set_supply(on)
        status = self._status[key]
        status.last_control = result
        if result.observed is not SupplyState.UNKNOWN:
            status.supply = result.observed
        return result

    async def async_refresh_balances(self) -> dict[str, int]:
        """Read the accounts' balances now (after a recharge) and publish them."""
        if self.data is None:  # typed as set, yet None before the first poll
            return dict(self._balances)  # type: ignore[unreachable]
        codes = list(self.accounts)
        self._balances = await self.billing.ledger.run(lambda s: _balances_of(s, codes))
        # A top-up restores supply now, not at the next poll.
        await self._async_supervise()
        await self.async_set_published_data(
            replace(
                self.data,
                meters=dict(self._status),
                balances=dict(self._balances),
                accounts=self._account_states(),
            )
        )
        return dict(self._balances)

    async def _async_accounts(self, billing: GatewayBilling) -> None:
        """Keep account holdings in step with the subentries, then read the balances."""
        ledger = billing.ledger
        codes = list(self.accounts)
        try:
            if not self._accounts_synced or billing.registered_now:
                entry = self.config_entry
                await async_sync_accounts(
                    ledger,
                    self.accounts,
                    set(self.meters),
                    self.clock(),
                    (entry.entry_id, entry.title),
                )
                self._accounts_synced = True
            self._balances = await ledger.run(lambda s: _balances_of(s, codes))
            await self._async_supervise()
        except PrepaidError as err:
            billing.in_doubt = True
            _LOGGER.error("%s: accounts not updated: %s", self.config_entry.title, err)  # noqa: TRY400

    def _got(self, key: str, reading: MeterReading) -> None:
        status = self._status[key]
        if not status.online and status.error is not None:
            _LOGGER.info("%s: %s answers again", self.config_entry.title, self.meters[key].name)
        if status.error == MeterMisconfigured.__name__:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(key))
        status.reading = reading
        status.error = None
        status.online = True
        status.last_seen = reading.taken_at
        if reading.supply is not SupplyState.UNKNOWN:
            status.supply = reading.supply

    def _lost(self, key: str, error: MeterError) -> None:
        status = self._status[key]
        if status.online or status.error is None:
            _LOGGER.warning(
                "%s: %s does not answer (%s)",
                self.config_entry.title,
                self.meters[key].name,
                error,
            )
        status.online = False
        status.error = type(error).__name__
        if isinstance(error, MeterMisconfigured):
            # Retrying cannot help: the address or the model is wrong. A person must look.
            setup = self.meters[key]
            raise_issue(
                self.hass,
                self._issue_id(key),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="meter_misconfigured",
                translation_placeholders={
                    "meter": setup.name,
                    "room": setup.room,
                    "gateway": self.config_entry.title,
                    "code": str(error.code),
                },
            )

    def _issue_id(self, key: str) -> str:
        return f"misconfigured_{self.config_entry.entry_id}_{key}"

    async def async_set_supply(self, key: str, on: bool) -> ControlResult:
        """Switch one meter's relay or valve by hand, read it back, and publish the state."""
        self.require_driving()
        result = await self._async_switch(key, on)
        await self.async_set_published_data(replace(self.data, meters=dict(self._status)))
        return result


@dataclass(slots=True)
class GatewayRuntime:
    """What one loaded gateway entry holds while Home Assistant runs."""

    gateway: GatewayType
    hub: AnyHub | None  # None for gateways made of Home Assistant entities
    coordinator: GatewayCoordinator
    ledger: AsyncLedgerStore  # shared by every gateway of this Home Assistant
    orders: PaymentOrders  # online payments this gateway expects
    building: SimulatedBuilding | None  # the simulator behind a simulated gateway
    signature: object  # options and meter subentries as they were at set-up
    topups: TopUps  # residents' top-ups through WeChat Pay, Alipay, Stripe

    @property
    def tariffs(self) -> GatewayTariffs:
        """Return the gateway's tariffs (books, choices, prices now)."""
        return self.coordinator.tariffs

    @property
    def overrides(self) -> OverrideStore:
        """Return the gateway's saved manual supply overrides."""
        return self.coordinator.overrides


type PrepaidConfigEntry = ConfigEntry[GatewayRuntime]
