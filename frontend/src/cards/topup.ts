/**
 * The resident's Top up on the account card: choose an amount and a provider, pay by QR code or
 * on the provider's page, and see "paid" with the new balance the moment the credit lands.
 *
 * The order's progress comes over a websocket subscription (prepaid_utility/topup/subscribe)
 * that the server pushes to when a notification or a query settles the order: nothing polls.
 * Kept in its own file so the card's layout can change around it.
 */
import { LitElement, css, html, nothing, svg } from "lit";
import { property, state } from "lit/decorators.js";
import { DOMAIN, PrepaidCard } from "../base";
import { button, choose, field, whenHaControls } from "../controls";
import { formatMoney, validAmount } from "../format";
import { t, type Key } from "../i18n";
import { qrPath } from "../qr";
import type { HomeAssistant, TopupOptions, TopupOrder } from "../types";

export class PrepaidTopup extends LitElement {
  @property({ attribute: false }) hass?: HomeAssistant;
  @property() accountId = "";
  @property() accountName = "";
  @state() private options?: TopupOptions;
  @state() private open = false;
  @state() private amount = "";
  @state() private provider = "";
  @state() private order?: TopupOrder;
  @state() private error?: string;
  @state() private busy = false;
  @state() private now = Date.now();
  private unsubscribe?: () => Promise<void>;
  private clock?: number;
  private loadedFor?: string;

  private t(key: Key, vars?: Record<string, string | number>): string {
    return t(this.hass?.locale?.language ?? this.hass?.language, key, vars);
  }

  private money(value: string): string {
    const language = this.hass?.locale?.language ?? this.hass?.language ?? "en";
    return formatMoney(value, this.options?.currency ?? "", this.hass?.locale, language);
  }

  protected willUpdate(changed: Map<string, unknown>): void {
    const key = `${this.hass?.user?.id}/${this.accountId}`;
    if ((changed.has("hass") || changed.has("accountId")) && this.hass && this.accountId && key !== this.loadedFor) {
      this.loadedFor = key;
      void this.loadOptions();
    }
  }

  connectedCallback(): void {
    super.connectedCallback();
    whenHaControls(this);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    void this.stopFollowing();
  }

  private async loadOptions(): Promise<void> {
    try {
      this.options = await this.hass!.callWS<TopupOptions>({ type: `${DOMAIN}/topup/options`, account_id: this.accountId });
      this.provider = this.options.providers[0] ?? "";
    } catch {
      this.options = undefined; // not shared with this user, or no providers: no button
    }
  }

  private errorText(err: unknown): string {
    const code = (err as { code?: string })?.code ?? "";
    const key = `topup_err_${code}` as Key;
    const text = this.t(key, { min: this.options?.min ?? "", max: this.options?.max ?? "" });
    return text === key ? ((err as { message?: string })?.message ?? String(err)) : text;
  }

  private async start(e?: Event): Promise<void> {
    e?.preventDefault();
    if (!this.hass || this.busy || !this.options) return;
    if (!validAmount(this.amount, 6)) {
      this.error = this.t("invalid_amount");
      return;
    }
    this.busy = true;
    this.error = undefined;
    try {
      const order = await this.hass.callWS<TopupOrder>({
        type: `${DOMAIN}/topup/start`,
        account_id: this.accountId,
        provider: this.provider,
        amount: this.amount.trim(),
      });
      this.order = order;
      await this.follow(order.order_id);
      if (order.url) window.open(order.url, "_blank", "noopener");
    } catch (err) {
      this.error = this.errorText(err);
    } finally {
      this.busy = false;
    }
  }

  private async follow(orderId: string): Promise<void> {
    await this.stopFollowing();
    this.clock = window.setInterval(() => (this.now = Date.now()), 1000);
    this.unsubscribe = await this.hass!.connection!.subscribeMessage<TopupOrder>(
      (order) => {
        this.order = order;
        if (order.state !== "pending") {
          window.clearInterval(this.clock);
          if (order.state === "paid") this.dispatchEvent(new CustomEvent("paid", { detail: order, bubbles: true, composed: true }));
        }
      },
      { type: `${DOMAIN}/topup/subscribe`, order_id: orderId },
    );
  }

  private async stopFollowing(): Promise<void> {
    window.clearInterval(this.clock);
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    if (unsubscribe) {
      try {
        await unsubscribe();
      } catch {
        // the connection is gone already
      }
    }
  }

