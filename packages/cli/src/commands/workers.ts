import { Flags } from "@oclif/core";
import { secrets } from "@reverse-etl/core";
import { readWorkers, type ListedWorker } from "@reverse-etl/server";
import { BaseCommand } from "../base-command.js";
import { ExitCode } from "../exit-codes.js";
import { describeFailure } from "../failure.js";

/** `reverse-etl workers`: the `start --queue` workers sharing a queue. */
export default class Workers extends BaseCommand<typeof Workers> {
  static override summary = "List the workers of the job queue: what each runs, and when it was last seen.";

  static override description = `Reads the workers table beside the job queue (schema reverse_etl_workers of the --queue database, or of the config's scheduler.queue). Each \`reverse-etl start --queue\` worker writes its row every sixth of its --worker-timeout: host and pid, runs at a time, the runs it holds (sync, run id, why, scheduled time, attempt), and when it was last seen. A worker silent for longer than its timeout is dead: the next live worker's heartbeat removes it and sends its runs back to the queue, so it shows here as not alive for at most a few seconds.

Exit code 0 when the queue answers (even with no worker), 1 when it cannot be reached, 2 without a queue.`;

  static override examples = [
    { description: "The workers of the config's queue:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "As JSON, for a health check that wants three live workers:", command: "<%= config.bin %> <%= command.id %> --json | jq '[.workers[] | select(.alive)] | length'" },
    { description: "Another queue:", command: "<%= config.bin %> <%= command.id %> --queue postgres://reverse_etl@db/warehouse" },
  ];

  static override flags = {
    queue: Flags.string({
      summary: "PostgreSQL URL of the job queue (default: the config's scheduler.queue).",
      env: "REVERSE_ETL_QUEUE_URL",
      helpValue: "URL",
    }),
  };

  async run(): Promise<{ workers: ListedWorker[] }> {
    const url = this.flags.queue ?? (await this.withProject(async (project) => project.config.scheduler?.queue));
    if (!url) {
      this.error("[reverse-etl] workers: no job queue; pass --queue URL or set scheduler.queue in the config (workers share a queue only with `reverse-etl start --queue`).", {
        exit: ExitCode.invalidConfig,
        code: "NoQueue",
      });
    }
    secrets.add(url);
    const workers = await readWorkers(url).catch((error: unknown) =>
      this.error(`[reverse-etl] workers: cannot read the job queue (${describeFailure(error).message}).`, { exit: ExitCode.failure, code: "QueueError" }),
    );
    this.print(renderWorkers(workers));
    return { workers };
  }
}

/** One block per worker: who, since when, last seen, and its runs. */
function renderWorkers(workers: readonly ListedWorker[]): string {
  if (workers.length === 0) return "no worker is registered with this queue";
  const lines: string[] = [];
  for (const w of workers) {
    const state = !w.alive ? "NOT ANSWERING" : w.stopping ? "stopping" : "alive";
    lines.push(`${w.id}  ${w.host} pid ${w.pid}  ${state}  last seen ${w.lastSeen}  up since ${w.startedAt}  ${w.running.length}/${w.concurrency} runs`);
    for (const r of w.running) {
      lines.push(`  ${r.sync}  run ${r.runId}  ${r.reason}${r.scheduledFor ? ` for ${r.scheduledFor}` : ""}${r.attempt > 0 ? `  attempt ${r.attempt + 1}` : ""}  since ${r.since}`);
    }
  }
  return lines.join("\n");
}
