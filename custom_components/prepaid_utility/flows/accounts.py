"""Tenant accounts as subentries of a gateway: who pays for which meters, and the rules.

An account holds one or more of the gateway's meters (electricity and water), three low-balance
levels, and its cut-off policy: overdraft, restore level, protected hours, protected days, a
warning time before a cut, or never cut at all (medical, "protected").
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.helpers import selector

from ..accounts.rules import MONEY_FIELDS, money_minor, policy_from, thresholds_from
from ..billing.errors import InvalidAmount
from ..billing.quantity import UtilityKind
from ..const import (
    CONF_AREA_M2,
    CONF_LOW_1,
    CONF_LOW_2,
    CONF_LOW_3,
    CONF_MEDIUM,
    CONF_METERS,
    CONF_OVERDRAFT,
    CONF_PROFILE,
    CONF_PROTECT_NON_WORKING_DAYS,
    CONF_PROTECTED,
    CONF_PROTECTED_END,
    CONF_PROTECTED_START,
    CONF_RESTORE_ABOVE,
    CONF_ROOM,
    CONF_TENANT,
    CONF_VIEWERS,
    CONF_WARNING_MIN,
    DEFAULT_LOW_LEVELS,
    MAX_NAME_LENGTH,
    SUBENTRY_ACCOUNT,
    SUBENTRY_METER,
)
from ..meters.frame_meters import FRAME_PROFILES
from ..meters.profiles import PROFILES
from ..money.ledger_runtime import currency_exponent
from .fields import name_error, number
from .tariffs import account_tariff_choice, account_tariff_fields, options_after_account_change


class AccountSubentryFlow(ConfigSubentryFlow):
    """Open or change a tenant account."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Open an account."""
        return await self._form("user", user_input, None)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change an account's tenant name, meters or rules."""
        return await self._form("reconfigure", user_input, self._get_reconfigure_subentry())

    async def _form(
        self, step: str, user_input: dict[str, Any] | None, current: Any
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        meters = {
            sub.subentry_id: f"{sub.title} ({sub.data.get(CONF_ROOM, '')})".replace(" ()", "")
            for sub in entry.subentries.values()
            if sub.subentry_type == SUBENTRY_METER
        }
        held_elsewhere = {
            meter
            for sub in entry.subentries.values()
            if sub.subentry_type == SUBENTRY_ACCOUNT
            and (current is None or sub.subentry_id != current.subentry_id)
            for meter in sub.data.get(CONF_METERS, [])
        }
        if not meters:
            return self.async_abort(reason="no_meters")
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = dict(current.data) if current is not None else {}
        if current is not None:
            defaults[CONF_TENANT] = current.title
        users = {
            user.id: user.name or user.id
            for user in await self.hass.auth.async_get_users()
            if not user.system_generated and user.is_active
        }
        if user_input is not None:
            choice = account_tariff_choice(user_input, current.data if current else None)
            data = {**self._clean(user_input), **choice}
            errors = self._errors(data, set(meters), held_elsewhere)
            if not errors:
                title = data.pop(CONF_TENANT)
                if current is None:
                    return self.async_create_entry(title=title, data=data)
                options = options_after_account_change(
                    self.hass, entry, current.subentry_id, current.data, data
                )
                if options is not None:  # a new tariff choice applies from now on
                    self.hass.config_entries.async_update_entry(entry, options=options)
                return self.async_update_and_abort(entry, current, title=title, data=data)
            defaults = data
        # A deleted user drops out of the list instead of making the form refuse itself.
        defaults[CONF_VIEWERS] = [u for u in defaults.get(CONF_VIEWERS, []) if u in users]
        return self.async_show_form(
            step_id=step,
            data_schema=self._schema(defaults, meters, users).extend(
                account_tariff_fields(entry.options, defaults, self._kinds())
            ),
            errors=errors,
            description_placeholders={"currency": self.hass.config.currency},
        )

    def _kinds(self) -> set[UtilityKind]:
        """Return the utilities the gateway has meters for."""
        kinds: set[UtilityKind] = set()
        for sub in self._get_entry().subentries.values():
            if sub.subentry_type != SUBENTRY_METER:
                continue
            key = str(sub.data.get(CONF_PROFILE, ""))
            profile = PROFILES.get(key) or FRAME_PROFILES.get(key)
            medium = profile.medium.value if profile else sub.data.get(CONF_MEDIUM)
            kinds.add(UtilityKind(str(medium or UtilityKind.ELECTRICITY.value)))
        return kinds

    @staticmethod
    def _clean(user_input: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            CONF_TENANT: str(user_input[CONF_TENANT]).strip(),
            CONF_ROOM: str(user_input.get(CONF_ROOM, "")).strip(),
            CONF_METERS: list(user_input.get(CONF_METERS, [])),
            CONF_AREA_M2: float(user_input.get(CONF_AREA_M2, 0) or 0),
            CONF_PROTECTED: bool(user_input.get(CONF_PROTECTED, False)),
            CONF_PROTECT_NON_WORKING_DAYS: bool(
                user_input.get(CONF_PROTECT_NON_WORKING_DAYS, False)
            ),
            CONF_WARNING_MIN: int(user_input.get(CONF_WARNING_MIN, 0) or 0),
            CONF_PROTECTED_START: str(user_input.get(CONF_PROTECTED_START) or ""),
            CONF_PROTECTED_END: str(user_input.get(CONF_PROTECTED_END) or ""),
            CONF_VIEWERS: [str(u) for u in user_input.get(CONF_VIEWERS, [])],
        }
        for key in MONEY_FIELDS:
            data[key] = str(user_input.get(key, "0")).strip()
        return data

    def _errors(self, data: dict[str, Any], known: set[str], held: set[str]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if error := name_error(data[CONF_TENANT]):
            errors[CONF_TENANT] = error
        if len(data[CONF_ROOM]) > MAX_NAME_LENGTH:
            errors[CONF_ROOM] = "name_too_long"
        chosen = set(data[CONF_METERS])
        if not chosen or not chosen <= known:
            errors[CONF_METERS] = "choose_meters"
        elif chosen & held:
            errors[CONF_METERS] = "meter_taken"
        exponent = currency_exponent(self.hass.config.currency)
        for key in MONEY_FIELDS:
            try:
                money_minor(data[key], exponent)
            except InvalidAmount:
                errors[key] = "invalid_amount"
        if CONF_LOW_1 not in errors and not errors.keys() & {CONF_LOW_2, CONF_LOW_3}:
            try:
                thresholds_from(data, exponent)
            except InvalidAmount:
                errors[CONF_LOW_1] = "levels_out_of_order"
        if not errors.keys() & set(MONEY_FIELDS):
            try:
                policy_from(data, exponent)
            except InvalidAmount:
                errors["base"] = "invalid_policy"
        return errors

    @staticmethod
    def _schema(
        defaults: dict[str, Any], meters: dict[str, str], users: dict[str, str]
    ) -> vol.Schema:
        def default(key: str, fallback: Any) -> Any:
            value = defaults.get(key)
            return fallback if value in (None, "") else value

        fields: dict[Any, Any] = {
            vol.Required(CONF_TENANT, default=default(CONF_TENANT, "")): str,
            vol.Optional(CONF_ROOM, default=default(CONF_ROOM, "")): str,
            vol.Required(CONF_METERS, default=default(CONF_METERS, [])): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[
                        selector.SelectOptionDict(value=key, label=label)
                        for key, label in meters.items()
                    ],
                    multiple=True,
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Optional(CONF_AREA_M2, default=default(CONF_AREA_M2, 0)): number(
                0, 100_000, 0.01, "m²"
            ),
        }
        for key, fallback in zip(
            (CONF_LOW_1, CONF_LOW_2, CONF_LOW_3), DEFAULT_LOW_LEVELS, strict=True
        ):
            fields[vol.Required(key, default=str(default(key, fallback)))] = str
        fields[vol.Required(CONF_OVERDRAFT, default=str(default(CONF_OVERDRAFT, "0")))] = str
        fields[vol.Required(CONF_RESTORE_ABOVE, default=str(default(CONF_RESTORE_ABOVE, "0")))] = (
            str
        )
        fields[vol.Required(CONF_PROTECTED, default=default(CONF_PROTECTED, False))] = bool
        fields[vol.Optional(CONF_PROTECTED_START, default=default(CONF_PROTECTED_START, ""))] = str
        fields[vol.Optional(CONF_PROTECTED_END, default=default(CONF_PROTECTED_END, ""))] = str
        fields[
            vol.Required(
                CONF_PROTECT_NON_WORKING_DAYS,
                default=default(CONF_PROTECT_NON_WORKING_DAYS, False),
            )
        ] = bool
        fields[vol.Required(CONF_WARNING_MIN, default=default(CONF_WARNING_MIN, 0))] = number(
            0, 1440, 1, "min"
        )
        # Home Assistant users (a resident's tablet login) who may see this account on the cards.
        fields[vol.Optional(CONF_VIEWERS, default=default(CONF_VIEWERS, []))] = (
            selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[
                        selector.SelectOptionDict(value=key, label=label)
                        for key, label in users.items()
                    ],
                    multiple=True,
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            )
        )
        return vol.Schema(fields)
