"""Each gateway's payment providers: the credentials an administrator saved, loaded for use.

The options hold, under ``payments``, one mapping per configured provider (the fields its
``load_credentials`` takes) and the top-up limits in minor units. Secrets stay in the config
entry (Home Assistant's ``.storage``, like every integration's API keys); the options form never
sends them back to the browser and diagnostics redact them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..payments import alipay, stripe, wechat
from ..payments.provider import CredentialsInvalid

CONF_PAYMENTS = "payments"
CONF_MIN_AMOUNT = "min_amount"
CONF_MAX_AMOUNT = "max_amount"
PROVIDERS = (wechat.PROVIDER, alipay.PROVIDER, stripe.PROVIDER)
# What a resident may top up at once unless an administrator set other limits (minor units).
DEFAULT_MIN_MINOR = 100
DEFAULT_MAX_MINOR = 100_000
# No credential is this long (a 4096-bit PEM key is about 3.3 KB; a certificate chain less
# than 8 KB): a pasted file of another kind is refused before any parsing.
MAX_FIELD_CHARS = 16 * 1024

FIELDS: dict[str, tuple[str, ...]] = {
    wechat.PROVIDER: (
        "mchid",
        "appid",
        "merchant_serial_no",
        "private_key",
        "apiv3_key",
        "platform_key_id",
        "platform_public_key",
    ),
    alipay.PROVIDER: ("app_id", "seller_id", "private_key", "alipay_public_key"),
    stripe.PROVIDER: ("secret_key", "webhook_secret"),
}
SECRET_FIELDS: dict[str, frozenset[str]] = {
    wechat.PROVIDER: frozenset({"private_key", "apiv3_key"}),
    alipay.PROVIDER: frozenset({"private_key"}),
    stripe.PROVIDER: frozenset({"secret_key", "webhook_secret"}),
}
PEM_FIELDS = frozenset({"private_key", "platform_public_key", "alipay_public_key"})
OPTIONAL_FIELDS = frozenset({"platform_key_id", "seller_id"})

# The providers' addresses. Only tests change them (to a local server on 127.0.0.1 that stands
# in for the provider); a user cannot, so no form can point payments at another host.
API_BASES: dict[str, str] = {
    wechat.PROVIDER: wechat.API_BASE,
    alipay.PROVIDER: alipay.GATEWAY,
    stripe.PROVIDER: stripe.API_BASE,
}

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)

type Credentials = wechat.WechatCredentials | alipay.AlipayCredentials | stripe.StripeCredentials


def normalise_pem(text: str) -> str:
    """Give back a PEM its line breaks (a password field drops them) or pass base64 through."""
    match = _PEM.search(text.strip())
    if match is None:
        return "".join(text.split())
    body = "".join(match[2].split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {match[1]}-----", *lines, f"-----END {match[1]}-----", ""])


def clean_fields(provider: str, raw: Mapping[str, Any]) -> dict[str, str]:
    """Return the provider's fields as stored: trimmed strings, PEMs with their line breaks."""
    out: dict[str, str] = {}
    for name in FIELDS[provider]:
        value = str(raw.get(name) or "")
        if len(value) > MAX_FIELD_CHARS:
            raise CredentialsInvalid(name, "too long")
        out[name] = normalise_pem(value) if name in PEM_FIELDS else value.strip()
    return out


def load(provider: str, fields: Mapping[str, str]) -> Credentials:
    """Check and load one provider's credentials; raise CredentialsInvalid naming the field."""
    for name in FIELDS[provider]:
        if not fields.get(name) and name not in OPTIONAL_FIELDS:
            raise CredentialsInvalid(name, "required")
    base = API_BASES[provider]
    if provider == wechat.PROVIDER:
        return wechat.load_credentials(
            mchid=fields["mchid"],
            appid=fields["appid"],
            merchant_serial_no=fields["merchant_serial_no"],
            private_key=fields["private_key"],
            apiv3_key=fields["apiv3_key"],
            platform_public_key=fields["platform_public_key"],
            platform_key_id=fields.get("platform_key_id", ""),
            api_base=base,
        )
    if provider == alipay.PROVIDER:
        return alipay.load_credentials(
            app_id=fields["app_id"],
            private_key=fields["private_key"],
            alipay_public_key=fields["alipay_public_key"],
            seller_id=fields.get("seller_id", ""),
            gateway=base,
        )
    return stripe.load_credentials(
        secret_key=fields["secret_key"], webhook_secret=fields["webhook_secret"], api_base=base
    )


def configured(options: Mapping[str, Any]) -> dict[str, Mapping[str, str]]:
    """Return the saved fields of each provider this gateway has."""
    saved = options.get(CONF_PAYMENTS) or {}
    return {p: saved[p] for p in PROVIDERS if isinstance(saved.get(p), Mapping)}


def credentials(options: Mapping[str, Any], provider: str) -> Credentials | None:
    """Return a provider's loaded credentials, or None when the gateway does not have it."""
    fields = configured(options).get(provider)
    return None if fields is None else load(provider, fields)


def limits(options: Mapping[str, Any]) -> tuple[int, int]:
    """Return the smallest and largest top-up a resident may pay at once (minor units)."""
    saved = options.get(CONF_PAYMENTS) or {}
    return (
        int(saved.get(CONF_MIN_AMOUNT, DEFAULT_MIN_MINOR)),
        int(saved.get(CONF_MAX_AMOUNT, DEFAULT_MAX_MINOR)),
    )
