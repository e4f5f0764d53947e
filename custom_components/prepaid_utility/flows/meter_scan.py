"""The meter form's "Scan the bus": probe a range of addresses, list what answers, add the chosen.

Modbus: every slave id of the range gets the identification probe (``meters/scan.py``), which
names the model (and the Eastron serial) where it can, or the candidates where two models read
alike and no confirmed identity register tells them apart: the person picks among those.
DL/T 645 and CJ/T 188: the broadcast address read (a meter alone on the line answers it), then a
read at each printed address of the range (meters of one delivery often carry consecutive ones).

Every silent address costs one reply timeout on a bus the polling shares, so a scan covers at
most ``MAX_SCAN_ADDRESSES`` addresses and shows its progress while it runs. Nothing is saved
until the person picks; an address already configured is listed as such and never added twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import probatio as vol
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.helpers import selector

from ..const import (
    CONF_ADDRESS,
    CONF_BILLING_MODE,
    CONF_BREAKER_A,
    CONF_MAX_FLOW_M3H,
    CONF_METER_PASSWORD,
    CONF_OPERATOR_CODE,
    CONF_PROFILE,
    CONF_PROTOCOL,
    CONF_ROOM,
    DEFAULT_BREAKER_A,
    DEFAULT_MAX_FLOW_M3H,
    DEFAULT_METER_PASSWORD,
    DEFAULT_OPERATOR_CODE,
    SUBENTRY_METER,
    BillingMode,
)
from ..meters import cjt188, dlt645
from ..meters.dlt645 import FrameError
from ..meters.frame_meters import FRAME_PROFILES
from ..meters.framebus import FrameHub
from ..meters.hub import ModbusHub
from ..meters.profiles import PROFILES
from ..meters.reading import Medium, MeterError
from ..meters.scan import scan_bus, scan_cjt188, scan_dlt645
from .fields import number

CONF_SCAN_FIRST = "scan_first"
CONF_SCAN_LAST = "scan_last"
CONF_FOUND = "found"
MAX_SCAN_ADDRESSES = 64
MAX_MODBUS_ADDRESS = 247
DEFAULT_MODBUS_LAST = 32


@dataclass(frozen=True, slots=True)
class Found:
    """One meter the scan found: its address, the model(s) that fit, its serial if read."""

    address: str
    profiles: tuple[str, ...]  # one model, or the candidates (likelier first)
    serial: str = ""


def _model_name(key: str) -> str:
    profile = PROFILES.get(key) or FRAME_PROFILES.get(key)
    return profile.name if profile is not None else key


def meter_data(protocol: str, address: str, key: str) -> dict[str, Any]:
    """Return the stored fields of a meter the scan found (limits at their defaults)."""
    profile = PROFILES.get(key) or FRAME_PROFILES[key]
    data: dict[str, Any] = {
        CONF_ROOM: "",
        CONF_PROFILE: key,
        CONF_ADDRESS: int(address) if protocol == "modbus" else address,
        CONF_BILLING_MODE: BillingMode.PLATFORM.value,
    }
    if profile.medium is Medium.WATER:
        data[CONF_MAX_FLOW_M3H] = DEFAULT_MAX_FLOW_M3H
    else:
        data[CONF_BREAKER_A] = DEFAULT_BREAKER_A
    if protocol == "dlt645":
        data[CONF_METER_PASSWORD] = DEFAULT_METER_PASSWORD
        data[CONF_OPERATOR_CODE] = DEFAULT_OPERATOR_CODE
    return data


def _frame_address(protocol: str, text: str) -> int:
    """Return a printed address as a number, or raise FrameError."""
    raw = (dlt645 if protocol == "dlt645" else cjt188).address_bytes(text)
    return int((dlt645 if protocol == "dlt645" else cjt188).address_text(raw))


def scan_range(protocol: str, user_input: dict[str, Any]) -> tuple[list[int], dict[str, str]]:
    """Return the addresses to probe, or the form errors of the range."""
    if protocol == "modbus":
        # Both boxes are required and bounded to 1..MAX_MODBUS_ADDRESS by the schema.
        first, last = int(user_input[CONF_SCAN_FIRST]), int(user_input[CONF_SCAN_LAST])
    else:
        first_text = str(user_input.get(CONF_SCAN_FIRST) or "").strip()
        last_text = str(user_input.get(CONF_SCAN_LAST) or "").strip()
        if not first_text and not last_text:
            return [], {}  # the broadcast alone
        try:
            first = _frame_address(protocol, first_text or last_text)
            last = _frame_address(protocol, last_text or first_text)
        except FrameError:
            return [], {"base": "invalid_meter_address"}
    if last < first:
        return [], {"base": "scan_range_empty"}
    if last - first + 1 > MAX_SCAN_ADDRESSES:
        return [], {"base": "scan_range_too_large"}
    return list(range(first, last + 1)), {}


class MeterScanSteps(ConfigSubentryFlow):
    """The scan steps of the meter subentry flow (a mixin of ``MeterSubentryFlow``)."""

    _scan_addresses: list[int]
    _scan_hub: ModbusHub | FrameHub[Any]  # the bus that was up when the scan was asked for
    _scan_task: asyncio.Task[list[Found]] | None = None
    _scan_found: list[Found]
    _scan_ambiguous: bool = False  # several frame meters answered the broadcast

    def _protocol(self) -> str:
        return str(self._get_entry().data.get(CONF_PROTOCOL, "modbus"))

    def _configured(self) -> set[str]:
        return {
            str(sub.unique_id)
            for sub in self._get_entry().subentries.values()
            if sub.subentry_type == SUBENTRY_METER
        }

    async def async_step_scan(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask which addresses to probe."""
        protocol = self._protocol()
        errors: dict[str, str] = {}
        if user_input is not None:
            entry = self._get_entry()
            addresses, errors = scan_range(protocol, user_input)
            hub = getattr(getattr(entry, "runtime_data", None), "hub", None)
            if not errors and (entry.state is not ConfigEntryState.LOADED or hub is None):
                errors = {"base": "gateway_not_loaded"}
            if not errors and hub is not None:
                self._scan_addresses = addresses
                self._scan_hub = hub
                self._scan_task = None
                return await self.async_step_scan_run()
        defaults = user_input or {}
        if protocol == "modbus":
            fields: dict[Any, Any] = {
                vol.Required(CONF_SCAN_FIRST, default=defaults.get(CONF_SCAN_FIRST, 1)): number(
                    1, MAX_MODBUS_ADDRESS
                ),
                vol.Required(
                    CONF_SCAN_LAST, default=defaults.get(CONF_SCAN_LAST, DEFAULT_MODBUS_LAST)
                ): number(1, MAX_MODBUS_ADDRESS),
            }
        else:
            fields = {
                vol.Optional(CONF_SCAN_FIRST, default=defaults.get(CONF_SCAN_FIRST, "")): str,
                vol.Optional(CONF_SCAN_LAST, default=defaults.get(CONF_SCAN_LAST, "")): str,
            }
        return self.async_show_form(
            step_id="scan" if protocol == "modbus" else "scan_frame",
            data_schema=vol.Schema(fields),
            errors=errors,
            description_placeholders={"max": str(MAX_SCAN_ADDRESSES)},
        )

    async def async_step_scan_frame(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask which printed addresses to probe on a DL/T 645 or CJ/T 188 gateway."""
        return await self.async_step_scan(user_input)

    async def async_step_scan_run(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Probe the range with a progress bar; go on to the list when done."""
        if self._scan_task is None:
            self._scan_task = self.hass.async_create_task(self._scan(), eager_start=False)
        if not self._scan_task.done():
            return self.async_show_progress(
                step_id="scan_run",
                progress_action="scan_bus",
                progress_task=self._scan_task,
                description_placeholders={"count": str(len(self._scan_addresses))},
            )
        try:
            self._scan_found = self._scan_task.result()
        except MeterError:  # the bus itself failed (a silent meter is just not listed)
            return self.async_show_progress_done(next_step_id="scan_failed")
        finally:
            self._scan_task = None
        return self.async_show_progress_done(next_step_id="scan_pick")

    async def async_step_scan_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Say the gateway went away during the scan (nothing was changed)."""
        return self.async_abort(reason="scan_gateway_offline")

    async def _scan(self) -> list[Found]:
        # The gateway's protocol decided which hub it built, so the hub's type says
        # which scan to run; only the frame protocols share one hub type.
        hub = self._scan_hub

        def progress(share: float) -> None:
            self.async_update_progress(min(share, 1.0))

        if isinstance(hub, ModbusHub):
            hits = await scan_bus(hub, self._scan_addresses, progress)
            return [
                Found(str(hit.device_id), hit.candidates or (hit.profile_key,), hit.serial)
                for hit in hits
                if hit.profile_key is not None
            ]
        if self._protocol() == "dlt645":
            scan = await scan_dlt645(hub, self._scan_addresses, progress=progress)
        else:
            scan = await scan_cjt188(hub, self._scan_addresses, progress=progress)
        self._scan_ambiguous = scan.ambiguous_broadcast
        return [Found(hit.address, (hit.profile_key,), hit.address) for hit in scan.hits]

    async def async_step_scan_pick(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """List what answered; add the chosen meters with the model the scan found."""
        configured = self._configured()
        new = [f for f in self._scan_found if f.address not in configured]
        old = [f.address for f in self._scan_found if f.address in configured]
        if not new:
            if old:
                reason = "scan_only_configured"
            elif self._scan_ambiguous:
                reason = "scan_broadcast_ambiguous"
            else:
                reason = "scan_found_nothing"
            return self.async_abort(
                reason=reason, description_placeholders={"configured": ", ".join(old) or "-"}
            )
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen = [str(v).split("|", 1) for v in user_input.get(CONF_FOUND, [])]
            addresses = [address for address, _ in chosen]
            if not chosen:
                errors["base"] = "scan_pick_none"
            elif len(set(addresses)) != len(addresses):
                errors["base"] = "scan_pick_one_model"
            elif set(addresses) & self._configured():  # added meanwhile by another form
                return self.async_abort(reason="already_configured")
            else:
                return self._add_meters(chosen)
        options: list[selector.SelectOptionDict] = []
        for found in new:
            serial = f" · {found.serial}" if found.serial and found.serial != found.address else ""
            for key in found.profiles:
                doubt = " ?" if len(found.profiles) > 1 else ""
                label = f"{found.address} · {_model_name(key)}{doubt}{serial}"
                value = f"{found.address}|{key}"
                options.append(selector.SelectOptionDict(value=value, label=label))
        preselected = [f"{f.address}|{f.profiles[0]}" for f in new if len(f.profiles) == 1]
        schema = vol.Schema(
            {
                vol.Required(CONF_FOUND, default=preselected): selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=options, multiple=True, mode=selector.SelectSelectorMode.LIST
                    )
                )
            }
        )
        return self.async_show_form(
            step_id="scan_pick",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "count": str(len(new)),
                "configured": ", ".join(old) or "-",
            },
        )

    def _add_meters(self, chosen: list[list[str]]) -> SubentryFlowResult:
        """Save every chosen meter; the last through the flow's own result."""
        protocol = self._protocol()
        entry = self._get_entry()
        *first, last = chosen
        for address, key in first:
            self.hass.config_entries.async_add_subentry(
                entry,
                ConfigSubentry(
                    data=MappingProxyType(meter_data(protocol, address, key)),
                    subentry_type=SUBENTRY_METER,
                    title=f"{_model_name(key)} {address}",
                    unique_id=address,
                ),
            )
        address, key = last
        return self.async_create_entry(
            title=f"{_model_name(key)} {address}",
            data=meter_data(protocol, address, key),
            unique_id=address,
        )
