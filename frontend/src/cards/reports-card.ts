/** Monthly report: usage or cost per month as bars, the same month last year beside. */
import { css, html, nothing, svg } from "lit";
import { state } from "lit/decorators.js";
import { PrepaidCard } from "../base";
import { choose } from "../controls";
import { monthBars, monthName, shares, UNITS } from "../format";
import type { Key } from "../i18n";
import type { CardConfig, HomeAssistant, MonthlyResult } from "../types";

export class PrepaidReportsCard extends PrepaidCard<MonthlyResult> {
  @state() private kind: "electricity" | "water" = "electricity";
  @state() private metric: "usage" | "cost" = "usage";
  @state() private books?: string;

  static getConfigElement(): HTMLElement {
    return document.createElement("prepaid-utility-card-editor");
  }

  static getStubConfig(): Record<string, unknown> {
    return { type: "custom:prepaid-utility-reports-card", kind: "electricity", metric: "usage" };
  }

  setConfig(config: CardConfig): void {
    super.setConfig(config);
    this.kind = config.kind ?? "electricity";
    this.metric = config.metric ?? "usage";
    this.books = config.books;
  }

  protected fetch(hass: HomeAssistant): Promise<MonthlyResult> {
    const msg: Record<string, unknown> = { type: "prepaid_utility/monthly" };
    // Every building's books or one building's, from the shared ledger (administrators).
    if (this.books) msg.books = this.books;
    else if (this.config.account_id) msg.account_id = this.config.account_id;
    else if (this.config.building) msg.building = this.config.building;
    return hass.callWS<MonthlyResult>(msg);
  }

  protected onError(err: unknown): void {
    if (this.books && (err as { code?: string })?.code === "not_found") this.error = this.t("unknown_building");
  }

  getCardSize(): number {
    return 5;
  }

  render() {
    const d = this.data;
    const title = this.config?.title ?? this.t("reports_title");
    if (!d) {
      return html`<ha-card class="card"><h2>${title}</h2>${this.error ? html`<div class="error">${this.error}</div>` : html`<div class="muted">…</div>`}</ha-card>`;
    }
    const bars = monthBars(d.months, this.metric, this.kind);
    const unit = this.metric === "cost" ? d.currency : UNITS[this.kind];
    const fmt = (v: string) => (this.metric === "cost" ? this.money(v, d.currency) : `${this.qty(v)} ${unit}`);
    const w = 600;
    const h = 200;
    const slot = w / 12;
    const bw = slot * 0.36;
    const totalThis = bars.reduce((s, b) => s + b.thisYear, 0);
    const totalLast = bars.reduce((s, b) => s + b.lastYear, 0);
    return html`<ha-card class="card">
      <div class="head">
        <h2>${title}</h2>
        <div class="controls">
          ${d.buildings && d.buildings.length > 1
            ? choose({
                cls: "books",
                value: this.books ?? "all",
                options: [
                  { value: "all", label: this.t("books_all") },
                  ...d.buildings.map((b) => ({ value: b.id, label: b.name })),
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
            cls: "kind",
            value: this.kind,
            options: (["electricity", "water"] as const).map((k) => ({ value: k, label: this.t(k) })),
            set: (v) => (this.kind = v as "water"),
          })}
          ${choose({
            cls: "metric",
            value: this.metric,
            options: (["usage", "cost"] as const).map((m) => ({ value: m, label: this.t(m) })),
            set: (v) => (this.metric = v as "cost"),
          })}
        </div>
      </div>
      <div class="legend">
        <span><i class="this"></i>${this.t("this_year", { year: d.year })}: ${this.metric === "cost" ? this.money(totalThis.toFixed(2), d.currency) : `${this.qty(String(totalThis))} ${unit}`}</span>
        <span><i class="last"></i>${this.t("last_year", { year: d.year - 1 })}: ${this.metric === "cost" ? this.money(totalLast.toFixed(2), d.currency) : `${this.qty(String(totalLast))} ${unit}`}</span>
      </div>
      <svg class="chart" viewBox="0 0 ${w} ${h + 20}" role="img" aria-label=${title}>
        ${bars.map((b, i) => {
          const x = i * slot + slot * 0.12;
          const th = Math.max(b.thisHeight * h, b.thisYear > 0 ? 1 : 0);
          const lh = Math.max(b.lastHeight * h, b.lastYear > 0 ? 1 : 0);
          return svg`<g class="month" data-month=${b.month}>
            <rect class="last" x=${x} y=${h - lh} width=${bw} height=${lh}><title>${d.year - 1} ${monthName(b.month, this.language)}: ${fmt(b.lastLabel)}</title></rect>
            <rect class="this" x=${x + bw} y=${h - th} width=${bw} height=${th}><title>${d.year} ${monthName(b.month, this.language)}: ${fmt(b.thisLabel)}</title></rect>
            <text x=${i * slot + slot / 2} y=${h + 15} text-anchor="middle">${monthName(b.month, this.language)}</text>
          </g>`;
        })}
      </svg>
      ${this.split(d)}
    </ha-card>`;
  }

  private periodName(period: string): string {
    const key = `period_${period.toLowerCase()}` as Key;
    const text = this.t(key);
    return text === key ? period : text;
  }

  /** The year's time-of-use and tier split, shown only when there is more than one part. */
  private split(d: MonthlyResult) {
    const unit = UNITS[this.kind];
    const periods = shares(d.by_period?.[this.kind]);
    const tiers = shares(d.by_tier?.[this.kind]);
    const row = (label: string, parts: ReturnType<typeof shares>, name: (k: string) => string) =>
      parts.length > 1
        ? html`<div class="split">
            <span class="muted">${label}</span>
            ${parts.map((p) => html`<span class="chip">${name(p.key)} ${this.qty(p.value)} ${unit} (${p.percent}%)</span>`)}
          </div>`
        : nothing;
    return html`${row(this.t("tou"), periods, (k) => this.periodName(k))}
    ${row(this.t("tiers"), tiers, (k) => this.t("tier", { tier: k }))}`;
  }

  static styles = [
    PrepaidCard.baseStyles,
    css`
      .head {
        display: flex;
        justify-content: space-between;
        align-items: center;
        flex-wrap: wrap;
        gap: 8px;
      }
      .controls {
        display: flex;
        gap: 6px;
      }
      .legend {
        display: flex;
        gap: 16px;
        font-size: 0.9rem;
        margin: 4px 0 8px;
      }
      .legend i {
        display: inline-block;
        width: 10px;
        height: 10px;
        border-radius: 2px;
        margin-right: 4px;
      }
      i.this,
      rect.this {
        background: var(--primary-color, #03a9f4);
        fill: var(--primary-color, #03a9f4);
      }
      i.last,
      rect.last {
        background: var(--disabled-text-color, #bdbdbd);
        fill: var(--disabled-text-color, #bdbdbd);
      }
      svg {
        width: 100%;
        height: auto;
      }
      .split {
        margin-top: 6px;
        font-size: 0.85rem;
      }
      .chip {
        display: inline-block;
        margin: 2px 6px 2px 0;
        padding: 1px 8px;
        border-radius: 999px;
        background: var(--secondary-background-color, #f0f0f0);
      }
      text {
        font-size: 11px;
        fill: var(--secondary-text-color, #727272);
      }
    `,
  ];
}

export type { Key };
