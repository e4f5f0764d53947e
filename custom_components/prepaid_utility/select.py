"""Account selects: the tariff an account pays for electricity (and for water)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .accounts.access import async_authorise
from .actions.tariffs import async_set_tariffs
from .coordinator import PrepaidConfigEntry
from .gateway.entity_pacing import async_add_by_subentry
from .tariff_entities import TariffEntity

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrepaidConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a tariff select per account and utility it has meters for."""
    coordinator = entry.runtime_data.coordinator
    tariffs = entry.runtime_data.tariffs
    await async_add_by_subentry(
        hass,
        async_add_entities,
        (
            (
                account.code,
                [
                    TariffSelect(coordinator, account, tariffs, kind)
                    for kind in tariffs.account_kinds(account.code)
                ],
            )
            for account in coordinator.accounts.values()
        ),
    )


class TariffSelect(TariffEntity, SelectEntity):
    """The account's tariff; choosing another one applies it from now on."""

    _key = "tariff"

    @property
    def options(self) -> list[str]:
        """Return the gateway default and the gateway's tariffs of this utility."""
        return self.tariffs.names(self.kind)

    @property
    def current_option(self) -> str | None:
        """Return the tariff in force now."""
        return self.tariffs.current(self.account.code, self.kind).name

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Show a choice that is to take effect later."""
        now = self.tariffs.now()
        later = [
            (at, name) for at, name in self.tariffs.chosen(self.account.code, self.kind) if at > now
        ]
        return {"next_tariff": later[0][1], "next_from": later[0][0].isoformat()} if later else {}

    async def async_select_option(self, option: str) -> None:
        """Give the account this tariff from now on (as the admin-only set_tariff service does)."""
        await async_authorise(self.hass, self._context, self.entity_id)
        await async_set_tariffs([(self.tariffs, self.account.code)], self.kind, option, None)
        self.async_write_ha_state()
