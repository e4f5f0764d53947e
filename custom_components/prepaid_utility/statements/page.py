"""The printable statement: one self-contained HTML page (A4 print styles, no script).

Built from the statement data of :func:`.statements.async_statement` (money as exact decimal
strings), so its figures are the ledger's: the summary lists every kind of entry and the
opening balance plus those totals is the closing balance. Usage is charged once per poll, so
the entries table folds a day's usage charges into one line (its balance is the balance after
the day's last charge); every other entry has its own line. Every name and reason is
HTML-escaped: a tenant called ``<script>`` is printed, never run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from .labels import label

UNITS = {"electricity": "kWh", "water": "m³", "gas": "m³"}
# Symbols of the currencies a landlord here is likely to use; any other shows its ISO code.
SYMBOLS = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "TWD": "NT$"}


@dataclass(frozen=True, slots=True)
class NumberStyle:
    """Separators of the reader's number format (Home Assistant's profile setting)."""

    group: str = ","
    decimal: str = "."


# Home Assistant's number_format choices; "language" and "system" read as the page language
# (English or Chinese), which both group with commas and use a decimal point.
NUMBER_STYLES = {
    "comma_decimal": NumberStyle(",", "."),
    "decimal_comma": NumberStyle(".", ","),
    "space_comma": NumberStyle("\u202f", ","),
    "none": NumberStyle("", "."),
}


def format_number(text: str, style: NumberStyle) -> str:
    """Return a decimal string with the reader's separators (the digits are never re-rounded)."""
    value = Decimal(text)
    sign = "-" if value < 0 else ""
    whole, _, fraction = str(abs(value)).partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    number = style.group.join(groups)
    return f"{sign}{number}{style.decimal}{fraction}" if fraction else f"{sign}{number}"


def format_amount(text: str, currency: str, style: NumberStyle) -> str:
    """Return money as the reader reads it: ``¥1,234.50``, ``-€3,00``, ``1,000 XOF``."""
    number = format_number(text, style)
    sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits}\u00a0{currency}"


@dataclass(frozen=True, slots=True)
class PageContext:
    """Who reads the page and how: labels, number style, time zone, when it was printed."""

    labels: Mapping[str, str]
    language: str
    style: NumberStyle
    time_zone: str
    printed: datetime
    building: str
    # Entry reasons a person reads better by name (a shared-area pool -> its master meter).
    references: Mapping[str, str] = field(default_factory=dict)


# The summary's order: money in, usage, charges, then corrections; any other kind after these.
KIND_ORDER = ("recharge", "bill_payment", "refund", "usage", "fee", "apportion", "adjustment",
              "reversal", "settlement")  # fmt: skip


