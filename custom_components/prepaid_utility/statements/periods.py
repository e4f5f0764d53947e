"""The period of a statement, a bill run or a split: a month (YYYY-MM) or a start and an end."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant

from ..billing.errors import Refused

ATTR_MONTH = "month"
ATTR_START = "start"
ATTR_END = "end"
# ASCII digits only: int() would also read full-width or Arabic-Indic digits as a month.
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


def period_bounds(hass: HomeAssistant, data: Mapping[str, Any]) -> tuple[datetime, datetime, str]:
    """Return ``[start, end)`` and a period id from ``month`` (YYYY-MM) or ``start``/``end``."""
    zone = ZoneInfo(str(hass.config.time_zone))
    month = data.get(ATTR_MONTH)
    if month is not None:
        match = _MONTH.match(str(month).strip())
        if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise Refused("invalid_period", value=str(month)[:40])
        year, mon = int(match[1]), int(match[2])
        start = datetime(year, mon, 1, tzinfo=zone)
        end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=zone)
        return start, end, f"{year:04d}-{mon:02d}"
    if data.get(ATTR_START) is None or data.get(ATTR_END) is None:
        raise Refused("invalid_period", value="")
    start, end = _instant(data[ATTR_START], zone), _instant(data[ATTR_END], zone)
    if end <= start:
        raise Refused("invalid_period", value=f"{start.isoformat()} .. {end.isoformat()}")
    period_id = f"{start.astimezone(zone):%Y%m%dT%H%M}-{end.astimezone(zone):%Y%m%dT%H%M}"
    return start, end, period_id


def _instant(value: Any, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        instant = value
    elif hasattr(value, "year"):
        instant = datetime.combine(value, time(), tzinfo=zone)
    else:
        try:
            instant = datetime.fromisoformat(str(value))
        except ValueError as err:
            raise Refused("invalid_period", value=str(value)[:40]) from err
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=zone)


def require_whole_hours(start: datetime, end: datetime, zone: ZoneInfo) -> None:
    """Refuse a range that cuts an hour: the ledger keeps usage per hour of UTC, not per poll.

    An hour cut at an edge cannot be split exactly (how much of it fell before the edge is not
    recorded), so such a range would show usage and charges of other lengths. The refusal names
    the whole hours that hold the range, in the statement's time zone.
    """
    hour = timedelta(hours=1)

    def floor(at: datetime) -> datetime:
        return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)

    if floor(start) == start and floor(end) == end:
        return
    wider_end = floor(end) if floor(end) == end else floor(end) + hour
    raise Refused(
        "statement_not_whole_hours",
        start=start.astimezone(zone).isoformat(),
        end=end.astimezone(zone).isoformat(),
        hour_start=floor(start).astimezone(zone).isoformat(),
        hour_end=wider_end.astimezone(zone).isoformat(),
    )
