import type { Dialect } from "kysely";
import type { ValueKind } from "../values/value-kind.js";
import type { JsonSchema, PluginContext } from "./plugin-context.js";
import type { SourceAdapter } from "./source-adapter.js";
import type { SqlFunctions } from "./sql-functions.js";

/**
 * Version of the source plugin contract. Bumped on breaking changes; core refuses other versions.
 * 2: `SourceConnection.adapter` (statements and planner hints), `ColumnInfo.kind`.
 */
export const SOURCE_API_VERSION = 2;

/** A column a query returns. */
export interface ColumnInfo {
  /** Column name as the query returns it. */
  name: string;
  /** The warehouse's own type name, e.g. `BIGINT`, `NUMBER(38,0)`, `TIMESTAMP WITH TIME ZONE`: shown to users. */
  type: string;
  /**
   * What the column holds, in core's terms: which destination fields can take it, whether it sorts.
   * `valueKindOfTypeName` classifies the type names most warehouses share.
   */
  kind: ValueKind;
}

/**
 * An open connection to a warehouse. Rows are read and statements run through the Kysely `dialect`:
 * its driver must implement `streamQuery` so a model streams in bounded memory.
 */
export interface SourceConnection {
  /** Kysely dialect over this connection; core builds every query with it. */
  readonly dialect: Dialect;
  /** The warehouse's SQL building blocks (expressions). */
  readonly functions: SqlFunctions;
  /** The warehouse's statements that differ and its planner hints: a `SourceAdapterBase` with overrides. */
  readonly adapter: SourceAdapter;
  /** Columns that a SELECT returns, with their types and kinds, without reading its rows. */
  describeQuery(sql: string): Promise<ColumnInfo[]>;
  /**
   * Optional: take a session-scoped lock that the warehouse releases if the process dies (e.g. a
   * Postgres advisory lock). Returns a release function, or `undefined` when another session holds it.
   * Without it, core locks with a row in its state schema.
   */
  tryLock?(name: string): Promise<(() => Promise<void>) | undefined>;
  /**
   * Optional: set when the connection cannot write (a database opened read-only), to the name of the
   * option that made it so (e.g. `readOnly`). Core then refuses to keep state there, naming the option,
   * instead of failing on the first `CREATE`.
   */
  readonly readOnlyOption?: string;
  /** Release the connection. Safe to call twice. */
  close(): Promise<void>;
}

/** A warehouse plugin: the default export of a source package, made with `defineSourcePlugin`. */
export interface SourcePlugin<Options = Record<string, unknown>> {
  readonly kind: "source";
  /** Short name used in messages, e.g. `duckdb`. */
  readonly name: string;
  /** The contract version the plugin was built against: `SOURCE_API_VERSION` of its core. */
  readonly apiVersion: number;
  /** JSON schema of the plugin's own options (everything beside `plugin`). */
  readonly optionsSchema: JsonSchema;
  /** Open a connection. Options have been validated against `optionsSchema`, env references resolved. */
  connect(options: Options, context: PluginContext): Promise<SourceConnection>;
}

/** Declare a source plugin; the package's default export. */
export function defineSourcePlugin<Options>(
  plugin: Omit<SourcePlugin<Options>, "kind" | "apiVersion"> & { apiVersion?: number },
): SourcePlugin<Options> {
  return { apiVersion: SOURCE_API_VERSION, ...plugin, kind: "source" };
}
