/**
 * Finance (administrators): income by day, month or year; recharges and refunds; debts.
 * On a ledger several buildings share, every building's books or one building's.
 */
import { css, html, nothing } from "lit";
import { state } from "lit/decorators.js";
import { PrepaidCard } from "../base";
import { choose } from "../controls";
import { lossPercent, periodLabel, UNITS } from "../format";
import type { Key } from "../i18n";
import type { ApportionRun, CardConfig, FinanceResult, HomeAssistant } from "../types";

const SPAN_DAYS = { day: 30, month: 365, year: 3 * 365 } as const;

export class PrepaidFinanceCard extends PrepaidCard<FinanceResult> {
  @state() private granularity: "day" | "month" | "year" = "day";
  @state() private books = "all";

  static getConfigElement(): HTMLElement {
    return document.createElement("prepaid-utility-card-editor");
  }

  static getStubConfig(): Record<string, unknown> {
    return { type: "custom:prepaid-utility-finance-card", granularity: "day" };
  }

  setConfig(config: CardConfig): void {
    super.setConfig(config);
    this.granularity = config.granularity ?? "day";
    this.books = config.books ?? "all";
  }

  protected fetch(hass: HomeAssistant): Promise<FinanceResult> {
    // Not even asked for a non-administrator: the server refuses it anyway.
    if (!hass.user?.is_admin) return Promise.reject({ code: "unauthorized", message: this.t("admin_only") });
    // Days up to today as the server counts them (the ledger's days are in HA's time zone).
    return hass.callWS<FinanceResult>({
      type: "prepaid_utility/finance",
      granularity: this.granularity,
      days: SPAN_DAYS[this.granularity],
      books: this.books,
    });
  }

  protected onError(err: unknown): void {
    const code = (err as { code?: string })?.code;
    if (code === "unauthorized") this.error = this.t("admin_only");
    if (code === "not_found") this.error = this.t("unknown_building");
  }

  getCardSize(): number {
    return 6;
  }

  private splits(d: FinanceResult) {
    if (!d.apportionments?.length) return html`<div class="muted">${this.t("no_splits")}</div>`;
    const unit = (r: ApportionRun) => (r.kind ? (UNITS[r.kind] ?? "") : "");
    return html`<table class="splits">
      <tr>
        <th>${this.t("split_period")}</th>
        <th>${this.t("split_master")}</th>
        <th class="num">${this.t("split_amount")}</th>
        <th class="num">${this.t("split_loss")}</th>
        <th class="num">${this.t("split_accounts")}</th>
      </tr>
      ${d.apportionments.map(
        (r) => html`<tr class="split" data-entry=${r.entry_id}>
          <td>
            ${r.period}
            <div class="muted small">
              ${r.method ? this.t(`split_method_${r.method}` as Key) : ""}${r.collection === "billed" ? ` · ${this.t("split_billed")}` : ""}
            </div>
          </td>
          <td>
            ${r.master_name}
            ${r.master_quantity !== null
              ? html`<div class="muted small quantities">
                  ${this.t("split_quantities", {
                    master: `${this.qty(r.master_quantity, 3)} ${unit(r)}`,
                    subs: `${this.qty(r.sub_meters_quantity, 3)} ${unit(r)}`,
                    pool: `${this.qty(r.pool_quantity, 3)} ${unit(r)}`,
                  })}
                </div>`
              : nothing}
          </td>
          <td class="num">${this.money(r.amount, d.currency)}</td>
          <td class="num loss" data-per-mille=${r.loss_per_mille ?? ""}>${lossPercent(r.loss_per_mille, this.hass?.locale, this.language)}</td>
          <td class="num">${r.shares}</td>
        </tr>`,
      )}
    </table>`;
  }

