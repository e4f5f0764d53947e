"""Steps 3 and 4 of a poll: the readings of one gateway become ledger charges.

Each meter is known to the ledger from its first good reading on (that counter is its start:
nothing before it is billed). Every later poll hands all good readings to the ledger in one
transaction; the ledger judges each against the meter's high-water mark and bills only real
consumption, at the price in force when it was used. A reading that makes no physical sense
(counter reset, meter swapped, garbage jump) is quarantined by the ledger: never billed, and
here turned into a repair issue and an event, once per episode.

On a gateway configured on two instances each physical meter is billed by one of them, its
owner (:mod:`..ledger.identities`): the instance that drives the gateway relays the readings of
meters it does not own, and the owner bills them even while it stands by.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..billing.engine import CounterReading, MeterSpec, TouFallback
from ..billing.errors import PrepaidError
from ..billing.quantity import UtilityKind
from ..billing.schedule import TouPeriod
from ..const import DOMAIN
from ..events import EVENT_METER_QUARANTINED, MeterQuarantined
from ..gateway.meter_factory import MeterSetup
from ..ledger import AsyncLedgerStore, LedgerStore
from ..ledger.metering import CycleResult
from ..meters.reading import MeterReading
from ..repair_issues import raise_issue
from ..tariffs.runtime import GatewayTariffs

_LOGGER = logging.getLogger(__name__)


def meter_spec(setup: MeterSetup) -> MeterSpec:
    """Return what the ledger must know to judge this meter's readings."""
    return MeterSpec(
        kind=UtilityKind(setup.medium.value),
        max_rate_milli_per_hour=setup.max_rate_milli_per_hour,
        rollover_milli=setup.rollover_milli,
    )


def counter_reading(setup: MeterSetup, reading: MeterReading) -> CounterReading:
    """Return the ledger's view of a reading (with the meter's own TOU counters if any)."""
    periods: dict[TouPeriod, Decimal] | None = None
    if reading.tou is not None:
        periods = {
            TouPeriod.SHARP: reading.tou.sharp,
            TouPeriod.PEAK: reading.tou.peak,
            TouPeriod.FLAT: reading.tou.flat,
            TouPeriod.VALLEY: reading.tou.valley,
        }
    return CounterReading(setup.subentry_id, reading.taken_at, reading.total, periods)


