"""The synchronous ledger store: accounts, meters, readings and every money operation.

``LedgerStore`` assembles the parts: :mod:`.store_core` (engine, transactions, accounts,
meters, readings), :mod:`.store_money` (recharge, refund, adjustment, reversal) and
:mod:`.store_charges` (fees, standing charges, bills, apportionment, move-out).
"""

from __future__ import annotations

from .store_charges import BillInfo, ChargeOps, CommonArea, Settlement
from .store_core import AccountInfo, Quarantined

__all__ = ["AccountInfo", "BillInfo", "CommonArea", "LedgerStore", "Quarantined", "Settlement"]


class LedgerStore(ChargeOps):
    """The ledger, synchronous. Use from one thread (the async facade does that)."""
