"""Splitting an amount exactly: largest-remainder apportionment and the common-area pool."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import InvalidAmount


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` minor units by integer weights so the shares add up exactly.

    Each share is the floor of its exact part; the units left over go one each to the largest
    fractional remainders, ties broken by position (earlier first), so the result is
    deterministic. All-zero weights split equally.
    """
    if total < 0 or not weights or any(w < 0 for w in weights):
        raise InvalidAmount("apportionment needs a non-negative total and weights")
    if sum(weights) == 0:
        weights = [1] * len(weights)
    weight_sum = sum(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for index in order[:left]:
        shares[index] += 1
    return shares


def common_area_pool(master_milli: int, sub_milli: Sequence[int]) -> tuple[int, int]:
    """Return ``(pool, loss)`` quantities: master minus sub-meters, never negative.

    A negative difference (sub-meters ahead of the master: meter tolerance or a bypass) leaves
    a pool of zero and is reported as a negative loss for the landlord to look at.
    """
    difference = master_milli - sum(sub_milli)
    return max(difference, 0), difference


def loss_per_mille(master_milli: int, sub_milli: Sequence[int]) -> int:
    """Return the unmetered share of the master's quantity in per mille (rounded down)."""
    if master_milli <= 0:
        return 0
    return (master_milli - sum(sub_milli)) * 1000 // master_milli
