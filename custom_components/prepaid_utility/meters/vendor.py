"""The Acrel vendor function 0xAA: write the prepaid-parameter block.

The frame is laid out like FC10 (start, count, byte count, data) with another function code,
and the reply echoes start and count like an FC10 reply. pymodbus uses one class for both
directions of a custom function, so this class encodes/decodes both.
"""

from __future__ import annotations

import struct

from pymodbus.pdu import ModbusPDU

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
