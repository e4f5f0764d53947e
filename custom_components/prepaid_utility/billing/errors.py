"""Exceptions of the billing domain and the ledger, each with a stable translation key.

The Home Assistant layer maps every ``PrepaidError`` to a translated ``ServiceValidationError``
(or ``HomeAssistantError`` for ``LedgerUnavailable``) using ``translation_key`` and
``placeholders``.
"""

from __future__ import annotations


class PrepaidError(Exception):
    """Base class: a refused operation with a translation key and placeholders."""

    translation_key = "prepaid_error"

    def __init__(self, message: str, **placeholders: str) -> None:
        super().__init__(message)
        self.placeholders: dict[str, str] = dict(placeholders)


class InvalidAmount(PrepaidError):
    """An amount, price or quantity is malformed, negative, zero or finer than allowed."""

    translation_key = "invalid_amount"


class LedgerConflict(PrepaidError):
    """An idempotency key was reused with a different payload."""

    translation_key = "idempotency_conflict"


class InsufficientRefundable(PrepaidError):
    """A refund asks for more than the account's refundable amount."""

    translation_key = "insufficient_refundable"


class UnknownAccount(PrepaidError):
    """No account with that code."""

    translation_key = "unknown_account"


class UnknownBuilding(PrepaidError):
    """No building with that id on the ledger."""

    translation_key = "unknown_building"


class UnknownMeter(PrepaidError):
    """No meter with that id."""

    translation_key = "unknown_meter"


class UnknownEntry(PrepaidError):
    """No journal entry or bill with that id."""

    translation_key = "unknown_entry"


class OperationRefused(PrepaidError):
    """The operation does not fit the current state (closed account, paid bill, ...)."""

    translation_key = "invalid_operation"


class AccountClosedError(OperationRefused):
    """Money for an account that was settled and closed: refused, so it can be paid back."""

    translation_key = "account_closed"


class SchemaTooNew(PrepaidError):
    """The database was written by a newer version of the integration."""

    translation_key = "schema_too_new"


class LedgerUnavailable(PrepaidError):
    """The database cannot be reached or written."""

    translation_key = "ledger_unavailable"


class Refused(PrepaidError):
    """A request refused for a reason its translation key names (an unknown tariff, a bad period).

    Unlike the classes above, one class for many reasons: the refusals of the Home Assistant
    side, which a person fixes by changing the request.
    """

    def __init__(self, translation_key: str, **placeholders: str) -> None:
        super().__init__(translation_key, **placeholders)
        self.translation_key = translation_key
