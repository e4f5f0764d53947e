/** The part of Home Assistant's `hass` object the cards use. */
export interface HassUser {
  id: string;
  name: string;
  is_admin: boolean;
}

export interface HassLocale {
  language: string;
  number_format?: string;
  time_zone?: string; // "local" (the browser's) or "server" (Home Assistant's)
}

export interface HomeAssistant {
  language: string;
  locale?: HassLocale;
  user?: HassUser;
  config?: { currency?: string; time_zone?: string };
  callWS<T>(msg: Record<string, unknown>): Promise<T>;
  connection?: {
    subscribeMessage<T>(callback: (msg: T) => void, msg: Record<string, unknown>): Promise<() => Promise<void>>;
  };
  loadBackendTranslation?(
    category: string,
    integration?: string,
  ): Promise<(key: string, values?: Record<string, unknown>) => string>;
}

export interface Figures {
  usage: Record<string, string>;
  cost: string;
  cost_minor: number;
}

export type AlarmLevel = "normal" | "low_1" | "low_2" | "low_3" | "arrears" | "cut_off";
export type Supply = "on" | "off" | "unknown" | "none";

export interface AccountState {
  level: AlarmLevel | null;
  supply: Supply;
  supply_wanted: "on" | "off" | null;
  pending: boolean;
  hold: string | null;
  online: boolean;
}

export interface Place {
  device_id: string | null;
  area: string | null;
  floor: string | null;
  building: string;
}

export interface Room extends AccountState, Place {
  account_id: string;
  name: string;
  room: string;
  balance: string | null;
  balance_minor: number | null;
  today: Figures;
}

export interface RoomsResult {
  currency: string;
  exponent: number;
  day: number;
  accounts: Room[];
}

export interface Movement {
  entry_id: number;
  kind: string;
  amount: string;
  amount_minor: number;
  at: string;
  reason: string;
  reference: string;
  account_id: string;
  name?: string;
}

export interface AccountResult extends AccountState, Place {
  account_id: string;
  name: string;
  room: string;
  currency: string;
  exponent: number;
  balance: string;
  balance_minor: number;
  levels: [string, string, string];
  overdraft: string;
  today: Figures;
  month: Figures;
  month_by_period: Record<string, Record<string, string>>;
  average_daily_cost: string;
  days_left: number | null;
  movements: Movement[];
  day: number; // today in Home Assistant's time zone, YYYYMMDD
}

export interface MonthRow {
  month: number;
  this_year: Figures;
  last_year: Figures;
}

export interface MonthlyResult {
  year: number;
  currency: string;
  accounts: number;
  months: MonthRow[];
  by_period: Record<string, Record<string, string>>;
  by_tier: Record<string, Record<string, string>>;
  /** Present when the books were asked for (administrators): "all" or a building id. */
  books?: string;
  buildings?: Building[];
}

/** One common-area split as the ledger recorded it when it ran (quantities may be unknown). */
export interface ApportionRun {
  entry_id: number;
  at: string;
  period: string;
  pool: string;
  master_meter: string | null;
  master_name: string;
  kind: string | null;
  method: "area" | "usage" | "equal" | null;
  collection: "deducted" | "billed";
  amount: string;
  shares: number;
  master_quantity: string | null;
  sub_meters_quantity: string | null;
  pool_quantity: string | null;
  loss_per_mille: number | null;
}

export interface FinanceResult {
  currency: string;
  granularity: "day" | "month" | "year";
  start: string;
  end: string;
  income: { period: string; amount: string }[];
  income_total: string;
  refunds_total: string;
  movements: (Movement & { building?: string })[];
  debtors: { account_id: string; name: string; room: string; balance: string; building?: string }[];
  apportionments: ApportionRun[];
  /** "all" or the building id whose books these are. */
  books: string;
  /** Every building on the shared ledger(s), by name. */
  buildings: Building[];
}

export interface Building {
  id: string;
  name: string;
}

export interface CardConfig {
  type: string;
  title?: string;
  account_id?: string;
  building?: string;
  floor?: string;
  area?: string;
  sort?: "room" | "balance" | "name";
  kind?: "electricity" | "water";
  metric?: "usage" | "cost";
  granularity?: "day" | "month" | "year";
  /** Finance and reports cards (administrators): "all" buildings on the ledger or one's id. */
  books?: string;
  refresh_seconds?: number;
}

/** What the Top up commands answer (prepaid_utility/topup/...). */
export interface TopupOptions {
  providers: string[];
  min: string;
  max: string;
  currency: string;
}

export interface TopupOrder {
  order_id: string;
  account_id: string;
  provider: string;
  state: "pending" | "paid" | "closed" | "expired" | "failed";
  amount: string;
  currency: string;
  qr: string;
  url: string;
  expires: number;
  balance: string | null;
}
