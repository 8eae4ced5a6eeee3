import { parseDuration } from "../config/sync-schedule.js";
import type { AlertConfig, AlertEvent } from "../config/types.js";
import type { Logger } from "../plugins/plugin-context.js";
import type { RunRecord, SyncRunReport } from "../reports.js";
import { secrets } from "../secrets/redactor.js";
import { readRunErrors, readRuns } from "../state/run-history.js";
import type { StateStore } from "../state/state-store.js";
import { slackMessage, type AlertPayload } from "./alert-message.js";
import { alertEventFor, type RunFigures } from "./alert-transition.js";
import { deliverAlert } from "./deliver-alert.js";

const FIRST_ERRORS = 5;

/** What an alert needs of a finished run: the sync run's report, or a run refused before it began. */
export type AlertedRun = Pick<SyncRunReport, "name" | "runId" | "status" | "sent" | "results" | "counts" | "error">;

const figuresOf = (run: RunRecord): RunFigures | undefined =>
  run.status === "running" ? undefined : { status: run.status, sent: run.sent, rejected: run.rejected, failed: run.failed };

/**
 * Sends the config's alerts. `afterRun` (called by every sync, from `sync` and `start` alike) compares a
 * finished run with the sync's previous run in `sync_runs`, so an alert goes out once per transition even
 * across processes; `checkStale` (called by `start` now and then) says when a sync has not succeeded for
 * `staleAfter`, once per last success.
 */
export class AlertNotifier {
  readonly #alerts: Array<[string, AlertConfig]>;
  readonly #logger: Logger;
  /** `alert/sync/last success` already said to be stale, so it is said once. */
  readonly #staleSent = new Set<string>();

  constructor(alerts: Record<string, AlertConfig> | undefined, logger: Logger) {
    this.#alerts = Object.entries(alerts ?? {});
    this.#logger = logger;
    // Alert URLs often carry a token (Slack's do): never print one.
    for (const [, alert] of this.#alerts) secrets.add(alert.url);
  }

  /** Alert on the transition a finished run makes, if any. Never throws. */
  async afterRun(store: StateStore, run: AlertedRun): Promise<void> {
    if (this.#alerts.length === 0) return;
    try {
      const previous = (await readRuns(store.db, { sync: run.name, limit: 5 })).find((r) => r.runId !== run.runId && r.status !== "running");
      const figures: RunFigures = { status: run.status, sent: run.sent, ...run.results };
      let firstErrors: AlertPayload["firstErrors"] | undefined;
      for (const [name, alert] of this.#alerts) {
        const event = alertEventFor(run.name, figures, previous && figuresOf(previous), alert);
        if (!event) continue;
        firstErrors ??= event === "recovered" ? [] : await readRunErrors(store.db, run.runId, FIRST_ERRORS, ["rejected", "failed"]);
        await this.#send(name, alert, {
          event,
          sync: run.name,
          runId: run.runId,
          status: run.status,
          counts: run.counts,
          results: { sent: figures.sent, ...run.results },
          ...(run.error ? { error: run.error } : {}),
          firstErrors,
        });
      }
    } catch (error) {
      this.#logger.warn("could not decide alerts for a run", { sync: run.name, runId: run.runId, error: secrets.redact(String(error)) });
    }
  }

  /** Alert on each watched sync without a success for its alert's `staleAfter`. Never throws. */
  async checkStale(store: StateStore, syncs: readonly string[], now: Date = new Date()): Promise<void> {
    for (const [name, alert] of this.#alerts) {
      const staleMs = alert.staleAfter ? parseDuration(alert.staleAfter) : undefined;
      if (!alert.on.includes("stale") || staleMs === undefined) continue;
      for (const sync of syncs.filter((s) => !alert.syncs || alert.syncs.includes(s))) {
        try {
          const runs = await readRuns(store.db, { sync, limit: 50 });
          if (runs.length === 0) continue; // never ran: nothing to be stale about yet
          const success = runs.find((r) => r.status === "succeeded");
          const since = Date.parse(success?.finishedAt ?? runs[runs.length - 1]!.startedAt);
          const key = `${name}/${sync}/${success?.runId ?? "never"}`;
          if (now.getTime() - since < staleMs || this.#staleSent.has(key)) continue;
          this.#staleSent.add(key);
          const last = runs[0]!;
          await this.#send(name, alert, {
            event: "stale",
            sync,
            runId: last.runId,
            status: last.status,
            counts: last.counts,
            results: { sent: last.sent, succeeded: last.succeeded, rejected: last.rejected, failed: last.failed },
            ...(last.error ? { error: last.error } : {}),
            firstErrors: [],
            lastSuccessAt: success?.finishedAt ?? null,
          });
        } catch (error) {
          this.#logger.warn("could not check whether a sync is stale", { alert: name, sync, error: secrets.redact(String(error)) });
        }
      }
    }
  }

  async #send(name: string, alert: AlertConfig, payload: AlertPayload): Promise<void> {
    const body = alert.format === "slack" ? slackMessage(payload) : payload;
    const sent = await deliverAlert(alert.url, body, { alert: name, sync: payload.sync, event: payload.event, logger: this.#logger });
    if (sent) this.#logger.info("alert sent", { alert: name, sync: payload.sync, event: payload.event as AlertEvent, runId: payload.runId });
  }
}
