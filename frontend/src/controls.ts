/**
 * Home Assistant's own form controls (ha-select, ha-input, ha-button of the 2026.10 frontend) so
 * the cards' selects, fields and buttons follow the user's theme like HA's own dialogs do.
 *
 * HA loads ha-select and ha-input lazily: a card can render before they are defined, and an
 * undefined element renders nothing. So the cards draw the browser's controls until all three are
 * defined (asking HA to load its card helpers, which pull them in), then redraw with HA's; a
 * future HA that drops one keeps the browser's controls instead of empty space.
 */
import { html, nothing, type TemplateResult } from "lit";

const TAGS = ["ha-button", "ha-select", "ha-input"] as const;
// How long a card waits for HA's controls before settling for the browser's (HA's chunks are
// local; a few seconds covers a slow phone).
const WAIT_MS = 8000;

export interface Choice {
  value: string;
  label: string;
}

let ready = TAGS.every((tag) => customElements.get(tag) !== undefined);
let loading: Promise<boolean> | undefined;

/** Whether the cards draw HA's controls (true once all three are defined). */
export function haControls(): boolean {
  return ready;
}

async function pullIn(): Promise<void> {
  const w = window as unknown as { loadCardHelpers?: () => Promise<{ createCardElement(c: object): Promise<HTMLElement> }> };
  if (!w.loadCardHelpers) return;
  // The entities card's editor uses HA's form (selects and fields): loading it defines them.
  const helpers = await w.loadCardHelpers();
  const card = await helpers.createCardElement({ type: "entities", entities: [] });
  await (card.constructor as { getConfigElement?: () => Promise<unknown> }).getConfigElement?.();
}

/** Resolve when HA's controls are defined (true) or after WAIT_MS without them (false). */
export function loadHaControls(): Promise<boolean> {
  if (ready) return Promise.resolve(true);
  loading ??= new Promise<boolean>((resolve) => {
    const timer = window.setTimeout(() => resolve(false), WAIT_MS);
    void Promise.all(TAGS.map((tag) => customElements.whenDefined(tag))).then(() => {
      window.clearTimeout(timer);
      ready = true;
      resolve(true);
    });
    pullIn().catch(() => undefined); // no helpers (not a dashboard): the timeout answers
  });
  return loading;
}

/** Redraw `host` once HA's controls are defined, if they are not yet. */
export function whenHaControls(host: { requestUpdate(): void }): void {
  if (!ready) void loadHaControls().then((ok) => ok && host.requestUpdate());
}

interface SelectArgs {
  cls: string;
  label?: string;
  value: string;
  options: Choice[];
  set: (value: string) => void;
}

/** A select: ha-select with its label, or the browser's inside a label. */
export function choose({ cls, label, value, options, set }: SelectArgs): TemplateResult {
  if (ready) {
    return html`<ha-select
      class=${cls}
      .label=${label ?? ""}
      .value=${value}
      .options=${options}
      @selected=${(e: CustomEvent<{ value?: string }>) => set(e.detail.value ?? "")}
    ></ha-select>`;
  }
  const native = html`<select class=${cls} @change=${(e: Event) => set((e.target as HTMLSelectElement).value)}>
    ${options.map((o) => html`<option value=${o.value} ?selected=${o.value === value}>${o.label}</option>`)}
  </select>`;
  return label === undefined ? native : html`<label class="field">${label} ${native}</label>`;
}

interface InputArgs {
  name: string;
  label?: string;
  value: string;
  set: (value: string) => void;
  decimal?: boolean;
  type?: "text" | "search";
  placeholder?: string;
  /** Enter in the field (HA's field sits in its own shadow root, outside any form of ours). */
  enter?: () => void;
}

/** A text field: ha-input with its label, or the browser's inside a label. */
export function field({ name, label, value, set, decimal, type, placeholder, enter }: InputArgs): TemplateResult {
  const input = (e: Event) => set((e.target as HTMLInputElement).value);
  const keydown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && enter) {
      e.preventDefault();
      enter();
    }
  };
  if (ready) {
    return html`<ha-input
      name=${name}
      .type=${type ?? "text"}
      .label=${label ?? ""}
      .placeholder=${placeholder ?? ""}
      .inputmode=${decimal ? "decimal" : ""}
      .autocomplete=${decimal ? "off" : ""}
      .value=${value}
      @input=${input}
      @keydown=${keydown}
    ></ha-input>`;
  }
  const native = html`<input
    name=${name}
    type=${type ?? "text"}
    placeholder=${placeholder ?? nothing}
    inputmode=${decimal ? "decimal" : nothing}
    autocomplete=${decimal ? "off" : nothing}
    .value=${value}
    @input=${input}
    @keydown=${keydown}
  />`;
  return label === undefined ? native : html`<label class="field">${label} ${native}</label>`;
}

interface ButtonArgs {
  cls: string;
  label: string;
  click: () => void;
  secondary?: boolean;
  disabled?: boolean;
}

/** A button: ha-button (filled, or outlined when secondary), or the browser's. */
export function button({ cls, label, click, secondary, disabled }: ButtonArgs): TemplateResult {
  if (ready) {
    return html`<ha-button
      class=${cls}
      appearance=${secondary ? "outlined" : "accent"}
      ?disabled=${disabled ?? false}
      @click=${click}
      >${label}</ha-button
    >`;
  }
  return html`<button type="button" class="${cls} ${secondary ? "secondary" : ""}" ?disabled=${disabled ?? false} @click=${click}>
    ${label}
  </button>`;
}

interface CheckArgs {
  cls: string;
  label: string;
  checked: boolean;
  set: (checked: boolean) => void;
}

/** A checkbox with its label: ha-checkbox (loaded with HA's fields), or the browser's. */
export function check({ cls, label, checked, set }: CheckArgs): TemplateResult {
  const change = (e: Event) => set((e.target as HTMLInputElement).checked);
  if (ready && customElements.get("ha-checkbox")) {
    return html`<ha-checkbox class=${cls} .checked=${checked} @change=${change}>${label}</ha-checkbox>`;
  }
  return html`<label class=${cls}><input type="checkbox" .checked=${checked} @change=${change} />${label}</label>`;
}

// Material Design's "close" icon, the one Home Assistant's own dialogs show.
const CLOSE_PATH =
  "M19,6.41L17.59,5L12,10.59L6.41,5L5,6.41L10.59,12L5,17.59L6.41,19L12,13.41L17.59,19L19,17.59L13.41,12L19,6.41Z";

/** A dialog's close button: ha-icon-button with the close icon, or the browser's ✕. */
export function closeButton({ label, click }: { label: string; click: () => void }): TemplateResult {
  if (customElements.get("ha-icon-button")) {
    return html`<ha-icon-button class="close" .label=${label} .path=${CLOSE_PATH} @click=${click}></ha-icon-button>`;
  }
  return html`<button class="close" aria-label=${label} @click=${click}>✕</button>`;
}
