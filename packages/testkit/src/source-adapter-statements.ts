import type { SourceConnection, TableName } from "@reverse-etl/core";
import { sql, type Kysely, type RawBuilder } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The suite's open connection and Kysely over it, once its `beforeAll` has run. */
export interface OpenContractSource {
  connection: SourceConnection;
  db: Kysely<unknown>;
}

/** Suites declared in this process so far: two suites on one database must not share a schema. */
let suites = 0;

interface KeyedRow {
  k1: string;
  k2: number;
  v: string | null;
  n: number | null;
}

/** A SELECT of constant rows, the shape core hands `upsert` (a query, not a VALUES list). */
function selectRows(rows: readonly KeyedRow[]): RawBuilder<unknown> {
  const one = (row: KeyedRow) =>
    sql`select cast(${sql.lit(row.k1)} as varchar(20)) as k1, cast(${sql.lit(row.k2)} as integer) as k2,
      cast(${row.v === null ? sql`null` : sql.lit(row.v)} as varchar(100)) as v, cast(${row.n === null ? sql`null` : sql.lit(row.n)} as integer) as n`;
  return sql.join(rows.map(one), sql` union all `);
}

/**
 * The statements of the source's `adapter`, run on their own against tables of a schema like core's state
 * schema: `upsert` (how every commit writes `sync_state`), `createTableAs` (each run's snapshot),
 * `createTemporaryTableAs`, `contains` (literal text search), `textValues` and `refreshTable`, and the planner hints.
 */
