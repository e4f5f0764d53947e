"""The tariff editor of the options flow, and the tariff fields of the account form.

A tariff is added with a name, a utility and a kind, then its prices: one price (flat), a
price and hours per time-of-use period (the hours of all periods must cover the day exactly
once, on quarter hours), or blocks (increasing limits, one price more than limits, reset each
month or year). Editing saves a new version effective now: what was used before keeps its price.
A tariff an account has chosen, now or before, cannot be removed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntry, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.util import dt as dt_util

from ..billing.quantity import UtilityKind
from ..billing.schedule import TouPeriod
from ..billing.tariff import TierReset
from ..const import SUBENTRY_ACCOUNT
from ..tariffs.catalog import (
    ACCOUNT_TARIFF_FIELD,
    DEFAULT_TARIFF,
    KIND_FLAT,
    KIND_TIERED,
    KIND_TOU,
    TARIFF_KINDS,
    TariffError,
    flat_version,
    named_tariffs,
    names_for,
    tariff_in_use,
    tiered_version,
    timeline,
    tou_version,
    with_choice,
    with_version,
    without_tariff,
)
from ..tariffs.runtime import gateway_tariffs
from .fields import name_error

CONF_TARIFF_NAME = "name"
CONF_UTILITY = "utility"
CONF_KIND = "kind"
CONF_TARIFF = "tariff"
CONF_PRICE = "price"
CONF_THRESHOLDS = "thresholds"
CONF_PRICES = "prices"
CONF_RESET = "reset"


def gateway_now(hass: HomeAssistant, entry: ConfigEntry) -> datetime:
    """Return the gateway's time (a simulated building keeps its own clock)."""
    tariffs = gateway_tariffs(entry)
    return tariffs.now() if tariffs is not None else dt_util.utcnow()


def _choose(options: list[str], translation_key: str | None = None) -> selector.SelectSelector:
    config = selector.SelectSelectorConfig(
        options=options, mode=selector.SelectSelectorMode.DROPDOWN
    )
    if translation_key is not None:
        config["translation_key"] = translation_key
    return selector.SelectSelector(config)


# -- the account form ---------------------------------------------------------------------------


def account_tariff_fields(
    options: Mapping[str, Any], defaults: Mapping[str, Any], kinds: Collection[UtilityKind]
) -> dict[Any, Any]:
    """Return the account form's tariff choices for the utilities ``kinds`` the gateway has.

    A gateway without water meters does not ask for a water tariff (default: the gateway's
    default tariff).
    """
    return {
        vol.Required(field, default=defaults.get(field) or DEFAULT_TARIFF): _choose(
            names_for(options, kind)
        )
        for kind, field in ACCOUNT_TARIFF_FIELD.items()
        if kind in kinds
    }


