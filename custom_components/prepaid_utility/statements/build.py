"""Account statements: the ``export_statement`` service, and the one place a statement is built.

:func:`async_statement` reads it from the ledger and :func:`statement_csv` writes its CSV; the
service and the statement view (:mod:`.statement_view`) both use them, so the CSV a landlord
downloads is the CSV an automation writes. The service's CSV goes to one fixed folder,
``<config>/prepaid_utility/statements/``, under a name made of the account id and the period; a
caller never chooses a path. Amounts are decimal strings in currency units, quantities in kWh or
m³.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import config_validation as cv

from ..actions.helpers import ATTR_END, ATTR_MONTH, ATTR_START, account_of, period_bounds
from ..billing.errors import PrepaidError
from ..billing.money import format_money, nano_per_minor, round_half_up
from ..const import DOMAIN
from ..ledger import LedgerStore
from ..ledger.reports import Statement, StatementLine, statement, statement_lines
from ..money.ledger_runtime import currency_exponent
from ..services import _from_ledger

SERVICE_EXPORT_STATEMENT = "export_statement"
ATTR_DEVICE_ID = "device_id"
ATTR_WRITE_CSV = "write_csv"
STATEMENT_FOLDER = (DOMAIN, "statements")

EXPORT_STATEMENT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Exclusive(ATTR_MONTH, "period"): cv.string,
        vol.Exclusive(ATTR_START, "period"): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
        vol.Optional(ATTR_WRITE_CSV, default=False): cv.boolean,
    }
)


def _read(
    store: LedgerStore, code: str, start: datetime, end: datetime
) -> tuple[Statement, list[StatementLine]]:
    with store.reading() as conn:
        return statement(conn, code, start, end), statement_lines(conn, code, start, end)


def statement_data(
    hass: HomeAssistant,
    found: Statement,
    *,
    lines: list[StatementLine],
    start: datetime,
    end: datetime,
    period_id: str,
) -> dict[str, Any]:
    """Return the statement as plain JSON types (money as decimal strings)."""
    exponent = currency_exponent(hass.config.currency)

    def money(minor: int) -> str:
        return str(format_money(minor, exponent))

    by_utility: dict[str, int] = {}
    usage: list[dict[str, Any]] = []
    for line in found.usage:
        # Each line's exact amount rounded for display; the posted usage total is ``charges``.
        amount = round_half_up(max(line.exact_nano, 0), nano_per_minor(exponent))
        by_utility[line.kind] = by_utility.get(line.kind, 0) + line.exact_nano
        usage.append(
            {
                "utility": line.kind,
                "period": line.period,
                "tier": line.tier,
                "quantity": str(Decimal(line.quantity_milli).scaleb(-3)),
                "amount": money(amount),
            }
        )
    return {
        "account_id": found.account,
        "period": period_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "currency": hass.config.currency,
        "opening_balance": money(found.opening_balance),
        "closing_balance": money(found.closing_balance),
        "recharges": money(found.recharges),
        "charges": money(found.charges),
        "fees": money(found.fees),
        "totals_by_kind": {
            kind: money(total) for kind, total in sorted(found.totals_by_kind.items())
        },
        "charges_by_utility": {
            kind: money(round_half_up(max(nano, 0), nano_per_minor(exponent)))
            for kind, nano in sorted(by_utility.items())
        },
        "usage": usage,
        "lines": [
            {
                "entry_id": line.entry_id,
                "at": line.at.isoformat(),
                "kind": line.kind,
                "reason": line.reason,
                "amount": money(line.amount),
                "balance": money(line.balance),
            }
            for line in lines
        ],
    }


def statement_csv(data: dict[str, Any]) -> str:
    """Return the statement as CSV: the summary, then every entry with the balance after it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["account_id", data["account_id"]])
    writer.writerow(["period", data["period"], data["start"], data["end"]])
    writer.writerow(["currency", data["currency"]])
    writer.writerow(["opening_balance", data["opening_balance"]])
    writer.writerow(["recharges", data["recharges"]])
    writer.writerow(["charges", data["charges"]])
    writer.writerow(["fees", data["fees"]])
    writer.writerow(["closing_balance", data["closing_balance"]])
    writer.writerow([])
    writer.writerow(["entry_id", "at", "kind", "reason", "amount", "balance"])
    for line in data["lines"]:
        writer.writerow(
            [line["entry_id"], line["at"], line["kind"], line["reason"], line["amount"],
             line["balance"]]
        )  # fmt: skip
    return out.getvalue()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8", newline="")
    temporary.replace(path)


async def async_statement(
    hass: HomeAssistant,
    entry: ConfigEntry,
    code: str,
    bounds: tuple[datetime, datetime, str],
) -> dict[str, Any]:
    """Return an account's statement for ``[start, end)`` as plain JSON types, with its names."""
    start, end, period_id = bounds
    try:
        found, lines = await entry.runtime_data.ledger.run(lambda s: _read(s, code, start, end))
    except PrepaidError as err:
        raise _from_ledger(err) from err
    # A month holds one usage entry per poll (86,400 at 30 s): shape it off the event loop.
    data = await hass.async_add_executor_job(
        partial(statement_data, hass, found, lines=lines, start=start, end=end, period_id=period_id)
    )
    setup = entry.runtime_data.coordinator.accounts[code]
    data["tenant"] = setup.tenant
    data["room"] = setup.room
    return data


async def async_export_statement(call: ServiceCall) -> dict[str, Any]:
    """Return an account's statement for a month or a range; optionally write it as CSV."""
    hass = call.hass
    entry, code = account_of(hass, call.data[ATTR_DEVICE_ID])
    bounds = period_bounds(hass, call.data)
    data = await async_statement(hass, entry, code, bounds)
    if call.data[ATTR_WRITE_CSV]:
        # The name is built from the account id (a subentry id) and the period id only.
        path = Path(hass.config.path(*STATEMENT_FOLDER, f"{code}_{bounds[2]}.csv"))
        await hass.async_add_executor_job(lambda: _write(path, statement_csv(data)))
        data["csv_path"] = str(path)
    return data
