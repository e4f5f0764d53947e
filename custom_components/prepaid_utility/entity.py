"""Base classes of every entity: one device per gateway, one device per meter under it."""

from __future__ import annotations

import time
from weakref import WeakKeyDictionary

from homeassistant.core import Context, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import CONTEXT_RECENT_TIME_SECONDS
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


class GatewayEntity(CoordinatorEntity[GatewayCoordinator]):
    """An entity of a gateway whose poll writes leave no garbage for the cyclic collector.

    Home Assistant gives a state write without a context a new Context, and the state_changed
    event that announces it becomes the Context's ``origin_event``: Event -> Context -> Event is
    a reference cycle held by the new State. When the State is replaced, that Event, its
    Context, their dicts and the State before it are garbage only the cyclic collector frees,
    after they have aged into the old generation. At 1,000 meters (3,500 changes a poll) that
    brought a full collection every 4 polls, each freeing about 120,000 objects on top of
    walking every live one (``scripts/bench scale``: gc_collected_by_generation). A write here
    carries a Context of its own, one per write as Home Assistant's, and lets go of the event
    once it is announced, so the event and the replaced State are freed by reference counting.
    """

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state under a Context that does not keep its event alive."""
        # Home Assistant's own record of when a context was set (private: read defensively).
        set_at = getattr(self, "_context_set", None)
        if set_at is not None and time.time() - set_at <= CONTEXT_RECENT_TIME_SECONDS:
            # A person's action (a service call) set it: its context is the history's link.
            super()._handle_coordinator_update()
            return
        context = Context()
        self.async_set_context(context)
        try:
            super()._handle_coordinator_update()
        finally:
            # The event was announced; the logbook finds its context by id, not through this.
            context.origin_event = None
            self._context = self._context_set = None


class SubentryEntity(GatewayEntity):
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
