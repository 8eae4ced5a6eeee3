import type pg from "pg";

/** Schema of pg-boss's tables (the job queue). */
export const QUEUE_SCHEMA = "reverse_etl_queue";

/** Schema of the tables reverse-etl adds beside the queue: live workers and shared request budgets. */
export const WORKERS_SCHEMA = "reverse_etl_workers";

/**
 * Create the workers' tables if they are missing. Workers starting together would race on `create table
 * if not exists` (Postgres can fail one of them on its catalog), so one transaction-scoped advisory lock
 * serializes them.
 */
export async function migrateWorkerTables(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock(hashtext($1))", [`${WORKERS_SCHEMA}:migrate`]);
    await client.query(`create schema if not exists ${WORKERS_SCHEMA}`);
    await client.query(`create table if not exists ${WORKERS_SCHEMA}.workers (
      id text primary key,
      host text not null,
      pid integer not null,
      concurrency integer not null,
      started_at timestamptz not null default now(),
      last_seen timestamptz not null default now(),
      lapse_seconds integer not null,
      stopping boolean not null default false,
      running jsonb not null default '[]'::jsonb,
      held_jobs jsonb not null default '[]'::jsonb
    )`);
    await client.query(`create table if not exists ${WORKERS_SCHEMA}.request_log (
      budget text not null,
      at timestamptz not null,
      requests integer not null
    )`);
    await client.query(`create index if not exists request_log_budget_at on ${WORKERS_SCHEMA}.request_log (budget, at)`);
    await client.query(`create table if not exists ${WORKERS_SCHEMA}.request_pauses (
      budget text primary key,
      until timestamptz not null
    )`);
    await client.query(`create table if not exists ${WORKERS_SCHEMA}.request_minutes (
      budget text not null,
      minute timestamptz not null,
      requests integer not null,
      primary key (budget, minute)
    )`);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
