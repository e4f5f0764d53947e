"""A local stand-in for WeChat Pay, Alipay and Stripe, on 127.0.0.1.

No payment provider can be reached from here (and none should be called by a test), so this
aiohttp server answers the requests the integration sends with each provider's documented
request and response shapes: WeChat Pay API v3 Native order and order query (answers signed
with the "WeChat Pay" key, requests' ``Authorization`` checked with the merchant's key), Alipay
``alipay.trade.precreate`` / ``alipay.trade.query`` (answers signed RSA2 over the raw
``*_response`` text, requests' ``sign`` checked), Stripe Checkout Sessions (Bearer key,
``Idempotency-Key``). It also makes what a provider sends when a payer pays: signed
notifications. Errors and time-outs are injected per request with ``fail_next``.

Keys are generated in the test run (never read from a file).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MCHID = "1900009191"
APPID = "wxd678efh567hg6787"
SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
KEY_ID = "PUB_KEY_ID_0114232134912410000000000011"
APIV3 = "a12d3924fd499edac8a5efc23f6a5cba"
ALIPAY_APP_ID = "2021000123456789"
STRIPE_KEY = "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_WHSEC = "whsec_" + "standin0123456789abcdef"


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name, made once per test process."""
    del name
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(name: str) -> str:
    """PKCS#8 PEM of a named key."""
    return (
        rsa_key(name)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def public_pem(name: str) -> str:
    """SubjectPublicKeyInfo PEM of a named key."""
    return (
        rsa_key(name)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def credentials() -> dict[str, dict[str, str]]:
    """What an administrator pastes into the options, per provider."""
    return {
        "wechat": {
            "mchid": MCHID,
            "appid": APPID,
            "merchant_serial_no": SERIAL,
            "private_key": private_pem("merchant"),
            "apiv3_key": APIV3,
            "platform_key_id": KEY_ID,
            "platform_public_key": public_pem("wechatpay"),
        },
        "alipay": {
            "app_id": ALIPAY_APP_ID,
            "seller_id": "",
            "private_key": private_pem("alipay-app"),
            "alipay_public_key": public_pem("alipay"),
        },
        "stripe": {"secret_key": STRIPE_KEY, "webhook_secret": STRIPE_WHSEC},
    }


def _rsa_sign(name: str, message: bytes) -> str:
    signature = rsa_key(name).sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def wechat_headers(body: bytes, stamp: int | None = None, key: str = "wechatpay") -> dict[str, str]:
    """The ``Wechatpay-*`` headers WeChat Pay puts on an answer or a notification."""
    stamp = int(time.time()) if stamp is None else stamp
    nonce = secrets.token_hex(16)
    return {
        "Wechatpay-Signature": _rsa_sign(key, f"{stamp}\n{nonce}\n".encode() + body + b"\n"),
        "Wechatpay-Timestamp": str(stamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": KEY_ID,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def wechat_transaction(order_id: str, total: int, state: str = "SUCCESS") -> dict[str, Any]:
    """A transaction object as WeChat Pay's query answers and notifications carry it."""
    tx: dict[str, Any] = {
        "mchid": MCHID,
        "appid": APPID,
        "out_trade_no": order_id,
        "trade_type": "NATIVE",
        "trade_state": state,
        "amount": {"total": total, "payer_total": total, "currency": "CNY"},
    }
    if state == "SUCCESS":
        tx["transaction_id"] = "42000" + hashlib.sha256(order_id.encode()).hexdigest()[:23]
    return tx


def wechat_notification(tx: dict[str, Any], apiv3: str = APIV3) -> bytes:
    """A TRANSACTION.SUCCESS notification with the transaction sealed by the APIv3 key."""
    nonce = secrets.token_hex(6)
    sealed = AESGCM(apiv3.encode()).encrypt(
        nonce.encode(), json.dumps(tx, ensure_ascii=False).encode(), b"transaction"
    )
    return json.dumps(
        {
            "id": "EV-" + secrets.token_hex(8),
            "create_time": "2026-12-01T10:00:01+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(sealed).decode(),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    ).encode()


def alipay_notification(order_id: str, amount: str, trade_no: str = "") -> bytes:
    """An asynchronous notification form, signed RSA2 by Alipay's key."""
    params = {
        "notify_time": "2026-12-01 10:00:00",
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "app_id": ALIPAY_APP_ID,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade_no
        or "2026120122001" + hashlib.sha256(order_id.encode()).hexdigest()[:15],
        "out_trade_no": order_id,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": amount,
    }
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["sign"] = _rsa_sign("alipay", text.encode())
    params["sign_type"] = "RSA2"
    return urlencode(params).encode()


def stripe_session(order_id: str, amount: int, currency: str, paid: bool) -> dict[str, Any]:
    """A Checkout Session object."""
    return {
        "id": "cs_test_" + hashlib.sha256(order_id.encode()).hexdigest()[:24],
        "object": "checkout.session",
        "client_reference_id": order_id,
        "amount_total": amount,
        "currency": currency.lower(),
        "payment_status": "paid" if paid else "unpaid",
        "status": "complete" if paid else "open",
        "url": "https://checkout.stripe.com/c/pay/" + order_id,
        "metadata": {"order_id": order_id},
    }


def stripe_event(session: dict[str, Any], kind: str = "checkout.session.completed") -> bytes:
    """A webhook event about a session."""
    return json.dumps(
        {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "type": kind,
            "data": {"object": session},
        }
    ).encode()


def stripe_signature(body: bytes, stamp: int | None = None, secret: str = STRIPE_WHSEC) -> str:
    """``Stripe-Signature`` over the raw body."""
    stamp = int(time.time()) if stamp is None else stamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


@dataclass
class StandinOrder:
    """An order as the stand-in provider knows it."""

    provider: str
    order_id: str
    amount: int
    currency: str
    paid: bool = False
    created: int = 0


@dataclass
class Standin:
    """The stand-in provider's state: orders, requests seen, failures to inject."""

    orders: dict[str, StandinOrder] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail_next: list[str] = field(default_factory=list)  # "500", "429", "timeout", "refuse"
    hang_s: float = 30.0
    bad_auth: int = 0
    notify_urls: list[str] = field(default_factory=list)

    def pay(self, order_id: str) -> None:
        """The payer pays (the query then says so)."""
        self.orders[order_id].paid = True

    def app(self) -> web.Application:
        """The aiohttp application speaking the three providers' APIs."""
        app = web.Application()
        app.router.add_post("/v3/pay/transactions/native", self._wx_native)
        app.router.add_get("/v3/pay/transactions/out-trade-no/{order_id}", self._wx_query)
        app.router.add_post("/gateway.do", self._alipay)
        app.router.add_post("/v1/checkout/sessions", self._stripe_create)
        app.router.add_get("/v1/checkout/sessions/{session_id}", self._stripe_get)
        return app

    async def _injected(self) -> web.Response | None:
        if not self.fail_next:
            return None
        kind = self.fail_next.pop(0)
        if kind == "timeout":
            await asyncio.sleep(self.hang_s)
            return web.Response(status=504)
        if kind == "refuse":
            return web.Response(status=400, text='{"code":"PARAM_ERROR","message":"refused"}')
        return web.Response(status=int(kind), text='{"code":"SYSTEM_ERROR","message":"busy"}')

    # -- WeChat Pay --------------------------------------------------------------------------

    def _wx_check_auth(self, request: web.Request, body: bytes) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        parts = dict(item.split("=", 1) for item in auth.split(" ", 1)[1].split(",") if "=" in item)
        values = {k: v.strip('"') for k, v in parts.items()}
        message = (
            f"{request.method}\n{request.path_qs}\n{values['timestamp']}\n"
            f"{values['nonce_str']}\n".encode()
            + body
            + b"\n"
        )
        try:
            rsa_key("merchant").public_key().verify(
                base64.b64decode(values["signature"]), message, padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:
            self.bad_auth += 1
            return False
        return values["mchid"] == MCHID and values["serial_no"] == SERIAL

    def _wx_answer(self, status: int, data: dict[str, Any]) -> web.Response:
        body = json.dumps(data, ensure_ascii=False).encode()
        return web.Response(
            status=status, body=body, headers=wechat_headers(body), content_type="application/json"
        )

    async def _wx_native(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(("wechat", "native"))
        if (injected := await self._injected()) is not None:
            return injected
        if not self._wx_check_auth(request, body):
            return self._wx_answer(401, {"code": "SIGN_ERROR", "message": "bad signature"})
        data = json.loads(body)
        self.notify_urls.append(data["notify_url"])
        order_id = data["out_trade_no"]
        known = self.orders.get(order_id)
        if known is not None and known.amount != data["amount"]["total"]:
            return self._wx_answer(400, {"code": "INVALID_REQUEST", "message": "订单号重复"})
        self.orders[order_id] = known or StandinOrder(
            "wechat", order_id, data["amount"]["total"], data["amount"]["currency"]
        )
        return self._wx_answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={order_id[-8:]}"})

    async def _wx_query(self, request: web.Request) -> web.Response:
        self.requests.append(("wechat", "query"))
        if (injected := await self._injected()) is not None:
            return injected
        if not self._wx_check_auth(request, b""):
            return self._wx_answer(401, {"code": "SIGN_ERROR", "message": "bad signature"})
        order = self.orders.get(request.match_info["order_id"])
        if order is None:
            return self._wx_answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        state = "SUCCESS" if order.paid else "NOTPAY"
        return self._wx_answer(200, wechat_transaction(order.order_id, order.amount, state))

    # -- Alipay ------------------------------------------------------------------------------

    def _ali_answer(self, method: str, content: dict[str, Any]) -> web.Response:
        name = method.replace(".", "_") + "_response"
        inner = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        text = f'{{"{name}":{inner},"sign":"{_rsa_sign("alipay", inner.encode())}"}}'
        return web.Response(text=text, content_type="application/json")

    async def _alipay(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode()))
        method = form.get("method", "")
        self.requests.append(("alipay", method))
        if (injected := await self._injected()) is not None:
            return injected
        sign = form.pop("sign", "")
        text = "&".join(f"{k}={v}" for k, v in sorted(form.items()))
        try:
            rsa_key("alipay-app").public_key().verify(
                base64.b64decode(sign), text.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:
            self.bad_auth += 1
            return self._ali_answer(
                method,
                {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"},
            )
        biz = json.loads(form["biz_content"])
        order_id = biz["out_trade_no"]
        if method == "alipay.trade.precreate":
            amount = int(Decimal(biz["total_amount"]) * 100)
            self.orders.setdefault(order_id, StandinOrder("alipay", order_id, amount, "CNY"))
            return self._ali_answer(
                method,
                {
                    "code": "10000",
                    "msg": "Success",
                    "out_trade_no": order_id,
                    "qr_code": f"https://qr.alipay.com/bax{order_id[-8:].lower()}",
                },
            )
        order = self.orders.get(order_id)
        if order is None:
            return self._ali_answer(
                method,
                {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"},
            )
        content = {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": order_id,
            "trade_no": "2026120122001" + hashlib.sha256(order_id.encode()).hexdigest()[:15],
            "trade_status": "TRADE_SUCCESS" if order.paid else "WAIT_BUYER_PAY",
            "total_amount": f"{order.amount // 100}.{order.amount % 100:02d}",
        }
        return self._ali_answer(method, content)

    # -- Stripe ------------------------------------------------------------------------------

    def _stripe_auth(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {STRIPE_KEY}":
            return web.json_response(
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}},
                status=401,
            )
        return None

    async def _stripe_create(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode()))
        self.requests.append(("stripe", "create"))
        if (injected := await self._injected()) is not None:
            return injected
        if (refused := self._stripe_auth(request)) is not None:
            return refused
        order_id = form["client_reference_id"]
        order = self.orders.setdefault(
            order_id,
            StandinOrder(
                "stripe",
                order_id,
                int(form["line_items[0][price_data][unit_amount]"]),
                form["line_items[0][price_data][currency]"],
            ),
        )
        return web.json_response(stripe_session(order_id, order.amount, order.currency, False))

    async def _stripe_get(self, request: web.Request) -> web.Response:
        self.requests.append(("stripe", "query"))
        if (injected := await self._injected()) is not None:
            return injected
        if (refused := self._stripe_auth(request)) is not None:
            return refused
        for order in self.orders.values():
            session = stripe_session(order.order_id, order.amount, order.currency, order.paid)
            if session["id"] == request.match_info["session_id"]:
                return web.json_response(session)
        return web.json_response(
            {"error": {"type": "invalid_request_error", "code": "resource_missing"}}, status=404
        )
