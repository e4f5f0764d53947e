"""One "instance" on a shared ledger, as a process: its own building and the shared gateway.

What a Home Assistant instance's coordinator does with the ledger, without Home Assistant (it
starts in a fraction of a second, so the test can kill and restart it many times): every cycle
it claims the shared gateway's lease and, only while it holds it, bills the shared meters'
readings; it always bills its own building's meter; it credits the cycle's recharge order (the
same order ids as the other instance: a payment provider delivering to both) and pays the
cycle's bill under its own payment id (the same bills as the other instance).

The shared meters are "physical": their counters are a function of the wall clock, so both
instances read the same values. Prints ``drive <t>`` for each cycle it drove the shared gateway
(``t``: wall clock) and ``cycles=<n>`` at the end. ``--die-at N`` SIGKILLs the process inside the
shared gateway's billing transaction (between reading the cursors and writing them) of the first
cycle from N on that drives it.

Loads billing/ledger without the Home Assistant package ``__init__`` so it starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
import types
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
import custom_components  # noqa: E402, F401

_pkg = types.ModuleType("custom_components.prepaid_utility")
_pkg.__path__ = [str(REPO / "custom_components" / "prepaid_utility")]
sys.modules.setdefault("custom_components.prepaid_utility", _pkg)

from custom_components.prepaid_utility.billing.engine import CounterReading  # noqa: E402
from custom_components.prepaid_utility.billing.errors import OperationRefused  # noqa: E402
from custom_components.prepaid_utility.billing.quantity import UtilityKind  # noqa: E402
from custom_components.prepaid_utility.billing.tariff import (  # noqa: E402
    TariffBook,
    TariffVersion,
    flat_tariff,
)
from custom_components.prepaid_utility.ledger.journal import set_step_hook  # noqa: E402
from custom_components.prepaid_utility.ledger.leases import Claimant  # noqa: E402
from custom_components.prepaid_utility.ledger.store import LedgerStore  # noqa: E402

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
SHARED_GATEWAY = "bus:192.0.2.50:502"
SHARED_METERS = ("s1", "s2", "s3")
CYCLE_S = 0.2
TERM_S = 1
KWH_PER_S = Decimal("0.001")  # 3.6 kWh an hour: plausible for every meter


def book() -> TariffBook:
    """Return the one tariff every meter of the test is billed with."""
    return TariffBook((TariffVersion(EPOCH, flat_tariff(UtilityKind.ELECTRICITY, 600_000)),))


def counter(start_t: float, now: float, index: int) -> Decimal:
    """Return a shared meter's counter at wall-clock ``now`` (the same for both instances)."""
    watt_hours = int(KWH_PER_S * 1000 * Decimal(now - start_t))
    return Decimal(100 + index) + Decimal(watt_hours) / 1000


def run(args: argparse.Namespace) -> None:
    """Cycle until the deadline."""
    store = LedgerStore.open(args.url, connect_args={"options": f"-csearch_path={args.schema}"})
    store.register_tariff("power", book())
    me = Claimant(uuid.uuid4().hex, f"instance-{args.name}", f"Site {args.name}")
    cycle = 0
    while time.time() < args.until:
        cycle += 1
        now = time.time()
        taken = datetime.fromtimestamp(now, UTC)
        if store.claim_gateway(SHARED_GATEWAY, me, TERM_S).held:
            readings = [
                CounterReading(m, taken, counter(args.start, now, i))
                for i, m in enumerate(SHARED_METERS)
            ]
            if 0 < args.die_at <= cycle:
                set_step_hook(
                    lambda name: (
                        os.kill(os.getpid(), signal.SIGKILL) if name == "cycle:judged" else None
                    )
                )
            store.bill_readings(readings)
            print(f"drive {now:.3f}", flush=True)
        own = f"{args.name}-m1"
        store.bill_readings([CounterReading(own, taken, counter(args.start, now, 0))])
        order = cycle % args.orders
        store.recharge("S1", 100, f"order-{order}")
        # Refused when the other instance paid it first (or this one, an earlier cycle).
        with contextlib.suppress(OperationRefused):
            store.pay_bill(args.bills[cycle % len(args.bills)], f"{args.name}-pay-{cycle}")
        time.sleep(max(0.0, CYCLE_S - (time.time() - now)))
    store.release_gateway(SHARED_GATEWAY, me.token)
    store.close()
    print(f"cycles={cycle}", flush=True)


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("schema")
    parser.add_argument("name")
    parser.add_argument("--start", type=float, required=True)
    parser.add_argument("--until", type=float, required=True)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--bills", type=int, nargs="+", required=True)
    parser.add_argument("--die-at", type=int, default=0)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
