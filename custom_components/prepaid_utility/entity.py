"""Base classes of every entity: one device per gateway, one device per meter under it."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .accounts.setup import AccountSetup
from .const import DOMAIN
from .coordinator import GatewayCoordinator, MeterStatus
from .gateway.entity_pacing import async_pace_removal
from .gateway.meter_factory import MeterSetup


def gateway_identifier(entry_id: str) -> tuple[str, str]:
    """Return the device-registry identifier of a gateway."""
    return (DOMAIN, entry_id)


def subentry_identifier(entry_id: str, subentry_id: str) -> tuple[str, str]:
    """Return the device-registry identifier of a meter or an account (both subentries)."""
    return (DOMAIN, f"{entry_id}_{subentry_id}")


# One DeviceInfo per device, shared by its entities: a building of 1,000 meters and 700 tenants
# has about 10,000 entities, each of which would otherwise hold a copy (dict, set, tuples).
_DEVICE_INFOS: WeakKeyDictionary[GatewayCoordinator, dict[str, DeviceInfo]] = WeakKeyDictionary()


class SubentryEntity(CoordinatorEntity[GatewayCoordinator]):
    """An entity on the device of one subentry (a meter or an account), under the gateway."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        subentry_id: str,
        key: str,
        device: DeviceInfo,
    ) -> None:
        """Attach the entity to the subentry's device."""
        super().__init__(coordinator)
        entry_id = coordinator.config_entry.entry_id
        self._attr_unique_id = f"{entry_id}_{subentry_id}_{key}"
        infos = _DEVICE_INFOS.setdefault(coordinator, {})
        if (info := infos.get(subentry_id)) is None:
            info = infos[subentry_id] = DeviceInfo(
                identifiers={subentry_identifier(entry_id, subentry_id)},
                via_device_id=coordinator.gateway_device_id,
                **device,
            )
        self._attr_device_info = info

    async def async_will_remove_from_hass(self) -> None:
        """Let the event loop turn now and then: a gateway unloads hundreds of entities."""
        await super().async_will_remove_from_hass()
        await async_pace_removal(self.hass)


class MeterEntity(SubentryEntity):
    """An entity of one meter; unavailable while that meter does not answer."""

    def __init__(self, coordinator: GatewayCoordinator, setup: MeterSetup, key: str) -> None:
        """Attach the entity to its meter's device."""
        device = DeviceInfo(
            name=setup.device_name,
            manufacturer=setup.manufacturer,
            model=setup.model,
            suggested_area=setup.room or None,
        )
        super().__init__(coordinator, setup.subentry_id, key, device)
        self.setup = setup

    @property
    def status(self) -> MeterStatus:
        """Return the latest word from this entity's meter."""
        return self.coordinator.data.meters[self.setup.subentry_id]

    @property
    def available(self) -> bool:
        """Return True while the meter answers."""
        return super().available and self.status.online


class AccountEntity(SubentryEntity):
    """An entity of one tenant account (its own device, in the tenant's room)."""

    def __init__(self, coordinator: GatewayCoordinator, setup: AccountSetup, key: str) -> None:
        """Attach the entity to its account's device."""
        device = DeviceInfo(
            manufacturer="Prepaid Utility",
            model="Tenant account",
            suggested_area=setup.room or None,
        )
        if setup.hide_tenant and not setup.room:
            # Only the short code is left to name it by; "Account" is translated around it.
            device["translation_key"] = "account"
            device["translation_placeholders"] = {"code": setup.short_code}
        else:
            device["name"] = setup.public_name
        super().__init__(coordinator, setup.code, key, device)
        self.account = setup

    @property
    def available(self) -> bool:
        """Return True while the account's balance is known."""
        return super().available and self.account.code in self.coordinator.data.balances
