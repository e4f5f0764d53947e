"""Repair issue when the ledger and a meter that keeps its own balance disagree.

A meter billed meter-side (an Acrel prepaid meter holding its own remaining amount) deducts by
itself; our ledger bills the same consumption. Each poll compares the two for every such meter
that is the only meter of its account (the account's balance is then the meter's balance). A
difference larger than one tariff step (the price of one kWh or m³: the meter deducts in its own
steps and rounding, and reads may straddle a step) opens a repair issue with both figures and
the meter's purchase count; it closes by itself when they agree again. Money is never corrected
automatically: a person decides which side is right (recharge, refund, adjust_balance, or a
top-up pushed to the meter).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..accounts.setup import AccountSetup
from ..billing.money import format_money, parse_price
from ..billing.quantity import UtilityKind
from ..const import CONF_BILLING_MODE, DOMAIN, BillingMode
from ..gateway.meter_factory import MeterSetup
from ..meters.reading import MeterReading
from ..repair_issues import raise_issue
from ..tariffs.prices import current_price

ISSUE_KEY = "meter_balance_mismatch"


def tolerance_minor(price_micro: int, exponent: int) -> int:
    """Return one tariff step (the price of one unit) in minor units, rounded up, at least 1."""
    step: int = -(-price_micro * 10**exponent // 1_000_000)  # ceiling division
    return max(step, 1)


class MeterBalanceCheck:
    """Compare ledger balances with meter-side balances after every poll."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        accounts: Mapping[str, AccountSetup],
        meters: Mapping[str, MeterSetup],
        exponent: int,
    ) -> None:
        """Watch the meter-side meters of ``entry`` that are alone on their account."""
        self.hass = hass
        self.entry = entry
        self.exponent = exponent
        self.meters = meters
        self.pairs: dict[str, AccountSetup] = {}
        for setup in accounts.values():
            if len(setup.meters) != 1 or setup.meters[0] not in meters:
                continue
            sub = entry.subentries.get(setup.meters[0])
            if sub is not None and sub.data.get(CONF_BILLING_MODE) == BillingMode.METER:
                self.pairs[setup.meters[0]] = setup
        self._open: dict[str, dict[str, str]] = {}  # meter -> what its open issue shows

    def issue_id(self, meter_id: str) -> str:
        """Return the repair issue id of one meter."""
        return f"{ISSUE_KEY}_{self.entry.entry_id}_{meter_id}"

    def review(
        self,
        readings: Mapping[str, MeterReading | None],
        balances: Mapping[str, int],
        ledger_ok: bool,
    ) -> None:
        """Open, update or close the issue of every watched meter."""
        if not ledger_ok:
            return  # the ledger's balance is not current: no verdict either way
        for meter_id, setup in self.pairs.items():
            reading = readings.get(meter_id)
            if reading is None or reading.meter_balance is None or setup.code not in balances:
                continue
            ledger = balances[setup.code]
            scaled = reading.meter_balance.scaleb(self.exponent)
            on_meter = int(scaled.quantize(Decimal(1), ROUND_HALF_UP))
            kind = UtilityKind(self.meters[meter_id].medium.value)
            price = parse_price(current_price(self.entry.options, kind))
            step = tolerance_minor(price, self.exponent)
            difference = ledger - on_meter
            if abs(difference) <= step:
                if self._open.pop(meter_id, None) is not None:
                    ir.async_delete_issue(self.hass, DOMAIN, self.issue_id(meter_id))
                continue
            placeholders = {
                "meter": self.meters[meter_id].name,
                "tenant": setup.public_name,
                "ledger_balance": str(format_money(ledger, self.exponent)),
                "meter_balance": str(format_money(on_meter, self.exponent)),
                "purchase_count": str(reading.purchase_count)
                if reading.purchase_count is not None
                else "?",
                "tolerance": str(format_money(step, self.exponent)),
                "currency": self.hass.config.currency,
            }
            if self._open.get(meter_id) == placeholders:
                continue
            # The issue shows today's figures, not those of when it was raised.
            self._open[meter_id] = placeholders
            raise_issue(
                self.hass,
                self.issue_id(meter_id),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_KEY,
                translation_placeholders=placeholders,
            )
