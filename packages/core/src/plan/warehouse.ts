import type { Kysely } from "kysely";
import type { SourceAdapter } from "../plugins/source-adapter.js";
import type { SqlFunctions } from "../plugins/sql-functions.js";

/**
 * The warehouse a sync's model and state live in, as the planner and the executor use it: Kysely over
 * the source's connection, its SQL building blocks and its adapter (statements that differ, planner hints).
 */
export interface Warehouse {
  readonly db: Kysely<unknown>;
  readonly functions: SqlFunctions;
  readonly adapter: SourceAdapter;
}
