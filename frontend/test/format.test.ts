import assert from "node:assert/strict";
import { test } from "node:test";
import {
  daysLeftText,
  distinct,
  formatMoney,
  formatQuantity,
  levelColor,
  lossPercent,
  monthBars,
  newOrderId,
  numberLocale,
  periodLabel,
  recentMonths,
  shapeRooms,
  statementPath,
  validAmount,
} from "../src/format";
import { KEYS, TABLES, t } from "../src/i18n";
import type { MonthRow, Room } from "../src/types";

function room(over: Partial<Room>): Room {
  return {
    account_id: "a",
    name: "N",
    room: "101",
    balance: "10.00",
    balance_minor: 1000,
    level: "normal",
    supply: "on",
    supply_wanted: "on",
    pending: false,
    hold: null,
    online: true,
    device_id: "d",
    area: null,
    floor: null,
    building: "B",
    today: { usage: {}, cost: "0.00", cost_minor: 0 },
    ...over,
  };
}

test("money keeps the exact decimal string (no float drift) in the user's locale", () => {
  assert.equal(formatMoney("1234567.89", "CNY", { language: "en", number_format: "language" }), "CN¥1,234,567.89");
  assert.equal(formatMoney("0.30", "EUR", { language: "de", number_format: "language" }), "0,30\u00a0€");
  assert.equal(formatMoney("-12.50", "USD", { language: "en", number_format: "comma_decimal" }), "-$12.50");
  // A float would print 9007199254740993 as ...992: the string goes through exactly.
  assert.equal(formatMoney("9007199254740993", "JPY", { language: "en", number_format: "none" }), "¥9007199254740993");
  assert.equal(formatMoney(null, "CNY", undefined), "—");
  assert.equal(formatMoney("100.00", "CNY", { language: "zh-Hans", number_format: "language" }), "¥100.00");
});

test("number format settings map to locales", () => {
  assert.equal(numberLocale({ language: "en", number_format: "decimal_comma" }, "en"), "de-DE");
  assert.equal(numberLocale({ language: "en", number_format: "space_comma" }, "en"), "fr-FR");
  assert.equal(numberLocale({ language: "zh-Hans", number_format: "language" }, "en"), "zh-Hans");
  assert.equal(numberLocale({ language: "en", number_format: "system" }, "en"), undefined);
  assert.equal(numberLocale(undefined, "fr"), "fr");
  assert.equal(formatQuantity("1234.5", { language: "en", number_format: "decimal_comma" }), "1.234,5");
  assert.equal(formatQuantity("0.125", { language: "en" }, "en", 3), "0.125");
});

test("rooms filter and sort without touching the input", () => {
  const rooms = [
    room({ account_id: "1", room: "10", balance_minor: 500, floor: "F1", area: "East", level: "low_1" }),
    room({ account_id: "2", room: "2", balance_minor: -100, floor: "F2", area: "West", level: "cut_off", name: "Zhang" }),
    room({ account_id: "3", room: "1", balance_minor: null, floor: "F1", area: "West", name: "Li" }),
  ];
  const before = rooms.map((r) => r.account_id).join();
  assert.deepEqual(shapeRooms(rooms, {}, "room").map((r) => r.account_id), ["3", "2", "1"]); // numeric
  assert.deepEqual(shapeRooms(rooms, {}, "balance").map((r) => r.account_id), ["2", "1", "3"]); // unknown last
  assert.deepEqual(shapeRooms(rooms, { floor: "F1" }).map((r) => r.account_id), ["3", "1"]);
  assert.deepEqual(shapeRooms(rooms, { area: "West", onlyAlarms: true }).map((r) => r.account_id), ["2"]);
  assert.deepEqual(shapeRooms(rooms, { text: "zhang" }).map((r) => r.account_id), ["2"]);
  assert.deepEqual(shapeRooms(rooms, {}, "name").map((r) => r.account_id), ["3", "1", "2"]);
  assert.equal(rooms.map((r) => r.account_id).join(), before);
  assert.deepEqual(distinct(rooms, "area"), ["East", "West"]);
});

test("500 rooms shape in well under a frame", () => {
  const many = Array.from({ length: 500 }, (_, i) =>
    room({ account_id: String(i), room: String(500 - i), balance_minor: (i * 7919) % 10000 }),
  );
  const start = performance.now();
  for (let i = 0; i < 20; i++) shapeRooms(many, { text: "1" }, "balance");
  const each = (performance.now() - start) / 20;
  console.log(`shape_500_rooms_ms=${each.toFixed(2)}`);
  assert.ok(each < 16, `shaping took ${each} ms`);
});

test("month bars scale to the tallest bar of both years", () => {
  const f = (usage: string, cost: string) => ({ usage: { electricity: usage }, cost, cost_minor: 0 });
  const months: MonthRow[] = [
    { month: 1, this_year: f("50.000", "30.00"), last_year: f("100.000", "55.00") },
    { month: 2, this_year: f("25.000", "15.00"), last_year: { usage: {}, cost: "0.00", cost_minor: 0 } },
  ];
  const bars = monthBars(months, "usage", "electricity");
  assert.deepEqual(
    bars.map((b) => [b.thisHeight, b.lastHeight]),
    [[0.5, 1], [0.25, 0]],
  );
  assert.equal(bars[1].lastLabel, "0");
  assert.deepEqual(monthBars(months, "cost", "electricity").map((b) => b.thisLabel), ["30.00", "15.00"]);
  assert.deepEqual(monthBars(months, "usage", "water").map((b) => b.thisHeight), [0, 0]);
});

