/** A refused service call as the user reads it, in their language. */
import { DOMAIN } from "./base";
import type { HomeAssistant } from "./types";

export interface ServiceError {
  code?: string;
  message?: string;
  translation_domain?: string;
  translation_key?: string;
  translation_placeholders?: Record<string, string>;
}

/**
 * Translate with the integration's own "exceptions" translations (the backend translated the
 * message into the server's language; the user may read another one).
 */
export async function errorText(hass: HomeAssistant, err: ServiceError): Promise<string> {
  const key = err?.translation_key;
  if (key && hass.loadBackendTranslation) {
    try {
      const domain = err.translation_domain ?? DOMAIN;
      const localize = await hass.loadBackendTranslation("exceptions", domain);
      const text = localize(`component.${domain}.exceptions.${key}.message`, err.translation_placeholders ?? {});
      if (text) return text;
    } catch {
      // fall back to the server's message
    }
  }
  return err?.message ?? String(err);
}
