/**
 * A ready-made dashboard: `strategy: {type: custom:prepaid-utility}` lays out every card.
 * Administrators get rooms, reports and finance; anyone else gets one view per account they
 * may see (what a resident's tablet needs) with its monthly report.
 */
import type { RoomsResult } from "./types";
import { t } from "./i18n";

export interface DashboardConfig {
  views: Record<string, unknown>[];
}

export function dashboardFor(rooms: RoomsResult, admin: boolean, language: string): DashboardConfig {
  if (admin) {
    return {
      views: [
        { title: t(language, "rooms_title"), path: "rooms", type: "panel",
          cards: [{ type: "custom:prepaid-utility-rooms-card" }] },
        { title: t(language, "reports_title"), path: "reports",
          cards: [{ type: "custom:prepaid-utility-reports-card", kind: "electricity" },
                  { type: "custom:prepaid-utility-reports-card", kind: "water" }] },
        { title: t(language, "finance_title"), path: "finance",
          cards: [{ type: "custom:prepaid-utility-finance-card" }] },
      ],
    };
  }
  return {
    views: rooms.accounts.map((r) => ({
      title: r.room || r.name,
      path: `account-${r.account_id.toLowerCase()}`,
      cards: [
        { type: "custom:prepaid-utility-account-card", account_id: r.account_id },
        { type: "custom:prepaid-utility-reports-card", account_id: r.account_id },
      ],
    })),
  };
}
