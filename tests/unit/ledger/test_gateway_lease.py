"""The gateway lease on a shared ledger: one holder, renewals, lapse, release, restored copies."""

from __future__ import annotations

import threading
import time

from custom_components.prepaid_utility.ledger.leases import Claimant

from .conftest import Backend

SITE_A = Claimant("token-a", "instance-a", "Site A")
SITE_B = Claimant("token-b", "instance-b", "Site B")
GATEWAY = "tcp:192.0.2.10:502"


def test_one_holder_and_the_other_sees_who(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    first = a.claim_gateway(GATEWAY, SITE_A, 30)
    second = b.claim_gateway(GATEWAY, SITE_B, 30)
    renewed = a.claim_gateway(GATEWAY, SITE_A, 30)
    print(
        f"dialect={backend.name} a_held={first.held} b_held={second.held} "
        f"b_sees={second.holder_name} a_sees_contender={renewed.contender_name}"
    )
    assert first.held
    assert not second.held
    assert second.holder_name == "Site A"
    assert renewed.held
    assert renewed.contender_name == "Site B"
    assert renewed.expires >= first.expires


def test_a_lapsed_lease_is_taken_over(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    assert a.claim_gateway(GATEWAY, SITE_A, 1).held
    assert not b.claim_gateway(GATEWAY, SITE_B, 1).held
    time.sleep(1.2)  # the holder was killed: nobody renews
    taken = b.claim_gateway(GATEWAY, SITE_B, 30)
    back = a.claim_gateway(GATEWAY, SITE_A, 30)
    print(f"dialect={backend.name} taken_over={taken.held} old_holder_held={back.held}")
    assert taken.held
    assert not back.held
    assert back.holder_name == "Site B"


def test_release_hands_over_at_once(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    assert a.claim_gateway(GATEWAY, SITE_A, 300).held
    assert not b.release_gateway(GATEWAY, SITE_B.token)  # not b's to give
    assert not b.claim_gateway(GATEWAY, SITE_B, 300).held
    assert a.release_gateway(GATEWAY, SITE_A.token)
    assert b.claim_gateway(GATEWAY, SITE_B, 300).held


def test_a_restored_copy_with_the_same_instance_id_stands_by(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    copy = Claimant("token-after-restore", SITE_A.instance, SITE_A.name)
    assert a.claim_gateway(GATEWAY, SITE_A, 300).held
    refused = b.claim_gateway(GATEWAY, copy, 300)
    print(f"dialect={backend.name} restored_copy_held={refused.held}")
    assert not refused.held


def test_first_claims_at_once_leave_one_holder(backend: Backend) -> None:
    stores = [backend.open() for _ in range(4)]
    held_twice = 0
    for round_ in range(10):
        gateway = f"{GATEWAY}#{round_}"
        start = threading.Barrier(len(stores))
        held: list[bool] = []

        def claim(index: int, gateway: str = gateway, start: threading.Barrier = start) -> None:
            who = Claimant(f"token-{index}", f"instance-{index}", f"Site {index}")
            start.wait()
            held.append(stores[index].claim_gateway(gateway, who, 30).held)  # noqa: B023

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(held) == len(stores)
        held_twice += sum(held) != 1
    print(f"dialect={backend.name} rounds=10 claimants=4 gateways_driven_by_two={held_twice}")
    assert held_twice == 0
