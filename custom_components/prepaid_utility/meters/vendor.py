"""The Acrel vendor function 0xAA: write the prepaid-parameter block.

The frame is laid out like FC10 (start, count, byte count, data) with another function code,
and the reply echoes start and count like an FC10 reply. pymodbus uses one class for both
directions of a custom function, so this class encodes/decodes both.

A catch: 0xAA has bit 7 set, so pymodbus's decoder takes every 0xAA reply for an exception
response and keeps only its first data byte as the "exception code". For a success echo that
byte is the high byte of the start address (0x00 for 0x0046), a value no real exception code
has; ``vendor_reply`` turns such a reply back into a success.
"""

from __future__ import annotations

import struct

from pymodbus.pdu import ExceptionResponse, ModbusPDU

from .profiles.acrel import VENDOR_WRITE_FUNCTION


class AcrelParameterWrite(ModbusPDU):
    """Function 0xAA request (with registers) or reply (address and count only)."""

    function_code = VENDOR_WRITE_FUNCTION
    # The client only ever decodes replies: 1 id + 1 fc + 2 start + 2 count + 2 CRC.
    rtu_frame_size = 8

    def encode(self) -> bytes:
        """Encode a request (registers set) or a reply (registers empty)."""
        head = struct.pack(">HH", self.address, self.count)
        if not self.registers:
            return head
        body = b"".join(struct.pack(">H", value & 0xFFFF) for value in self.registers)
        return head + struct.pack(">B", len(body)) + body

    def decode(self, data: bytes) -> None:
        """Decode a reply (4 bytes) or a request (5 + 2 * count bytes)."""
        self.address, self.count = struct.unpack(">HH", data[:4])
        if len(data) > 4:
            byte_count = data[4]
            self.registers = list(struct.unpack(f">{byte_count // 2}H", data[5 : 5 + byte_count]))

    def get_response_pdu_size(self) -> int:
        """Return the reply PDU size: function, start, count."""
        return 1 + 2 + 2

    def isError(self) -> bool:  # noqa: N802  # pymodbus's name
        """Return False: 0xAA has bit 7 set but is not an exception."""
        return False


def vendor_reply(reply: ModbusPDU, address: int, count: int) -> ModbusPDU:
    """Return the real meaning of a reply to a 0xAA request (see the module docstring)."""
    high = (address >> 8) & 0xFF
    if isinstance(reply, ExceptionResponse) and high == 0 and reply.exception_code == high:
        return AcrelParameterWrite(dev_id=reply.dev_id, address=address, count=count)
    return reply
