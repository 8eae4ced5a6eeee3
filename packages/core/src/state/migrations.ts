import { sql, type Kysely } from "kysely";
import type { StateDatabase } from "./state-tables.js";

/** One versioned change to the state schema. Never edit a released migration: add a new one. */
export interface StateMigration {
  version: number;
  name: string;
  up(db: Kysely<StateDatabase>): Promise<void>;
}

/** The state schema's migrations, in order. Built with Kysely's schema builder so they run on any warehouse. */
export const STATE_MIGRATIONS: readonly StateMigration[] = [
  {
    version: 1,
    name: "create state, runs, errors and locks",
    async up(db) {
      await db.schema
        .createTable("sync_state")
        .ifNotExists()
        .addColumn("sync_name", "varchar", (c) => c.notNull())
        .addColumn("row_key", "varchar", (c) => c.notNull())
        .addColumn("key_value", "varchar", (c) => c.notNull())
        .addColumn("fingerprint", "varchar", (c) => c.notNull())
        .addColumn("row_values", "varchar", (c) => c.notNull())
        .addColumn("status", "varchar", (c) => c.notNull())
        .addColumn("last_run_id", "varchar", (c) => c.notNull())
        .addColumn("synced_at", "timestamp", (c) => c.notNull().defaultTo(sql`current_timestamp`))
        .addPrimaryKeyConstraint("sync_state_pk", ["sync_name", "row_key"])
        .execute();
      await db.schema
        .createTable("sync_runs")
        .ifNotExists()
        .addColumn("run_id", "varchar", (c) => c.primaryKey())
        .addColumn("sync_name", "varchar", (c) => c.notNull())
        .addColumn("status", "varchar", (c) => c.notNull())
        .addColumn("full_resync", "boolean", (c) => c.notNull())
        .addColumn("started_at", "timestamp", (c) => c.notNull().defaultTo(sql`current_timestamp`))
        .addColumn("finished_at", "timestamp")
        .addColumn("added", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("changed", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("removed", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("unchanged", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("invalid", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("sent", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("succeeded", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("rejected", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("failed", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("error", "varchar")
        .addColumn("pid", "integer", (c) => c.notNull())
        .addColumn("host", "varchar", (c) => c.notNull())
        .addColumn("pending_table", "varchar")
        .execute();
      await db.schema
        .createTable("sync_errors")
        .ifNotExists()
        .addColumn("run_id", "varchar", (c) => c.notNull())
        .addColumn("sync_name", "varchar", (c) => c.notNull())
        .addColumn("row_key", "varchar")
        .addColumn("key_value", "varchar")
        .addColumn("kind", "varchar", (c) => c.notNull())
        .addColumn("message", "varchar", (c) => c.notNull())
        .addColumn("created_at", "timestamp", (c) => c.notNull().defaultTo(sql`current_timestamp`))
        .execute();
      await db.schema
        .createTable("sync_locks")
        .ifNotExists()
        .addColumn("sync_name", "varchar", (c) => c.primaryKey())
        .addColumn("run_id", "varchar", (c) => c.notNull())
        .addColumn("pid", "integer", (c) => c.notNull())
        .addColumn("host", "varchar", (c) => c.notNull())
        .addColumn("acquired_at", "timestamp", (c) => c.notNull().defaultTo(sql`current_timestamp`))
        .execute();
    },
  },
  {
    version: 2,
    name: "remember each sync's model columns, to catch schema drift",
    async up(db) {
      await db.schema
        .createTable("sync_columns")
        .ifNotExists()
        .addColumn("sync_name", "varchar", (c) => c.primaryKey())
        .addColumn("columns", "varchar", (c) => c.notNull())
        .addColumn("recorded_at", "timestamp", (c) => c.notNull().defaultTo(sql`current_timestamp`))
        .execute();
    },
  },
  {
    version: 3,
    name: "record the scheduled time a queued run is for",
    async up(db) {
      // Text, not a timestamp: warehouses disagree on time zones, and the queue's key is this exact text.
      await db.schema.alterTable("sync_runs").addColumn("scheduled_for", "varchar").execute();
    },
  },
];

/**
 * Bring the state schema up to date. Returns the versions applied. Several processes starting together (the
 * workers of a queue) race on `create ... if not exists`, which a warehouse can fail on its own catalog
 * (Postgres: a duplicate `pg_type` row): the loser's transaction rolls back, and it tries again, finding
 * the winner's work done.
 */
export async function migrateStateSchema(db: Kysely<StateDatabase>, schema: string): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db, schema);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 200));
    }
  }
}

async function migrateOnce(db: Kysely<StateDatabase>, schema: string): Promise<number[]> {
  await db.schema.createSchema(schema).ifNotExists().execute();
  const scoped = db.withSchema(schema);
  await scoped.schema
    .createTable("schema_migrations")
    .ifNotExists()
    .addColumn("version", "integer", (c) => c.primaryKey())
    .addColumn("name", "varchar", (c) => c.notNull())
    .addColumn("applied_at", "timestamp", (c) => c.notNull().defaultTo(sql`current_timestamp`))
    .execute();
  const done = new Set(
    (await scoped.selectFrom("schema_migrations").select("version").execute()).map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const migration of STATE_MIGRATIONS) {
    if (done.has(migration.version)) continue;
    await db.transaction().execute(async (trx) => {
      const t = trx.withSchema(schema);
      await migration.up(t);
      await t.insertInto("schema_migrations").values({ version: migration.version, name: migration.name }).execute();
    });
    applied.push(migration.version);
  }
  return applied;
}
