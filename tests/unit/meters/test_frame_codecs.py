"""DL/T 645-2007 and CJ/T 188 decoding, against frames written out by hand from the standards.

None of these frames comes from our encoder. The DL/T 645 ones were worked out byte by byte
(address low byte first, data +0x33, sum mod 256) and checked once against an independent
implementation, the ``dlt645`` package 3.2.0 on PyPI (its ``DLT645Protocol.deserialize``
accepted every good frame here with the same address, control code and data, and refused
the bad checksum); it is not a dependency: it pulls in loguru and 24,000 lines for the 200
we need. The first CJ/T 188 reply is the example frame in Aixi Wang's public ``python_cjt188``
tool (tested by its author against a DN15 meter).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from custom_components.prepaid_utility.meters import cjt188, dlt645
from custom_components.prepaid_utility.meters.dlt645 import FrameError

from .conftest import report


def hexb(text: str) -> bytes:
    return bytes.fromhex(text)


ADDR_1 = hexb("01 00 00 00 00 00")

# DL/T 645: meter 000000000001.
BROADCAST_READ_ADDRESS = "68 AA AA AA AA AA AA 68 13 00 DF 16"
ADDRESS_REPLY = "68 01 00 00 00 00 00 68 93 06 34 33 33 33 33 33 9D 16"
READ_TOTAL = "68 01 00 00 00 00 00 68 11 04 33 33 33 33 B2 16"
TOTAL_1234_56 = "FE FE FE FE 68 01 00 00 00 00 00 68 91 08 33 33 33 33 89 67 45 33 9E 16"
# 0000FF00: total 1234.56, sharp 100.00, peak 400.00, flat 500.00, valley 234.56.
ENERGY_BLOCK = (
    "68 01 00 00 00 00 00 68 91 18 33 32 33 33 89 67 45 33 33 33 34 33"
    " 33 33 37 33 33 33 38 33 89 67 35 33 73 16"
)
NO_DATA_ERROR = "68 01 00 00 00 00 00 68 D1 01 35 D8 16"
# Status word 3 = 0x0050: relay open (bit 4) and relay command "off" (bit 6).
STATUS_RELAY_OFF = "68 01 00 00 00 00 00 68 91 06 36 38 33 37 83 33 F6 16"
# Cut (1A), password level 02 / 000000, operator 00000000, valid until 26-12-05 12:00:00.
RELAY_CUT = "68 01 00 00 00 00 00 68 1C 10 35 33 33 33 33 33 33 33 4D 33 33 33 45 38 45 59 98 16"

# The bad ones: each must give no value at all.
BAD_CHECKSUM = "68 01 00 00 00 00 00 68 91 08 33 33 33 33 89 67 45 33 9F 16"
OTHER_ADDRESS = "68 02 00 00 00 00 00 68 91 08 33 33 33 33 89 67 45 33 9F 16"
TRUNCATED = "FE FE 68 01 00 00 00 00 00 68 91 08 33 33 33 33 89"
NOT_BCD = "68 01 00 00 00 00 00 68 91 08 33 33 33 33 8D 67 45 33 A2 16"
OTHER_DI = "68 01 00 00 00 00 00 68 91 06 36 38 33 37 83 33 F6 16"  # status, asked for energy

# CJ/T 188, meter 12000000000000 (python_cjt188's example): 1000.10 m³, valve open.
CJT_EXAMPLE = (
    "FE FE FE 68 10 12 00 00 00 00 00 00 81 16 90 1F 00 10 00 10 00 2C 10 00 10 00 2C"
    " 00 00 00 00 00 00 00 00 FF 67 16"
)
# Meter 00000000000001: 12.34 m³, 2026-12-04 12:00:00, ST 05 00 (valve closed, low battery).
CJT_CLOSED_LOW_BATTERY = (
    "68 10 01 00 00 00 00 00 00 81 16 90 1F 01 34 12 00 00 2C 34 12 00 00 2C"
    " 00 00 12 04 12 26 20 05 00 17 16"
)
CJT_CLOSE_VALVE = "68 10 01 00 00 00 00 00 00 04 04 A0 17 01 99 D2 16"


def dlt_frames(text: str) -> tuple[list[dlt645.Frame], int]:
    reader = dlt645.FrameReader()
    frames = reader.feed(hexb(text))
    return frames, reader.bad


def test_dlt645_requests_match_the_hand_written_frames() -> None:
    assert dlt645.read_address_request() == dlt645.WAKE + hexb(BROADCAST_READ_ADDRESS)
    assert dlt645.read_request(ADDR_1, dlt645.DI_ENERGY_TOTAL) == dlt645.WAKE + hexb(READ_TOTAL)
    cut = dlt645.relay_request(
        ADDR_1,
        dlt645.RELAY_CUT,
        password="02000000",
        operator="00000000",
        valid_until=datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC),
    )
    assert cut == dlt645.WAKE + hexb(RELAY_CUT)
    assert dlt645.address_bytes("000000000001") == ADDR_1
    assert dlt645.address_bytes(123456789012) == hexb("12 90 78 56 34 12")


def test_dlt645_decodes_energy_status_and_errors() -> None:
    (frame,), bad = dlt_frames(TOTAL_1234_56)
    assert bad == 0
    reply = dlt645.match_reply(frame, ADDR_1, dlt645.READ, dlt645.DI_ENERGY_TOTAL)
    assert reply is not None
    assert dlt645.decode_energy(reply.payload, block=False).total == Decimal("1234.56")

    (frame,), _ = dlt_frames(ENERGY_BLOCK)
    reply = dlt645.match_reply(frame, ADDR_1, dlt645.READ, dlt645.DI_ENERGY_BLOCK)
    assert reply is not None
    block = dlt645.decode_energy(reply.payload, block=True)
    assert block.total == Decimal("1234.56")
    assert block.tariffs == tuple(Decimal(v) for v in ("100.00", "400.00", "500.00", "234.56"))

    (frame,), _ = dlt_frames(STATUS_RELAY_OFF)
    reply = dlt645.match_reply(frame, ADDR_1, dlt645.READ, dlt645.DI_STATUS_3)
    assert reply is not None
    status = dlt645.decode_status(reply.payload)
    assert status & dlt645.STATUS3_RELAY_OFF
    assert status & dlt645.STATUS3_RELAY_COMMAND_OFF

    (frame,), _ = dlt_frames(NO_DATA_ERROR)
    reply = dlt645.match_reply(frame, ADDR_1, dlt645.READ, dlt645.DI_ENERGY_BLOCK)
    assert reply is not None
    assert reply.error == dlt645.ERR_NO_DATA

    (frame,), _ = dlt_frames(ADDRESS_REPLY)
    assert frame.control == 0x93
    assert frame.data == ADDR_1

    assert dlt645.bcd_value(hexb("45 23 81"), 3, signed=True) == Decimal("-12.345")
    assert dlt645.bcd_value(hexb("05 23"), 1) == Decimal("230.5")


def accepted_values(text: str, address: bytes, di: int) -> tuple[int, int]:
    """Run a frame through the whole path a read uses; return (bad frames, values accepted)."""
    reader = dlt645.FrameReader()
    frames = reader.feed(hexb(text))
    # A frame that never completes (truncated) counts as one bad frame too.
    bad, accepted = reader.bad or int(reader.pending), 0
    for frame in frames:
        reply = dlt645.match_reply(frame, address, dlt645.READ, di)
        if reply is None:
            bad += 1
            continue
        try:
            dlt645.decode_energy(reply.payload, block=False)
        except FrameError:
            bad += 1
            continue
        accepted += 1
    return bad, accepted


def test_no_value_is_accepted_from_a_bad_dlt645_frame() -> None:
    bad_total = accepted_total = 0
    for name, text in (
        ("checksum", BAD_CHECKSUM),
        ("other_address", OTHER_ADDRESS),
        ("truncated", TRUNCATED),
        ("not_bcd", NOT_BCD),
        ("other_di", OTHER_DI),
    ):
        bad, accepted = accepted_values(text, ADDR_1, dlt645.DI_ENERGY_TOTAL)
        assert (bad, accepted) == (1, 0), name
        bad_total += bad
        accepted_total += accepted
    # The good frame through the same path is accepted: the check above can fail.
    assert accepted_values(TOTAL_1234_56, ADDR_1, dlt645.DI_ENERGY_TOTAL) == (0, 1)
    report(protocol="dlt645", bad_frames=bad_total, values_accepted=accepted_total)


def test_a_broadcast_answered_twice_is_two_frames_not_one_meter() -> None:
    frames, bad = dlt_frames(ADDRESS_REPLY + " FE FE " + ADDRESS_REPLY)
    assert bad == 0
    assert len(frames) == 2


def test_cjt188_decodes_the_public_example_and_hand_frames() -> None:
    reader = cjt188.FrameReader()
    (frame,) = reader.feed(hexb(CJT_EXAMPLE))
    assert reader.bad == 0
    assert cjt188.address_text(frame.address) == "00000000000012"
    metering = cjt188.decode_metering(frame)
    assert metering.total_m3 == Decimal("1000.10")
    assert metering.valve_open is True
    assert not metering.low_battery

    (frame,) = cjt188.FrameReader().feed(hexb(CJT_CLOSED_LOW_BATTERY))
    metering = cjt188.decode_metering(frame)
    assert metering.total_m3 == Decimal("12.34")
    assert metering.valve_open is False
    assert metering.low_battery
    assert not metering.valve_fault

    address = cjt188.address_bytes(1)
    close = cjt188.valve_request(cjt188.COLD_WATER, address, 1, False)
    assert close == cjt188.WAKE + hexb(CJT_CLOSE_VALVE)


def test_no_value_is_accepted_from_a_bad_cjt188_frame() -> None:
    good = hexb(CJT_CLOSED_LOW_BATTERY)
    bad_checksum = good[:-2] + bytes([good[-2] ^ 1, 0x16])
    truncated = good[:20]
    # The 4 BCD bytes of the flow carry an "A" nibble; the checksum is made to fit.
    not_bcd = bytearray(good)
    not_bcd[14] = 0x3A
    not_bcd[-2] = (good[-2] + 0x3A - 0x34) & 0xFF
    bad = accepted = 0
    for raw in (bad_checksum, truncated, bytes(not_bcd)):
        reader = cjt188.FrameReader()
        frames = reader.feed(raw)
        bad += reader.bad + (0 if frames or reader.bad else 1)
        for frame in frames:
            with pytest.raises(FrameError):
                cjt188.decode_metering(frame)
            bad += 1
    assert bad == 3
    report(protocol="cjt188", bad_frames=bad, values_accepted=accepted)
