import type { Logger } from "../plugins/plugin-context.js";
import { secrets } from "../secrets/redactor.js";

/** Attempts per alert; an endpoint still failing after them is logged and given up on. */
const ATTEMPTS = 4;

/**
 * POST one alert, retrying network errors, 429 and 5xx a few times with growing, jittered delays. Never
 * throws: an alert endpoint that is down must not fail a sync. The URL is never logged (Slack's carries
 * its token): only its host.
 */
export async function deliverAlert(url: string, body: unknown, context: { alert: string; sync: string; event: string; logger: Logger }): Promise<boolean> {
  const text = secrets.redact(JSON.stringify(body));
  let last = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "reverse-etl" },
        body: text,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return true;
      last = `HTTP ${response.status}`;
      if (response.status !== 429 && response.status < 500) break; // a 4xx will not get better by retrying
    } catch (error) {
      last = secrets.redact(error instanceof Error ? error.message : String(error));
    }
    if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1) * (0.75 + Math.random() / 2)));
  }
  context.logger.warn("alert not delivered", { alert: context.alert, sync: context.sync, event: context.event, host: hostOf(url), error: last });
  return false;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}
