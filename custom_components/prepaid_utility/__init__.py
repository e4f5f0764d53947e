"""Prepaid Utility: prepaid electricity and water billing for a building.

Registration that must happen once per Home Assistant run (services, websocket commands, the card
bundle, the payment webhook) belongs in ``async_setup``; everything tied to one gateway belongs in
``async_setup_entry``, so that reloading an entry never registers a route twice.
"""

from __future__ import annotations

import logging

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .billing.errors import PrepaidError
from .const import (
    CONF_GATEWAY_TYPE,
    CONF_HISTORY_DAYS,
    CONF_LEDGER_URL,
    CONF_PARITY,
    CONF_POLL_INTERVAL,
    CONF_PRESET,
    CONF_RETRIES,
    CONF_ROOM,
    CONF_TIMEOUT,
    CONF_USAGE_DETAIL_MONTHS,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_S,
    DEFAULT_USAGE_DETAIL_MONTHS,
    DOMAIN,
    GATEWAY_MODELS,
    MODBUS_GATEWAYS,
    SUBENTRY_METER,
    GatewayType,
)
from .coordinator import GatewayCoordinator, GatewayRuntime, PrepaidConfigEntry
from .entity import gateway_identifier, subentry_identifier
from .gateway.bus import AnyHub, bus_config, open_hub
from .gateway.lease import GatewayLease, async_claimant, gateway_identity, meter_identity
from .gateway.meter_factory import MeterSetup, build_meter, meter_medium
from .gateway.meter_names import async_title_templates, titles_to_migrate
from .gateway.simulated_building import SimulatedBuilding
from .ledger import SQLAlchemyError
from .meters.hub import BusConfig, BusKind, ModbusHub
from .money.fee_book import async_remove_fee_items
from .money.ledger_runtime import (
    async_acquire_ledger,
    async_release_ledger,
    currency_exponent,
)
from .money.payments import (
    CONF_WEBHOOK_ID,
    PaymentOrders,
    PaymentWebhook,
    new_webhook_credentials,
)
from .money.provider_views import async_register_provider_views
from .money.topups import TopUps
from .services import async_setup_services
from .statements.cards import async_register_cards
from .statements.dashboard import async_offer_dashboard
from .statements.monthly import MonthlyStatements
from .statements.view import async_register_statement_view
from .supply.overrides import OverrideStore
from .tariffs.catalog import reload_signature
from .websocket_api import async_setup_websocket

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

_LOGGER = logging.getLogger(__name__)

# Parity letters stored by config entries before version 1.2, and the option that replaced each.
_OLD_PARITY = {"N": "none", "E": "even", "O": "odd"}

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.VALVE,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what is shared by every gateway entry: the service actions."""
    async_setup_services(hass)
    async_setup_websocket(hass)
    async_register_statement_view(hass)
    async_register_provider_views(hass)
    await async_register_cards(hass)
    return True


async def _open_hub(
    hass: HomeAssistant, entry: PrepaidConfigEntry, gateway: GatewayType
) -> tuple[AnyHub | None, SimulatedBuilding | None]:
    building = None
    if gateway is GatewayType.SIMULATED:
        # The simulated building serves real Modbus TCP on a free loopback port, so everything
        # above the socket (hub, profiles, billing) runs exactly as with a real gateway.
        building = SimulatedBuilding(
            hass,
            entry.entry_id,
            entry.data[CONF_PRESET],
            int(entry.data.get(CONF_HISTORY_DAYS, 0)),
        )
        endpoint = await building.async_start()
        config = BusConfig(
            kind=BusKind.TCP,
            host=endpoint.host,
            port=endpoint.port,
            timeout=float(entry.options.get(CONF_TIMEOUT, DEFAULT_TIMEOUT_S)),
            retries=int(entry.options.get(CONF_RETRIES, DEFAULT_RETRIES)),
        )
        hub: AnyHub = ModbusHub(config, name=entry.title)
    elif gateway in MODBUS_GATEWAYS:
        hub = open_hub(bus_config(entry.data, entry.options), entry.title)
    else:
        return None, None
    if not await hub.connect():
        await hub.close()
        if building is not None:
            await building.async_stop()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="gateway_unreachable",
            translation_placeholders={"gateway": hub.config.label},
        )
    return hub, building


async def async_migrate_entry(hass: HomeAssistant, entry: PrepaidConfigEntry) -> bool:
    """Bring an entry saved by an older version to the current shape."""
    if entry.version > 1:
        # Saved by a newer version of the integration: refuse rather than guess (HA keeps it).
        return False
    if entry.minor_version < 2:
        data = dict(entry.data)
        if CONF_PARITY in data:
            data[CONF_PARITY] = _OLD_PARITY.get(str(data[CONF_PARITY]), str(data[CONF_PARITY]))
        hass.config_entries.async_update_entry(entry, data=data, minor_version=2)
        _LOGGER.debug("Migrated %s to config entry version 1.2", entry.title)
    if entry.minor_version < 3:
        await _async_title_simulated_meters(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=3)
        _LOGGER.debug("Migrated %s to config entry version 1.3", entry.title)
    return True


async def _async_title_simulated_meters(hass: HomeAssistant, entry: PrepaidConfigEntry) -> None:
    """Name the room in a simulated building's meter titles ("Electricity" -> "Room 101 ...")."""
    if entry.data.get(CONF_GATEWAY_TYPE) != GatewayType.SIMULATED:
        return
    meters = {
        sub.subentry_id: sub
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_METER
    }
    renamed = titles_to_migrate(
        (
            (sub.subentry_id, sub.title, str(sub.data.get(CONF_ROOM, "")), meter_medium(sub))
            for sub in meters.values()
        ),
        await async_title_templates(hass),
    )
    for subentry_id, title in renamed.items():
        hass.config_entries.async_update_subentry(entry, meters[subentry_id], title=title)


