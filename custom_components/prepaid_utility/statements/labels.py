# ruff: noqa: RUF001  # full-width punctuation is correct in the Chinese labels
"""Labels of the printable statement page, in English and Chinese (as the cards have them).

The page follows the reader's Home Assistant language: Chinese for any ``zh`` language,
English otherwise. Keys missing from a table fall back to English, then to the key.
"""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    "title": "Statement",
    "tenant": "Tenant",
    "room": "Room",
    "account": "Account",
    "period": "Period",
    "from_to": "{start} to {end}",
    "currency": "Currency",
    "generated": "Printed",
    "summary": "Summary",
    "opening_balance": "Opening balance",
    "closing_balance": "Closing balance",
    "net_change": "Change in the period",
    "usage": "Usage by utility, period and tier",
    "utility": "Utility",
    "tou_period": "Time of use",
    "tier": "Tier",
    "quantity": "Quantity",
    "amount": "Amount",
    "usage_total": "Usage charged",
    "usage_note": (
        "Line amounts are exact prices rounded for display; the usage charged is what the "
        "balance lost (each charge rounded once, the fraction carried to the next)."
    ),
    "no_usage": "No usage in this period.",
    "entries": "Entries",
    "date": "Date",
    "kind": "Entry",
    "reference": "Reference",
    "balance_after": "Balance",
    "no_entries": "No entries in this period.",
    "usage_day": "Usage ({count} charges)",
    "print_hint": "Print this page or save it as PDF with your browser (Ctrl+P).",
    "kind_recharge": "Recharge",
    "kind_refund": "Refund",
    "kind_adjustment": "Adjustment",
    "kind_reversal": "Reversal",
    "kind_fee": "Fee",
    "kind_apportion": "Shared area",
    "kind_settlement": "Settlement",
    "kind_bill_payment": "Bill payment",
    "kind_usage": "Usage",
    "electricity": "Electricity",
    "water": "Water",
    "period_all": "All day",
    "period_sharp": "Sharp peak",
    "period_peak": "Peak",
    "period_flat": "Flat",
    "period_valley": "Valley",
}

ZH: Mapping[str, str] = {
    "title": "对账单",
    "tenant": "租户",
    "room": "房间",
    "account": "账户",
    "period": "账期",
    "from_to": "{start} 至 {end}",
    "currency": "币种",
    "generated": "打印时间",
    "summary": "汇总",
    "opening_balance": "期初余额",
    "closing_balance": "期末余额",
    "net_change": "本期变动",
    "usage": "用量（按类型、时段、阶梯）",
    "utility": "类型",
    "tou_period": "时段",
    "tier": "阶梯",
    "quantity": "用量",
    "amount": "金额",
    "usage_total": "用量扣费",
    "usage_note": (
        "各行金额为按精确单价计算后四舍五入显示；"
        "用量扣费为余额实际扣减（每笔扣费舍入一次，零头结转到下一笔）。"
    ),
    "no_usage": "本期没有用量。",
    "entries": "明细",
    "date": "日期",
    "kind": "类别",
    "reference": "说明",
    "balance_after": "余额",
    "no_entries": "本期没有记录。",
    "usage_day": "用量扣费（{count} 笔）",
    "print_hint": "可用浏览器打印本页或另存为 PDF（Ctrl+P）。",
    "kind_recharge": "充值",
    "kind_refund": "退款",
    "kind_adjustment": "调整",
    "kind_reversal": "冲正",
    "kind_fee": "费用",
    "kind_apportion": "公摊",
    "kind_settlement": "结算",
    "kind_bill_payment": "账单缴费",
    "kind_usage": "用量",
    "electricity": "电",
    "water": "水",
    "period_all": "全天",
    "period_sharp": "尖",
    "period_peak": "峰",
    "period_flat": "平",
    "period_valley": "谷",
}


def labels_for(language: str | None) -> Mapping[str, str]:
    """Return the label table of a Home Assistant language code ("zh-Hans" -> Chinese)."""
    return ZH if (language or "").lower().startswith("zh") else EN


def label(table: Mapping[str, str], key: str, **values: object) -> str:
    """Return one label with its ``{placeholders}`` filled (English, then the key, if missing)."""
    text = table.get(key) or EN.get(key) or key
    return text.format(**values) if values else text
