import { PostgresQueryCompiler } from "kysely";

/**
 * Compiles Kysely queries for DuckDB. DuckDB's SQL follows PostgreSQL's (double-quoted identifiers,
 * `$1` positional parameters), so Postgres's compiler is reused as it is.
 */
export class DuckDbQueryCompiler extends PostgresQueryCompiler {}
