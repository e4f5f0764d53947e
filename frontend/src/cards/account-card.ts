/** Account: what a resident's tablet shows, readable across a room; money actions for admins. */
import { css, html, nothing } from "lit";
import { property, state } from "lit/decorators.js";
import { PrepaidCard } from "../base";
import { button, choose } from "../controls";
import { daysLeftText, levelColor, levelRank, placeLine, recentMonths, statementPath, UNITS } from "../format";
import type { Key } from "../i18n";
import type { AccountResult, Figures, HomeAssistant, RoomsResult } from "../types";
import "./money-dialog";

export class PrepaidAccountCard extends PrepaidCard<AccountResult> {
  /** Set by the rooms card when it opens an account; otherwise from the config. */
  @property({ attribute: false }) accountId?: string;
  @state() private action?: "recharge" | "refund";
  @state() private notice?: string;
  @state() private statementError?: string;
  @state() private chosenMonth?: string; // until one is chosen: the server's current month

  static getConfigElement(): HTMLElement {
    return document.createElement("prepaid-utility-card-editor");
  }

  /** The card picker's preview shows the first account the user may see. */
  static async getStubConfig(hass?: HomeAssistant): Promise<Record<string, unknown>> {
    const stub: Record<string, unknown> = { type: "custom:prepaid-utility-account-card" };
    try {
      const rooms = await hass?.callWS<RoomsResult>({ type: "prepaid_utility/rooms" });
      if (rooms?.accounts.length) stub.account_id = rooms.accounts[0].account_id;
    } catch {
      // no account yet: the editor asks for one
    }
    return stub;
  }

  constructor() {
    super();
    // Opened from the rooms overview the card has no config of its own, only an account.
    this.config = { type: "custom:prepaid-utility-account-card" };
  }

  private get account(): string | undefined {
    return this.accountId ?? this.config?.account_id;
  }

  protected fetch(hass: HomeAssistant): Promise<AccountResult> {
    if (!this.account) return Promise.reject({ code: "no_account", message: this.t("choose_account") });
    return hass.callWS<AccountResult>({ type: "prepaid_utility/account", account_id: this.account });
  }

  protected onError(err: unknown): void {
    if ((err as { code?: string })?.code === "not_found") this.error = this.t("not_found");
  }

  getCardSize(): number {
    return 7;
  }

  /**
   * Open the month's statement. A new tab or a download carries no bearer token, so the path
   * is signed for this user first (Home Assistant's auth/sign_path, valid one minute): the
   * server still applies its own rule of who may see which account.
   */
  private get month(): string {
    return this.chosenMonth ?? recentMonths(this.data?.day ?? 0, 1)[0];
  }

  private async openStatement(format: "html" | "csv"): Promise<void> {
    if (!this.hass || !this.account || !this.data) return;
    this.statementError = undefined;
    try {
      const { path } = await this.hass.callWS<{ path: string }>({
        type: "auth/sign_path",
        path: statementPath(this.account, this.month, format),
        expires: 60,
      });
      if (format === "html") {
        window.open(path, "_blank", "noopener");
      } else {
        const link = document.createElement("a");
        link.href = path;
        link.download = `statement_${this.account}_${this.month}.csv`;
        link.click();
      }
    } catch (err) {
      this.statementError = this.t("statement_failed", { error: (err as { message?: string })?.message ?? String(err) });
    }
  }

  private statement(day: number) {
    return html`<div class="statement">
      ${choose({
        cls: "statement-month",
        label: this.t("statement_month"),
        value: this.month,
        options: recentMonths(day).map((m) => ({ value: m, label: m })),
        set: (v) => (this.chosenMonth = v),
      })}
      ${button({ cls: "statement-open", label: this.t("statement"), secondary: true, click: () => void this.openStatement("html") })}
      ${button({ cls: "statement-csv", label: this.t("statement_csv"), secondary: true, click: () => void this.openStatement("csv") })}
    </div>
    ${this.statementError ? html`<div class="error">${this.statementError}</div>` : nothing}`;
  }

  private figures(label: string, f: Figures, currency: string) {
    const usage = Object.entries(f.usage);
    return html`<div class="figure">
      <div class="label muted">${label}</div>
      <div class="value">${this.money(f.cost, currency)}</div>
      <div class="muted">
        ${usage.length
          ? usage.map(([kind, q]) => html`<span>${this.qty(q)} ${UNITS[kind] ?? ""}</span> `)
          : html`<span>—</span>`}
      </div>
    </div>`;
  }

  private banner(d: AccountResult) {
    const rank = levelRank(d.level);
    if (rank <= 0) return nothing;
    const cut = d.level === "cut_off" || d.supply === "off";
    return html`<div class="banner ${cut ? "cut" : "low"}" role="alert" style="--level:${levelColor(d.level)}">
      <strong>${this.t(`level_${d.level}` as Key)}</strong> — ${cut ? this.t("banner_cut") : this.t("banner_low")}
    </div>`;
  }

