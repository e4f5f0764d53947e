/** Entry point of the bundle: defines the cards once and lists them in the card picker. */
import { PrepaidAccountCard } from "./cards/account-card";
import { PrepaidAccountDialog } from "./cards/account-dialog";
import { PrepaidFinanceCard } from "./cards/finance-card";
import { PrepaidMoneyDialog } from "./cards/money-dialog";
import { PrepaidReportsCard } from "./cards/reports-card";
import { PrepaidRoomsCard } from "./cards/rooms-card";
import { PrepaidTopup } from "./cards/topup";
import { PrepaidCardEditor } from "./editor";
import { PrepaidDashboardStrategy } from "./strategy-element";

export const VERSION = "0.1.0";

const ELEMENTS: [string, CustomElementConstructor][] = [
  ["prepaid-utility-rooms-card", PrepaidRoomsCard],
  ["prepaid-utility-account-card", PrepaidAccountCard],
  ["prepaid-utility-reports-card", PrepaidReportsCard],
  ["prepaid-utility-finance-card", PrepaidFinanceCard],
  ["prepaid-utility-account-dialog", PrepaidAccountDialog],
  ["prepaid-utility-money-dialog", PrepaidMoneyDialog],
  ["prepaid-utility-topup", PrepaidTopup],
  ["prepaid-utility-card-editor", PrepaidCardEditor],
  // `strategy: {type: custom:prepaid-utility}` on a dashboard.
  ["ll-strategy-dashboard-prepaid-utility", PrepaidDashboardStrategy],
];

export const CARDS = [
  { type: "prepaid-utility-rooms-card", name: "Prepaid Utility: Rooms", description: "Every room's balance, supply and today's usage (landlord)." },
  { type: "prepaid-utility-account-card", name: "Prepaid Utility: Account", description: "One account's balance, days left, usage and recent entries (resident)." },
  { type: "prepaid-utility-reports-card", name: "Prepaid Utility: Monthly report", description: "Usage and cost per month beside last year." },
  { type: "prepaid-utility-finance-card", name: "Prepaid Utility: Finance", description: "Income, recharges, refunds and debts (administrators)." },
];

// Defined once even if the bundle is loaded twice (resource and extra JS URL).
for (const [tag, cls] of ELEMENTS) {
  if (!customElements.get(tag)) customElements.define(tag, cls);
}

declare global {
  interface Window {
    customCards?: { type: string; name: string; description: string; preview?: boolean }[];
  }
}

window.customCards = window.customCards ?? [];
for (const card of CARDS) {
  if (!window.customCards.some((c) => c.type === card.type)) window.customCards.push({ ...card, preview: false });
}

console.info(`%c PREPAID-UTILITY-CARDS %c ${VERSION} `, "color:#fff;background:#1976d2", "color:#1976d2");
