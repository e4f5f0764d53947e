"""The resident's "claim emergency credit" button, one per tenant account.

An administrator, or a user listed in the account's "Who may see it" (the resident's tablet),
may press it, for that account only; the credit is given once per claim cycle and paid back by
the next top-up (see ``emergency_credit``). Landlords use the admin service instead.
"""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .accounts.access import async_authorise, viewers_of
from .accounts.setup import AccountSetup
from .actions.supply import async_claim_emergency
from .coordinator import GatewayCoordinator, PrepaidConfigEntry
from .entity import AccountEntity
from .gateway.entity_pacing import async_add_by_subentry

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrepaidConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an emergency credit button to every account."""
    coordinator = entry.runtime_data.coordinator
    await async_add_by_subentry(
        hass,
        async_add_entities,
        (
            (account.code, [EmergencyCreditButton(coordinator, account)])
            for account in coordinator.accounts.values()
        ),
    )


class EmergencyCreditButton(AccountEntity, ButtonEntity):
    """Claim the account's emergency credit."""

    _attr_translation_key = "emergency_credit"

    def __init__(self, coordinator: GatewayCoordinator, account: AccountSetup) -> None:
        """Describe the button."""
        super().__init__(coordinator, account, "emergency_credit")

    async def async_press(self) -> None:
        """Claim the credit (a translated error says why when it cannot be given)."""
        entry = self.coordinator.config_entry
        await async_authorise(
            self.hass,
            self._context,
            self.entity_id,
            residents=viewers_of(entry, self.account.code),
        )
        user = self._context.user_id if self._context is not None else None
        await async_claim_emergency(
            self.hass,
            entry,
            self.account.code,
            actor=f"resident:{user}" if user else "resident",
        )
