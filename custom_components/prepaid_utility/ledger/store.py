"""The synchronous ledger store: accounts, meters, readings and every money operation.

``LedgerStore`` assembles the parts: :mod:`.store_core` (engine, transactions, accounts,
meters, readings), :mod:`.store_money` (recharge, refund, adjustment, reversal) and
:mod:`.store_charges` (fees, standing charges, bills, apportionment, move-out), and the
gateway leases, the buildings of a shared ledger and its meter identities (:mod:`.leases`,
:mod:`.buildings`, :mod:`.identities`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection

from ..billing.engine import CounterReading, MeterSpec
from ..billing.errors import InvalidAmount
from ..billing.schedule import TouPeriod
from . import buildings, identities, leases, metering
from .journal import to_us
from .store_charges import BillInfo, ChargeOps, CommonArea, Settlement
from .store_core import AccountInfo, Quarantined

__all__ = ["AccountInfo", "BillInfo", "CommonArea", "LedgerStore", "Quarantined", "Settlement"]


class LedgerStore(ChargeOps):
    """The ledger, synchronous. Use from one thread (the async facade does that)."""

    def claim_gateway(self, gateway: str, who: leases.Claimant, term_s: int) -> leases.Lease:
        """Take, renew or (held by another) note a claim on a gateway's lease."""
        return self._write(
            lambda conn: leases.claim(conn, gateway, who, term_s), meters_untouched=True
        )

    def release_gateway(self, gateway: str, token: str) -> bool:
        """Give up a gateway's lease if this process holds it."""
        return self._write(lambda conn: leases.release(conn, gateway, token), meters_untouched=True)

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

    def claim_meter(
        self,
        identity: str,
        meter_id: str,
        spec: MeterSpec,
        tariff_code: str,
        *,
        owner: tuple[str, str],
        start: Decimal,
        at: datetime,
        periods: Mapping[TouPeriod, Decimal] | None = None,
    ) -> str:
        """Add a meter (if new) under its shared identity; return the row that bills it.

        The row returned is ``meter_id`` unless another instance (``owner`` is this instance's
        id and name) bills that physical meter already: then that instance's row.
        """
        if tariff_code not in self.tariffs:
            raise InvalidAmount("unknown tariff", tariff=tariff_code)
        if self.tariffs[tariff_code].kind is not spec.kind:
            raise InvalidAmount("tariff bills another utility", tariff=tariff_code)

        def add(conn: Connection) -> bool:
            return metering.add_meter(
                conn, meter_id, spec, tariff_code, start=start, at=at, periods=periods
            )

        return self._write(
            lambda conn: identities.claim(conn, identity, meter_id, owner=owner, at=at, add=add)
        )

    def meter_owners(self) -> dict[str, tuple[str, str]]:
        """Return meter row -> (identity, owner name) of every meter bound to an identity."""
        with self.reading() as conn:
            return identities.owners(conn)

    def relay_readings(self, readings: Sequence[CounterReading], by_name: str) -> int:
        """Leave readings of meters another instance owns for it to bill; return how many."""
        if not readings:
            return 0
        return self._write(
            lambda conn: identities.relay(conn, readings, by_name), meters_untouched=True
        )

    def relayed_readings(self, meter_ids: Sequence[str]) -> list[CounterReading]:
        """Return readings another instance left for these meters, newer than their cursor."""
        if not meter_ids:
            return []
        with self.reading() as conn:
            return identities.relayed(conn, meter_ids)
