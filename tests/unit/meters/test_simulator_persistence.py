"""A simulated building continues from a snapshot, counting the time it was not running."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from custom_components.prepaid_utility.meters.simulator.building import Building
from custom_components.prepaid_utility.meters.simulator.clock import SimClock

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_snapshot_restores_counters_relays_and_balances_and_counts_downtime() -> None:
    first = Building.preset("mixed", clock=SimClock(NOON, manual=True), meter_side=True)
    first.clock.advance(3600)
    first.device(0, 5).set_supply(False)  # Hiking relay cut
    acrel = first.device(0, 1)
    totals = {unit: first.device(0, unit).total for unit in range(1, 7)}
    snapshot = json.loads(json.dumps(first.snapshot()))  # what storage keeps: plain JSON

    # Home Assistant comes back two hours later.
    second = Building.preset(
        "mixed", clock=SimClock(NOON + timedelta(hours=3), manual=True), meter_side=True
    )
    assert second.restore(snapshot) == 7
    after = {unit: second.device(0, unit).total for unit in range(1, 7)}
    for unit in (1, 2, 3, 4, 6):
        assert after[unit] > totals[unit], unit  # two hours of load were counted
    assert after[5] == totals[5]  # a cut meter counts nothing while down
    assert second.device(0, 5).supply_on is False
    restored = second.device(0, 1)
    assert restored.params == acrel.params  # type: ignore[attr-defined]
    assert restored.remaining_cents < acrel.remaining_cents  # type: ignore[attr-defined]


def test_snapshot_from_the_future_does_not_run_backwards() -> None:
    first = Building.preset("mixed", clock=SimClock(NOON + timedelta(days=1), manual=True))
    snapshot = first.snapshot()
    second = Building.preset("mixed", clock=SimClock(NOON, manual=True))
    second.restore(snapshot)
    total = second.device(0, 1).total
    second.clock.advance(60)
    assert second.device(0, 1).total >= total
