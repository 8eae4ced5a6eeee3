import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SegmentCall, SegmentEmulator } from "@reverse-etl/destination-segment/emulator";
import { runCli, startCli, type CliResult, type RunningCli } from "./cli.js";
import type { TestWarehouse } from "./warehouses.js";

/** A write key that looks like a real one; it must never appear in anything the CLI prints. */
export const WRITE_KEY = "wk_5ecr3tSegmentWriteKey0123456789";

/** Runs the CLI with the write key in the environment only, keeping what it printed for {@link expectNoWriteKey}. */
export class SegmentCli {
  readonly printed: string[] = [];

  async run(args: string[], dir: string): Promise<CliResult> {
    const result = await runCli(args, { cwd: dir, env: { SEGMENT_WRITE_KEY: WRITE_KEY } });
    this.printed.push(result.stdout, result.stderr);
    return result;
  }

  start(args: string[], dir: string): RunningCli {
    const running = startCli(args, { cwd: dir, env: { SEGMENT_WRITE_KEY: WRITE_KEY } });
    void running.done.then((r) => this.printed.push(r.stdout, r.stderr));
    return running;
  }

  /** Whether the write key (or a recognisable part of it) was printed. */
  leakedWriteKey(): boolean {
    const all = this.printed.join("\n");
    return all.includes(WRITE_KEY) || all.includes("5ecr3tSegment");
  }
}

const series = (w: TestWarehouse, rows: number) => (w.kind === "duckdb" ? `range(1, ${rows + 1}) t(i)` : `generate_series(1, ${rows}) as t(i)`);

/**
 * `gold.users`: user_id, email, plan, ltv (decimal), big_ltv (a decimal no double holds), signed_up_at
 * (timestamp), signup_day (date), attrs (JSON), updated_at (timestamp).
 */
export async function seedUsers(w: TestWarehouse, rows: number): Promise<void> {
  const duck = w.kind === "duckdb";
  const plans = duck ? "['free', 'pro', 'enterprise']" : "(array['free', 'pro', 'enterprise'])";
  const attrs = duck ? "json_object('tier', i % 3, 'tags', json_array('a', 'b'))" : "jsonb_build_object('tier', i % 3, 'tags', jsonb_build_array('a', 'b'))";
  await w.query(
    `create schema if not exists gold;
     drop table if exists gold.users;
     create table gold.users as
       select cast(i as integer) as user_id, 'user' || i || '@example.com' as email, ${plans}[1 + i % 3] as plan,
              cast(i * 10.25 as decimal(12, 2)) as ltv, cast('12345678901234567890.12' as decimal(38, 2)) as big_ltv,
              timestamp '2024-01-01 00:00:00' + i * interval '1 minute' as signed_up_at,
              cast(date '2024-01-01' + cast(i as integer) as date) as signup_day,
              ${attrs} as attrs,
              timestamp '2024-06-01 00:00:00' + i * interval '1 second' as updated_at
       from ${series(w, rows)}`,
  );
}

/** The traits each user's identify call should carry, by userId, as the warehouse holds them now. */
export async function userTraits(w: TestWarehouse): Promise<Map<string, Record<string, unknown>>> {
  const rows = await w.query<{ user_id: number; email: string; plan: string; ltv: string; d: string; t: string; u: string; attrs: string }>(
    w.kind === "duckdb"
      ? `select user_id, email, plan, cast(ltv as varchar) as ltv, strftime(signed_up_at, '%Y-%m-%dT%H:%M:%S.%gZ') as t,
                cast(signup_day as varchar) as d, cast(attrs as varchar) as attrs, strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%gZ') as u
         from gold.users order by user_id`
      : `select user_id, email, plan, ltv::text as ltv, to_char(signed_up_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t,
                signup_day::text as d, attrs::text as attrs, to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as u
         from gold.users order by user_id`,
  );
  return new Map(
    rows.map((r) => [
      String(r.user_id),
      { email: r.email, plan: r.plan, ltv: Number(r.ltv), big_ltv: "12345678901234567890.12", signed_up_at: r.t, signup_day: r.d, attrs: JSON.parse(r.attrs), updated_at: r.u },
    ]),
  );
}

/** The users model's mapping: column -> trait. */
export const USER_FIELDS = {
  email: "email",
  plan: "plan",
  ltv: "ltv",
  big_ltv: "big_ltv",
  signed_up_at: "signed_up_at",
  signup_day: "signup_day",
  attrs: "attrs",
  updated_at: "updated_at",
};

/** Write a JSON config with the users model and `syncs`, sending to the emulator with the key from the environment. */
export function writeSegmentConfig(
  dir: string,
  w: TestWarehouse,
  e: SegmentEmulator | { url: string },
  syncs: Record<string, Record<string, unknown>>,
  models: Record<string, Record<string, unknown>> = {},
  destination: Record<string, unknown> = {},
): void {
  writeFileSync(
    join(dir, "reverse-etl.config.json"),
    JSON.stringify(
      {
        sources: { warehouse: w.source },
        destinations: { cdp: { plugin: "@reverse-etl/destination-segment", writeKey: { $env: "SEGMENT_WRITE_KEY" }, baseUrl: e.url, ...destination } },
        models: {
          users: { source: "warehouse", primaryKey: "user_id", sql: `select user_id, ${Object.keys(USER_FIELDS).join(", ")} from gold.users` },
          ...models,
        },
        syncs: Object.fromEntries(Object.entries(syncs).map(([name, sync]) => [name, { destination: "cdp", ...sync }])),
      },
      null,
      2,
    ),
  );
}

/** The accepted identify calls' traits, by userId; the last one wins. */
export function identifiedTraits(e: SegmentEmulator): Map<string, Record<string, unknown>> {
  const byUser = new Map<string, Record<string, unknown>>();
  for (const m of e.messages) if (m.type === "identify") byUser.set(String(m.userId), m.traits as Record<string, unknown>);
  return byUser;
}

/**
 * Every messageId that arrived more than once, with whether all its copies carry the same content. A call
 * sent again (a retry, a resend after a kill) must be the same message: same id, same content.
 */
export function copiesDiffer(e: SegmentEmulator): string[] {
  const first = new Map<string, string>();
  const differ: string[] = [];
  for (const r of e.received) {
    if (r.outcome === "dropped") continue;
    const text = JSON.stringify(r.message);
    const seen = first.get(r.messageId);
    if (seen === undefined) first.set(r.messageId, text);
    else if (seen !== text) differ.push(r.messageId);
  }
  return differ;
}
