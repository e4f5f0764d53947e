"""The ``export_statement`` service: an account's statement, optionally written as CSV.

The CSV goes to one fixed folder, ``<config>/prepaid_utility/statements/``, under a name made of
the account id and the period; a caller never chooses a path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import probatio as vol
from homeassistant.core import ServiceCall
from homeassistant.helpers import config_validation as cv

from ..const import DOMAIN
from ..statements.build import async_statement, statement_csv
from ..statements.periods import (
    ATTR_END,
    ATTR_MONTH,
    ATTR_START,
    period_bounds,
    require_whole_hours,
)
from .helpers import account_of, translate_errors

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


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8", newline="")
    temporary.replace(path)


@translate_errors
async def async_export_statement(call: ServiceCall) -> dict[str, Any]:
    """Return an account's statement for a month or a range; optionally write it as CSV."""
    hass = call.hass
    entry, code = account_of(hass, call.data[ATTR_DEVICE_ID])
    bounds = period_bounds(hass, call.data)
    if call.data.get(ATTR_MONTH) is None:
        require_whole_hours(bounds[0], bounds[1], ZoneInfo(str(hass.config.time_zone)))
    data = await async_statement(hass, entry, code, bounds)
    if call.data[ATTR_WRITE_CSV]:
        # The name is built from the account id (a subentry id) and the period id only.
        path = Path(hass.config.path(*STATEMENT_FOLDER, f"{code}_{bounds[2]}.csv"))
        await hass.async_add_executor_job(lambda: _write(path, statement_csv(data)))
        data["csv_path"] = str(path)
    return data
