"""Where WeChat Pay, Alipay and Stripe tell a gateway that a resident has paid.

``POST /api/prepaid_utility/pay/<gateway entry id>/<provider>``, one address per gateway and
provider (shown to administrators in the gateway's payment options). Providers cannot log in,
so the view needs no Home Assistant login: the provider's own signature is the authority,
checked over the whole raw body before anything is believed, and then the payment must match
the order we created (account, amount, currency) before any credit.

Each provider is answered as it specifies: WeChat Pay 204 (a JSON ``{"code": "FAIL"}`` with a
4xx/5xx to be asked again), Alipay the literal ``success`` (anything else and it retries),
Stripe any 2xx. An error nobody foresaw answers 500 with JSON, so the provider retries rather
than taking a silent 200 for "done".
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView

from ..const import DOMAIN
from ..payments import alipay, stripe, wechat
from ..payments.provider import MAX_NOTIFICATION_BYTES, NotificationRefused, Payment, Refusal
from .addresses import URL
from .payments import read_body
from .providers import PROVIDERS, credentials
from .topups import Outcome, SettleRefused

_LOGGER = logging.getLogger(__name__)


def _answer(provider: str, ok: bool, status: int, reason: str) -> web.Response:
    if provider == alipay.PROVIDER:
        # Alipay reads only the body: "success" stops its retries, anything else asks for more.
        return web.Response(text=alipay.SUCCESS_REPLY if ok else "fail", status=status)
    if provider == wechat.PROVIDER:
        if ok:
            return web.Response(status=204)
        return web.json_response({"code": "FAIL", "message": reason}, status=status)
    return web.json_response({"result": reason}, status=status)


class ProviderNotificationView(HomeAssistantView):
    """The notification address of every gateway and provider."""

    url = URL
    name = f"api:{DOMAIN}:pay"
    requires_auth = False  # providers sign; they cannot log in

    async def post(self, request: web.Request, entry_id: str, provider: str) -> web.Response:
        """Verify, check against our order, credit once; never 2xx without an outcome."""
        hass: HomeAssistant = request.app["hass"]
        try:
            return await self._post(hass, request, entry_id, provider)
        except Exception:
            _LOGGER.exception(
                "Payment notification (%s) not processed; it will come again", provider
            )
            return web.json_response({"code": "FAIL", "message": "internal_error"}, status=500)

    async def _post(
        self, hass: HomeAssistant, request: web.Request, entry_id: str, provider: str
    ) -> web.Response:
        entry = hass.config_entries.async_get_entry(entry_id)
        if (
            entry is None
            or entry.domain != DOMAIN
            or entry.state is not ConfigEntryState.LOADED
            or provider not in PROVIDERS
        ):
            return web.json_response({"result": "unknown_gateway"}, status=404)
        creds = credentials(entry.options, provider)
        if creds is None:
            return web.json_response({"result": "provider_not_configured"}, status=404)
        body = await read_body(request, MAX_NOTIFICATION_BYTES)
        if body is None:
            return _answer(provider, False, 413, "body_too_large")
        now = int(time.time())
        try:
            payment = verified_payment(creds, request, body, now)
        except NotificationRefused as err:
            if err.reason is Refusal.IGNORED_EVENT:
                # Signed, but not about a payment (a refund, another event type): taken.
                return _answer(provider, True, 200, "ignored")
            _LOGGER.warning("%s notification refused: %s", provider, err)
            return _answer(provider, False, 401 if "signature" in err.reason else 400, err.reason)
        topups = entry.runtime_data.topups
        try:
            outcome = await topups.async_settle(payment)
        except SettleRefused as err:
            _LOGGER.warning(
                "%s payment for order %s not credited: %s", provider, payment.order_id, err
            )
            return _answer(provider, False, 409, err.reason)
        if outcome is Outcome.CREDITED:
            _LOGGER.info("%s payment for order %s credited", provider, payment.order_id)
        return _answer(provider, True, 200, str(outcome))


def verified_payment(creds: Any, request: web.Request, body: bytes, now: int) -> Payment:
    """Return the payment a notification reports once its provider's signature holds."""
    if isinstance(creds, wechat.WechatCredentials):
        return wechat.parse_notification(creds, request.headers, body, now)
    if isinstance(creds, alipay.AlipayCredentials):
        return alipay.parse_notification(creds, body)
    return stripe.parse_event(creds, request.headers.get("Stripe-Signature"), body, now)


def async_register_provider_views(hass: HomeAssistant) -> None:
    """Register the notification view once per Home Assistant run."""
    hass.http.register_view(ProviderNotificationView())
