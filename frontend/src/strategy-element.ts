/** The dashboard strategy as Home Assistant finds it (a custom element with generate()). */
import { dashboardFor, type DashboardConfig } from "./strategy";
import type { HomeAssistant, RoomsResult } from "./types";

export class PrepaidDashboardStrategy extends HTMLElement {
  static async generate(_config: unknown, hass: HomeAssistant): Promise<DashboardConfig> {
    const rooms = await hass.callWS<RoomsResult>({ type: "prepaid_utility/rooms" });
    const language = hass.locale?.language ?? hass.language;
    return dashboardFor(rooms, hass.user?.is_admin ?? false, language);
  }
}
