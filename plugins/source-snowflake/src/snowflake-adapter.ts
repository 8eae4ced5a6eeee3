import { DialectAdapterBase, type Kysely, type MigrationLockOptions } from "kysely";

/**
 * Kysely adapter for Snowflake: DDL commits the open transaction (it is not transactional) and there is
 * no RETURNING.
 */
export class SnowflakeAdapter extends DialectAdapterBase {
  override get supportsTransactionalDdl(): boolean {
    return false;
  }

  override get supportsReturning(): boolean {
    return false;
  }

  // Kysely's migrator is not used on Snowflake by reverse-etl; its state store has its own lock.
  async acquireMigrationLock(_db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {}

  async releaseMigrationLock(_db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {}
}
