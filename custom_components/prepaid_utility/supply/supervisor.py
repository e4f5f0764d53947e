"""Steps 5 and 6 of a poll: what each balance means for its room, and making the relays agree.

For every account, after the cycle's charges (or a recharge): the alarm level moves (three low
levels with hysteresis, arrears, cut off), then :func:`billing.policy.decide_supply` says
whether supply should be on. A change of that desired state is sent to each of the account's
relays and valves; a meter that has not confirmed it (offline, no answer) is tried again on the
next cycles until its read-back agrees. Events tell automations what happened.

The cut holds: a meter that reads anything but its wanted state (the account's, an
administrator's override, or an administrator's one-off switch from the entity, which lasts
until the account's desired state next changes) was forced by someone without authority (a
relay closed by hand at the board, a switch moved behind the integration's back). It is put back
with the same bounded tries as a refused command, ``prepaid_utility_supply_forced`` is fired and
a repair issue raised.

A meter that keeps its own balance (meter-side billing) cuts and restores itself by that
balance: the ledger's balance never switches it (the two may disagree: a top-up made at the
meter is not in the ledger), so opening such an account or a ledger at zero does not cut a meter
that still holds credit. A manual switch (an override) still reaches it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..accounts.setup import AccountSetup
from ..billing.money import format_money
from ..billing.policy import (
    AlarmLevel,
    Override,
    SupplyAction,
    SupplyDecision,
    decide_supply,
    next_alarm_level,
)
from ..events import (
    EVENT_CUT_OFF,
    EVENT_CUT_WARNING,
    EVENT_LOW_BALANCE,
    EVENT_RESTORED,
    EVENT_SUPPLY_FORCED,
    CutWarning,
    LowBalance,
    SupplyChanged,
    SupplyForced,
)
from ..meters.reading import ControlOutcome, ControlResult, SupplyState
from .watch import SupplyWatch
from .workday import weekday_is_working

_LOGGER = logging.getLogger(__name__)

_LOW_LEVELS = frozenset({AlarmLevel.LOW_1, AlarmLevel.LOW_2, AlarmLevel.LOW_3, AlarmLevel.ARREARS})


@dataclass(slots=True)
class AccountState:
    """What the supervisor remembers of one account between cycles."""

    level: AlarmLevel = AlarmLevel.NORMAL
    supply_on: bool = True  # the desired state
    warned_until: datetime | None = None
    hold: str | None = None  # why a due cut is being held, for the entities
    pending: set[str] = field(default_factory=set)  # meters yet to confirm the desired state
    override: Override = Override.AUTO
    reviewed: bool = False  # the first review sets the level silently (start, restart)


class AccountSupervisor:
    """Alarm levels, cut-off decisions and relay reconciliation for one gateway's accounts."""

    def __init__(
        self,
        hass: HomeAssistant,
        accounts: Mapping[str, AccountSetup],
        controllable: Mapping[str, bool],
        currency: str,
        exponent: int,
        *,
        meter_side: frozenset[str] = frozenset(),
        names: Mapping[str, str] | None = None,
    ) -> None:
        """Watch ``accounts``; ``controllable`` says which meters have a relay or valve.

        ``meter_side``: meters that keep their own balance (never switched by the ledger's);
        ``names``: each meter's name for the log.
        """
        self.hass = hass
        self.accounts = accounts
        self.controllable = controllable
        self.meter_side = meter_side
        self.names: Mapping[str, str] = names or {}
        self.currency = currency
        self.exponent = exponent
        self.states: dict[str, AccountState] = {code: AccountState() for code in accounts}
        self._initialised = False
        # Manual say per meter (True: forced on, False: forced off); absent means automatic.
        self.overrides: dict[str, bool] = {}
        # An administrator's switch from the entity: held until the account's state changes.
        self.manual: dict[str, bool] = {}
        self.loose_pending: set[str] = set()  # overridden meters of no account, to confirm
        self.working_day: Callable[[datetime], bool] = weekday_is_working
        self.watch = SupplyWatch(hass)
        # Which account holds each meter (an account's meters change only with a reload).
        self.holder = {m: code for code, setup in accounts.items() for m in setup.meters}
        self.observed: Mapping[str, SupplyState] = {}
        self.totals: Mapping[str, Decimal] = {}  # latest counters, to see use while cut

    def desired(self, meter: str) -> bool | None:
        """Return the state a meter should be in (None: nobody decides it)."""
        if meter in self.manual:
            return self.manual[meter]
        if meter in self.overrides:
            return self.overrides[meter]
        if meter in self.meter_side:
            return None  # the meter's own balance decides
        holder = self.holder.get(meter)
        return None if holder is None else self.states[holder].supply_on

    def hold_manual(self, meter: str, on: bool) -> None:
        """Hold an administrator's switch from the entity until the account's state changes."""
        self.manual[meter] = on
        self.watch.forget(meter)
        self._wanted_changed(meter)

    def _wanted_changed(self, meter: str) -> None:
        self.watch.end_forced(meter)
        self.watch.incidents.discard(meter)

    def set_override(self, meters: set[str], value: bool | None) -> None:
        """Force meters on or off (None: back to automatic) and queue them to be sent."""
        for meter in meters:
            self.manual.pop(meter, None)
            self._wanted_changed(meter)
            if value is None:
                self.overrides.pop(meter, None)
            else:
                self.overrides[meter] = value
            self.watch.forget(meter)  # a new command: count its refusals afresh
            holder = self.holder.get(meter)
            if holder is not None:
                self.states[holder].pending.add(meter)
            elif value is not None:
                self.loose_pending.add(meter)
            else:
                self.loose_pending.discard(meter)

    def pending_meters(self) -> set[str]:
        """Return every meter that has not confirmed its desired state yet."""
        pending = set(self.loose_pending)
        for state in self.states.values():
            pending |= state.pending
        return pending

    def _switched_by_balance(self, setup: AccountSetup) -> list[str]:
        """Return the account's relays and valves that follow its ledger balance."""
        return [m for m in setup.meters if self.controllable.get(m) and m not in self.meter_side]

    def _meter_side_only(self, setup: AccountSetup) -> bool:
        """Return whether every relay or valve of the account keeps its own balance."""
        switches = [m for m in setup.meters if self.controllable.get(m)]
        return bool(switches) and all(m in self.meter_side for m in switches)

    def _account_override(self, setup: AccountSetup) -> Override:
        """Return the account's override: forced only when all its relays and valves are."""
        forced = {self.overrides.get(m) for m in setup.meters if self.controllable.get(m)}
        if forced == {True}:
            return Override.FORCE_ON
        if forced == {False}:
            return Override.FORCE_OFF
        return Override.AUTO

    def adopt_observed(self, observed: Mapping[str, SupplyState]) -> None:
        """At start, take each account's desired state from what its relays report.

        After a restart an account whose relays are all open stays cut until its balance
        allows a restore, instead of being switched on and off again.
        """
        self.observed = observed
        if self._initialised:
            return
        self._initialised = True
        for code, setup in self.accounts.items():
            states = [observed.get(m) for m in self._switched_by_balance(setup)]
            if states and all(s is SupplyState.OFF for s in states):
                self.states[code].supply_on = False
                self.states[code].level = AlarmLevel.CUT_OFF

    async def async_review(
        self,
        balances: Mapping[str, int],
        in_doubt: Callable[[AccountSetup], bool],
        set_supply: Callable[[str, bool], Awaitable[ControlResult]],
        now: datetime | None = None,
    ) -> None:
        """Review every account with a known balance and drive its relays (at ``now``)."""
        now_local = dt_util.as_local(now) if now is not None else dt_util.now()
        working_day = self.working_day(now_local)
        for code, setup in self.accounts.items():
            if code not in balances:
                continue
            state = self.states[code]
            balance = balances[code]
            state.override = self._account_override(setup)
            if state.override is Override.AUTO and self._meter_side_only(setup):
                # Nothing of it follows the ledger: no cut or restore to decide or announce.
                state.supply_on, state.hold, state.warned_until = True, None, None
                level = next_alarm_level(balance, state.level, setup.thresholds, setup.policy, True)
                self._level_changed(setup, state, balance, level)
                continue
            decision = decide_supply(
                balance=balance,
                supply_on=state.supply_on,
                policy=setup.policy,
                override=state.override,
                now_local=now_local,
                working_day=working_day,
                in_doubt=in_doubt(setup),
                warned_until=state.warned_until,
            )
            self._apply(setup, state, balance, decision)
            self._catch_forced(setup.meters, state.pending, setup)
            level = next_alarm_level(
                balance, state.level, setup.thresholds, setup.policy, state.supply_on
            )
            self._level_changed(setup, state, balance, level)
            await self._reconcile(setup, state, set_supply)
        loose = {m for m in self.overrides if m not in self.holder}
        self._catch_forced(sorted(loose), self.loose_pending, None)
        if self.loose_pending:
            await self._reconcile_meters(self.loose_pending, "-", set_supply)
        self.watch.clear_obeyed(self.observed, self.desired)
        self.watch.check_flow(self.totals, self.observed, self.desired)

    def _apply(
        self, setup: AccountSetup, state: AccountState, balance: int, decision: SupplyDecision
    ) -> None:
        state.hold = decision.hold.value if decision.hold else None
        if decision.action is SupplyAction.WARN and decision.warn_until is not None:
            state.warned_until = decision.warn_until
            self._fire(
                EVENT_CUT_WARNING,
                CutWarning(**self._common(setup, balance), cut_at=decision.warn_until.isoformat()),
            )
        if decision.action in (SupplyAction.CUT, SupplyAction.RESTORE):
            state.supply_on = decision.supply_on
            state.warned_until = None
            state.pending = set(self._switched_by_balance(setup))
            for meter in state.pending:
                self.manual.pop(meter, None)
                self.watch.forget(meter)
                self._wanted_changed(meter)
            reason = "manual" if state.override is not Override.AUTO else "balance"
            if decision.action is SupplyAction.RESTORE and state.override is Override.AUTO:
                reason = "recharge"
            event = EVENT_CUT_OFF if decision.action is SupplyAction.CUT else EVENT_RESTORED
            _LOGGER.info("%s: supply %s (%s)", setup.tenant, decision.action.value, reason)
            self._fire(event, SupplyChanged(**self._common(setup, balance), reason=reason))
        if decision.action is SupplyAction.KEEP and balance > -setup.policy.overdraft:
            state.warned_until = None  # topped up during the warning: no cut is due any more

    def _level_changed(
        self, setup: AccountSetup, state: AccountState, balance: int, level: AlarmLevel
    ) -> None:
        previous, state.level = state.level, level
        if not state.reviewed:
            # Levels are not news after a restart or for a new account: announce changes only.
            state.reviewed = True
            return
        # Every level crossed on the way down is announced, in order: a balance that falls from
        # level 2 straight to a cut still gives the tenant the "last warning" and "arrears".
        crossed = sorted(
            (lvl for lvl in _LOW_LEVELS if previous.rank < lvl.rank <= level.rank),
            key=lambda lvl: lvl.rank,
        )
        thresholds = {
            AlarmLevel.LOW_1: setup.thresholds.low_1,
            AlarmLevel.LOW_2: setup.thresholds.low_2,
            AlarmLevel.LOW_3: setup.thresholds.low_3,
        }
        before = previous
        for lvl in crossed:
            threshold = thresholds.get(lvl)
            self._fire(
                EVENT_LOW_BALANCE,
                LowBalance(
                    **self._common(setup, balance),
                    level=lvl.value,
                    previous_level=before.value,
                    threshold=None
                    if threshold is None
                    else str(format_money(threshold, self.exponent)),
                ),
            )
            before = lvl

    def _catch_forced(
        self, meters: Iterable[str], pending: set[str], setup: AccountSetup | None
    ) -> None:
        """Queue every meter that reads other than it should, unless it was given up on."""
        for meter in meters:
            wanted = self.desired(meter)
            seen = self.observed.get(meter, SupplyState.UNKNOWN)
            if (
                not self.controllable.get(meter)
                or wanted is None
                or meter in pending
                or seen is SupplyState.UNKNOWN
                or (seen is SupplyState.ON) == wanted
                or self.watch.given_up(meter, wanted)
            ):
                continue
            pending.add(meter)
            if self.watch.was_forced(meter, wanted, seen):
                name, room = self.watch.names.get(meter, (meter, ""))
                self._fire(
                    EVENT_SUPPLY_FORCED,
                    SupplyForced(
                        meter_id=meter,
                        meter_name=name,
                        room=room,
                        account_id=None if setup is None else setup.code,
                        account_name=None if setup is None else setup.tenant,
                        wanted="on" if wanted else "off",
                        observed=seen.value,
                    ),
                )

    async def _reconcile(
        self,
        setup: AccountSetup,
        state: AccountState,
        set_supply: Callable[[str, bool], Awaitable[ControlResult]],
    ) -> None:
        """Send the desired state to every meter that has not confirmed it yet."""
        await self._reconcile_meters(state.pending, setup.tenant, set_supply)

    async def _reconcile_meters(
        self,
        pending: set[str],
        tenant: str,
        set_supply: Callable[[str, bool], Awaitable[ControlResult]],
    ) -> None:
        for meter in sorted(pending):
            desired = self.desired(meter)
            if desired is None:
                pending.discard(meter)
                continue
            if self.watch.waiting(meter):
                continue
            try:
                result = await set_supply(meter, desired)
            except Exception:  # a meter that fails is retried next cycle
                _LOGGER.debug(
                    "%s: %s did not take the command", tenant, self.names.get(meter, meter)
                )
                continue
            if result.outcome is ControlOutcome.VERIFIED:
                pending.discard(meter)
                self.watch.obeyed(meter)
            elif result.outcome is ControlOutcome.MISMATCH:
                _LOGGER.warning(
                    "%s: %s does not follow the supply command (reads %s)",
                    tenant,
                    self.names.get(meter, meter),
                    result.observed.value,
                )
                if self.watch.refused(meter, desired):
                    pending.discard(meter)  # K refusals: no write storm; a repair issue says so

    def _common(self, setup: AccountSetup, balance: int) -> dict[str, str]:
        return {
            "account_id": setup.code,
            "account_name": setup.tenant,
            "room": setup.room,
            "balance": str(format_money(balance, self.exponent)),
            "currency": self.currency,
        }

    def _fire(
        self,
        event_type: str,
        payload: CutWarning | LowBalance | SupplyChanged | SupplyForced,
    ) -> None:
        self.hass.bus.async_fire(event_type, payload.as_data())
