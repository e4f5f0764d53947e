import assert from "node:assert/strict";
import { test } from "node:test";
import { encode } from "uqr";
import { qrPath } from "../src/qr";

test("a WeChat code_url becomes a QR path with its three finder patterns", () => {
  const url = "weixin://wxpay/bizpayurl?pr=AbCdEfGh";
  const { size, d } = qrPath(url);
  const { data, version } = encode(url, { ecc: "M", border: 2 });
  assert.equal(size, 4 * version + 17 + 4);
  const modules = d.match(/M/g)?.length ?? 0;
  assert.equal(modules, data.flat().filter(Boolean).length);
  // Each 7x7 finder pattern has a dark outer ring: its corners are dark modules.
  for (const [x, y] of [
    [2, 2],
    [size - 3, 2],
    [2, size - 3],
  ]) {
    assert.ok(d.includes(`M${x} ${y}h1v1h-1z`), `corner ${x},${y}`);
  }
  // The margin stays light.
  assert.ok(!d.includes("M0 0h1"));
});

test("different payloads give different codes", () => {
  assert.notEqual(qrPath("https://qr.alipay.com/bax01").d, qrPath("https://qr.alipay.com/bax02").d);
});
