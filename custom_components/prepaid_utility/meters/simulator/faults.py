"""Faults a simulated meter or gateway can be told to show, on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

ILLEGAL_FUNCTION = 0x01
ILLEGAL_ADDRESS = 0x02
ILLEGAL_VALUE = 0x03
DEVICE_FAILURE = 0x04
ACKNOWLEDGE = 0x05
DEVICE_BUSY = 0x06
GATEWAY_PATH_UNAVAILABLE = 0x0A
GATEWAY_NO_RESPONSE = 0x0B


@dataclass(slots=True)
class Faults:
    """Per-device fault switches. Counters (``*_next``) count down as requests arrive."""

    no_reply: bool = False  # a dead slave: never answers
    drop_next: int = 0  # the next N requests get no reply
    drop_every: int = 0  # every Nth request gets no reply (0: never)
    exception_always: int | None = None  # answer every request with this exception code
    exceptions_next: list[int] = field(default_factory=list)  # codes for the next requests
    slow_s: float = 0.0  # extra reply latency
    corrupt_next: int = 0  # the next N replies are corrupted (bad CRC / truncated)
    junk_next: int = 0  # the next N replies come after a few bytes of line noise
    split: bool = False  # send every reply in two pieces with a pause between
    ignore_supply: bool = False  # relay/valve acks commands but does not move
    supply_lag_s: float = 0.0  # the status shows a switched relay/valve this late (wall time)
    bypass: bool = False  # consumption continues while the relay/valve reads off (C5)
    drop_write_reply_next: int = 0  # apply the next N writes, send no reply (ambiguous)
    illegal_addresses: set[int] = field(default_factory=set)  # reads touching these: 0x02
    seen: int = 0  # requests seen (for drop_every)
    # DL/T 645 / CJ/T 188 only (frames with their own addresses):
    answer_twice: bool = False  # every reply is sent twice (a meter repeating itself)
    foreign_next: int = 0  # the next N replies come from another address
    truncate_next: int = 0  # the next N replies stop half-way
