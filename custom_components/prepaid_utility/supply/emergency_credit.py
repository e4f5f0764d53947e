"""Emergency credit: an advance a resident can claim once, paid back by the next top-up.

A resident whose balance is at the last alarm level or below (or who is already cut off) may
claim emergency credit once, from the account's button or through the admin service. It is an
adjustment in the ledger with the key ``emergency:<account>:<n>`` (the n-th claim of the
account), so two presses at the same moment credit it once. The next recharge pays it back with
a second adjustment, ``emergency_repaid:<account>:<n>``, before the account is reviewed, so
supply is never switched on by the top-up and off again by the repayment. A new claim is
possible only once the balance has been above zero after that repayment: the ledger's own
entries say where an account stands, nothing else is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from homeassistant.core import HomeAssistant

from ..billing.errors import LedgerConflict, PrepaidError
from ..ledger import AsyncLedgerStore
from ..ledger.emergency import (
    REASON_CLAIM,
    REASON_REPAID,
    EmergencyStatus,
    claim_key,
    emergency_status,
    open_claims,
    repaid_key,
)

_LOGGER = logging.getLogger(__name__)

CONF_EMERGENCY_CREDIT: Final = "emergency_credit"


class EmergencyCredit:
    """Claims and repayments of one gateway's accounts."""

    def __init__(self, hass: HomeAssistant, ledger: AsyncLedgerStore, title: str) -> None:
        """Work on ``ledger`` for the gateway ``title``."""
        self.hass = hass
        self.ledger = ledger
        self.title = title
        self._open: set[str] | None = None  # accounts with an open claim (None: not read yet)

    async def async_status(self, code: str) -> tuple[EmergencyStatus, int]:
        """Return the account's standing and its balance."""
        return await self.ledger.run(lambda s: (emergency_status(s, code), s.balance(code)))

    async def async_claim(self, code: str, cycle: int, amount: int, actor: str) -> Any:
        """Credit the claim once; raises ``LedgerConflict`` when it was claimed otherwise."""
        result = await self.ledger.adjust(
            code, amount, claim_key(code, cycle), REASON_CLAIM, actor=actor, open_only=True
        )
        if self._open is not None:
            self._open.add(code)
        return result

    async def async_settle(self, balances: Mapping[str, int]) -> dict[str, int]:
        """Pay back open claims of accounts topped up since; return their new balances."""
        changed: dict[str, int] = {}
        try:
            if self._open is None:
                codes = list(balances)
                self._open = await self.ledger.run(lambda s: open_claims(s, codes))
            for code in sorted(self._open):
                if code not in balances:
                    continue
                status, _ = await self.async_status(code)
                if status.outstanding == 0:
                    self._open.discard(code)
                    continue
                if not status.repay_due:
                    continue
                key = repaid_key(code, status.cycle - 1)
                await self.ledger.adjust(code, -status.outstanding, key, REASON_REPAID)
                self._open.discard(code)
                changed[code] = await self.ledger.balance(code)
                _LOGGER.info("%s: emergency credit of %s paid back", code, status.outstanding)
        except LedgerConflict:
            _LOGGER.exception("%s: emergency credit repayment refused", self.title)
        except PrepaidError as err:
            # The ledger is unavailable: the repayment waits for the next review.
            _LOGGER.warning("%s: emergency credit not settled now: %s", self.title, err)
        return changed
