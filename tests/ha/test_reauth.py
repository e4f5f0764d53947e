"""A PostgreSQL ledger whose password changed: setup asks for it, the reauth form fixes it.

Runs against the real PostgreSQL server that scripts/test starts (skipped without
PREPAID_UTILITY_PG_URL). That server trusts every loopback login, so the test gives its own
role a password that the server must check: a first line in pg_hba.conf for that role only
(written through the server, as the superuser may), removed again afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from custom_components.prepaid_utility.const import CONF_LEDGER_URL, DOMAIN
from custom_components.prepaid_utility.money.ledger_runtime import async_test_login

from .test_accounts import _account, _recharge
from .test_ledger_location import PG_URL, _set_location, needs_pg

pytestmark = pytest.mark.usefixtures("sockets")


def _write_hba(admin: Engine, path: str, lines: list[str]) -> None:
    # COPY's text format escapes tabs and backslashes: pg_hba.conf takes spaces as well.
    rows = ", ".join(f"$hba${line.replace(chr(9), ' ')}$hba$" for line in lines)
    with admin.connect() as conn:
        conn.execute(text(f"COPY (SELECT unnest(ARRAY[{rows}]::text[])) TO '{path}'"))
        conn.execute(text("SELECT pg_reload_conf()"))


@pytest.fixture
def password_role() -> Iterator[tuple[str, str]]:
    """A database owned by a role that must log in with its password; yields (URL, role)."""
    assert PG_URL
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:10]
    role, database = f"reauth_{suffix}", f"ledger_reauth_{suffix}"
    with admin.connect() as conn:
        hba = str(conn.execute(text("SHOW hba_file")).scalar_one())
        original = str(conn.execute(text("SELECT pg_read_file(:p)"), {"p": hba}).scalar_one())
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'first-pass'"))
        conn.execute(text(f'CREATE DATABASE "{database}" OWNER "{role}"'))
    lines = original.splitlines()
    _write_hba(admin, hba, [f"host all {role} 127.0.0.1/32 scram-sha-256", *lines])
    url = make_url(PG_URL).set(
        drivername="postgresql", username=role, password="first-pass", database=database
    )
    try:
        yield url.render_as_string(hide_password=False), role
    finally:
        _write_hba(admin, hba, lines)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@needs_pg
async def test_refused_login_asks_for_the_new_password(
    hass: HomeAssistant, mixed_building: Any, password_role: tuple[str, str]
) -> None:
    entry = mixed_building
    location, role = password_role
    wrong = make_url(location).set(password="not-it").render_as_string(hide_password=False)
    # The server really checks this role's password (the form refuses a wrong one).
    result = await _set_location(hass, entry, wrong)
    assert result["errors"] == {CONF_LEDGER_URL: "ledger_cannot_connect"}
    result = await _set_location(hass, entry, location)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    code, device_id = await _account(hass, entry)
    await _recharge(hass, device_id, amount="30.00", order_id="reauth-1")

    # The database administrator changes the password; the gateway restarts.
    admin = create_engine(PG_URL or "", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER ROLE \"{role}\" PASSWORD 'second-pass'"))
    admin.dispose()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR, (entry.state, entry.reason)
    assert entry.reason
    assert "refused the login" in entry.reason
    flows = [f for f in hass.config_entries.flow.async_progress_by_handler(entry.domain)
             if f["context"]["source"] == config_entries.SOURCE_REAUTH]  # fmt: skip
    assert len(flows) == 1, "setup raised ConfigEntryAuthFailed: HA started a reauth flow"
    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "reauth_confirm"
    assert "second-pass" not in str(result["description_placeholders"])
    assert "first-pass" not in str(result["description_placeholders"])

    # A wrong password is refused and changes nothing.
    result = await hass.config_entries.flow.async_configure(flow_id, {"password": "nope"})
    assert result["errors"] == {"base": "invalid_auth"}
    assert entry.options[CONF_LEDGER_URL] == location

    result = await hass.config_entries.flow.async_configure(flow_id, {"password": "second-pass"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert make_url(entry.options[CONF_LEDGER_URL]).password == "second-pass"
    # The money is where it was.
    assert await entry.runtime_data.ledger.balance(code) == 3000
    print("reauth_refused_state=setup_error wrong_password=invalid_auth reauth=loaded balance=3000")


async def test_unreachable_or_bad_ledger_is_not_a_login_problem(hass: HomeAssistant) -> None:
    # Nothing listens on port 1: unreachable, which a new password would not fix.
    unreachable = "postgresql://someone:pw@127.0.0.1:1/ledger"
    assert await async_test_login(hass, unreachable) == "ledger_cannot_connect"
    assert await async_test_login(hass, "mysql://u:p@h/db") == "invalid_ledger_url"


async def test_file_ledger_has_no_password_to_ask_for(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=dict(entry.data),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_to_reauthenticate"
