"""Home Assistant backups: the ledger is copied whole, between two writes.

Home Assistant's backup copies ``prepaid_utility.db`` and its ``-wal`` file from the
configuration folder. Before it does, every open ledger posts its open hour of usage, folds
its WAL into the database file and holds its writes; after the copy (or a failed one) writes
go on. Polls and recharges made meanwhile wait and then run: meter counters are cumulative, so
a poll that waited bills late and loses nothing.
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant

from .money.ledger_runtime import async_pause_ledgers, async_resume_ledgers

_LOGGER = logging.getLogger(__name__)


async def async_pre_backup(hass: HomeAssistant) -> None:
    """Checkpoint every ledger and hold its writes until the backup has copied it."""
    paused = await async_pause_ledgers(hass)
    _LOGGER.debug("Backup starting: %s ledger(s) checkpointed and paused", paused)


async def async_post_backup(hass: HomeAssistant) -> None:
    """Let the ledgers write again."""
    await async_resume_ledgers(hass)