  render() {
    const d = this.data;
    const title = this.config?.title ?? this.t("finance_title");
    if (!this.hass?.user?.is_admin) {
      return html`<ha-card class="card"><h2>${title}</h2><div class="muted denied">${this.t("admin_only")}</div></ha-card>`;
    }
    if (!d) {
      return html`<ha-card class="card"><h2>${title}</h2>${this.error ? html`<div class="error">${this.error}</div>` : html`<div class="muted">…</div>`}</ha-card>`;
    }
    const top = Math.max(0, ...d.income.map((i) => Number(i.amount)));
    // Which building a row is in matters only when several buildings' books are shown.
    const several = (d.buildings?.length ?? 0) > 1;
    const where = (b?: string) => (several && d.books === "all" && b ? html`<div class="muted small building">${b}</div>` : nothing);
    return html`<ha-card class="card">
      <div class="head">
        <h2>${title}</h2>
        <div class="controls">
        ${several || d.books !== "all"
          ? choose({
              cls: "books",
              label: this.t("books"),
              value: this.books,
              options: [
                { value: "all", label: this.t("books_all") },
                ...(d.buildings ?? []).map((b) => ({ value: b.id, label: b.name })),
              ],
              set: (v) => {
                if (v === this.books) return;
                this.books = v;
                this.data = undefined;
                void this.refresh();
              },
            })
          : nothing}
        ${choose({
          cls: "granularity",
          label: this.t("granularity"),
          value: this.granularity,
          options: (["day", "month", "year"] as const).map((g) => ({ value: g, label: this.t(`granularity_${g}`) })),
          set: (v) => {
            if (v === this.granularity) return;
            this.granularity = v as "day";
            this.data = undefined;
            void this.refresh();
          },
        })}
        </div>
      </div>
      <div class="totals">
        <div><span class="muted">${this.t("income")}</span><strong class="income-total">${this.money(d.income_total, d.currency)}</strong></div>
        <div><span class="muted">${this.t("refunds")}</span><strong>${this.money(d.refunds_total, d.currency)}</strong></div>
      </div>
      <table class="income">
        ${d.income.map(
          (i) => html`<tr>
            <td>${periodLabel(i.period)}</td>
            <td class="bar"><span style="width:${top > 0 ? (Number(i.amount) / top) * 100 : 0}%"></span></td>
            <td class="num">${this.money(i.amount, d.currency)}</td>
          </tr>`,
        )}
      </table>
      <h3>${this.t("debtors")}</h3>
      ${d.debtors.length
        ? html`<table class="debtors">
            ${d.debtors.map(
              (x) => html`<tr><td>${x.room}</td><td>${x.name}${where(x.building)}</td><td class="num neg">${this.money(x.balance, d.currency)}</td></tr>`,
            )}
          </table>`
        : html`<div class="muted">${this.t("no_debtors")}</div>`}
      <h3>${this.t("splits")}</h3>
      ${this.splits(d)}
      <h3>${this.t("movements")}</h3>
      ${d.movements.length
        ? html`<table class="movements">
            ${d.movements.slice(0, 50).map(
              (m) => html`<tr>
                <td>${this.time(m.at)}</td>
                <td>${m.name ?? m.account_id}${where(m.building)}</td>
                <td>${this.t(`kind_${m.kind}` as Key)}</td>
                <td class="num ${m.amount_minor < 0 ? "neg" : ""}">${this.money(m.amount, d.currency)}</td>
              </tr>`,
            )}
          </table>`
        : html`<div class="muted">${this.t("no_entries")}</div>`}
      ${nothing}
    </ha-card>`;
  }

  static styles = [
    PrepaidCard.baseStyles,
    css`
      .head {
        display: flex;
        justify-content: space-between;
        align-items: center;
      }
      .controls {
        display: flex;
        gap: 12px;
        flex-wrap: wrap;
      }
      .totals {
        display: flex;
        gap: 24px;
        margin-bottom: 8px;
      }
      .totals div {
        display: flex;
        flex-direction: column;
      }
      .totals strong {
        font-size: 1.5rem;
      }
      td.bar {
        width: 50%;
      }
      td.bar span {
        display: block;
        height: 10px;
        border-radius: 3px;
        background: var(--primary-color, #03a9f4);
      }
      h3 {
        margin: 16px 0 6px;
        font-size: 1rem;
        font-weight: 500;
      }
      .neg {
        color: var(--error-color, #db4437);
      }
      .small {
        font-size: 0.8rem;
      }
      .splits th {
        font-weight: 500;
      }
    `,
  ];
}
