/** An account opened from the rooms overview, over the dashboard. */
import { LitElement, css, html } from "lit";
import { property } from "lit/decorators.js";
import type { HomeAssistant } from "../types";
import { t } from "../i18n";
import { closeButton } from "../controls";
import "./account-card";

export class PrepaidAccountDialog extends LitElement {
  @property({ attribute: false }) hass?: HomeAssistant;
  @property({ attribute: false }) accountId?: string;

  private close(): void {
    this.dispatchEvent(new CustomEvent("closed", { bubbles: false, composed: false }));
  }

  private onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") this.close();
  };

  connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("keydown", this.onKey);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("keydown", this.onKey);
  }

  render() {
    return html`<div class="scrim" @click=${(e: Event) => e.target === e.currentTarget && this.close()}>
      <div class="panel" role="dialog" aria-modal="true">
        <div class="bar">
          ${closeButton({ label: t(this.hass?.language, "close"), click: () => this.close() })}
        </div>
        <prepaid-utility-account-card
          .hass=${this.hass}
          .accountId=${this.accountId}
        ></prepaid-utility-account-card>
      </div>
    </div>`;
  }

  static styles = css`
    .scrim {
      position: fixed;
      inset: 0;
      z-index: 10;
      background: rgba(0, 0, 0, 0.45);
      display: flex;
      align-items: center;
      justify-content: center;
    }
    .panel {
      width: min(560px, 96vw);
      max-height: 92vh;
      overflow: auto;
      border-radius: 12px;
      background: var(--card-background-color, #fff);
    }
    .bar {
      display: flex;
      justify-content: flex-end;
      padding: 4px 4px 0;
    }
    .close {
      border: none;
      background: transparent;
      font-size: 1.2rem;
      cursor: pointer;
      color: var(--secondary-text-color, #727272);
      --mdc-icon-button-size: 40px;
    }
  `;
}
