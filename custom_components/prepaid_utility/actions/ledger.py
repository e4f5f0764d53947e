"""Registration of the ledger-operation services (fees, accounts, meters, bills, statements).

All are admin-only: they move money or change who pays for what. Registered once, in
``async_setup``.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from ..services import register_admin_services
from ..statements.build import (
    EXPORT_STATEMENT_SCHEMA,
    SERVICE_EXPORT_STATEMENT,
    async_export_statement,
)
from .accounts import (
    CLOSE_ACCOUNT_SCHEMA,
    OPEN_ACCOUNT_SCHEMA,
    SERVICE_CLOSE_ACCOUNT,
    SERVICE_OPEN_ACCOUNT,
    async_close_account,
    async_open_account,
)
from .bills import (
    APPORTION_SCHEMA,
    GENERATE_BILLS_SCHEMA,
    MARK_BILL_PAID_SCHEMA,
    SERVICE_APPORTION,
    SERVICE_GENERATE_BILLS,
    SERVICE_MARK_BILL_PAID,
    async_apportion,
    async_generate_bills,
    async_mark_bill_paid,
)
from .fees import (
    ADD_FEE_SCHEMA,
    REMOVE_FEE_SCHEMA,
    SERVICE_ADD_FEE,
    SERVICE_REMOVE_FEE,
    async_add_fee,
    async_remove_fee,
)
from .meters import REPLACE_METER_SCHEMA, SERVICE_REPLACE_METER, async_replace_meter


def async_setup_ledger_services(hass: HomeAssistant) -> None:
    """Register the services once (in async_setup, never per entry)."""
    register_admin_services(
        hass,
        (
            (SERVICE_ADD_FEE, async_add_fee, ADD_FEE_SCHEMA),
            (SERVICE_REMOVE_FEE, async_remove_fee, REMOVE_FEE_SCHEMA),
            (SERVICE_OPEN_ACCOUNT, async_open_account, OPEN_ACCOUNT_SCHEMA),
            (SERVICE_CLOSE_ACCOUNT, async_close_account, CLOSE_ACCOUNT_SCHEMA),
            (SERVICE_REPLACE_METER, async_replace_meter, REPLACE_METER_SCHEMA),
            (SERVICE_APPORTION, async_apportion, APPORTION_SCHEMA),
            (SERVICE_GENERATE_BILLS, async_generate_bills, GENERATE_BILLS_SCHEMA),
            (SERVICE_MARK_BILL_PAID, async_mark_bill_paid, MARK_BILL_PAID_SCHEMA),
            (SERVICE_EXPORT_STATEMENT, async_export_statement, EXPORT_STATEMENT_SCHEMA),
        ),
    )
