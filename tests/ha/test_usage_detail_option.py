"""The age at which hourly usage rolls up into days, a gateway option of the shared ledger.

Gateways on one ledger keep hours as long as the one asking for the longest: rolling up
deletes hourly rows for good.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.prepaid_utility.const import (
    CONF_ELECTRICITY_PRICE,
    CONF_POLL_INTERVAL,
    CONF_USAGE_DETAIL_MONTHS,
    CONF_WATER_PRICE,
    DOMAIN,
)
from custom_components.prepaid_utility.ledger.rollup import DEFAULT_DETAIL_MONTHS

GOOD = {CONF_ELECTRICITY_PRICE: "0.60", CONF_WATER_PRICE: "4.50", CONF_POLL_INTERVAL: 30}


async def _gateway(hass: HomeAssistant, name: str) -> ConfigEntry[Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ha_entities"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: name})
    await hass.async_block_till_done()
    entry: ConfigEntry[Any] = result["result"]
    return entry


async def _settings(hass: HomeAssistant, entry: ConfigEntry[Any], months: Any) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**GOOD, CONF_USAGE_DETAIL_MONTHS: months}
    )
    await hass.async_block_till_done()
    return dict(result)


def _kept(entry: ConfigEntry[Any]) -> int | None:
    months: int | None = entry.runtime_data.ledger.store.detail_months
    return months


async def test_option_sets_the_ledger_roll_up_age(hass: HomeAssistant) -> None:
    one = await _gateway(hass, "Block A")
    assert _kept(one) == DEFAULT_DETAIL_MONTHS
    result = await _settings(hass, one, 3)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert one.options[CONF_USAGE_DETAIL_MONTHS] == 3
    assert one.state is config_entries.ConfigEntryState.LOADED
    assert _kept(one) == 3
    # A second gateway on the same ledger asking for more keeps hours for both...
    two = await _gateway(hass, "Block B")
    assert two.runtime_data.ledger is one.runtime_data.ledger
    assert _kept(one) == DEFAULT_DETAIL_MONTHS
    await _settings(hass, two, 24)
    assert _kept(one) == 24
    # ...and when it goes, the ledger follows the gateways left.
    await hass.config_entries.async_unload(two.entry_id)
    await hass.async_block_till_done()
    print(f"after_unload_detail_months={_kept(one)}")
    assert _kept(one) == 3
    # The form shows the saved value.
    result = await hass.config_entries.options.async_init(one.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    (field,) = (key for key in result["data_schema"].schema if key == CONF_USAGE_DETAIL_MONTHS)
    assert field.default() == 3


@pytest.mark.parametrize("bad", [0, -1, 121, 2.5, 1e9, float("nan"), float("inf")])
async def test_bad_ages_are_refused_and_change_nothing(hass: HomeAssistant, bad: float) -> None:
    entry = await _gateway(hass, "Block A")
    await _settings(hass, entry, 6)
    before = dict(entry.options)
    result = await _settings(hass, entry, bad)
    print(f"bad={bad} errors={result.get('errors')}")
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_USAGE_DETAIL_MONTHS: "invalid_detail_months"}
    assert entry.options == before
    assert _kept(entry) == 6


async def test_the_error_is_translated(hass: HomeAssistant) -> None:
    """Both languages name the range; the selector itself has no bounds that would answer first."""
    import json  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    folder = Path(__file__).parents[2] / "custom_components" / DOMAIN / "translations"
    for lang in ("en", "zh-Hans"):
        strings = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        message = strings["options"]["error"]["invalid_detail_months"]
        settings = strings["options"]["step"]["settings"]
        assert "120" in message, lang
        assert settings["data"][CONF_USAGE_DETAIL_MONTHS], lang
        assert settings["data_description"][CONF_USAGE_DETAIL_MONTHS], lang
    entry = await _gateway(hass, "Block A")
    result = await _settings(hass, entry, 500)
    assert result["errors"] == {CONF_USAGE_DETAIL_MONTHS: "invalid_detail_months"}