test("levels have colours, days left reads well", () => {
  assert.match(levelColor("normal"), /success/);
  assert.match(levelColor("cut_off"), /error/);
  assert.notEqual(levelColor("low_1"), levelColor("low_3"));
  assert.equal(daysLeftText(12.7), "12");
  assert.equal(daysLeftText(0.3), "<1");
  assert.equal(daysLeftText(null), null);
});

test("amounts and order ids the services accept", () => {
  assert.ok(validAmount("100", 2));
  assert.ok(validAmount(" 0.50 ", 2));
  assert.ok(!validAmount("0", 2));
  assert.ok(!validAmount("1.234", 2));
  assert.ok(!validAmount("-5", 2));
  assert.ok(!validAmount("1e3", 2));
  assert.ok(!validAmount("1.5", 0));
  const id = newOrderId("CARD", new Date("2026-11-23T10:20:30.456Z"), () => 0.5);
  assert.match(id, /^CARD-20261123102030-[0-9a-z]{6}$/);
  // The service's order id rule: letters, digits, _.:- and at most 64 characters.
  assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/);
  assert.equal(periodLabel("20261123"), "2026-11-23");
  assert.equal(periodLabel("202611"), "2026-11");
});

test("every label exists in Chinese, placeholders are filled", () => {
  for (const key of KEYS) assert.ok(TABLES.zh[key], `zh lacks ${key}`);
  assert.equal(t("zh-Hans", "recharge"), "充值");
  assert.equal(t("en", "rooms_count", { shown: 3, total: 500 }), "3 of 500 rooms");
  assert.equal(t("zh-Hant", "days_left", { days: 4 }), "约可用 4 天");
  assert.equal(t("fr", "balance"), "Balance");
});

test("times in Home Assistant's zone unless the user chose the browser's; places said once", async () => {
  const { displayTimeZone, formatTime, placeLine } = await import("../src/format");
  assert.equal(displayTimeZone({ language: "en", time_zone: "server" }, "Asia/Shanghai"), "Asia/Shanghai");
  assert.equal(displayTimeZone({ language: "en", time_zone: "local" }, "Asia/Shanghai"), undefined);
  assert.equal(formatTime("2026-11-23T23:30:00+00:00", "en-GB", "Asia/Shanghai"), "24/11/2026, 07:30");
  assert.equal(placeLine("101", "101", "Sunrise Flats", null), "101 · Sunrise Flats");
});

test("the ready-made dashboard: everything for admins, own accounts for residents", async () => {
  const { dashboardFor } = await import("../src/strategy");
  const rooms = {
    currency: "CNY",
    exponent: 2,
    day: 20261123,
    accounts: [room({ account_id: "ABC", room: "101" })],
  };
  const admin = dashboardFor(rooms, true, "en");
  assert.deepEqual(admin.views.map((v) => v.path), ["rooms", "reports", "finance"]);
  const resident = dashboardFor(rooms, false, "zh-Hans");
  assert.deepEqual(resident.views.map((v) => v.path), ["account-abc"]);
  assert.equal(JSON.stringify(resident).includes("finance"), false);
});

test("time-of-use and tier splits as shares, largest first", async () => {
  const { shares } = await import("../src/format");
  assert.deepEqual(shares({ valley: "30.000", peak: "70.000" }), [
    { key: "peak", value: "70.000", percent: 70 },
    { key: "valley", value: "30.000", percent: 30 },
  ]);
  assert.deepEqual(shares(undefined), []);
  assert.deepEqual(shares({ all: "0.000" }), [{ key: "all", value: "0.000", percent: 0 }]);
});

test("statement paths, the month list and the loss figure", () => {
  assert.equal(statementPath("01ABC", "2026-11", "html"), "/api/prepaid_utility/statement/01ABC/2026-11.html");
  // An id is one path segment, whatever it holds.
  assert.equal(statementPath("a/../b", "2026-11", "csv"), "/api/prepaid_utility/statement/a%2F..%2Fb/2026-11.csv");
  const months = recentMonths(20260115, 3);
  assert.deepEqual(months, ["2026-01", "2025-12", "2025-11"]);
  assert.deepEqual(recentMonths(20261231, 2), ["2026-12", "2026-11"]);
  const year = recentMonths(20261130);
  assert.equal(year.length, 12);
  assert.equal(year[11], "2025-12");
  assert.equal(lossPercent(855, { language: "en" }), "85.5%");
  assert.equal(lossPercent(1000, { language: "en" }), "100%");
  assert.equal(lossPercent(-25, { language: "en" }), "-2.5%");
  assert.equal(lossPercent(123, { language: "de", number_format: "language" }), "12,3\u00a0%");
  assert.equal(lossPercent(null, { language: "en" }), "—");
});
