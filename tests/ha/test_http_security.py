"""H1, H3, H9: what the integration serves over HTTP, seen by somebody without a login.

H1: every route of ours answers 401 without a token (the statement view's, for any account),
except the card bundle (public code, no data, like Home Assistant's own frontend files) and the
payment webhook and the providers' notification address (each checks its own signature: unsigned
posts are refused). H3: no view of ours switches authentication off but that notification view.
H9: path tricks on the static route never reach another file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.money.addresses import URL as PAY_URL
from custom_components.prepaid_utility.money.payments import CONF_WEBHOOK_ID
from custom_components.prepaid_utility.statements.cards import CARDS_URL
from custom_components.prepaid_utility.statements.view import STATEMENT_URL

pytestmark = pytest.mark.usefixtures("sockets")

PACKAGE = Path(__file__).resolve().parents[2] / "custom_components" / DOMAIN


async def test_routes_without_a_login(
    hass: HomeAssistant, mixed_building: Any, hass_client_no_auth: Any
) -> None:
    client = await hass_client_no_auth()
    ours = sorted(
        {
            resource.canonical
            for resource in hass.http.app.router.resources()
            if DOMAIN in resource.canonical
        }
    )
    assert CARDS_URL in ours
    assert STATEMENT_URL in ours
    unauth_ok = 0
    for canonical in ours:
        # A dynamic route is asked for as a link would have it (any account, any month).
        path = re.sub(r"\{[^}]+\}", "x", canonical)
        response = await client.get(path)
        if canonical == CARDS_URL:
            assert response.status == 200
            body = await response.text()
            assert mixed_building.data[CONF_WEBHOOK_ID] not in body
        elif canonical == PAY_URL:
            # Providers cannot log in: only a POST the provider signed is read (see below).
            assert response.status == 405
        elif response.status != 401:
            print(f"not_refused={path} status={response.status}")
            unauth_ok += 1
    # The webhook is Home Assistant's shared route: an unsigned notification changes nothing.
    hook = f"/api/webhook/{mixed_building.data[CONF_WEBHOOK_ID]}"
    response = await client.post(hook, data=b'{"order_id": "x", "amount": "1", "status": "paid"}')
    assert response.status in (400, 401)
    # The providers' address: unsigned posts change nothing (no provider set up: 404; set up
    # and unsigned: 401, in tests/ha/test_payment_providers.py).
    for provider in ("wechat", "alipay", "stripe"):
        pay = PAY_URL.format(entry_id=mixed_building.entry_id, provider=provider)
        response = await client.post(pay, data=b'{"out_trade_no": "x"}')
        assert response.status == 404
    print(f"routes={len(ours) + 1} unauth_ok={unauth_ok}")
    assert unauth_ok == 0


def test_no_view_turns_authentication_off() -> None:
    # The one exception: WeChat Pay, Alipay and Stripe cannot log in; they sign.
    allowed = {"provider_views.py"}
    violations = [
        f"{source.name}:{node.lineno}"
        for source in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", "") == "requires_auth" for t in node.targets)
        and isinstance(node.value, ast.Constant)
        and node.value.value is False
        and source.name not in allowed
    ]
    print(f"violations={len(violations)}")
    assert violations == []


async def test_path_tricks_on_the_static_route(
    hass: HomeAssistant, mixed_building: Any, hass_client_no_auth: Any
) -> None:
    client = await hass_client_no_auth()
    # Something worth stealing where a traversal would look for it.
    config = Path(hass.config.path("configuration.yaml"))
    await hass.async_add_executor_job(config.write_text, "homeassistant:\n", "utf-8")
    base = CARDS_URL.rsplit("/", 1)[0]
    tricks = [
        f"{base}/../manifest.json",
        f"{base}/%2e%2e/manifest.json",
        f"{base}/%2e%2e%2fmanifest.json",
        f"{base}/..%2f..%2fconfiguration.yaml",
        f"{CARDS_URL}/../../configuration.yaml",
        f"{base}//etc/passwd",
        f"{base}/manifest.json",
        f"{base}/frontend/prepaid-utility-cards.js",
        f"{base}/..%5c..%5cconfiguration.yaml",
    ]
    # What a file outside the bundle would show: our manifest, the configuration, a system file.
    secrets = (b'"domain": "prepaid_utility"', b"default_config", b"root:x:0:0", b"homeassistant:")
    escapes = 0
    for path in tricks:
        response = await client.get(path, allow_redirects=False)
        body = await response.read()
        # Unknown paths get 404, or Home Assistant's own app page (its client-side router).
        if response.status == 200 and any(secret in body for secret in secrets):
            escapes += 1
    print(f"paths={len(tricks)} escapes={escapes}")
    assert escapes == 0