  private close(): void {
    void this.stopFollowing();
    this.open = false;
    this.order = undefined;
    this.error = undefined;
    this.amount = "";
  }

  private remaining(order: TopupOrder): string {
    const s = Math.max(0, Math.round(order.expires - this.now / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  private progress(order: TopupOrder) {
    const amount = this.money(order.amount);
    const provider = this.t(`provider_${order.provider}` as Key);
    if (order.state === "paid") {
      return html`<div class="outcome paid" role="status">${this.t("topup_paid", { balance: this.money(order.balance ?? "0") })}</div>`;
    }
    const expired = order.state === "expired" || (order.state === "pending" && order.expires * 1000 < this.now);
    if (expired) return html`<div class="outcome bad" role="status">${this.t("topup_expired")}</div>`;
    if (order.state === "failed") return html`<div class="outcome bad" role="status">${this.t("topup_failed")}</div>`;
    if (order.state === "closed") return html`<div class="outcome bad" role="status">${this.t("topup_closed")}</div>`;
    const qr = order.qr ? qrPath(order.qr) : undefined;
    return html`${qr
        ? html`<div class="hint">${this.t("topup_scan", { provider, amount })}</div>
            <svg class="qr" viewBox="0 0 ${qr.size} ${qr.size}" role="img" aria-label=${provider} shape-rendering="crispEdges">
              ${svg`<rect width=${qr.size} height=${qr.size} fill="#fff"></rect><path d=${qr.d} fill="#000"></path>`}
            </svg>`
        : html`<div class="hint">${this.t("topup_link_hint", { amount })}</div>
            <a class="pay-link" href=${order.url} target="_blank" rel="noopener">${this.t("topup_open_link")}</a>`}
      <div class="muted waiting">${this.t("topup_waiting", { time: this.remaining(order) })}</div>`;
  }

  private form(o: TopupOptions) {
    return html`<form @submit=${this.start}>
      ${field({
        name: "topup-amount",
        label: `${this.t("amount")} (${o.currency})`,
        value: this.amount,
        set: (v) => (this.amount = v),
        decimal: true,
        enter: () => void this.start(),
      })}
      <div class="muted">${this.t("topup_range", { min: o.min, max: o.max, currency: o.currency })}</div>
      ${choose({
        cls: "provider",
        label: this.t("topup_pay_with"),
        value: this.provider,
        options: o.providers.map((p) => ({ value: p, label: this.t(`provider_${p}` as Key) })),
        set: (v) => (this.provider = v),
      })}
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
      <div class="buttons">
        ${button({ cls: "cancel", label: this.t("cancel"), secondary: true, click: () => this.close() })}
        ${button({ cls: "topup-start", label: this.t("topup_start"), disabled: this.busy, click: () => void this.start() })}
      </div>
    </form>`;
  }

  render() {
    const o = this.options;
    if (!o || !o.providers.length) return nothing;
    if (!this.open) {
      return button({ cls: "topup", label: this.t("topup"), click: () => (this.open = true) });
    }
    return html`<div class="scrim" @click=${(e: Event) => e.target === e.currentTarget && this.close()}>
      <div class="panel" role="dialog" aria-modal="true">
        <h2>${this.t("topup_title", { name: this.accountName })}</h2>
        ${this.order
          ? html`${this.progress(this.order)}
              <div class="buttons">${button({ cls: "topup-close", label: this.t("close"), secondary: true, click: () => this.close() })}</div>`
          : this.form(o)}
      </div>
    </div>`;
  }

  static styles = [
    PrepaidCard.baseStyles,
    PrepaidCard.dialogStyles,
    css`
      form {
        display: flex;
        flex-direction: column;
        gap: 8px;
      }
      .qr {
        width: min(260px, 70vw);
        height: auto;
        align-self: center;
        background: #fff;
      }
      .topup {
        margin-top: 14px;
      }
      .pay-link {
        font-size: 1.1rem;
        font-weight: 600;
      }
      .outcome {
        font-size: 1.2rem;
        font-weight: 600;
      }
      .outcome.paid {
        color: var(--success-color, #43a047);
      }
      .outcome.bad {
        color: var(--error-color, #db4437);
      }
      .buttons {
        display: flex;
        justify-content: flex-end;
        gap: 8px;
      }
    `,
  ];
}
