"""The statement over HTTP: ``/api/prepaid_utility/statement/<account>/<YYYY-MM>.<csv|html>``.

Home Assistant's auth middleware authenticates the request (a bearer token, or a path signed
with ``auth/sign_path``, which carries the signing user's refresh token: the dashboard card
uses that, as a plain link cannot carry a token); without either the view is never reached
(401). Who may see the account is the cards' rule (:mod:`.account_access`): administrators any
account, other users only accounts that list them as viewers. An account the user may not
see gets the same 404 as one that does not exist. The file name is checked before anything
else (400), and nothing is ever written: the CSV is built in memory by the code the
``export_statement`` service writes its file with.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import hdrs, web
from homeassistant.auth.models import User
from homeassistant.components.frontend.storage import async_user_store
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from ..accounts.access import visible_account
from ..billing.errors import LedgerUnavailable, PrepaidError, Refused
from ..const import DOMAIN
from .build import async_statement, statement_csv
from .labels import labels_for
from .page import NUMBER_STYLES, NumberStyle, PageContext, render_statement
from .periods import ATTR_MONTH, period_bounds

STATEMENT_URL = f"/api/{DOMAIN}/statement/{{account}}/{{filename}}"
FORMATS = ("csv", "html")
# The page has no script and needs nothing from elsewhere: forbid everything else.
PAGE_HEADERS = {
    hdrs.CACHE_CONTROL: "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def _reader_settings(
    hass: HomeAssistant, user: User, request: web.Request
) -> tuple[str, NumberStyle]:
    """Return the reader's language and number style, as Home Assistant's frontend picks them.

    The frontend uses the language saved in the user's profile (``frontend/set_user_data``),
    else the browser's language, else the server's; the number format comes from the profile.
    """
    saved: dict[str, Any] = {}
    store = await async_user_store(hass, user.id)
    if isinstance(store.data.get("language"), dict):
        saved = store.data["language"]
    language = saved.get("language")
    if not language:
        accepted = request.headers.get(hdrs.ACCEPT_LANGUAGE, "")
        language = accepted.split(",")[0].split(";")[0].strip() or hass.config.language
    style = NUMBER_STYLES.get(str(saved.get("number_format")), NumberStyle())
    return str(language), style


async def _error(
    view: HomeAssistantView,
    hass: HomeAssistant,
    language: str,
    status: HTTPStatus,
    key: str,
    **placeholders: str,
) -> web.Response:
    """Return a JSON error with the integration's translated message (the code is the key)."""
    translations = await async_get_translations(
        hass, "zh-Hans" if language.lower().startswith("zh") else "en", "exceptions", {DOMAIN}
    )
    message = translations.get(f"component.{DOMAIN}.exceptions.{key}.message", key)
    for name, value in placeholders.items():
        message = message.replace(f"{{{name}}}", value)
    return view.json_message(message, status, message_code=key)


class StatementView(HomeAssistantView):
    """An account's monthly statement as CSV or as a printable page."""

    url = STATEMENT_URL
    name = f"api:{DOMAIN}:statement"
    requires_auth = True

    async def get(self, request: web.Request, account: str, filename: str) -> web.StreamResponse:
        """Return the statement, or 400 (bad file name), 404 (not seen), 503 (ledger down)."""
        hass = request.app[KEY_HASS]
        user: User = request[KEY_HASS_USER]
        language, style = await _reader_settings(hass, user, request)
        month, _, fmt = filename.rpartition(".")
        if fmt not in FORMATS or not month:
            return await _error(
                self, hass, language, HTTPStatus.BAD_REQUEST, "statement_bad_file",
                file=filename[:60],
            )  # fmt: skip
        try:
            bounds = period_bounds(hass, {ATTR_MONTH: month})
        except Refused:
            return await _error(
                self, hass, language, HTTPStatus.BAD_REQUEST, "invalid_period", value=month[:40]
            )
        acc = visible_account(hass, user, account)
        if acc is None:
            return await _error(self, hass, language, HTTPStatus.NOT_FOUND, "statement_not_found")
        try:
            data = await async_statement(hass, acc.entry, account, bounds)
        except LedgerUnavailable:
            return await _error(
                self, hass, language, HTTPStatus.SERVICE_UNAVAILABLE, "statement_ledger_unavailable"
            )
        except PrepaidError:
            # Known to the gateway but not (yet) to the ledger: nothing to show either way.
            return await _error(self, hass, language, HTTPStatus.NOT_FOUND, "statement_not_found")
        if fmt == "csv":
            return web.Response(
                text=await hass.async_add_executor_job(statement_csv, data),
                content_type="text/csv",
                charset="utf-8",
                headers={
                    hdrs.CACHE_CONTROL: "no-store",
                    hdrs.CONTENT_DISPOSITION: (
                        f'attachment; filename="statement_{account}_{bounds[2]}.csv"'
                    ),
                },
            )
        context = PageContext(
            labels=labels_for(language),
            language="zh-Hans" if language.lower().startswith("zh") else "en",
            style=style,
            time_zone=str(hass.config.time_zone),
            printed=dt_util.now(),
            building=acc.entry.title,
            references={
                f"common:{key}": meter.label
                for key, meter in acc.entry.runtime_data.coordinator.meters.items()
            },
        )
        return web.Response(
            text=await hass.async_add_executor_job(render_statement, data, context),
            content_type="text/html",
            charset="utf-8",
            headers=PAGE_HEADERS,
        )


def async_register_statement_view(hass: HomeAssistant) -> None:
    """Register the view (once, from async_setup: a second route would fail)."""
    hass.http.register_view(StatementView())
