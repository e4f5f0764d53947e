"""Talking to a payment provider: create an order, ask where it stands.

Requests are built and answers judged by the provider modules (``payments/``, no Home
Assistant); this module only carries the bytes through Home Assistant's shared aiohttp session,
with a time limit per attempt and a bounded number of attempts. A provider's own "try again"
(its 5xx, 429, SYSTEM_ERROR) and a network failure are retried; anything else is final.
Creating an order twice is harmless: WeChat Pay and Alipay answer the same ``out_trade_no``
with the same code, and Stripe's ``Idempotency-Key`` returns the first session.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..payments import alipay, stripe, wechat
from ..payments.provider import (
    MAX_NOTIFICATION_BYTES,
    HttpRequest,
    OrderCreated,
    Payment,
    ProviderError,
)
from .payments import Order
from .providers import Credentials

_LOGGER = logging.getLogger(__name__)

# Per attempt; a provider that has not answered in this time is asked again (tests shorten it).
TIMEOUT_S = 10.0
ATTEMPTS = 3
BACKOFF_S = 1.0


class ProviderUnreachable(Exception):
    """Every attempt failed on the network or with a provider's "try again"."""


async def _send(hass: HomeAssistant, req: HttpRequest) -> tuple[int, Mapping[str, str], bytes]:
    session = async_get_clientsession(hass)
    async with (
        asyncio.timeout(TIMEOUT_S),
        session.request(
            req.method, req.url, headers=req.headers, data=req.body or None, allow_redirects=False
        ) as resp,
    ):
        body = await resp.content.read(MAX_NOTIFICATION_BYTES + 1)
        return resp.status, resp.headers, body


async def _attempts[T](
    hass: HomeAssistant,
    build: Callable[[], HttpRequest],
    judge: Callable[[int, Mapping[str, str], bytes], T],
) -> T:
    """Send a freshly built (and signed) request until it gets a final answer."""
    last: Exception | None = None
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
        try:
            status, headers, body = await _send(hass, build())
            return judge(status, headers, body)
        except (aiohttp.ClientError, TimeoutError) as err:
            last = err
        except ProviderError as err:
            if not err.retryable:
                raise
            last = err
        _LOGGER.debug("Payment provider request failed (attempt %s): %s", attempt + 1, last)
    raise ProviderUnreachable(str(last))


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).astimezone().isoformat()


async def async_create(
    hass: HomeAssistant,
    creds: Credentials,
    order: Order,
    *,
    subject: str,
    notify_url: str,
    return_url: str,
) -> OrderCreated:
    """Create the order at its provider: a QR payload (WeChat, Alipay) or a link (Stripe)."""
    if isinstance(creds, wechat.WechatCredentials):
        wx = creds
        return await _attempts(
            hass,
            lambda: wechat.native_order_request(
                wx,
                order_id=order.order_id,
                description=subject,
                amount_minor=order.amount_minor,
                currency=order.currency,
                notify_url=notify_url,
                timestamp=int(time.time()),
                expires_rfc3339=_rfc3339(order.expires),
            ),
            lambda s, h, b: wechat.parse_order_response(
                wx, order.order_id, s, h, b, now=int(time.time())
            ),
        )
    if isinstance(creds, alipay.AlipayCredentials):
        ali = creds
        minutes = max(1, int((order.expires - time.time()) // 60))
        return await _attempts(
            hass,
            lambda: alipay.precreate_request(
                ali,
                order_id=order.order_id,
                subject=subject,
                amount_minor=order.amount_minor,
                notify_url=notify_url,
                now=datetime.now(UTC),
                timeout_express=f"{minutes}m",
            ),
            lambda s, h, b: alipay.parse_precreate_response(ali, order.order_id, s, b),
        )
    st = creds
    return await _attempts(
        hass,
        lambda: stripe.checkout_session_request(
            st,
            order_id=order.order_id,
            account_name=order.account,
            amount_minor=order.amount_minor,
            currency=order.currency,
            product_name=subject,
            success_url=return_url,
            expires_at=int(order.expires),
        ),
        lambda s, h, b: stripe.parse_session_response(order.order_id, s, b),
    )


async def async_query(hass: HomeAssistant, creds: Credentials, order: Order) -> Payment:
    """Ask the provider where an order stands (the answer is checked like a notification)."""
    if isinstance(creds, wechat.WechatCredentials):
        wx = creds
        return await _attempts(
            hass,
            lambda: wechat.query_order_request(wx, order.order_id, int(time.time())),
            lambda s, h, b: wechat.parse_query_response(
                wx, order.order_id, s, h, b, now=int(time.time())
            ),
        )
    if isinstance(creds, alipay.AlipayCredentials):
        ali = creds
        return await _attempts(
            hass,
            lambda: alipay.query_request(ali, order.order_id, datetime.now(UTC)),
            lambda s, h, b: alipay.parse_query_response(ali, order.order_id, s, b),
        )
    st = creds
    return await _attempts(
        hass,
        lambda: stripe.session_query_request(st, order.provider_ref),
        lambda s, h, b: stripe.parse_session_query(order.order_id, s, b),
    )
