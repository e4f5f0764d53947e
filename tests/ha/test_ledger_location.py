"""Ledger location option: PostgreSQL URL tested before saving, never stranding money.

Runs against the real PostgreSQL server that scripts/test starts on loopback (skipped, with
the reason, when PREPAID_UTILITY_PG_URL is not set).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import probatio
import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_validation as cv
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from custom_components.prepaid_utility.const import (
    CONF_ELECTRICITY_PRICE,
    CONF_LEDGER_PASSWORD,
    CONF_LEDGER_URL,
    CONF_POLL_INTERVAL,
    CONF_WATER_PRICE,
)
from custom_components.prepaid_utility.diagnostics import async_get_config_entry_diagnostics
from custom_components.prepaid_utility.ledger.location import join_password, split_password

from .test_accounts import _account, _recharge

pytestmark = pytest.mark.usefixtures("sockets")

PG_URL = os.environ.get("PREPAID_UTILITY_PG_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="PREPAID_UTILITY_PG_URL not set")


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty database on the test server; yields its postgresql:// URL."""
    assert PG_URL
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    # What a person types: the plain scheme, not SQLAlchemy's driver-qualified one.
    url = make_url(PG_URL).set(drivername="postgresql", database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _set_location(hass: HomeAssistant, entry: Any, location: str, **extra: str) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    return await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_ELECTRICITY_PRICE: "0.60",
            CONF_WATER_PRICE: "4.50",
            CONF_POLL_INTERVAL: 30,
            CONF_LEDGER_URL: location,
            **({CONF_LEDGER_PASSWORD: extra["password"]} if "password" in extra else {}),
        },
    )


async def test_bad_locations_are_refused_and_change_nothing(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    before = dict(entry.options)
    ledger = entry.runtime_data.ledger
    cases = {
        "mysql://u:p@127.0.0.1/ledger": "invalid_ledger_url",
        "sqlite:////tmp/elsewhere.db": "invalid_ledger_url",
        "not a url at all": "invalid_ledger_url",
        "postgresql://u:p@127.0.0.1": "invalid_ledger_url",  # no database
        "postgresql:///ledger": "invalid_ledger_url",  # no host
        f"postgresql://u:p@127.0.0.1:{_closed_port()}/ledger": "ledger_cannot_connect",
    }
    refused = 0
    for location, error in cases.items():
        result = await _set_location(hass, entry, location)
        assert result["type"] is FlowResultType.FORM, location
        assert result["errors"] == {CONF_LEDGER_URL: error}, location
        refused += 1
    await hass.async_block_till_done()
    assert dict(entry.options) == before
    assert entry.runtime_data.ledger is ledger
    print(f"bad_locations={len(cases)} refused={refused} options_changed=0")


@needs_pg
async def test_new_gateway_moves_to_postgresql(
    hass: HomeAssistant, mixed_building: Any, pg_database: str
) -> None:
    entry = mixed_building
    result = await _set_location(hass, entry, pg_database)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.options[CONF_LEDGER_URL] == pg_database
    store = entry.runtime_data.ledger.store
    assert store.engine.dialect.name == "postgresql"
    # Money now lands on the server.
    code, device_id = await _account(hass, entry)
    response = await _recharge(hass, device_id, amount="25.00", order_id="pg-1")
    assert response["balance"] == "25.00"
    check = create_engine(make_url(pg_database).set(drivername="postgresql+psycopg"))
    with check.connect() as conn:
        balance = conn.execute(
            text("SELECT balance FROM account WHERE code = :c"), {"c": code}
        ).scalar_one()
    check.dispose()
    assert balance == 2500
    # The password (and the host) never reach a diagnostics download.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    shown = str(diagnostics)
    password = make_url(pg_database).password
    assert pg_database not in shown
    assert not password or password not in shown
    assert make_url(pg_database).host not in shown


@needs_pg
async def test_move_that_would_strand_money_is_refused(
    hass: HomeAssistant, mixed_building: Any, pg_database: str
) -> None:
    entry = mixed_building
    code, device_id = await _account(hass, entry)
    await _recharge(hass, device_id, amount="40.00", order_id="sqlite-1")
    ledger = entry.runtime_data.ledger
    before = dict(entry.options)
    result = await _set_location(hass, entry, pg_database)
    assert result["errors"] == {CONF_LEDGER_URL: "ledger_would_strand_money"}
    await hass.async_block_till_done()
    assert dict(entry.options) == before
    assert entry.runtime_data.ledger is ledger
    assert await ledger.balance(code) == 4000
    print("stranding_moves=1 refused=1 balance_kept=40.00")


def test_password_is_split_from_the_url_and_kept_when_left_empty() -> None:
    stored = "postgresql://billing:s3cr%40t@db.local:5432/ledger"
    shown, password = split_password(stored)
    assert shown == "postgresql://billing@db.local:5432/ledger"
    assert password == "s3cr@t"
    kept = (shown, password)
    assert make_url(join_password(shown, "", kept)).password == "s3cr@t"
    assert make_url(join_password(shown, "new", kept)).password == "new"
    # Another server or user: the stored password is not sent to it.
    assert (
        make_url(join_password("postgresql://billing@evil.example/ledger", "", kept)).password
        is None
    )
    assert join_password("", "", kept) == ""
    print("password_kept=1 password_to_other_host=0")


@needs_pg
async def test_options_form_never_sends_the_ledger_password(
    hass: HomeAssistant, mixed_building: Any, pg_database: str
) -> None:
    entry = mixed_building
    shown, _ = split_password(pg_database)
    # The test server trusts loopback (scripts/test), so any password connects: the point is
    # where the password travels, not what the server does with it.
    password = f"pw-{uuid.uuid4().hex}"
    # Typed as the form asks: the URL without it, the password in its own field.
    result = await _set_location(hass, entry, shown, password=password)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    assert make_url(entry.options[CONF_LEDGER_URL]).password == password
    assert entry.runtime_data.ledger.store.engine.dialect.name == "postgresql"
    # The form again, serialised as Home Assistant sends it to the browser: no password.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    sent = json.dumps(
        probatio.to_field_list(result["data_schema"], custom_serializer=cv.custom_serializer)
    )
    assert password not in sent
    fields = {f["name"]: f for f in json.loads(sent)}
    assert fields[CONF_LEDGER_PASSWORD]["selector"]["text"]["type"] == "password"
    assert "default" not in fields[CONF_LEDGER_PASSWORD]
    assert fields[CONF_LEDGER_URL]["default"] == shown
    # Left empty, the password is kept.
    result = await _set_location(hass, entry, shown)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    assert make_url(entry.options[CONF_LEDGER_URL]).password == password
    assert entry.state is ConfigEntryState.LOADED
    print("password_in_form=0 password_kept=1")
