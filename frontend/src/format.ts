/** Formatting and data shaping for the cards: pure functions, unit tested. */
import type { AlarmLevel, HassLocale, MonthRow, Room } from "./types";

/** The BCP 47 locale Intl should use for the user's number format setting. */
export function numberLocale(locale: HassLocale | undefined, language: string): string | undefined {
  switch (locale?.number_format) {
    case "comma_decimal":
      return "en-US";
    case "decimal_comma":
      return "de-DE";
    case "space_comma":
      return "fr-FR";
    case "system":
      return undefined;
    default:
      return locale?.language || language || undefined;
  }
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Building an Intl.NumberFormat costs far more than using one: 500 tiles share a few. */
function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ""}|${JSON.stringify(options)}`;
  let fmt = formatters.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat(locale, options);
    formatters.set(key, fmt);
  }
  return fmt;
}

function grouping(locale: HassLocale | undefined): boolean {
  return locale?.number_format !== "none";
}

/**
 * A decimal string of money as the user reads it. Intl is given the string itself, not a
 * float, so 0.1 + 0.2 never shows up as a balance.
 */
export function formatMoney(
  amount: string | null | undefined,
  currency: string,
  locale: HassLocale | undefined,
  language = "en",
): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const fmt = numberFormat(numberLocale(locale, language), {
    style: "currency",
    currency: currency || "EUR",
    useGrouping: grouping(locale),
  });
  return fmt.format(amount as unknown as number);
}

/** A quantity (kWh or m³) with as many decimals as it needs, up to `max`. */
export function formatQuantity(
  value: string | null | undefined,
  locale: HassLocale | undefined,
  language = "en",
  max = 2,
): string {
  if (value === null || value === undefined || value === "") return "—";
  const fmt = numberFormat(numberLocale(locale, language), {
    minimumFractionDigits: 0,
    maximumFractionDigits: max,
    useGrouping: grouping(locale),
  });
  return fmt.format(value as unknown as number);
}

export const UNITS: Record<string, string> = { electricity: "kWh", water: "m³", gas: "m³" };

export const LEVEL_ORDER: AlarmLevel[] = ["normal", "low_1", "low_2", "low_3", "arrears", "cut_off"];

/** The colour a balance is shown in, by alarm level (HA theme variables with fallbacks). */
export function levelColor(level: AlarmLevel | null | undefined): string {
  switch (level) {
    case "normal":
      return "var(--success-color, #43a047)";
    case "low_1":
      return "var(--warning-color, #ffa000)";
    case "low_2":
      return "#f57c00";
    case "low_3":
      return "#e64a19";
    case "arrears":
    case "cut_off":
      return "var(--error-color, #db4437)";
    default:
      return "var(--secondary-text-color, #727272)";
  }
}

export function levelRank(level: AlarmLevel | null | undefined): number {
  return level ? LEVEL_ORDER.indexOf(level) : -1;
}

export interface RoomFilter {
  building?: string;
  floor?: string;
  area?: string;
  text?: string;
  onlyAlarms?: boolean;
}

/** Rooms that pass the filter, sorted; a new array (the input is never reordered). */
export function shapeRooms(
  rooms: readonly Room[],
  filter: RoomFilter,
  sort: "room" | "balance" | "name" = "room",
): Room[] {
  const text = (filter.text ?? "").trim().toLowerCase();
  const out = rooms.filter(
    (r) =>
      (!filter.building || r.building === filter.building) &&
      (!filter.floor || r.floor === filter.floor) &&
      (!filter.area || r.area === filter.area) &&
      (!filter.onlyAlarms || levelRank(r.level) > 0) &&
      (!text || `${r.name} ${r.room} ${r.area ?? ""}`.toLowerCase().includes(text)),
  );
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  const byRoom = (a: Room, b: Room) =>
    collator.compare(a.building, b.building) ||
    collator.compare(a.room, b.room) ||
    collator.compare(a.name, b.name);
  if (sort === "balance") {
    // Unknown balances last; lowest balance first: who needs attention comes first.
    out.sort((a, b) => {
      const x = a.balance_minor ?? Number.POSITIVE_INFINITY;
      const y = b.balance_minor ?? Number.POSITIVE_INFINITY;
      return x - y || byRoom(a, b);
    });
  } else if (sort === "name") {
    out.sort((a, b) => collator.compare(a.name, b.name) || byRoom(a, b));
  } else {
    out.sort(byRoom);
  }
  return out;
}

/** The distinct, sorted, non-empty values of one place field (for the filter lists). */
export function distinct(rooms: readonly Room[], key: "building" | "floor" | "area"): string[] {
  const seen = new Set<string>();
  for (const r of rooms) {
    const v = r[key];
    if (v) seen.add(v);
  }
  return [...seen].sort(new Intl.Collator(undefined, { numeric: true }).compare);
}

export interface Bar {
  month: number;
  thisYear: number;
  lastYear: number;
  thisHeight: number; // 0..1 of the tallest bar
  lastHeight: number;
  thisLabel: string;
  lastLabel: string;
}

/** Monthly bars of one metric, this year beside last year, scaled to the tallest of both. */
export function monthBars(
  months: readonly MonthRow[],
  metric: "usage" | "cost",
  kind: string,
): Bar[] {
  const value = (f: MonthRow["this_year"]): [number, string] => {
    const raw = metric === "cost" ? f.cost : (f.usage[kind] ?? "0");
    return [Number(raw), raw];
  };
  const rows = months.map((m) => ({ month: m.month, t: value(m.this_year), l: value(m.last_year) }));
  const top = Math.max(0, ...rows.flatMap((r) => [r.t[0], r.l[0]]));
  return rows.map((r) => ({
    month: r.month,
    thisYear: r.t[0],
    lastYear: r.l[0],
    thisHeight: top > 0 ? r.t[0] / top : 0,
    lastHeight: top > 0 ? r.l[0] / top : 0,
    thisLabel: r.t[1],
    lastLabel: r.l[1],
  }));
}

/** Days left as the account card says it: whole days, "<1" below one, none when unknown. */
export function daysLeftText(days: number | null | undefined): string | null {
  if (days === null || days === undefined || !Number.isFinite(days)) return null;
  if (days < 1) return "<1";
  return String(Math.floor(days));
}

/** A fresh idempotency key for a money action from a card (valid as an order id). */
export function newOrderId(prefix: string, now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);
  const tail = Math.floor(random() * 36 ** 6)
    .toString(36)
    .padStart(6, "0");
  return `${prefix}-${stamp}-${tail}`;
}

/** True when a typed amount is a positive decimal with at most `exponent` decimals. */
export function validAmount(text: string, exponent: number): boolean {
  const t = text.trim();
  const pattern = exponent > 0 ? new RegExp(`^\\d{1,7}(\\.\\d{1,${exponent}})?$`) : /^\d{1,7}$/;
  return pattern.test(t) && Number(t) > 0;
}

/** The month's name in the user's language ("Jan", "1月"). */
export function monthName(month: number, language: string): string {
  return new Intl.DateTimeFormat(language, { month: "short", timeZone: "UTC" }).format(
    new Date(Date.UTC(2000, month - 1, 1)),
  );
}

/** A ledger time (ISO, UTC) as a short local date and time in the user's language. */
export function formatTime(iso: string, language: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(language, {
    dateStyle: "short",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}

/** The time zone times are shown in: Home Assistant's unless the user chose the browser's. */
export function displayTimeZone(locale: HassLocale | undefined, serverZone: string | undefined): string | undefined {
  return locale?.time_zone === "local" ? undefined : serverZone || undefined;
}

/** Room, area and building as one line, each said once ("101 · Sunrise Flats"). */
export function placeLine(...parts: (string | null | undefined)[]): string {
  const seen: string[] = [];
  for (const p of parts) if (p && !seen.includes(p)) seen.push(p);
  return seen.join(" · ");
}

/** A finance period key (YYYYMMDD, YYYYMM or YYYY) as a label. */
export function periodLabel(period: string): string {
  if (period.length === 8) return `${period.slice(0, 4)}-${period.slice(4, 6)}-${period.slice(6)}`;
  if (period.length === 6) return `${period.slice(0, 4)}-${period.slice(4)}`;
  return period;
}

export interface Share {
  key: string;
  value: string;
  percent: number; // 0..100, rounded
}

/** A split (time-of-use periods or tier blocks) as shares of its total, largest first. */
export function shares(split: Record<string, string> | undefined): Share[] {
  const entries = Object.entries(split ?? {});
  const total = entries.reduce((sum, [, v]) => sum + Number(v), 0);
  return entries
    .map(([key, value]) => ({ key, value, percent: total > 0 ? Math.round((Number(value) / total) * 100) : 0 }))
    .sort((a, b) => Number(b.value) - Number(a.value) || a.key.localeCompare(b.key));
}

/** The statement view's path for an account, a month (YYYY-MM) and a format. */
export function statementPath(accountId: string, month: string, format: "html" | "csv"): string {
  return `/api/prepaid_utility/statement/${encodeURIComponent(accountId)}/${month}.${format}`;
}

/**
 * The last `count` months as YYYY-MM, this month first, counted back from the server's day
 * (YYYYMMDD in Home Assistant's time zone): a statement month is the ledger's month, and the
 * browser's calendar can already be in the next one.
 */
export function recentMonths(day: number, count = 12): string[] {
  const first = Math.floor(day / 10000) * 12 + (Math.floor(day / 100) % 100) - 1;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const m = first - i;
    out.push(`${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, "0")}`);
  }
  return out;
}

/**
 * The ledger's loss figure (per mille of the master meter's quantity, an integer) as a
 * percentage in the user's number format: 855 -> "85.5%". Unknown (an old split) -> "—".
 */
export function lossPercent(
  perMille: number | null | undefined,
  locale: HassLocale | undefined,
  language = "en",
): string {
  if (perMille === null || perMille === undefined || !Number.isFinite(perMille)) return "—";
  const fmt = numberFormat(numberLocale(locale, language), {
    style: "percent",
    minimumFractionDigits: 0,
    maximumFractionDigits: 1,
    useGrouping: grouping(locale),
  });
  // Integer per mille / 1000 has at most 3 decimals: display only, never money.
  return fmt.format(perMille / 1000);
}