export function describeAdapterStatements(open: () => OpenContractSource): void {
  describe("adapter statements", () => {
    const schema = `contract_adapter_${process.pid}_${Date.now().toString(36)}_${suites++}`;
    const keyed: TableName = { schema, name: "keyed" };
    const keys: TableName = { schema, name: "keys_only" };
    let db: Kysely<unknown>;
    let connection: SourceConnection;

    const rowsOf = async (table: TableName, order: string[]) =>
      (await sql<Record<string, unknown>>`select * from ${sql.id(table.schema, table.name)} order by ${sql.join(order.map((c) => sql.id(c)))}`.execute(db)).rows;

    beforeAll(async () => {
      ({ db, connection } = open());
      // Made as core's migrations make the state tables: a schema of their own, a composite primary key.
      await db.schema.createSchema(schema).execute();
      await db.schema
        .withSchema(schema)
        .createTable(keyed.name)
        .addColumn("k1", "varchar(20)", (c) => c.notNull())
        .addColumn("k2", "integer", (c) => c.notNull())
        .addColumn("v", "varchar(100)")
        .addColumn("n", "integer")
        .addPrimaryKeyConstraint(`${keyed.name}_pk`, ["k1", "k2"])
        .execute();
      await db.schema.withSchema(schema).createTable(keys.name).addColumn("k", "integer", (c) => c.primaryKey()).execute();
    });

    afterAll(async () => {
      await db?.schema.dropSchema(schema).ifExists().cascade().execute();
    });

    it("declares its planner hints as booleans", () => {
      const { adapter } = connection;
      expect([typeof adapter.fenceSubqueries, typeof adapter.inlineCte, typeof adapter.indexSnapshots]).toEqual(["boolean", "boolean", "boolean"]);
    });

    it("upsert inserts rows with new keys, then updates the rows whose composite key matches", async () => {
      const columns = ["k1", "k2", "v", "n"];
      await connection.adapter
        .upsert(keyed, ["k1", "k2"], columns, selectRows([{ k1: "a", k2: 1, v: "one", n: 1 }, { k1: "a", k2: 2, v: "two", n: 2 }]))
        .execute(db);
      expect(await rowsOf(keyed, ["k1", "k2"])).toEqual([
        { k1: "a", k2: 1, v: "one", n: 1 },
        { k1: "a", k2: 2, v: "two", n: 2 },
      ]);
      await connection.adapter
        .upsert(keyed, ["k1", "k2"], columns, selectRows([{ k1: "a", k2: 2, v: null, n: 22 }, { k1: "b", k2: 1, v: "it's b", n: null }]))
        .execute(db);
      expect(await rowsOf(keyed, ["k1", "k2"])).toEqual([
        { k1: "a", k2: 1, v: "one", n: 1 },
        { k1: "a", k2: 2, v: null, n: 22 },
        { k1: "b", k2: 1, v: "it's b", n: null },
      ]);
    });

    it("upsert inside a transaction is rolled back with it", async () => {
      const failure = new Error("contract: roll the upsert back");
      await expect(
        db.transaction().execute(async (trx) => {
          await connection.adapter.upsert(keyed, ["k1", "k2"], ["k1", "k2", "v", "n"], selectRows([{ k1: "a", k2: 1, v: "changed", n: 0 }])).execute(trx);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect((await rowsOf(keyed, ["k1", "k2"]))[0]).toEqual({ k1: "a", k2: 1, v: "one", n: 1 });
    });

    it("upsert of key columns only inserts the missing keys and keeps the others", async () => {
      const select = (values: number[]) => sql.join(values.map((k) => sql`select cast(${sql.lit(k)} as integer) as k`), sql` union all `);
      await connection.adapter.upsert(keys, ["k"], ["k"], select([1, 2])).execute(db);
      await connection.adapter.upsert(keys, ["k"], ["k"], select([2, 3])).execute(db);
      expect(await rowsOf(keys, ["k"])).toEqual([{ k: 1 }, { k: 2 }, { k: 3 }]);
    });

    it("createTableAs creates a table of the schema with the rows of a query", async () => {
      const table: TableName = { schema, name: "created" };
      await connection.adapter.createTableAs(table, selectRows([{ k1: "x", k2: 7, v: "seven", n: null }, { k1: "y", k2: 8, v: null, n: 8 }])).execute(db);
      expect(await rowsOf(table, ["k1"])).toEqual([
        { k1: "x", k2: 7, v: "seven", n: null },
        { k1: "y", k2: 8, v: null, n: 8 },
      ]);
    });

    it("createTemporaryTableAs creates a table that its own session reads", async () => {
      const name = `contract_temp_${process.pid}_${Date.now().toString(36)}`;
      // A temporary table belongs to one session: create, read and drop it on one connection of the pool.
      const rows = await db.connection().execute(async (session) => {
        await connection.adapter.createTemporaryTableAs(name, selectRows([{ k1: "t", k2: 1, v: "temp", n: 1 }])).execute(session);
        try {
          return (await sql<Record<string, unknown>>`select * from ${sql.id(name)}`.execute(session)).rows;
        } finally {
          await sql`drop table ${sql.id(name)}`.execute(session);
        }
      });
      expect(rows).toEqual([{ k1: "t", k2: 1, v: "temp", n: 1 }]);
    });

    it("contains finds a text as it is written: % and _ are no wildcards, case matters", async () => {
      const cases: Array<[text: string, search: string, expected: boolean]> = [
        ["hello world", "o w", true],
        ["hello", "world", false],
        ["50% off", "%", true],
        ["50 off", "%", false],
        ["a_b", "_", true],
        ["ab", "_", false],
        ["red;green", ";", true],
        ["it's", "'", true],
        ["Zoë ✓", "ë ✓", true],
        ["ABC", "b", false],
      ];
      const found = await sql<Record<string, unknown>>`select ${sql.join(
        cases.map(([text, search], i) => sql`${connection.adapter.contains(sql.lit(text), sql.lit(search))} as ${sql.id(`c${i}`)}`),
      )}`.execute(db);
      expect(cases.map((_, i) => found.rows[0]![`c${i}`])).toEqual(cases.map(([, , expected]) => expected));
    });

    it("textValues, when the source has it, selects every value as given, quotes, commas and braces included", async () => {
      const textValues = connection.adapter.textValues?.bind(connection.adapter);
      if (!textValues) return;
      const values = ["plain", "it's", 'say "hi"', "a,b", "{x}", "back\\slash", "NULL", "", "Zoë ✓", ...Array.from({ length: 5000 }, (_, i) => `k${i}`)];
      const { rows } = await sql<{ row_key: string }>`select row_key from (${textValues("row_key", values)}) as t`.execute(db);
      expect(rows.map((r) => r.row_key).sort()).toEqual([...values].sort());
    });

    it("refreshTable, when the source has it, runs on a table outside any transaction", async () => {
      const refresh = connection.adapter.refreshTable?.(keyed);
      if (refresh) await refresh.execute(db);
      expect((await rowsOf(keyed, ["k1", "k2"])).length).toBe(3);
    });
  });
}