  render() {
    const d = this.data;
    if (!d) {
      return html`<ha-card class="card">
        <h2>${this.config?.title ?? this.t("account_title")}</h2>
        ${this.error ? html`<div class="error">${this.error}</div>` : html`<div class="muted">…</div>`}
      </ha-card>`;
    }
    const days = daysLeftText(d.days_left);
    const admin = this.hass?.user?.is_admin ?? false;
    const tou = Object.entries(d.month_by_period).filter(([, periods]) => Object.keys(periods).length > 1);
    return html`<ha-card class="card">
      <div class="head">
        <div>
          <h2>${this.config?.title ?? d.name}</h2>
          <div class="muted">${placeLine(d.room, d.area, d.building)}</div>
        </div>
        <div class="state">
          <span class="pill ${d.online ? "on" : "off"}">${d.online ? this.t("online") : this.t("offline")}</span>
          ${d.supply === "none"
            ? nothing
            : html`<span class="pill supply ${d.supply}">${this.t(`supply_${d.supply}` as Key)}${d.pending ? ` ${this.t("pending")}` : ""}</span>`}
        </div>
      </div>
      ${this.banner(d)}
      <div class="big" style="color:${levelColor(d.level)}" data-balance=${d.balance}>
        ${this.money(d.balance, d.currency)}
      </div>
      <div class="sub muted">
        ${this.t("balance")}${days ? html` · <span class="days">${this.t("days_left", { days })}</span>` : nothing}
        ${d.average_daily_cost !== "0" && d.average_daily_cost !== "0.00"
          ? html` · ${this.t("average_daily")} ${this.money(d.average_daily_cost, d.currency)}`
          : nothing}
      </div>
      <div class="figures">
        ${this.figures(this.t("today"), d.today, d.currency)} ${this.figures(this.t("this_month"), d.month, d.currency)}
      </div>
      ${tou.length
        ? html`<div class="tou">
            <div class="muted">${this.t("tou")}</div>
            ${tou.map(
              ([kind, periods]) =>
                html`<div>
                  ${this.t(kind as Key)}:
                  ${Object.entries(periods).map(([p, q]) => html`<span class="chip">${p} ${this.qty(q)} ${UNITS[kind] ?? ""}</span>`)}
                </div>`,
            )}
          </div>`
        : nothing}
      ${admin && d.device_id
        ? html`<div class="actions">
            ${button({ cls: "recharge", label: this.t("recharge"), click: () => (this.action = "recharge") })}
            ${button({ cls: "refund", label: this.t("refund"), secondary: true, click: () => (this.action = "refund") })}
          </div>`
        : nothing}
      <prepaid-utility-topup
        .hass=${this.hass}
        .accountId=${this.account ?? ""}
        .accountName=${d.name}
        @paid=${() => void this.refresh()}
      ></prepaid-utility-topup>
      ${this.notice ? html`<div class="notice">${this.notice}</div>` : nothing}
      ${this.statement(d.day)}
      <h3>${this.t("recent")}</h3>
      ${d.movements.length
        ? html`<table class="movements">
            ${d.movements.map(
              (m) =>
                html`<tr>
                  <td>${this.time(m.at)}</td>
                  <td>${this.t(`kind_${m.kind}` as Key) || m.kind}</td>
                  <td class="num ${m.amount_minor < 0 ? "neg" : "pos"}">${this.money(m.amount, d.currency)}</td>
                </tr>`,
            )}
          </table>`
        : html`<div class="muted">${this.t("no_entries")}</div>`}
      ${this.action && d.device_id
        ? html`<prepaid-utility-money-dialog
            .hass=${this.hass}
            .action=${this.action}
            .deviceId=${d.device_id}
            .currency=${d.currency}
            .exponent=${d.exponent}
            .accountName=${d.name}
            @closed=${(e: CustomEvent<{ balance?: string }>) => {
              this.action = undefined;
              if (e.detail?.balance) this.notice = this.t("done", { balance: this.money(e.detail.balance, d.currency) });
              void this.refresh();
            }}
          ></prepaid-utility-money-dialog>`
        : nothing}
    </ha-card>`;
  }

  static styles = [
    PrepaidCard.baseStyles,
    css`
      .head {
        display: flex;
        justify-content: space-between;
        gap: 12px;
        align-items: flex-start;
      }
      .head h2 {
        margin: 0;
      }
      .state {
        display: flex;
        gap: 6px;
        flex-wrap: wrap;
        justify-content: flex-end;
      }
      .pill {
        font-size: 0.8rem;
        padding: 2px 10px;
        border-radius: 999px;
        background: var(--secondary-background-color, #f0f0f0);
      }
      .pill.on {
        color: var(--success-color, #43a047);
      }
      .pill.off {
        color: var(--error-color, #db4437);
        font-weight: 600;
      }
      .banner {
        margin: 12px 0 0;
        padding: 10px 12px;
        border-radius: 8px;
        border-left: 6px solid var(--level);
        background: color-mix(in srgb, var(--level) 14%, transparent);
        font-size: 1.05rem;
      }
      .big {
        font-size: clamp(2.6rem, 9vw, 4.5rem);
        font-weight: 700;
        line-height: 1.1;
        margin-top: 16px;
        font-variant-numeric: tabular-nums;
      }
      .sub {
        font-size: 1.05rem;
        margin-bottom: 12px;
      }
      .days {
        color: var(--primary-text-color);
        font-weight: 600;
      }
      .figures {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 12px;
      }
      .figure {
        padding: 10px;
        border-radius: 8px;
        background: var(--secondary-background-color, #f5f5f5);
      }
      .figure .value {
        font-size: 1.6rem;
        font-weight: 600;
        font-variant-numeric: tabular-nums;
      }
      .tou {
        margin-top: 10px;
      }
      .chip {
        display: inline-block;
        margin: 2px 6px 2px 0;
        padding: 1px 8px;
        border-radius: 999px;
        background: var(--secondary-background-color, #f0f0f0);
        font-size: 0.85rem;
      }
      .actions {
        display: flex;
        gap: 8px;
        margin-top: 14px;
      }
      .statement {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
        margin-top: 14px;
      }
      .statement label {
        display: flex;
        gap: 6px;
        align-items: center;
      }
      .notice {
        margin-top: 8px;
        color: var(--success-color, #43a047);
      }
      h3 {
        margin: 16px 0 6px;
        font-size: 1rem;
        font-weight: 500;
      }
      .neg {
        color: var(--error-color, #db4437);
      }
    `,
  ];
}