def account_tariff_choice(
    user_input: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Return the tariff choices of a submitted account form; one not asked stays as it was."""
    before = current or {}
    return {
        field: str(user_input.get(field) or before.get(field) or DEFAULT_TARIFF)
        for field in ACCOUNT_TARIFF_FIELD.values()
    }


def options_after_account_change(
    hass: HomeAssistant,
    entry: ConfigEntry,
    code: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
) -> dict[str, Any] | None:
    """Return options with the account's changed tariffs effective now (None: unchanged)."""
    options = dict(entry.options)
    now = gateway_now(hass, entry)
    changed = False
    for kind, field in ACCOUNT_TARIFF_FIELD.items():
        line = timeline(options, code, old, kind)
        current = next((name for at, name in reversed(line) if at <= now), line[0][1])
        if new[field] != current:
            options = with_choice(options, code, old, kind, new[field], now)
            changed = True
    return options if changed else None


# -- the options flow's tariff editor -----------------------------------------------------------


def _version_defaults(spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return form defaults from a tariff's latest version."""
    if not spec:
        return {}
    version = spec["versions"][-1]
    if version["kind"] == KIND_FLAT:
        return {CONF_PRICE: version["price"]}
    if version["kind"] == KIND_TIERED:
        return {
            CONF_THRESHOLDS: ", ".join(version["thresholds"]),
            CONF_PRICES: ", ".join(version["prices"]),
            CONF_RESET: version["reset"],
        }
    found: dict[str, Any] = {}
    for name, period in version["periods"].items():
        found[f"{name}_hours"] = period["hours"]
        found[f"{name}_price"] = period["price"]
    return found


class TariffOptionsFlow(OptionsFlow):
    """Steps of the options flow that add, edit and remove named tariffs."""

    _tariff_name: str = ""
    _tariff_utility: UtilityKind = UtilityKind.ELECTRICITY
    _tariff_defaults: dict[str, Any]

    async def async_step_tariffs(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose what to do with the gateway's tariffs."""
        return self.async_show_menu(
            step_id="tariffs", menu_options=["tariff_add", "tariff_edit", "tariff_remove"]
        )

    async def async_step_tariff_add(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name a new tariff, its utility and its kind."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_TARIFF_NAME]).strip()
            if error := name_error(name):
                errors[CONF_TARIFF_NAME] = error
            elif name == DEFAULT_TARIFF or name in named_tariffs(self.config_entry.options):
                errors[CONF_TARIFF_NAME] = "tariff_exists"
            if not errors:
                self._tariff_name = name
                self._tariff_utility = UtilityKind(user_input[CONF_UTILITY])
                self._tariff_defaults = {}
                return await self._kind_step(str(user_input[CONF_KIND]))
        return self.async_show_form(
            step_id="tariff_add",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_TARIFF_NAME): str,
                    vol.Required(CONF_UTILITY, default=UtilityKind.ELECTRICITY.value): _choose(
                        [k.value for k in UtilityKind], "utility"
                    ),
                    vol.Required(CONF_KIND, default=KIND_FLAT): _choose(
                        list(TARIFF_KINDS), "tariff_kind"
                    ),
                }
            ),
            errors=errors,
        )

    async def async_step_tariff_edit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose a tariff to change (its kind may change too)."""
        tariffs = named_tariffs(self.config_entry.options)
        if not tariffs:
            return self.async_abort(reason="no_tariffs")
        if user_input is not None:
            name = str(user_input[CONF_TARIFF])
            spec = tariffs[name]
            self._tariff_name = name
            self._tariff_utility = UtilityKind(spec["utility"])
            kind = str(user_input[CONF_KIND])
            same = spec["versions"][-1]["kind"] == kind
            self._tariff_defaults = _version_defaults(spec) if same else {}
            return await self._kind_step(kind)
        first = sorted(tariffs)[0]
        return self.async_show_form(
            step_id="tariff_edit",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_TARIFF, default=first): _choose(sorted(tariffs)),
                    vol.Required(
                        CONF_KIND, default=tariffs[first]["versions"][-1]["kind"]
                    ): _choose(list(TARIFF_KINDS), "tariff_kind"),
                }
            ),
        )

    async def async_step_tariff_remove(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove a tariff no account has ever chosen."""
        options = self.config_entry.options
        tariffs = named_tariffs(options)
        if not tariffs:
            return self.async_abort(reason="no_tariffs")
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_TARIFF])
            accounts = {
                sub.subentry_id: sub.data
                for sub in self.config_entry.subentries.values()
                if sub.subentry_type == SUBENTRY_ACCOUNT
            }
            if tariff_in_use(options, accounts, name):
                errors[CONF_TARIFF] = "tariff_in_use"
            else:
                return self.async_create_entry(data=without_tariff(options, name))
        return self.async_show_form(
            step_id="tariff_remove",
            data_schema=vol.Schema({vol.Required(CONF_TARIFF): _choose(sorted(tariffs))}),
            errors=errors,
        )

    async def _kind_step(self, kind: str) -> ConfigFlowResult:
        if kind == KIND_TOU:
            return await self.async_step_tariff_tou()
        if kind == KIND_TIERED:
            return await self.async_step_tariff_tiered()
        return await self.async_step_tariff_flat()

    def _save(self, version: dict[str, Any]) -> ConfigFlowResult:
        options = with_version(
            self.config_entry.options,
            self._tariff_name,
            self._tariff_utility,
            version,
            gateway_now(self.hass, self.config_entry),
        )
        return self.async_create_entry(data=options)

    def _form(self, step: str, fields: dict[Any, Any], errors: dict[str, str]) -> ConfigFlowResult:
        unit = "kWh" if self._tariff_utility is UtilityKind.ELECTRICITY else "m³"
        return self.async_show_form(
            step_id=step,
            data_schema=vol.Schema(fields),
            errors=errors,
            description_placeholders={
                "tariff": self._tariff_name,
                "currency": self.hass.config.currency,
                "unit": unit,
            },
        )

    def _default(self, key: str, fallback: str = "") -> str:
        return str(self._tariff_defaults.get(key, fallback))

    async def async_step_tariff_flat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One price for every hour."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._tariff_defaults = dict(user_input)
            try:
                return self._save(flat_version(user_input.get(CONF_PRICE)))
            except TariffError as err:
                errors[err.field] = err.key
        fields = {vol.Required(CONF_PRICE, default=self._default(CONF_PRICE)): str}
        return self._form("tariff_flat", fields, errors)

    async def async_step_tariff_tou(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Hours and a price per period; together the hours cover the day once."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._tariff_defaults = dict(user_input)
            try:
                return self._save(tou_version(user_input))
            except TariffError as err:
                errors[err.field] = err.key
        fields: dict[Any, Any] = {}
        for period in TouPeriod:
            for suffix in ("hours", "price"):
                key = f"{period.value}_{suffix}"
                fields[vol.Optional(key, default=self._default(key))] = str
        return self._form("tariff_tou", fields, errors)

    async def async_step_tariff_tiered(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Block limits and prices, and when the blocks start again."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._tariff_defaults = dict(user_input)
            try:
                return self._save(
                    tiered_version(
                        str(user_input.get(CONF_THRESHOLDS, "")),
                        str(user_input.get(CONF_PRICES, "")),
                        str(user_input.get(CONF_RESET, TierReset.MONTH.value)),
                    )
                )
            except TariffError as err:
                errors[err.field] = err.key
        fields = {
            vol.Required(CONF_THRESHOLDS, default=self._default(CONF_THRESHOLDS)): str,
            vol.Required(CONF_PRICES, default=self._default(CONF_PRICES)): str,
            vol.Required(
                CONF_RESET, default=self._default(CONF_RESET, TierReset.MONTH.value)
            ): _choose([r.value for r in TierReset], "tier_reset"),
        }
        return self._form("tariff_tiered", fields, errors)
