"""The config flow creates one entry per building and refuses bad or duplicate names."""

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.prepaid_utility.const import CONF_BUILDING, DOMAIN


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result["flow_id"]


async def test_creates_entry_and_loads(hass: HomeAssistant) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_BUILDING: "  Riverside Flats "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Riverside Flats"
    assert result["data"] == {CONF_BUILDING: "Riverside Flats"}
    entry = result["result"]
    assert entry.unique_id == "riverside_flats"
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED


async def test_same_building_twice_aborts(hass: HomeAssistant) -> None:
    first = await _start(hass)
    await hass.config_entries.flow.async_configure(first, {CONF_BUILDING: "Riverside Flats"})
    second = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        second, {CONF_BUILDING: "riverside   flats"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_bad_names_show_errors_and_create_nothing(hass: HomeAssistant) -> None:
    flow_id = await _start(hass)
    bad_names = (("   ", "invalid_name"), ("!!!", "invalid_name"), ("x" * 65, "name_too_long"))
    for bad, error in bad_names:
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_BUILDING: bad})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_BUILDING: error}
    assert hass.config_entries.async_entries(DOMAIN) == []
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_BUILDING: "Block B"})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unload(hass: HomeAssistant) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_BUILDING: "Block C"})
    entry = result["result"]
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is config_entries.ConfigEntryState.NOT_LOADED