async def async_setup_entry(hass: HomeAssistant, entry: PrepaidConfigEntry) -> bool:
    """Set up one gateway: open its bus (retried by HA until it answers), then its meters."""
    gateway = GatewayType(entry.data[CONF_GATEWAY_TYPE])
    if CONF_WEBHOOK_ID not in entry.data:
        # Every gateway gets its own payment webhook and signing secret (see README).
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, **new_webhook_credentials()}
        )
    ledger = await async_acquire_ledger(
        hass,
        entry.entry_id,
        entry.options.get(CONF_LEDGER_URL),
        entry.options.get(CONF_USAGE_DETAIL_MONTHS, DEFAULT_USAGE_DETAIL_MONTHS),
    )
    try:
        hub, building = await _open_hub(hass, entry, gateway)
    except ConfigEntryNotReady:
        await async_release_ledger(hass, entry.entry_id)
        raise
    clock = building.building.clock.now if building is not None else None
    meters: dict[str, MeterSetup] = {
        sub.subentry_id: build_meter(hass, hub, sub, clock, entry.entry_id)
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_METER
    }
    gateway_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={gateway_identifier(entry.entry_id)},
        name=entry.title,
        manufacturer="Prepaid Utility",
        model=GATEWAY_MODELS[gateway],
    )
    coordinator = GatewayCoordinator(
        hass, entry, meters, ledger, gateway_device_id=gateway_device.id, clock=clock
    )
    claimant = await async_claimant(hass)
    identity = gateway_identity(entry.data, claimant.instance, entry.entry_id)
    coordinator.lease = GatewayLease(
        hass,
        entry.entry_id,
        entry.title,
        ledger,
        identity=identity,
        claimant=claimant,
        poll_s=int(entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S)),
    )
    coordinator.billing.owner = (claimant.instance, claimant.name)
    coordinator.billing.identities = {
        key: meter_identity(identity, key, entry.subentries[key].data, setup.medium.value)
        for key, setup in meters.items()
    }
    orders = PaymentOrders(hass, entry.entry_id)
    entry.runtime_data = GatewayRuntime(
        gateway=gateway,
        hub=hub,
        coordinator=coordinator,
        ledger=ledger,
        orders=orders,
        building=building,
        signature=reload_signature(entry.options, entry.subentries.values()),
        topups=TopUps(hass, entry, orders),
    )
    try:
        await entry.runtime_data.orders.async_load()
        await coordinator.async_prepare()
        await coordinator.async_config_entry_first_refresh()
    except Exception:
        await _close(hass, entry)
        raise
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    payments = PaymentWebhook(
        hass, entry, entry.runtime_data.orders, currency_exponent(hass.config.currency)
    )
    payments.register()
    entry.async_on_unload(payments.unregister)
    # Pending top-ups are asked about until paid, closed or expired (also those of a past run).
    entry.runtime_data.topups.start()
    entry.async_on_unload(entry.runtime_data.topups.stop)
    if building is not None:
        entry.async_on_unload(coordinator.async_add_listener(building.schedule_save))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await MonthlyStatements(hass, entry).async_start()
    async_offer_dashboard(hass)
    return True


async def _async_entry_updated(hass: HomeAssistant, entry: PrepaidConfigEntry) -> None:
    """Reload when options changed or meters were added, changed or removed."""
    if reload_signature(entry.options, entry.subentries.values()) != entry.runtime_data.signature:
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    # A renamed gateway renames its building in the shared books without a reload.
    entry_id, title = entry.entry_id, entry.title
    try:
        await entry.runtime_data.ledger.run(lambda s: s.claim_building(entry_id, title, ()))
    except (PrepaidError, SQLAlchemyError) as err:
        _LOGGER.warning("%s: building not renamed in the ledger: %s", title, err)


async def _close(hass: HomeAssistant, entry: PrepaidConfigEntry) -> None:
    runtime = entry.runtime_data
    if runtime.coordinator.lease is not None:
        await runtime.coordinator.lease.async_release()
    if runtime.hub is not None:
        await runtime.hub.close()
    if runtime.building is not None:
        await runtime.building.async_stop()
    await async_release_ledger(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PrepaidConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let a person delete a device only when no meter or account of the gateway is behind it.

    A removed meter or account subentry takes its device with it; what is left is a stale
    device (from an older version, say). The gateway's own device and live ones stay.
    """
    live = {gateway_identifier(entry.entry_id)} | {
        subentry_identifier(entry.entry_id, sub.subentry_id) for sub in entry.subentries.values()
    }
    return not (device.identifiers & live)


async def async_remove_entry(hass: HomeAssistant, entry: PrepaidConfigEntry) -> None:
    """Forget a deleted gateway's fee items and a simulated building's saved meters."""
    await async_remove_fee_items(hass, entry.entry_id)
    if entry.data.get(CONF_GATEWAY_TYPE) == GatewayType.SIMULATED:
        await SimulatedBuilding(hass, entry.entry_id, entry.data[CONF_PRESET]).async_remove()
    await OverrideStore(hass, entry.entry_id).async_remove()


async def async_unload_entry(hass: HomeAssistant, entry: PrepaidConfigEntry) -> bool:
    """Unload one gateway and close its bus."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await _close(hass, entry)
    return unloaded
