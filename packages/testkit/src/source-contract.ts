import type { SourceConnection, SourcePlugin, ValueKind } from "@reverse-etl/core";
import { CompiledQuery, Kysely, sql, type Expression, type RawBuilder } from "kysely";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeAdapterStatements } from "./source-adapter-statements.js";
import { DEFAULT_COLUMN_KINDS, type ContractColumnType, type DecimalValueStyle, type UnquotedNameCase } from "./source-contract-seed.js";
import { describeEngineCycle } from "./source-engine-cycle.js";

/** Options of `testSourceContract`. */
export interface SourceContractOptions<Options = Record<string, unknown>> {
  /** Name of the source, shown in the suite's title, e.g. `duckdb (file)`. */
  name: string;
  /** Opens a fresh connection to an empty (or disposable) database. Called more than once. */
  connect: () => Promise<SourceConnection>;
  /**
   * A SELECT returning `n` rows with one integer column `n` from 1 to `n`. Defaults to a recursive CTE,
   * which is ANSI but slow on some engines; pass the warehouse's generator (`range`, `generate_series`).
   */
  generateRowsSql?: (n: number) => string;
  /** Rows streamed by the streaming test. Default 200,000. */
  streamRows?: number;
  /**
   * The plugin under test: its package's default export. With `pluginOptions`, the suite also runs the
   * engine on it (plan, sync, incremental and mirror runs, invalid and composite keys, full resync) with
   * state in its warehouse and a file destination, which needs `@reverse-etl/destination-file` installed.
   */
  plugin?: SourcePlugin<Options>;
  /**
   * The plugin's options as a config gives them (everything beside `plugin`), or a function giving them
   * once the database exists. Relative paths resolve against a temporary project directory. The suite
   * writes its tables and state schema there, so point them at a disposable database (not `:memory:`:
   * the suite and the engine open their own connections, and must see one database).
   */
  pluginOptions?: Options | (() => Options | Promise<Options>);
  /**
   * The kind `describeQuery` gives a column of each type the suite creates, where the warehouse differs
   * from the defaults: `integer` integer, `varchar(100)` text, `decimal(12,2)` decimal, `double precision`
   * float, `boolean` boolean, `date` date, `timestamp` timestamp.
   */
  expectedKinds?: Partial<Record<ContractColumnType, ValueKind>>;
  /**
   * The type `describeQuery` names for a column of each type the suite describes, as a pattern, where the
   * warehouse names it otherwise: by default `integer` matches /int/i, `varchar(100)` /char|text|string/i and
   * `double precision` /double|float|real|numeric/i. Snowflake, whose INTEGER is NUMBER(38,0), gives
   * `{ integer: /^NUMBER\(38,0\)$/ }`.
   */
  expectedTypes?: Partial<Record<ContractColumnType, RegExp>>;
  /**
   * How `describeQuery` names a column the suite's SQL writes unquoted in lower case (`select id, name ...`):
   * `lower` (default) as PostgreSQL and DuckDB do, `upper` for a warehouse that folds unquoted names to upper
   * case, as Snowflake does (https://docs.snowflake.com/en/sql-reference/identifiers-syntax#label-identifier-casing).
   */
  unquotedNames?: UnquotedNameCase;
  /**
   * How rows carry a `decimal(12,2)` value to destinations: `number` (default), a number when a double holds
   * it exactly and its exact text otherwise (core's `canonicalDecimal` rule, as DuckDB and PostgreSQL do); or
   * `text`, always its exact text with the column's scale (`"1.50"`), as the Snowflake plugin documents.
   */
  decimalValues?: DecimalValueStyle;
}

interface ContractRow {
  id: number;
  name: string | null;
  amount: number | null;
  active: boolean | null;
}

type ContractDb = Record<string, ContractRow>;

/** Largest chunk the streaming test accepts: a driver that yields more is not streaming in bounded pieces. */
const MAX_CHUNK_ROWS = 10_000;
/** Heap the streaming test lets a stream of ~40 MB of rows retain: a fraction of the whole result. */
const MAX_STREAM_HEAP_GROWTH = 24 * 1024 * 1024;

function recursiveRowsSql(n: number): string {
  return `with recursive t(n) as (select 1 union all select n + 1 from t where n < ${n}) select n from t`;
}

