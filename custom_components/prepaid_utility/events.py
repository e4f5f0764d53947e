"""The events the integration fires on the bus, and the exact shape of their data.

Automations and the blueprints in ``blueprints/automation/prepaid_utility/`` rely on these names
and keys; README documents them. Money travels as a decimal string in currency units
("12.30") so no float ever carries a balance, and every event names the account both by id and
by the human name and room a notification would show.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Final

EVENT_LOW_BALANCE: Final = "prepaid_utility_low_balance"
EVENT_CUT_WARNING: Final = "prepaid_utility_cut_warning"
EVENT_CUT_OFF: Final = "prepaid_utility_cut_off"
EVENT_RESTORED: Final = "prepaid_utility_restored"
EVENT_RECHARGED: Final = "prepaid_utility_recharged"
EVENT_BILL_ISSUED: Final = "prepaid_utility_bill_issued"
EVENT_STATEMENT_READY: Final = "prepaid_utility_statement_ready"
EVENT_METER_QUARANTINED: Final = "prepaid_utility_meter_quarantined"
EVENT_METER_REPLACED: Final = "prepaid_utility_meter_replaced"
EVENT_ACCOUNT_CLOSED: Final = "prepaid_utility_account_closed"
EVENT_SUPPLY_FORCED: Final = "prepaid_utility_supply_forced"

ALL_EVENTS: Final = (
    EVENT_LOW_BALANCE,
    EVENT_CUT_WARNING,
    EVENT_CUT_OFF,
    EVENT_RESTORED,
    EVENT_RECHARGED,
    EVENT_BILL_ISSUED,
    EVENT_STATEMENT_READY,
    EVENT_METER_QUARANTINED,
    EVENT_METER_REPLACED,
    EVENT_ACCOUNT_CLOSED,
    EVENT_SUPPLY_FORCED,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountEvent:
    """Keys every account event carries."""

    account_id: str
    account_name: str
    room: str
    balance: str
    currency: str

    def as_data(self) -> dict[str, object]:
        """Return the event data (plain JSON types only)."""
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class LowBalance(AccountEvent):
    """The account entered a worse alarm level (low_1, low_2, low_3 or arrears)."""

    level: str
    previous_level: str
    threshold: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CutWarning(AccountEvent):
    """A cut is due and will happen at ``cut_at`` (ISO 8601) unless the account is topped up."""

    cut_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyChanged(AccountEvent):
    """Supply was cut or restored; ``reason`` says why (balance, recharge, manual, ...)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Recharged(AccountEvent):
    """Money was credited; ``balance`` is the balance after it."""

    amount: str
    order_id: str
    entry_id: str
    method: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BillIssued(AccountEvent):
    """A post-paid bill or a fee bill was issued."""

    bill_id: str
    amount: str
    period: str
    due_date: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementReady(AccountEvent):
    """An account's statement for ``period`` (YYYY-MM) can be downloaded at ``url``."""

    period: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterQuarantined:
    """A reading was not billed because it made no physical sense; a person must look."""

    meter_id: str
    meter_name: str
    reason: str  # the ledger's verdict: quarantined_decrease, quarantined_jump, invalid
    reading: str

    def as_data(self) -> dict[str, object]:
        """Return the event data (plain JSON types only)."""
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReplaced:
    """A meter's replacement was recorded: billing goes on from ``new_start_reading``."""

    meter_id: str
    meter_name: str
    generation: int
    new_start_reading: str
    final_reading: str | None
    replacement_id: str

    def as_data(self) -> dict[str, object]:
        """Return the event data (plain JSON types only)."""
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountClosed(AccountEvent):
    """An account was settled and closed; ``balance`` is the closing balance before refund."""

    refunded: str
    billed: str
    bill_id: str | None
    settlement_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyForced:
    """A relay or valve reads a state nobody with authority asked for; it is being put back.

    ``account_id`` is None for a meter of no account (a vacant room forced off by an override).
    """

    meter_id: str
    meter_name: str
    room: str
    account_id: str | None
    account_name: str | None
    wanted: str  # "on" or "off": what the account's policy or an administrator's override says
    observed: str  # what the meter reads

    def as_data(self) -> dict[str, object]:
        """Return the event data (plain JSON types only)."""
        return asdict(self)
