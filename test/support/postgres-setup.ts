import { startPostgres, TEST_POSTGRES_URL_ENV, type PostgresServer } from "@reverse-etl/testkit";

/** Set when the cluster could not start, so Postgres tests fail with the reason (and others still run). */
export const TEST_POSTGRES_ERROR_ENV = "REVERSE_ETL_TEST_POSTGRES_ERROR";

let server: PostgresServer | undefined;

/**
 * One PostgreSQL cluster for the whole test run (or the server `REVERSE_ETL_TEST_POSTGRES_URL` names).
 * Its URL goes into the environment here, in vitest's main process, before the forked test workers
 * start, so they inherit it; tests that need Postgres create their own database in it.
 */
export async function setup(): Promise<void> {
  try {
    server = await startPostgres();
    process.env[TEST_POSTGRES_URL_ENV] = server.url;
  } catch (error) {
    process.env[TEST_POSTGRES_ERROR_ENV] = error instanceof Error ? error.message : String(error);
  }
}

export async function teardown(): Promise<void> {
  if (server?.started) delete process.env[TEST_POSTGRES_URL_ENV];
  await server?.stop();
  server = undefined;
}
