/** Rooms overview: every account as a tile, balance coloured by alarm level. */
import { css, html, nothing } from "lit";
import { state } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { PrepaidCard } from "../base";
import { check, choose, field } from "../controls";
import { distinct, levelColor, shapeRooms, UNITS } from "../format";
import type { CardConfig, HomeAssistant, Room, RoomsResult } from "../types";
import "./account-dialog";

export class PrepaidRoomsCard extends PrepaidCard<RoomsResult> {
  @state() private text = "";
  @state() private floor = "";
  @state() private area = "";
  @state() private building = "";
  @state() private sort: "room" | "balance" | "name" = "room";
  @state() private onlyAlarms = false;
  @state() private opened?: string;

  static getConfigElement(): HTMLElement {
    return document.createElement("prepaid-utility-card-editor");
  }

  static getStubConfig(): Record<string, unknown> {
    return { type: "custom:prepaid-utility-rooms-card", sort: "room" };
  }

  setConfig(config: CardConfig): void {
    super.setConfig(config);
    this.sort = config.sort ?? "room";
    this.building = config.building ?? "";
    this.floor = config.floor ?? "";
    this.area = config.area ?? "";
  }

  protected fetch(hass: HomeAssistant): Promise<RoomsResult> {
    return hass.callWS<RoomsResult>({ type: "prepaid_utility/rooms" });
  }

  getCardSize(): number {
    return 8;
  }

  private tile(r: Room, currency: string) {
    const usage = Object.entries(r.today.usage)
      .map(([kind, q]) => `${this.qty(q)} ${UNITS[kind] ?? ""}`)
      .join(" · ");
    const supply = r.supply === "none" ? "" : this.t(`supply_${r.supply}`);
    return html`<button
      class="tile ${r.online ? "" : "offline"}"
      data-account=${r.account_id}
      @click=${() => (this.opened = r.account_id)}
      title=${this.t(`level_${r.level ?? "normal"}`)}
    >
      <div class="top">
        <span class="room">${r.room || r.area || "—"}</span>
        <span class="dot" title=${r.online ? this.t("online") : this.t("offline")}></span>
      </div>
      <div class="name">${r.name}</div>
      <div class="balance" style="color:${levelColor(r.level)}">
        ${this.money(r.balance, currency)}
      </div>
      <div class="meta">
        <span class="supply ${r.supply}">${supply}${r.pending ? ` ${this.t("pending")}` : ""}</span>
      </div>
      <div class="today muted">
        ${this.t("today")}: ${usage || "—"} · ${this.money(r.today.cost, currency)}
      </div>
    </button>`;
  }

  private select(cls: string, label: string, value: string, options: string[], set: (v: string) => void) {
    if (options.length < 2 && !value) return nothing;
    return choose({
      cls,
      label,
      value,
      options: [{ value: "", label: this.t("all") }, ...options.map((o) => ({ value: o, label: o }))],
      set,
    });
  }

  render() {
    const data = this.data;
    const title = this.config?.title ?? this.t("rooms_title");
    if (!data) {
      return html`<ha-card class="card"><h2>${title}</h2>
        ${this.error ? html`<div class="error">${this.t("error", { error: this.error })}</div>` : html`<div class="muted">…</div>`}</ha-card>`;
    }
    const rooms = shapeRooms(
      data.accounts,
      { building: this.building, floor: this.floor, area: this.area, text: this.text, onlyAlarms: this.onlyAlarms },
      this.sort,
    );
    return html`<ha-card class="card">
      <div class="head">
        <h2>${title}</h2>
        <span class="muted count">${this.t("rooms_count", { shown: rooms.length, total: data.accounts.length })}</span>
      </div>
      <div class="filters">
        ${field({ name: "search", type: "search", placeholder: this.t("search"), value: this.text, set: (v) => (this.text = v) })}
        ${this.select("building", this.t("building"), this.building, distinct(data.accounts, "building"), (v) => (this.building = v))}
        ${this.select("floor", this.t("floor"), this.floor, distinct(data.accounts, "floor"), (v) => (this.floor = v))}
        ${this.select("area", this.t("area"), this.area, distinct(data.accounts, "area"), (v) => (this.area = v))}
        ${choose({
          cls: "sort",
          label: this.t("sort"),
          value: this.sort,
          options: (["room", "balance", "name"] as const).map((s) => ({ value: s, label: this.t(`sort_${s}`) })),
          set: (v) => (this.sort = v as "room"),
        })}
        ${check({
          cls: "check",
          label: this.t("only_alarms"),
          checked: this.onlyAlarms,
          set: (v) => (this.onlyAlarms = v),
        })}
      </div>
      ${rooms.length
        ? html`<div class="grid">${repeat(rooms, (r) => r.account_id, (r) => this.tile(r, data.currency))}</div>`
        : html`<div class="muted">${this.t("no_rooms")}</div>`}
      ${this.opened
        ? html`<prepaid-utility-account-dialog
            .hass=${this.hass}
            .accountId=${this.opened}
            @closed=${() => {
              this.opened = undefined;
              void this.refresh();
            }}
          ></prepaid-utility-account-dialog>`
        : nothing}
    </ha-card>`;
  }

  static styles = [
    PrepaidCard.baseStyles,
    css`
      .head {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
      }
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 12px;
        align-items: center;
        margin-bottom: 12px;
      }
      .filters label {
        display: flex;
        gap: 4px;
        align-items: center;
        font-size: 0.9rem;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
        gap: 8px;
      }
      .tile {
        /* Off-screen tiles are not laid out: 500 rooms stay quick. */
        content-visibility: auto;
        contain-intrinsic-size: 150px 118px;
        display: flex;
        flex-direction: column;
        gap: 2px;
        text-align: left;
        padding: 10px;
        border-radius: 10px;
        border: 1px solid var(--divider-color, #e0e0e0);
        background: var(--secondary-background-color, #fafafa);
        color: var(--primary-text-color, #212121);
      }
      .tile:hover {
        border-color: var(--primary-color, #03a9f4);
      }
      .tile.offline {
        opacity: 0.6;
      }
      .top {
        display: flex;
        justify-content: space-between;
        align-items: center;
      }
      .room {
        font-weight: 600;
      }
      .dot {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--success-color, #43a047);
      }
      .offline .dot {
        background: var(--disabled-text-color, #bdbdbd);
      }
      .name {
        font-size: 0.85rem;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .balance {
        font-size: 1.3rem;
        font-weight: 600;
        font-variant-numeric: tabular-nums;
      }
      .meta,
      .today {
        font-size: 0.75rem;
      }
      .supply.off {
        color: var(--error-color, #db4437);
        font-weight: 600;
      }
    `,
  ];
}
