"""Writer processes for the crash test: a fixed script of postings, dying on request.

The worker imports everything once, then reads ``URL SCHEMA CRASH_AT`` lines from stdin and
forks one writer process per line (imports take most of a second here; a fork takes
milliseconds). With ``CRASH_AT`` > 0 the writer SIGKILLs itself at that step of the script
(steps are marked inside every posting and at every commit); with 0 it runs to the end and
prints ``steps=N``. After each writer the worker prints ``rc=<exit status>``. Loads
billing/ledger without the Home Assistant package ``__init__`` so it starts fast.
"""

from __future__ import annotations

import os
import signal
import sys
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))
import custom_components  # noqa: E402, F401

_pkg = types.ModuleType("custom_components.prepaid_utility")
_pkg.__path__ = [str(REPO / "custom_components" / "prepaid_utility")]
sys.modules.setdefault("custom_components.prepaid_utility", _pkg)

from custom_components.prepaid_utility.billing.engine import (  # noqa: E402
    CounterReading,
    MeterSpec,
)
from custom_components.prepaid_utility.billing.fees import FeeBasis, FeeItem  # noqa: E402
from custom_components.prepaid_utility.billing.quantity import UtilityKind  # noqa: E402
from custom_components.prepaid_utility.billing.tariff import (  # noqa: E402
    TariffBook,
    TariffVersion,
    flat_tariff,
)
from custom_components.prepaid_utility.ledger.journal import set_step_hook  # noqa: E402
from custom_components.prepaid_utility.ledger.metering import meter_holder  # noqa: E402
from custom_components.prepaid_utility.ledger.store import LedgerStore  # noqa: E402

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ACCOUNTS = ("A", "B", "C", "D", "E")


def script(store: LedgerStore) -> None:
    """Run the same operations every time; each is idempotent on retry."""
    spec = MeterSpec(UtilityKind.ELECTRICITY, 14_490)
    for code in ACCOUNTS:
        store.create_account(code, area_centi_m2=6_000)
        store.add_meter(f"e{code}", spec, "power", start=Decimal(100), at=T0)
        with store.reading() as conn:
            held = meter_holder(conn, f"e{code}")
        if held is None:
            store.assign_meter(f"e{code}", code, T0)
    for code in ACCOUNTS:
        store.recharge(code, 10_000, f"order-{code}")
    for cycle in range(1, 4):
        at = T0 + timedelta(hours=cycle)
        store.bill_readings(
            [
                CounterReading(f"e{c}", at, Decimal(100 + cycle * (i + 1)))
                for i, c in enumerate(ACCOUNTS)
            ]
        )
    store.apportion("stairs", "2026-03", 1_001, dict.fromkeys(ACCOUNTS, 1))
    store.charge_fee("A", FeeItem("service", FeeBasis.PER_M2, 150), "2026-03")
    store.refund("B", 2_000, "refund-B")
    store.adjust("C", -333, "adj-C", "correction")


def writer(url: str, schema: str, crash_at: int) -> None:
    """Run the script in this process, killing it at step ``crash_at``."""
    count = 0

    def hook(_name: str) -> None:
        nonlocal count
        count += 1
        if count == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

    connect_args = {"options": f"-csearch_path={schema}"} if schema != "-" else None
    store = LedgerStore.open(url, connect_args=connect_args, clock=lambda: T0)
    store.register_tariff(
        "power",
        TariffBook((TariffVersion(T0, flat_tariff(UtilityKind.ELECTRICITY, 600_000)),)),
    )
    set_step_hook(hook)
    script(store)
    set_step_hook(None)
    store.close()
    print(f"steps={count}", flush=True)


def main() -> None:
    """Fork one writer per request line."""
    for line in sys.stdin:
        url, schema, crash_at = line.split()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                writer(url, schema, int(crash_at))
            except BaseException as err:
                print(f"error={err!r}", flush=True)
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(f"rc={os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    main()
