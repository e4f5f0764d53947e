"""The synchronous ledger store: accounts, meters, readings and every money operation.

``LedgerStore`` assembles the parts: :mod:`.store_core` (engine, transactions, accounts,
meters, readings), :mod:`.store_money` (recharge, refund, adjustment, reversal) and
:mod:`.store_charges` (fees, standing charges, bills, apportionment, move-out), and the
gateway leases and the buildings of a shared ledger (:mod:`.leases`, :mod:`.buildings`).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import buildings, leases
from .journal import to_us
from .store_charges import BillInfo, ChargeOps, CommonArea, Settlement
from .store_core import AccountInfo, Quarantined

__all__ = ["AccountInfo", "BillInfo", "CommonArea", "LedgerStore", "Quarantined", "Settlement"]


class LedgerStore(ChargeOps):
    """The ledger, synchronous. Use from one thread (the async facade does that)."""

    def claim_gateway(self, gateway: str, who: leases.Claimant, term_s: int) -> leases.Lease:
        """Take, renew or (held by another) note a claim on a gateway's lease."""
        return self._write(lambda conn: leases.claim(conn, gateway, who, term_s))

    def release_gateway(self, gateway: str, token: str) -> bool:
        """Give up a gateway's lease if this process holds it."""
        return self._write(lambda conn: leases.release(conn, gateway, token))

    def claim_building(self, building_id: str, name: str, codes: Iterable[str]) -> int:
        """Name a building and put those of its accounts that have no building yet in it."""
        wanted = list(codes)
        return self._write(
            lambda conn: buildings.claim(conn, building_id, name, wanted, to_us(self.clock()))
        )

    def buildings(self) -> dict[str, str]:
        """Return building id -> name of every building on the ledger."""
        with self.reading() as conn:
            return buildings.names(conn)
