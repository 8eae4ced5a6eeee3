import pg from "pg";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createDatabase, startPostgres } from "./postgres-server.js";

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe("startPostgres", () => {
  it("starts a throwaway cluster on 127.0.0.1, creates databases in it, and removes it on stop", async () => {
    const server = await startPostgres({ url: null });
    expect(server.started).toBe(true);
    expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/reverse_etl_test$/);
    const [row] = await query(server.url, "select current_database() as db, current_setting('fsync') as fsync");
    expect(row).toEqual({ db: "reverse_etl_test", fsync: "off" });

    const other = await createDatabase(server.url, `it's "isolated"`);
    const [inOther] = await query(other, "select current_database() as db");
    expect(inOther.db).toBe(`it's "isolated"`);

    const [{ dir }] = await query(server.url, "select current_setting('data_directory') as dir");
    expect(existsSync(String(dir))).toBe(true);
    await server.stop();
    expect(existsSync(String(dir))).toBe(false);
    await expect(query(server.url, "select 1")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("uses the given URL without starting anything", async () => {
    const server = await startPostgres({ url: "postgres://someone@db.example:5432/x" });
    expect(server).toMatchObject({ url: "postgres://someone@db.example:5432/x", started: false });
    await server.stop();
  });
});
