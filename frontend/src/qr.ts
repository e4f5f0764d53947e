/** QR codes drawn by the bundle itself (uqr): no image service ever sees a payment link. */
import { encode } from "uqr";

/** The dark modules of a QR code as one SVG path, one unit per module, with a 2-module margin. */
export function qrPath(text: string): { size: number; d: string } {
  const { size, data } = encode(text, { ecc: "M", border: 2 });
  let d = "";
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return { size, d };
}