class GatewayBilling:
    """Bill one gateway's readings into the shared ledger."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        gateway_title: str,
        ledger: AsyncLedgerStore,
        meters: Mapping[str, MeterSetup],
        *,
        tariffs: GatewayTariffs,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Bind the gateway's meters to the ledger.

        ``clock``: a gateway's own time (a simulated building's, which may run behind or ahead
        of the wall); its usage accrues in that hour. Otherwise the ledger's (the wall's).
        """
        self.tariffs = tariffs
        self.clock = clock
        self.hass = hass
        self.entry_id = entry_id
        self.gateway_title = gateway_title
        self.ledger = ledger
        self.meters = meters
        self._known: set[str] = set()
        self.registered_now: set[str] = set()  # meters that joined the ledger this cycle
        self._quarantined: set[str] = set()
        self._tou_fallbacks: dict[str, TouFallback] = {}  # meter -> the reason in its repair
        self._tou_mismatches: dict[str, tuple[TouPeriod, TouPeriod]] = {}
        self._tou_settled: set[str] = set()  # meters with no fallback repair left from before
        self._tou_agreed: set[str] = set()  # meters with no mismatch repair left from before
        self.in_doubt = False  # the last cycle could not be written
        self.meter_codes: dict[str, str] = {}  # meter -> its book in the ledger
        # meter -> the name both instances give it, and this instance's (id, name): set by
        # the entry's set-up; without them a meter is added under its subentry id alone.
        self.identities: Mapping[str, str] = {}
        self.owner: tuple[str, str] = ("", "")
        self.foreign: dict[str, str] = {}  # meter -> the row of the instance that bills it

    async def async_register_tariffs(self) -> None:
        """Give the ledger every meter's book (the book of the account holding it)."""
        self.meter_codes = await self.tariffs.async_register()

    async def async_bill(self, readings: Mapping[str, MeterReading]) -> CycleResult | None:
        """Bill this poll's good readings; None when the ledger could not be written."""
        batch = [counter_reading(self.meters[key], r) for key, r in readings.items()]
        new = [c for c in batch if c.meter_id not in self._known | self.foreign.keys()]
        self.registered_now = set()
        try:
            if new:
                await self.ledger.run(lambda store: self._add_meters(store, new))
            relay = [
                replace(c, meter_id=self.foreign[c.meter_id])
                for c in batch
                if c.meter_id in self.foreign
            ]
            if relay:
                await self.ledger.run(lambda store: store.relay_readings(relay, self.owner[1]))
            result = await self.ledger.bill_readings(
                [c for c in batch if c.meter_id not in self.foreign],
                at=self.clock() if self.clock is not None else None,
            )
        except PrepaidError as err:
            if not self.in_doubt:
                # Expected and explained by the message (locked, disk full): no traceback.
                _LOGGER.error(  # noqa: TRY400
                    "%s: the ledger cannot be written: %s", self.gateway_title, err
                )
            self.in_doubt = True
            return None
        if self.in_doubt:
            _LOGGER.info("%s: the ledger is written again", self.gateway_title)
        self.in_doubt = False
        self._report_quarantines(result, readings)
        self._report_tou(result)
        return result

    def _add_meters(self, store: LedgerStore, new: list[CounterReading]) -> None:
        for reading in new:
            setup = self.meters[reading.meter_id]
            identity = self.identities.get(reading.meter_id)
            if identity is None:
                store.add_meter(
                    reading.meter_id,
                    meter_spec(setup),
                    self.meter_codes[reading.meter_id],
                    start=reading.total,
                    at=reading.taken_at,
                    periods=reading.periods,
                )
            else:
                row = store.claim_meter(
                    identity,
                    reading.meter_id,
                    meter_spec(setup),
                    self.meter_codes[reading.meter_id],
                    owner=self.owner,
                    start=reading.total,
                    at=reading.taken_at,
                    periods=reading.periods,
                )
                if row != reading.meter_id:
                    _LOGGER.info(
                        "%s: %s is billed by the instance that added it first; its readings"
                        " are left for that instance",
                        self.gateway_title,
                        setup.label,
                    )
                    self.foreign[reading.meter_id] = row
                    continue
            self._known.add(reading.meter_id)
            self.registered_now.add(reading.meter_id)

    async def async_bill_relayed(self) -> CycleResult | None:
        """Bill the readings the driving instance left for this one's meters (standing by)."""
        own = [key for key in self.meters if key not in self.foreign]
        try:
            batch = await self.ledger.run(lambda store: store.relayed_readings(own))
            if not batch:
                return None
            result = await self.ledger.bill_readings(
                batch, at=self.clock() if self.clock is not None else None
            )
        except PrepaidError as err:
            _LOGGER.debug("%s: relayed readings not billed: %s", self.gateway_title, err)
            return None
        self._report_quarantines(result, {c.meter_id: c for c in batch})
        return result

    def forget_quarantine(self, key: str) -> None:
        """End a meter's quarantine episode (its replacement was recorded)."""
        self._quarantined.discard(key)

    def _report_quarantines(
        self, result: CycleResult, readings: Mapping[str, MeterReading | CounterReading]
    ) -> None:
        now_quarantined = set(result.quarantined)
        for key in now_quarantined - self._quarantined:
            setup = self.meters[key]
            status = result.statuses[key]
            raise_issue(
                self.hass,
                f"quarantined_{key}",
                # Fixable: the repair records a replaced meter (meter_replacement.py, repairs.py).
                is_fixable=True,
                data={"entry_id": self.entry_id, "meter_id": key},
                severity=ir.IssueSeverity.WARNING,
                translation_key="meter_quarantined",
                translation_placeholders={
                    "meter": setup.name,
                    "room": setup.room,
                    "reading": str(readings[key].total),
                    "reason": status.value,
                },
            )
            self.hass.bus.async_fire(
                EVENT_METER_QUARANTINED,
                MeterQuarantined(
                    meter_id=key,
                    meter_name=setup.name,
                    reason=status.value,
                    reading=str(readings[key].total),
                ).as_data(),
            )
        # A meter read and not quarantined again ends its episode (the ledger resumed it).
        for key in self._quarantined - now_quarantined:
            if key in readings:
                ir.async_delete_issue(self.hass, DOMAIN, f"quarantined_{key}")
        self._quarantined = now_quarantined | {
            key for key in self._quarantined if key not in readings
        }

    def _report_tou(self, result: CycleResult) -> None:
        """Raise and clear the time-of-use repairs of this cycle's readings.

        A fallback to the tariff's table stays raised until the meter is billed by its own
        registers again (a reading that is not billed at all says nothing either way). A table
        mismatch stays raised until a billed reading leaves no disagreement under way.
        """
        for key, reason in result.tou_fallbacks.items():
            if self._tou_fallbacks.get(key) == reason:
                continue
            self._tou_fallbacks[key] = reason
            setup = self.meters[key]
            raise_issue(
                self.hass,
                f"tou_fallback_{key}",
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=f"tou_fallback_{reason.value}",
                translation_placeholders={"meter": setup.name, "room": setup.room},
            )
        # A repair raised before a restart or reload is not in memory: the first good reading
        # of each meter since then clears it too.
        for key in result.tou_by_registers:
            if key in self._tou_fallbacks or key not in self._tou_settled:
                self._tou_fallbacks.pop(key, None)
                ir.async_delete_issue(self.hass, DOMAIN, f"tou_fallback_{key}")
        self._tou_settled |= result.tou_by_registers
        for key, mismatch in result.tou_mismatches.items():
            periods = (mismatch.meter_period, mismatch.tariff_period)
            if self._tou_mismatches.get(key) == periods:
                continue
            self._tou_mismatches[key] = periods
            setup = self.meters[key]
            raise_issue(
                self.hass,
                f"tou_mismatch_{key}",
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="tou_mismatch",
                translation_placeholders={
                    "meter": setup.name,
                    "room": setup.room,
                    "meter_period": mismatch.meter_period.value,
                    "tariff_period": mismatch.tariff_period.value,
                    "since": dt_util.as_local(mismatch.since).isoformat(timespec="minutes"),
                },
            )
        # Readings that give no evidence (a poll across a period's edge, no use) are not in
        # tou_agreeing: they keep the repair.
        agreeing = result.tou_agreeing - result.tou_mismatches.keys()
        for key in agreeing:
            if key in self._tou_mismatches or key not in self._tou_agreed:
                self._tou_mismatches.pop(key, None)
                ir.async_delete_issue(self.hass, DOMAIN, f"tou_mismatch_{key}")
        self._tou_agreed |= agreeing
