"""The payments part of a gateway's options: provider credentials, top-up limits, addresses.

Credentials are checked the way the provider will use them before they are saved (keys parse,
sizes, ids' shapes). Secret fields are password fields that the form never fills: left empty,
the saved secret is kept. The menu shows what an administrator enters at each provider (the
notification addresses) and the generic webhook's address and signing secret: an options flow
is open to administrators only, so this is where they can read them.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers import selector

from ..billing.errors import InvalidAmount
from ..billing.money import format_money, parse_money
from ..money.addresses import notification_url, public_base_url
from ..money.ledger_runtime import currency_exponent
from ..money.payments import CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET
from ..money.providers import (
    CONF_MAX_AMOUNT,
    CONF_MIN_AMOUNT,
    CONF_PAYMENTS,
    FIELDS,
    OPTIONAL_FIELDS,
    PEM_FIELDS,
    PROVIDERS,
    SECRET_FIELDS,
    clean_fields,
    limits,
    load,
)
from ..payments.provider import CredentialsInvalid

CONF_REMOVE = "remove"
# The largest top-up an administrator may allow at once, in major units of any currency.
MAX_TOPUP_MAJOR = 1_000_000

# Which error a refused field shows (translated under options.error).
_FIELD_ERROR = {
    "private_key": "invalid_private_key",
    "platform_public_key": "invalid_public_key",
    "alipay_public_key": "invalid_public_key",
    "platform_key_id": "invalid_public_key_id",
    "apiv3_key": "invalid_apiv3_key",
    "secret_key": "invalid_stripe_secret_key",
    "webhook_secret": "invalid_stripe_webhook_secret",
}


def _text(secret: bool, multiline: bool) -> selector.TextSelector:
    if secret:
        return selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD, autocomplete="off")
        )
    return selector.TextSelector(selector.TextSelectorConfig(multiline=multiline))


class PaymentOptionsFlow(OptionsFlow):
    """Steps ``payments`` (a menu), ``payment_<provider>`` and ``payment_limits``."""

    def _saved_payments(self) -> dict[str, Any]:
        return dict(self.config_entry.options.get(CONF_PAYMENTS) or {})

    def _save_payments(self, payments: dict[str, Any]) -> ConfigFlowResult:
        return self.async_create_entry(data={**self.config_entry.options, CONF_PAYMENTS: payments})

    async def async_step_payments(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose a provider or the limits; show the addresses providers must be given."""
        entry = self.config_entry
        saved = self._saved_payments()
        base = public_base_url(self.hass)
        urls = {p: notification_url(base, entry.entry_id, p) for p in PROVIDERS}
        return self.async_show_menu(
            step_id="payments",
            menu_options=[*(f"payment_{p}" for p in PROVIDERS), "payment_limits"],
            description_placeholders={
                "configured": ", ".join(p for p in PROVIDERS if p in saved) or "-",
                "wechat_url": urls["wechat"],
                "alipay_url": urls["alipay"],
                "stripe_url": urls["stripe"],
                "webhook_url": base + webhook.async_generate_path(entry.data[CONF_WEBHOOK_ID]),
                "webhook_secret": str(entry.data[CONF_WEBHOOK_SECRET]),
            },
        )

    async def async_step_payment_wechat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """WeChat Pay API v3 (Native payments)."""
        return await self._provider_step("wechat", user_input)

    async def async_step_payment_alipay(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Alipay (face-to-face precreate, RSA2 keys)."""
        return await self._provider_step("alipay", user_input)

    async def async_step_payment_stripe(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Stripe (Checkout Sessions and their webhook)."""
        return await self._provider_step("stripe", user_input)

    async def _provider_step(
        self, provider: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        payments = self._saved_payments()
        saved: dict[str, str] = dict(payments.get(provider) or {})
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input.get(CONF_REMOVE):
                payments.pop(provider, None)
                return self._save_payments(payments)
            raw = dict(user_input)
            for name in SECRET_FIELDS[provider]:
                # An empty password field keeps the saved secret (it is never sent back).
                if not str(raw.get(name) or "").strip():
                    raw[name] = saved.get(name, "")
            try:
                fields = clean_fields(provider, raw)
                load(provider, fields)
            except CredentialsInvalid as err:
                errors[err.field] = _FIELD_ERROR.get(err.field, "invalid_provider_id")
                if err.field in SECRET_FIELDS[provider] and not raw.get(err.field):
                    errors[err.field] = "credential_required"
            else:
                payments[provider] = fields
                return self._save_payments(payments)
        schema: dict[Any, Any] = {}
        for name in FIELDS[provider]:
            secret = name in SECRET_FIELDS[provider]
            shown = "" if secret else str((user_input or saved).get(name) or "")
            key = (
                vol.Optional(name, description={"suggested_value": shown})
                if secret or name in OPTIONAL_FIELDS
                else vol.Required(name, description={"suggested_value": shown})
            )
            schema[key] = _text(secret, name in PEM_FIELDS)
        if saved:
            schema[vol.Optional(CONF_REMOVE, default=False)] = selector.BooleanSelector()
        return self.async_show_form(
            step_id=f"payment_{provider}",
            data_schema=vol.Schema(schema),
            errors=errors,
            description_placeholders={
                "url": notification_url(
                    public_base_url(self.hass), self.config_entry.entry_id, provider
                ),
                "saved": "yes" if saved else "no",
            },
        )

    async def async_step_payment_limits(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the smallest and largest top-up a resident may pay at once."""
        currency = self.hass.config.currency
        exponent = currency_exponent(currency)
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                low = parse_money(str(user_input[CONF_MIN_AMOUNT]).strip(), exponent)
                high = parse_money(str(user_input[CONF_MAX_AMOUNT]).strip(), exponent)
            except InvalidAmount, ArithmeticError:
                errors["base"] = "invalid_topup_limits"
            else:
                if high < low or high > MAX_TOPUP_MAJOR * 10**exponent:
                    errors["base"] = "invalid_topup_limits"
                else:
                    payments = self._saved_payments()
                    payments[CONF_MIN_AMOUNT] = low
                    payments[CONF_MAX_AMOUNT] = high
                    return self._save_payments(payments)
        low, high = limits(self.config_entry.options)
        return self.async_show_form(
            step_id="payment_limits",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_MIN_AMOUNT, default=str(format_money(low, exponent))): str,
                    vol.Required(CONF_MAX_AMOUNT, default=str(format_money(high, exponent))): str,
                }
            ),
            errors=errors,
            description_placeholders={"currency": currency},
        )
