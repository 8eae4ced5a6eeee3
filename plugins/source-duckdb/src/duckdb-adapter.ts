import { DialectAdapterBase, type Kysely, type MigrationLockOptions } from "kysely";

/** Kysely adapter for DuckDB: transactional DDL, `RETURNING`, `IF NOT EXISTS`. */
export class DuckDbAdapter extends DialectAdapterBase {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override get supportsReturning(): boolean {
    return true;
  }

  // DuckDB allows one writing process per database file, and its transactions conflict on concurrent
  // writes to the same rows, so migrations need no lock of their own.
  async acquireMigrationLock(_db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {}

  async releaseMigrationLock(_db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {}
}
