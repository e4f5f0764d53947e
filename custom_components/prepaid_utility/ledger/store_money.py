"""Money operations on tenant accounts: recharge, refund, adjustment, reversal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from ..billing.errors import (
    InsufficientRefundable,
    InvalidAmount,
    OperationRefused,
    UnknownEntry,
)
from .journal import (
    EntryResult,
    account_id,
)
from .rows import balance_of, open_wallet_id, require_positive, wallet_id
from .schema import (
    journal_entry,
    posting,
)
from .store_core import LedgerCore


class MoneyOps(LedgerCore):
    """Recharge, refund, adjust and reverse, each once per idempotency key."""

    def recharge(
        self,
        account_code: str,
        amount_minor: int,
        key: str,
        *,
        method: str = "cash",
        actor: str = "system",
        at: datetime | None = None,
    ) -> EntryResult:
        """Credit a confirmed payment once per key (order id); a closed account refuses it.

        A replay of a payment credited before the account closed still answers as a replay.
        """
        require_positive(amount_minor)
        payload = {"account": account_code, "amount": amount_minor, "method": method}
        entry = self._entry(
            "recharge", key, payload, "recharge", amount=amount_minor, actor=actor, at=at
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            wallet = open_wallet_id(conn, account_code)
            entry.account_id = wallet
            return [(wallet, amount_minor), (account_id(conn, "clearing:payments"), -amount_minor)]

        return self._idempotent(entry, build)

    def refundable(self, account_code: str) -> int:
        """Return what may be refunded: the positive balance (paid - consumed - refunded)."""
        return max(self.balance(account_code), 0)

    def refund(
        self,
        account_code: str,
        amount_minor: int,
        key: str,
        *,
        actor: str = "system",
        at: datetime | None = None,
    ) -> EntryResult:
        """Pay money back, never more than the refundable amount; once per key."""
        require_positive(amount_minor)
        payload = {"account": account_code, "amount": amount_minor}
        entry = self._entry(
            "refund", key, payload, "refund", amount=amount_minor, actor=actor, at=at
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            wallet = wallet_id(conn, account_code, lock=True)
            entry.account_id = wallet
            available = max(balance_of(conn, wallet), 0)
            if amount_minor > available:
                raise InsufficientRefundable(
                    "refund above the refundable amount",
                    account=account_code,
                    requested=str(amount_minor),
                    refundable=str(available),
                )
            return [(wallet, -amount_minor), (account_id(conn, "refunds:payable"), amount_minor)]

        return self._idempotent(entry, build)

    def adjust(
        self,
        account_code: str,
        amount_minor: int,
        key: str,
        reason: str,
        *,
        actor: str = "system",
        at: datetime | None = None,
        open_only: bool = False,
    ) -> EntryResult:
        """Credit (positive) or debit (negative) an account with a reason; once per key.

        ``open_only`` refuses a closed account (an advance such as emergency credit); a
        landlord's correction of a closed account is allowed.
        """
        if amount_minor == 0 or not reason:
            raise InvalidAmount("an adjustment needs a non-zero amount and a reason")
        payload = {"account": account_code, "amount": amount_minor, "reason": reason}
        entry = self._entry(
            "adjustment",
            key,
            payload,
            "adjustment",
            amount=amount_minor,
            reason=reason,
            actor=actor,
            at=at,
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            wallet = (
                open_wallet_id(conn, account_code) if open_only else wallet_id(conn, account_code)
            )
            entry.account_id = wallet
            return [(wallet, amount_minor), (account_id(conn, "adjustments"), -amount_minor)]

        return self._idempotent(entry, build)

    def reverse(
        self, entry_id: int, reason: str, *, actor: str = "system", at: datetime | None = None
    ) -> EntryResult:
        """Reverse an entry with opposite postings linked to it (at most once)."""
        if not reason:
            raise InvalidAmount("a reversal needs a reason")
        payload = {"entry": entry_id, "reason": reason}
        entry = self._entry(
            "reversal",
            str(entry_id),
            payload,
            "reversal",
            amount=0,
            reason=reason,
            reverses_id=entry_id,
            actor=actor,
            at=at,
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            original = conn.execute(
                select(
                    journal_entry.c.kind, journal_entry.c.amount, journal_entry.c.account_id
                ).where(journal_entry.c.id == entry_id)
            ).first()
            if original is None:
                raise UnknownEntry("unknown entry", entry=str(entry_id))
            if original.kind == "reversal":
                raise OperationRefused("a reversal is not reversed", entry=str(entry_id))
            entry.amount = original.amount
            entry.account_id = original.account_id
            lines = conn.execute(
                select(posting.c.account_id, posting.c.amount).where(posting.c.entry_id == entry_id)
            )
            return [(row.account_id, -row.amount) for row in lines]

        return self._idempotent(entry, build)
