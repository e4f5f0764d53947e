/** Recharge or refund one account: calls the integration's admin-only services. */
import { LitElement, css, html, nothing } from "lit";
import { property, state } from "lit/decorators.js";
import { DOMAIN, PrepaidCard } from "../base";
import { button, choose, field, whenHaControls } from "../controls";
import { errorText, type ServiceError } from "../errors";
import { newOrderId, validAmount } from "../format";
import { t, type Key } from "../i18n";
import type { HomeAssistant } from "../types";

const METHODS = ["cash", "bank_transfer", "online", "other"] as const;

export class PrepaidMoneyDialog extends LitElement {
  @property({ attribute: false }) hass?: HomeAssistant;
  @property() action: "recharge" | "refund" = "recharge";
  @property() deviceId = "";
  @property() currency = "";
  @property({ type: Number }) exponent = 2;
  @property() accountName = "";
  @state() private amount = "";
  @state() private method: (typeof METHODS)[number] = "cash";
  @state() private reference = "";
  @state() private busy = false;
  @state() private error?: string;

  connectedCallback(): void {
    super.connectedCallback();
    whenHaControls(this);
    // One key per opened dialog: a double click or a retry after a timeout credits once.
    this.reference = newOrderId(this.action === "recharge" ? "CARD" : "REFUND", new Date());
  }

  private t(key: Key, vars?: Record<string, string | number>): string {
    return t(this.hass?.locale?.language ?? this.hass?.language, key, vars);
  }

  private close(detail: Record<string, unknown> = {}): void {
    this.dispatchEvent(new CustomEvent("closed", { detail }));
  }

  private async submit(e?: Event): Promise<void> {
    e?.preventDefault();
    if (!this.hass || this.busy) return;
    if (!validAmount(this.amount, this.exponent)) {
      this.error = this.t("invalid_amount");
      return;
    }
    this.busy = true;
    this.error = undefined;
    const data: Record<string, unknown> = { device_id: this.deviceId, amount: this.amount.trim() };
    if (this.action === "recharge") {
      data.order_id = this.reference;
      data.method = this.method;
    } else {
      data.refund_id = this.reference;
    }
    try {
      const result = await this.hass.callWS<{ response?: { balance?: string } }>({
        type: "call_service",
        domain: DOMAIN,
        service: this.action,
        service_data: data,
        return_response: true,
      });
      this.close({ balance: result?.response?.balance });
    } catch (err) {
      this.error = await errorText(this.hass, err as ServiceError);
    } finally {
      this.busy = false;
    }
  }

  render() {
    return html`<div class="scrim" @click=${(e: Event) => e.target === e.currentTarget && this.close()}>
      <form class="panel" role="dialog" aria-modal="true" @submit=${this.submit}>
        <h2>${this.t(this.action)} · ${this.accountName}</h2>
        ${field({
          name: "amount",
          label: `${this.t("amount")} (${this.currency})`,
          value: this.amount,
          set: (v) => (this.amount = v),
          decimal: true,
          enter: () => void this.submit(),
        })}
        ${this.action === "recharge"
          ? choose({
              cls: "method",
              label: this.t("method"),
              value: this.method,
              options: METHODS.map((m) => ({ value: m, label: this.t(`method_${m}`) })),
              set: (v) => (this.method = v as "cash"),
            })
          : nothing}
        ${field({
          name: "reference",
          label: this.t("reference"),
          value: this.reference,
          set: (v) => (this.reference = v),
          enter: () => void this.submit(),
        })}
        ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
        <div class="buttons">
          ${button({ cls: "cancel", label: this.t("cancel"), secondary: true, click: () => this.close() })}
          ${button({ cls: "confirm", label: this.t("confirm"), disabled: this.busy, click: () => void this.submit() })}
        </div>
      </form>
    </div>`;
  }

  static styles = [
    PrepaidCard.baseStyles,
    PrepaidCard.dialogStyles,
    css`
      .buttons {
        display: flex;
        justify-content: flex-end;
        gap: 8px;
      }
    `,
  ];
}
