/** What every card shares: hass, config, labels, money formatting and a polite refresh. */
import { LitElement, css } from "lit";
import { property, state } from "lit/decorators.js";
import { whenHaControls } from "./controls";
import { displayTimeZone, formatMoney, formatQuantity, formatTime } from "./format";
import { t, type Key } from "./i18n";
import type { CardConfig, HomeAssistant } from "./types";

export const DOMAIN = "prepaid_utility";

export abstract class PrepaidCard<T> extends LitElement {
  @property({ attribute: false }) hass?: HomeAssistant;
  @state() protected config!: CardConfig;
  @state() protected data?: T;
  @state() protected error?: string;
  private timer?: number;
  private loading = false;
  private loadedFor?: string;

  setConfig(config: CardConfig): void {
    if (!config) throw new Error("Invalid configuration");
    this.config = { ...config };
    this.data = undefined;
    this.loadedFor = undefined;
    if (this.isConnected && this.hass) void this.refresh();
  }

  protected abstract fetch(hass: HomeAssistant): Promise<T>;

  connectedCallback(): void {
    super.connectedCallback();
    whenHaControls(this);
    const seconds = Math.max(this.config?.refresh_seconds ?? 30, 5);
    this.timer = window.setInterval(() => void this.refresh(), seconds * 1000);
    if (this.hass) void this.refresh();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this.timer);
  }

  protected willUpdate(changed: Map<string, unknown>): void {
    // First hass (or a new user) loads; later hass objects (every state change) do not.
    if (changed.has("hass") && this.hass && this.loadedFor !== this.hass.user?.id) {
      this.loadedFor = this.hass.user?.id;
      void this.refresh();
    }
  }

  async refresh(): Promise<void> {
    if (!this.hass || this.loading || !this.config) return;
    this.loading = true;
    try {
      this.data = await this.fetch(this.hass);
      this.error = undefined;
    } catch (err) {
      this.error = (err as { code?: string; message?: string })?.code ?? String(err);
      if ((err as { message?: string })?.message) this.error = (err as { message: string }).message;
      this.onError(err);
    } finally {
      this.loading = false;
    }
  }

  protected onError(_err: unknown): void {}

  protected get language(): string {
    return this.hass?.locale?.language ?? this.hass?.language ?? "en";
  }

  protected t(key: Key, vars?: Record<string, string | number>): string {
    return t(this.language, key, vars);
  }

  protected money(amount: string | null | undefined, currency: string): string {
    return formatMoney(amount, currency, this.hass?.locale, this.language);
  }

  protected qty(value: string | null | undefined, max = 2): string {
    return formatQuantity(value, this.hass?.locale, this.language, max);
  }

  protected time(iso: string): string {
    return formatTime(iso, this.language, displayTimeZone(this.hass?.locale, this.hass?.config?.time_zone));
  }

  getCardSize(): number {
    return 3;
  }

  /** The scrim and panel of the cards' dialogs (recharge/refund, top up). */
  static dialogStyles = css`
      .scrim {
        position: fixed;
        inset: 0;
        z-index: 20;
        background: rgba(0, 0, 0, 0.45);
        display: flex;
        align-items: center;
        justify-content: center;
      }
      .panel {
        display: flex;
        flex-direction: column;
        gap: 12px;
        width: min(420px, 94vw);
        padding: 20px;
        border-radius: 12px;
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color, #212121);
      }
  `;

  static baseStyles = css`
    :host {
      display: block;
    }
    /* Home Assistant's own card surface (ha-card) draws background, border, radius and shadow
       from the user's theme; the same look is drawn here only where ha-card is not defined
       (a page without HA's frontend, e.g. the node tests). */
    .card {
      display: block;
      padding: 16px;
      box-sizing: border-box;
      color: var(--primary-text-color, #212121);
      font-family: var(--ha-font-family-body, Roboto, "Noto Sans SC", sans-serif);
    }
    ha-card.card:not(:defined),
    div.card {
      background: var(--ha-card-background, var(--card-background-color, #fff));
      border-radius: var(--ha-card-border-radius, 12px);
      border: var(--ha-card-border-width, 1px) solid var(--ha-card-border-color, var(--divider-color, #e0e0e0));
    }
    h2 {
      margin: 0 0 12px;
      font-size: 1.25rem;
      font-weight: 500;
    }
    .muted {
      color: var(--secondary-text-color, #727272);
    }
    .error {
      color: var(--error-color, #db4437);
    }
    label.field {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    select,
    input {
      font: inherit;
      padding: 6px 8px;
      border-radius: 6px;
      border: 1px solid var(--divider-color, #ccc);
      background: var(--card-background-color, #fff);
      color: inherit;
    }
    /* The browser's controls, drawn only until HA's are defined or where HA has none (controls.ts). */
    button {
      font: inherit;
      cursor: pointer;
      border-radius: 8px;
      padding: 8px 16px;
      border: none;
      background: var(--primary-color, #03a9f4);
      color: var(--text-primary-color, #fff);
    }
    button.secondary {
      background: transparent;
      color: var(--primary-color, #03a9f4);
      border: 1px solid var(--primary-color, #03a9f4);
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    td,
    th {
      text-align: left;
      padding: 4px 6px;
      border-bottom: 1px solid var(--divider-color, #eee);
    }
    td.num,
    th.num {
      text-align: right;
      font-variant-numeric: tabular-nums;
    }
  `;
}
