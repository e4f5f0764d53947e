/** The visual editor of every card: pick the account, area or view from lists. */
import { LitElement, css, html, nothing } from "lit";
import { property, state } from "lit/decorators.js";
import { choose, field, whenHaControls } from "./controls";
import { distinct } from "./format";
import { t, type Key } from "./i18n";
import type { CardConfig, HomeAssistant, Room, RoomsResult } from "./types";

export class PrepaidCardEditor extends LitElement {
  @property({ attribute: false }) hass?: HomeAssistant;
  @state() private config?: CardConfig;
  @state() private rooms: Room[] = [];
  private asked = false;

  connectedCallback(): void {
    super.connectedCallback();
    whenHaControls(this);
  }

  setConfig(config: CardConfig): void {
    this.config = { ...config };
  }

  protected willUpdate(): void {
    if (this.hass && !this.asked) {
      this.asked = true;
      this.hass
        .callWS<RoomsResult>({ type: "prepaid_utility/rooms" })
        .then((r) => (this.rooms = r.accounts))
        .catch(() => (this.rooms = []));
    }
  }

  private t(key: Key): string {
    return t(this.hass?.locale?.language ?? this.hass?.language, key);
  }

  private get kind(): string {
    return (this.config?.type ?? "").replace("custom:prepaid-utility-", "").replace("-card", "");
  }

  private set(key: keyof CardConfig, value: string): void {
    if (!this.config) return;
    const next: Record<string, unknown> = { ...this.config };
    if (value === "") delete next[key];
    else next[key] = value;
    this.config = next as unknown as CardConfig;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config: next }, bubbles: true, composed: true }));
  }

  private choice(key: keyof CardConfig, label: string, options: [string, string][], empty?: string) {
    const value = String(this.config?.[key] ?? "");
    return choose({
      cls: key,
      label,
      value,
      options: [...(empty !== undefined ? [{ value: "", label: empty }] : []), ...options.map(([v, l]) => ({ value: v, label: l }))],
      set: (v) => this.set(key, v),
    });
  }

  render() {
    if (!this.config) return nothing;
    const accounts: [string, string][] = this.rooms.map((r) => [
      r.account_id,
      [r.room, r.name, r.building].filter(Boolean).join(" · "),
    ]);
    const places = (k: "building" | "floor" | "area") => distinct(this.rooms, k).map((v) => [v, v] as [string, string]);
    const kind = this.kind;
    return html`<div class="editor">
      ${field({ name: "title", label: this.t("title"), value: this.config.title ?? "", set: (v) => this.set("title", v) })}
      ${kind === "account" ? this.choice("account_id", this.t("account"), accounts, "—") : nothing}
      ${kind === "reports" ? this.choice("account_id", this.t("account"), accounts, this.t("all")) : nothing}
      ${kind === "reports" && !this.config.account_id
        ? this.choice("building", this.t("building"), places("building"), this.t("all"))
        : nothing}
      ${kind === "reports"
        ? html`${this.choice("kind", this.t("kind"), [["electricity", this.t("electricity")], ["water", this.t("water")]])}
          ${this.choice("metric", this.t("metric"), [["usage", this.t("usage")], ["cost", this.t("cost")]])}`
        : nothing}
      ${kind === "rooms"
        ? html`${this.choice("building", this.t("building"), places("building"), this.t("all"))}
          ${this.choice("floor", this.t("floor"), places("floor"), this.t("all"))}
          ${this.choice("area", this.t("area"), places("area"), this.t("all"))}
          ${this.choice("sort", this.t("sort"), [
            ["room", this.t("sort_room")],
            ["balance", this.t("sort_balance")],
            ["name", this.t("sort_name")],
          ])}`
        : nothing}
      ${kind === "finance"
        ? this.choice("granularity", this.t("granularity"), [
            ["day", this.t("granularity_day")],
            ["month", this.t("granularity_month")],
            ["year", this.t("granularity_year")],
          ])
        : nothing}
    </div>`;
  }

  static styles = css`
    .editor {
      display: flex;
      flex-direction: column;
      gap: 12px;
    }
    label.field {
      display: flex;
      flex-direction: column;
      gap: 4px;
      font-size: 0.9rem;
    }
    select,
    input {
      font: inherit;
      padding: 8px;
      border-radius: 6px;
      border: 1px solid var(--divider-color, #ccc);
      background: var(--card-background-color, #fff);
      color: var(--primary-text-color, #212121);
    }
  `;
}
