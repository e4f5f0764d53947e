"""Account statements: the one place a statement is built.

:func:`async_statement` reads it from the ledger and :func:`statement_csv` writes its CSV; the
``export_statement`` service and the statement view both use them, so the CSV a landlord
downloads is the CSV an automation writes. Amounts are decimal strings in currency units,
quantities in kWh or m³.
"""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..billing.errors import LedgerUnavailable
from ..billing.money import format_money, nano_per_minor, round_half_up
from ..ledger import LedgerStore
from ..ledger.reports import Statement, StatementLine, statement, statement_lines
from ..money.ledger_runtime import currency_exponent


def _read(
    store: LedgerStore, code: str, start: datetime, end: datetime
) -> tuple[Statement, list[StatementLine]]:
    # A statement lists entries: the open hour's usage becomes one first. If the file cannot be
    # written right now the statement is still read: its totals count the open hour anyway.
    with contextlib.suppress(LedgerUnavailable):
        store.settle_usage()
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
    # Every time in the statement in the zone its period is named in (CSV included).
    zone = ZoneInfo(str(hass.config.time_zone))

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
        "start": start.astimezone(zone).isoformat(),
        "end": end.astimezone(zone).isoformat(),
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
                "at": line.at.astimezone(zone).isoformat(),
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


async def async_statement(
    hass: HomeAssistant,
    entry: ConfigEntry,
    code: str,
    bounds: tuple[datetime, datetime, str],
) -> dict[str, Any]:
    """Return an account's statement for ``[start, end)`` as plain JSON types, with its names."""
    start, end, period_id = bounds
    found, lines = await entry.runtime_data.ledger.run(lambda s: _read(s, code, start, end))
    # A month holds one usage entry per poll (86,400 at 30 s): shape it off the event loop.
    data = await hass.async_add_executor_job(
        partial(statement_data, hass, found, lines=lines, start=start, end=end, period_id=period_id)
    )
    setup = entry.runtime_data.coordinator.accounts[code]
    data["tenant"] = setup.tenant
    data["room"] = setup.room
    return data
