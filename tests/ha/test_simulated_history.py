"""A simulated building that starts days in the past and is moved forward by an action.

What scripts/develop uses for its demo: the history (usage, a cut-off, a restore, statistics)
is written by the ordinary polling and billing while the building's clock moves, never by
hand-made rows. Runs with the real recorder (phcc's ``recorder_mock``), which must start before
``hass``, so the account statistics are the recorder's own.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import CONF_NAME
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import text

from custom_components.prepaid_utility.const import CONF_HISTORY_DAYS, CONF_PRESET, DOMAIN
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.usage.statistics import statistic_id

from .test_accounts import _account, _recharge

pytestmark = pytest.mark.usefixtures("sockets")

DAYS = 6


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The conftest's fixture, with the recorder started before ``hass`` (phcc needs that)."""


@pytest.fixture(autouse=True)
def isolated_config_dir(recorder_mock: Recorder, hass: HomeAssistant, tmp_path: Path) -> None:
    """The conftest's fixture, with the recorder started before ``hass`` (phcc needs that)."""
    hass.config.config_dir = str(tmp_path)


async def _add(hass: HomeAssistant, days: int, name: str = "Demo") -> Any:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "simulated"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: name, CONF_PRESET: "mixed", CONF_HISTORY_DAYS: days}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


async def _advance(hass: HomeAssistant, entry: Any, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "advance_simulation",
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )


def _behind_h(entry: Any) -> float:
    return float(entry.runtime_data.building.behind()) / 3600


async def _entries(entry: Any) -> list[tuple[str, int]]:
    """Every journal entry's kind and time (the building has one account)."""
    query = text("SELECT kind, ts_us FROM journal_entry ORDER BY id")

    def work(store: LedgerStore) -> list[tuple[str, int]]:
        with store.reading() as conn:
            return [(str(k), int(ts)) for k, ts in conn.execute(query)]

    return list(await entry.runtime_data.ledger.run(work))


async def test_history_is_billed_through_polls_with_a_cut_and_a_restore(
    hass: HomeAssistant, hass_admin_user: Any
) -> None:
    entry = await _add(hass, DAYS)
    print(f"behind_h_at_start={_behind_h(entry):.2f}")
    assert abs(_behind_h(entry) - DAYS * 24) < 0.01
    code, device_id = await _account(hass, entry)
    sim = entry.runtime_data.building.building
    relay = sim.device(0, 1)
    # A small top-up, stamped at the building's time (days ago), runs out within a day.
    started = sim.clock.now()
    await _recharge(hass, device_id, amount="3.00", order_id="H-1")
    answer = await _advance(hass, entry, hours=36)
    print(f"first_move={answer}")
    assert answer["polls"] == 36
    assert relay.supply_on is False, "the balance ran out: supply cut"
    cut_balance = await entry.runtime_data.ledger.balance(code)
    assert cut_balance <= 0
    await _recharge(hass, device_id, amount="500.00", order_id="H-2")
    await hass.async_block_till_done()
    assert relay.supply_on is True, "the top-up restored supply"

    # A reload keeps the building as far behind the wall clock as it was.
    before = _behind_h(entry)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    print(f"behind_h_before_reload={before:.3f} after={_behind_h(entry):.3f}")
    assert abs(_behind_h(entry) - before) < 0.05

    t0 = time.monotonic()
    answer = await _advance(hass, entry)  # as far as now
    print(f"catch_up={answer} wall_s={time.monotonic() - t0:.1f}")
    assert answer["polls"] == 48
    assert _behind_h(entry) < 0.05
    assert (await _advance(hass, entry, hours=5))["polls"] == 0, "never past the wall clock"

    kinds = await _entries(entry)
    recharges = [ts for kind, ts in kinds if kind == "recharge"]
    usage_days = {ts // 86_400_000_000 for kind, ts in kinds if kind == "usage"}
    print(f"ledger_entries={len(kinds)} recharges={len(recharges)} usage_days={len(usage_days)}")
    assert len(recharges) == 2
    first_day = started.timestamp() * 1e6
    assert abs(recharges[0] - first_day) < 60e6, "stamped at the building's time, not now"
    # Usage is posted in the building's hours, day after day, not all at once today.
    assert len(usage_days) >= DAYS

    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2000, 1, 1, tzinfo=UTC),
        None,
        {statistic_id(code, "electricity")},
        "hour",
        None,
        {"sum"},
    )
    hours = rows[statistic_id(code, "electricity")]
    span_h = (hours[-1]["start"] - hours[0]["start"]) / 3600
    print(f"statistics_hours={len(hours)} span_h={span_h:.0f} kwh={hours[-1]['sum']:.2f}")
    assert span_h >= DAYS * 24 - 48
    assert hours[-1]["sum"] > 0


async def test_advance_refuses_what_it_cannot_move(
    hass: HomeAssistant, hass_admin_user: Any, hass_read_only_user: Any
) -> None:
    for days in (-1, 91, "many"):
        with pytest.raises(InvalidData):
            await _add(hass, days)  # type: ignore[arg-type]
    assert not hass.config_entries.async_entries(DOMAIN)
    entry = await _add(hass, 2)
    now_building = await _add(hass, 0, name="Today")
    assert _behind_h(now_building) < 0.01
    assert (await _advance(hass, now_building, hours=1))["polls"] == 0
    hass.states.async_set("sensor.x_energy", "1", {"unit_of_measurement": "kWh"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ha_entities"}
    )
    real = (await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "Real"}))[
        "result"
    ]
    await hass.async_block_till_done()
    refused: list[str] = []
    for entry_id, data in (
        (real.entry_id, {}),
        ("no-such-entry", {}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                "advance_simulation",
                {"config_entry_id": entry_id, **data},
                blocking=True,
                return_response=True,
            )
        refused.append(str(err.value.translation_key))
    for hours in (-1, 0, 10**9, "soon"):
        with pytest.raises(Exception) as bad:  # noqa: PT011  # the schema's own vol.Invalid
            await _advance(hass, entry, hours=hours)
        refused.append(type(bad.value).__name__)
    for user in (
        hass_read_only_user,
        await hass.auth.async_create_user("Resident", group_ids=[GROUP_ID_USER]),
    ):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                "advance_simulation",
                {"config_entry_id": entry.entry_id, "hours": 1},
                blocking=True,
                context=Context(user_id=user.id),
            )
        refused.append("unauthorized")
    print(f"refused={refused} behind_h={_behind_h(entry):.2f}")
    assert refused[:2] == ["not_simulated", "unknown_gateway"]
    assert _behind_h(entry) > 2 * 24 - 0.1, "nothing moved"
    assert dt_util.utcnow() - entry.runtime_data.building.building.clock.now() > timedelta(hours=47)