def _local(iso: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(iso).astimezone(zone)


def _entry_rows(data: Mapping[str, Any], ctx: PageContext) -> list[tuple[str, str, str, str, str]]:
    """Return (date, kind, reference, amount, balance) rows with each day's usage folded."""
    zone = ZoneInfo(ctx.time_zone)
    rows: list[tuple[str, str, str, str, str]] = []
    day_usage: tuple[str, Decimal, int, str] | None = None  # day, amount, count, balance

    def flush() -> None:
        nonlocal day_usage
        if day_usage is not None:
            day, amount, count, balance = day_usage
            usage = label(ctx.labels, "usage_day", count=count)
            rows.append((day, usage, "", str(amount), balance))
            day_usage = None

    for line in data["lines"]:
        at = _local(line["at"], zone)
        if line["kind"] == "usage":
            day = at.strftime("%Y-%m-%d")
            if day_usage is not None and day_usage[0] != day:
                flush()
            if day_usage is None:
                day_usage = (day, Decimal(0), 0, line["balance"])
            day_usage = (day, day_usage[1] + Decimal(line["amount"]), day_usage[2] + 1,
                         line["balance"])  # fmt: skip
            continue
        flush()
        kind = label(ctx.labels, f"kind_{line['kind']}")
        reference = ctx.references.get(line["reason"], line["reason"])
        rows.append(
            (at.strftime("%Y-%m-%d %H:%M"), kind, reference, line["amount"], line["balance"])
        )
    flush()
    return rows


def render_statement(data: Mapping[str, Any], ctx: PageContext) -> str:
    """Return the statement as a printable HTML page."""
    t = ctx.labels
    currency = str(data["currency"])

    def money(text: str) -> str:
        return escape(format_amount(text, currency, ctx.style))

    def cell(text: object) -> str:
        return escape(str(text))

    zone = ZoneInfo(ctx.time_zone)
    start = _local(data["start"], zone).strftime("%Y-%m-%d")
    # The period ends before its end instant: show the last day inside it.
    end_instant = _local(data["end"], zone)
    last = datetime.fromordinal(end_instant.toordinal() - 1).strftime("%Y-%m-%d")
    if end_instant.time() != datetime.min.time():
        last = end_instant.strftime("%Y-%m-%d %H:%M")
    opening, closing = Decimal(data["opening_balance"]), Decimal(data["closing_balance"])
    summary = [
        f'<tr><th scope="row">{cell(label(t, "opening_balance"))}</th>'
        f'<td class="num" data-total="opening">{money(data["opening_balance"])}</td></tr>'
    ]
    totals: Mapping[str, str] = data["totals_by_kind"]
    order = [k for k in KIND_ORDER if k in totals] + sorted(set(totals) - set(KIND_ORDER))
    for kind, total in ((k, totals[k]) for k in order):
        summary.append(
            f'<tr><th scope="row">{cell(label(t, f"kind_{kind}"))}</th>'
            f'<td class="num" data-kind="{cell(kind)}">{money(total)}</td></tr>'
        )
    summary.append(
        f'<tr class="total"><th scope="row">{cell(label(t, "closing_balance"))}</th>'
        f'<td class="num" data-total="closing">{money(data["closing_balance"])}</td></tr>'
    )
    usage_rows = [
        f"<tr><td>{cell(label(t, u['utility']))}</td>"
        f"<td>{cell(label(t, 'period_' + u['period']))}</td>"
        f'<td class="num">{cell(u["tier"])}</td>'
        f'<td class="num">{cell(format_number(u["quantity"], ctx.style))}'
        f" {cell(UNITS.get(u['utility'], ''))}</td>"
        f'<td class="num">{money(u["amount"])}</td></tr>'
        for u in data["usage"]
    ]
    entry_rows = [
        f"<tr><td>{cell(day)}</td><td>{cell(kind)}</td><td>{cell(reference)}</td>"
        f'<td class="num">{money(amount)}</td><td class="num">{money(balance)}</td></tr>'
        for day, kind, reference, amount, balance in _entry_rows(data, ctx)
    ]
    usage_table = (
        f"<table><thead><tr><th>{cell(label(t, 'utility'))}</th>"
        f"<th>{cell(label(t, 'tou_period'))}</th><th class='num'>{cell(label(t, 'tier'))}</th>"
        f"<th class='num'>{cell(label(t, 'quantity'))}</th>"
        f"<th class='num'>{cell(label(t, 'amount'))}</th></tr></thead>"
        f"<tbody>{''.join(usage_rows)}</tbody>"
        f"<tfoot><tr><th colspan='4'>{cell(label(t, 'usage_total'))}</th>"
        f"<td class='num' data-total='charges'>{money(data['charges'])}</td>"
        f"</tr></tfoot></table><p class='note'>{cell(label(t, 'usage_note'))}</p>"
        if usage_rows
        else f"<p class='muted'>{cell(label(t, 'no_usage'))}</p>"
    )
    entries_table = (
        f"<table class='entries'><thead><tr><th>{cell(label(t, 'date'))}</th>"
        f"<th>{cell(label(t, 'kind'))}</th><th>{cell(label(t, 'reference'))}</th>"
        f"<th class='num'>{cell(label(t, 'amount'))}</th>"
        f"<th class='num'>{cell(label(t, 'balance_after'))}</th></tr></thead>"
        f"<tbody>{''.join(entry_rows)}</tbody></table>"
        if entry_rows
        else f"<p class='muted'>{cell(label(t, 'no_entries'))}</p>"
    )
    title = f"{label(t, 'title')} {data['period']} · {data['tenant']}"
    return f"""<!DOCTYPE html>
<html lang="{cell(ctx.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{cell(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
  <div class="building">{cell(ctx.building)}</div>
  <h1>{cell(label(t, "title"))} <span class="period">{cell(data["period"])}</span></h1>
  <dl>
    <dt>{cell(label(t, "tenant"))}</dt><dd class="tenant">{cell(data["tenant"])}</dd>
    <dt>{cell(label(t, "room"))}</dt><dd>{cell(data["room"])}</dd>
    <dt>{cell(label(t, "period"))}</dt><dd>{cell(label(t, "from_to", start=start, end=last))}</dd>
    <dt>{cell(label(t, "account"))}</dt><dd class="code">{cell(data["account_id"])}</dd>
    <dt>{cell(label(t, "currency"))}</dt><dd>{cell(currency)}</dd>
    <dt>{cell(label(t, "generated"))}</dt>
    <dd>{cell(ctx.printed.astimezone(zone).strftime("%Y-%m-%d %H:%M"))}</dd>
  </dl>
  <p class="hint">{cell(label(t, "print_hint"))}</p>
</header>
<section class="balances">
  <div><span>{cell(label(t, "opening_balance"))}</span>
    <strong>{money(data["opening_balance"])}</strong></div>
  <div><span>{cell(label(t, "net_change"))}</span>
    <strong>{money(str(closing - opening))}</strong></div>
  <div><span>{cell(label(t, "closing_balance"))}</span>
    <strong class="closing">{money(data["closing_balance"])}</strong></div>
</section>
<h2>{cell(label(t, "summary"))}</h2>
<table class="summary"><tbody>{"".join(summary)}</tbody></table>
<h2>{cell(label(t, "usage"))}</h2>
{usage_table}
<h2>{cell(label(t, "entries"))}</h2>
{entries_table}
</body>
</html>
"""


STYLE = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans SC", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
  Roboto, Arial, sans-serif; color: #111; margin: 24px auto; max-width: 186mm;
  font-size: 10.5pt; line-height: 1.4; }
header .building { font-size: 13pt; font-weight: 600; }
h1 { font-size: 18pt; margin: 2px 0 8px; }
h1 .period { font-weight: 400; color: #444; }
h2 { font-size: 12pt; margin: 18px 0 6px; border-bottom: 1px solid #999; padding-bottom: 2px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dt { color: #555; }
dd { margin: 0; }
.code { font-family: monospace; font-size: 9pt; }
.hint { color: #666; font-size: 9pt; }
.balances { display: flex; gap: 12px; margin: 12px 0; }
.balances div { flex: 1; border: 1px solid #bbb; border-radius: 6px; padding: 8px 10px; }
.balances span { display: block; color: #555; font-size: 9pt; }
.balances strong { font-size: 15pt; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #ddd; vertical-align: top; }
thead th { border-bottom: 1.5px solid #555; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.summary { width: 60%; }
tr.total th, tr.total td, tfoot th, tfoot td { border-top: 1.5px solid #555; font-weight: 700; }
.note, .muted { color: #666; font-size: 9pt; }
.entries td:nth-child(3) { word-break: break-all; }
@media print {
  body { margin: 0; max-width: none; }
  .hint { display: none; }
  thead { display: table-header-group; }
  tr, .balances { break-inside: avoid; }
}
"""