/** `gc()` without `--expose-gc`, so heap figures measure what is retained, not what awaits collection. */
function collectGarbage(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/**
 * The conformance suite every source plugin's tests call, like unstorage's `testDriver`. Through Kysely on
 * the connection's dialect and with portable SQL only, it proves that a warehouse can hold the state tables,
 * roll back, stream large results in bounded memory, describe queries (types and kinds), build the diff's
 * JSON and hash expressions, and run the adapter's statements (upsert, snapshot tables, text search). Given
 * `plugin` and `pluginOptions`, it also runs the engine on the plugin as `reverse-etl plan` and `sync` do:
 * state in the plugin's warehouse, a file destination, and a first, a no-op, an incremental, a mirror and a
 * full run, with invalid and composite keys, each checked row by row.
 *
 * ```ts
 * testSourceContract({
 *   name: "duckdb",
 *   connect: () => plugin.connect({ path: ":memory:" }, context),
 *   plugin,
 *   pluginOptions: { path: "warehouse.duckdb" },
 * });
 * ```
 */
export function testSourceContract<Options = Record<string, unknown>>(options: SourceContractOptions<Options>): void {
  const generateRows = options.generateRowsSql ?? recursiveRowsSql;
  const streamRows = options.streamRows ?? 200_000;
  const kinds = { ...DEFAULT_COLUMN_KINDS, ...options.expectedKinds };
  const types: Partial<Record<ContractColumnType, RegExp>> = {
    integer: /int/i,
    "varchar(100)": /char|text|string/i,
    "double precision": /double|float|real|numeric/i,
    ...options.expectedTypes,
  };
  const unquotedNames = options.unquotedNames ?? "lower";
  /** The name `describeQuery` gives a column written unquoted as `name` (in lower case). */
  const described = (name: string) => (unquotedNames === "upper" ? name.toUpperCase() : name);
  if ((options.plugin === undefined) !== (options.pluginOptions === undefined)) {
    throw new Error(`[reverse-etl] [testkit] testSourceContract "${options.name}": give both plugin and pluginOptions to run the engine cycle, or neither`);
  }

  describe(`source contract: ${options.name}`, () => {
    let connection: SourceConnection;
    let db: Kysely<ContractDb>;
    const tables: string[] = [];
    let tableCount = 0;

    async function createTable(): Promise<string> {
      const table = `contract_${process.pid}_${Date.now().toString(36)}_${tableCount++}`;
      await db.schema
        .createTable(table)
        .addColumn("id", "integer", (column) => column.primaryKey())
        .addColumn("name", "varchar(100)")
        .addColumn("amount", "double precision")
        .addColumn("active", "boolean")
        .execute();
      tables.push(table);
      return table;
    }

    async function selectValue<T>(expression: RawBuilder<T>): Promise<T> {
      const row = await db.selectNoFrom(expression.as("v")).executeTakeFirstOrThrow();
      return row.v as T;
    }

    beforeAll(async () => {
      connection = await options.connect();
      db = new Kysely<ContractDb>({ dialect: connection.dialect });
    });

    afterAll(async () => {
      if (db) {
        for (const table of tables) await db.schema.dropTable(table).ifExists().execute();
        await db.destroy();
      }
      await connection?.close();
    });

    it("creates a table, inserts rows and selects them back with their types", async () => {
      const table = await createTable();
      const rows: ContractRow[] = [
        { id: 1, name: "Ada", amount: 12.5, active: true },
        { id: 2, name: "it's \"quoted\"", amount: -3, active: false },
        { id: 3, name: null, amount: null, active: null },
      ];
      await db.insertInto(table).values(rows).execute();
      const selected = await db.selectFrom(table).selectAll().orderBy("id").execute();
      expect(selected).toEqual(rows);
    });

    it("reports the number of rows an update changed", async () => {
      const table = await createTable();
      await db.insertInto(table).values([{ id: 1, name: "a" }, { id: 2, name: "b" }, { id: 3, name: "c" }]).execute();
      const result = await db.updateTable(table).set({ active: true }).where("id", "<=", 2).executeTakeFirst();
      expect(result.numUpdatedRows).toBe(2n);
    });

    it("commits a transaction that succeeds and rolls back one that fails", async () => {
      const table = await createTable();
      await db.transaction().execute(async (trx) => {
        await trx.insertInto(table).values({ id: 1, name: "kept" }).execute();
      });
      const failure = new Error("contract: fail inside the transaction");
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.insertInto(table).values({ id: 2, name: "rolled back" }).execute();
          await trx.updateTable(table).set({ name: "changed" }).where("id", "=", 1).execute();
          throw failure;
        }),
      ).rejects.toBe(failure);
      const rows = await db.selectFrom(table).select(["id", "name"]).orderBy("id").execute();
      expect(rows).toEqual([{ id: 1, name: "kept" }]);
    });

    it(`streams ${streamRows} generated rows in several bounded chunks, in bounded memory`, async () => {
      const gc = collectGarbage();
      // Each row carries ~200 bytes of text, so holding the whole result would retain tens of MB.
      const query = CompiledQuery.raw(
        `select n, lpad(cast(n as varchar(20)), 200, 'x') as pad from (${generateRows(streamRows)}) g`,
      );
      const driver = connection.dialect.createDriver();
      await driver.init();
      const raw = await driver.acquireConnection();
      try {
        gc();
        const baseline = process.memoryUsage().heapUsed;
        let chunks = 0;
        let count = 0;
        let sum = 0;
        let firstChunkRows = 0;
        let peakGrowth = 0;
        for await (const chunk of raw.streamQuery<{ n: number | string; pad: string }>(query, 1000)) {
          chunks++;
          if (chunks === 1) firstChunkRows = chunk.rows.length;
          expect(chunk.rows.length).toBeGreaterThan(0);
          expect(chunk.rows.length).toBeLessThanOrEqual(MAX_CHUNK_ROWS);
          for (const row of chunk.rows) {
            count++;
            sum += Number(row.n);
          }
          expect(chunk.rows[0].pad).toHaveLength(200);
          if (chunks % 16 === 1) {
            gc();
            peakGrowth = Math.max(peakGrowth, process.memoryUsage().heapUsed - baseline);
          }
        }
        expect(count).toBe(streamRows);
        expect(sum).toBe((streamRows * (streamRows + 1)) / 2);
        expect(chunks).toBeGreaterThan(1);
        expect(firstChunkRows).toBeLessThan(streamRows);
        expect(peakGrowth).toBeLessThan(MAX_STREAM_HEAP_GROWTH);
      } finally {
        await driver.releaseConnection(raw);
        await driver.destroy();
      }
    });

    it("raises an error when a streamed query fails part-way, never a silently short result", async () => {
      const failing = `select cast(case when n = ${streamRows - 1000} then 'x' else '1' end as integer) as v,
        lpad(cast(n as varchar(20)), 200, 'x') as pad from (${generateRows(streamRows)}) g`;
      let received = 0;
      const consume = async () => {
        for await (const _row of db.selectFrom(sql.raw(`(${failing})`).as("f")).selectAll().stream(1000)) received++;
      };
      await expect(consume()).rejects.toThrow();
      expect(received).toBeLessThan(streamRows);
      expect(await selectValue(sql<number>`1 + 1`)).toBe(2);
    });

    it("stops a stream early and leaves the connection usable", async () => {
      const rows: number[] = [];
      const stream = db
        .selectFrom(sql.raw<{ n: number }>(`(${generateRows(50_000)})`).as("g"))
        .selectAll()
        .stream(100);
      for await (const row of stream) {
        rows.push(Number((row as unknown as { n: unknown }).n));
        if (rows.length === 10) break;
      }
      expect(rows).toHaveLength(10);
      expect(await selectValue(sql<number>`1 + 1`)).toBe(2);
    });

    it("describes the columns of a query without running it", async () => {
      const table = await createTable();
      await db.insertInto(table).values({ id: 1, name: "x", amount: 1, active: true }).execute();
      const columns = await connection.describeQuery(`select id, name, amount as total from ${table}`);
      expect(columns.map((column) => column.name)).toEqual(["id", "name", "total"].map(described));
      expect(columns[0].type).toMatch(types.integer!);
      expect(columns[1].type).toMatch(types["varchar(100)"]!);
      expect(columns[2].type).toMatch(types["double precision"]!);
      expect(columns.map((column) => column.kind)).toEqual([kinds.integer, kinds["varchar(100)"], kinds["double precision"]]);
    });

    describe("functions.jsonObject", () => {
      const int = (value: number | null): Expression<unknown> => sql`cast(${sql.raw(String(value ?? "null"))} as integer)`;
      const text = (value: string | null): Expression<unknown> =>
        value === null ? sql`cast(null as varchar(100))` : sql`cast(${sql.lit(value)} as varchar(100))`;
      const json = (entries: ReadonlyArray<readonly [string, Expression<unknown>]>) =>
        selectValue(connection.functions.jsonObject(entries));

      it("gives equal text for equal values", async () => {
        const a = await json([["id", int(1)], ["name", text("Ada")], ["none", int(null)]]);
        const b = await json([["id", int(1)], ["name", text("Ada")], ["none", int(null)]]);
        expect(typeof a).toBe("string");
        expect(a).toBe(b);
        expect(JSON.parse(a)).toEqual({ id: 1, name: "Ada", none: null });
      });

      it("gives different text for different values, NULLs included", async () => {
        const texts = await Promise.all([
          json([["a", int(1)]]),
          json([["a", int(2)]]),
          json([["a", int(null)]]),
          json([["a", text("1")]]),
          json([["a", text("")]]),
          json([["a", text("null")]]),
          json([["b", int(1)]]),
          json([["a", int(null)], ["b", int(1)]]),
          json([["a", int(1)], ["b", int(null)]]),
        ]);
        expect(new Set(texts).size).toBe(texts.length);
      });

      it("escapes names with quotes, spaces and SQL in them", async () => {
        const names = [`it's`, `say "hi"`, `with space`, `a'); drop table x; --`, `back\\slash`];
        const result = await json(names.map((name, i) => [name, int(i)] as const));
        expect(JSON.parse(result)).toEqual(Object.fromEntries(names.map((name, i) => [name, i])));
      });

      it("is equal for equal rows of a table and different for different rows", async () => {
        const table = await createTable();
        await db
          .insertInto(table)
          .values([
            { id: 1, name: "same", amount: 2.5, active: true },
            { id: 2, name: "same", amount: 2.5, active: true },
            { id: 3, name: "same", amount: null, active: true },
          ])
          .execute();
        const rows = await db
          .selectFrom(table)
          .select((eb) => [
            "id",
            connection.functions
              .jsonObject([
                ["name", eb.ref("name")],
                ["amount", eb.ref("amount")],
                ["active", eb.ref("active")],
              ])
              .as("fingerprint"),
          ])
          .orderBy("id")
          .execute();
        expect(rows[0].fingerprint).toBe(rows[1].fingerprint);
        expect(rows[2].fingerprint).not.toBe(rows[0].fingerprint);
      });
    });

    it("functions.hash gives a hex digest, equal for equal text", async () => {
      const a = await selectValue(connection.functions.hash(sql<string>`${sql.lit("hello")}`));
      const b = await selectValue(connection.functions.hash(sql<string>`${sql.lit("hello")}`));
      const c = await selectValue(connection.functions.hash(sql<string>`${sql.lit("hello!")}`));
      expect(a).toMatch(/^[0-9a-f]{32,}$/);
      expect(a).toBe(b);
      expect(a).not.toBe(c);
    });

    it("functions.toText casts a value to text", async () => {
      expect(await selectValue(connection.functions.toText(sql`cast(42 as integer)`))).toBe("42");
      expect(await selectValue(connection.functions.toText(sql`${sql.lit("x")}`))).toBe("x");
    });

    it("functions.textLength, when the source has it, counts characters, not bytes", async (context) => {
      const textLength = connection.functions.textLength?.bind(connection.functions);
      if (!textLength) return context.skip();
      const measure = async (value: string) => Number(await selectValue(textLength(sql<string>`cast(${sql.lit(value)} as varchar(100))`)));
      expect(await measure("hello")).toBe(5);
      expect(await measure("héllo wörld")).toBe(11);
      expect(await measure("")).toBe(0);
      expect(await selectValue(textLength(sql<string>`cast(null as varchar(100))`))).toBeNull();
    });

    it("closes safely twice", async () => {
      const other = await options.connect();
      await other.close();
      await expect(other.close()).resolves.toBeUndefined();
    });

    describeAdapterStatements(() => ({ connection, db: db as unknown as Kysely<unknown> }));

    if (options.plugin !== undefined && options.pluginOptions !== undefined) {
      const { plugin, pluginOptions } = options;
      describeEngineCycle({
        // The plugin's own options type is checked at the call; the engine takes any plugin's options.
        plugin: plugin as unknown as SourcePlugin,
        pluginOptions: async () =>
          (typeof pluginOptions === "function" ? await (pluginOptions as () => Options | Promise<Options>)() : pluginOptions) as Record<string, unknown>,
        kinds,
        unquotedNames,
        decimalValues: options.decimalValues ?? "number",
      });
    }
  });
}
