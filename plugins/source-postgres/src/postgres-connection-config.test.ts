import { ConnectionError, silentLogger, type SourceConnection } from "@reverse-etl/core";
import { TEST_POSTGRES_URL_ENV } from "@reverse-etl/testkit";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import postgresSourcePlugin, { parsePostgresUrl, postgresConnectionConfig, sslForMode } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "reverse-etl-postgres-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const context = { configDir: dir, name: "warehouse", logger: silentLogger };

function serverUrl(): string {
  const url = process.env[TEST_POSTGRES_URL_ENV];
  if (!url) throw new Error(process.env.REVERSE_ETL_TEST_POSTGRES_ERROR ?? `${TEST_POSTGRES_URL_ENV} is not set`);
  return url;
}

async function connectError(options: Parameters<typeof postgresSourcePlugin.connect>[0]): Promise<ConnectionError> {
  let source: SourceConnection | undefined;
  try {
    source = await postgresSourcePlugin.connect(options, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionError);
    return error as ConnectionError;
  }
  await source.close();
  throw new Error("connected, but a ConnectionError was expected");
}

describe("connection settings", () => {
  it("reads every part of a postgres:// URL, decoding them", () => {
    expect(parsePostgresUrl("postgresql://us%40er:p%40ss%3Aw@db.example:6543/my%20db?sslmode=verify-full&application_name=x")).toEqual({
      host: "db.example",
      port: 6543,
      database: "my db",
      user: "us@er",
      password: "p@ss:w",
      sslmode: "verify-full",
      applicationName: "x",
    });
    expect(parsePostgresUrl("postgres:///warehouse?host=/var/run/postgresql")).toMatchObject({ host: "/var/run/postgresql", database: "warehouse" });
  });

  it("never echoes a malformed URL, which may hold a password", () => {
    expect(() => parsePostgresUrl("postgres://user:s3cret@host:notaport/db")).toThrow(/not a valid connection string/);
    try {
      parsePostgresUrl("postgres://user:s3cret@host:notaport/db");
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cret");
    }
  });

  it("lets fields override the URL, and defaults application_name to reverse-etl", () => {
    const config = postgresConnectionConfig({ url: "postgres://u:p@h:1/d?sslmode=require", password: "other", port: 2, statementTimeoutMs: 5000 }, dir);
    expect(config.client).toMatchObject({ host: "h", port: 2, user: "u", password: "other", database: "d", application_name: "reverse-etl", statement_timeout: 5000 });
    expect(config.sslmode).toBe("require");
    expect(config.target).toBe("h:2/d as u");
    expect(postgresConnectionConfig({ url: "postgres://h/d", sslmode: "disable", applicationName: "nightly" }, dir).client).toMatchObject({
      ssl: false,
      application_name: "nightly",
    });
  });

  it("maps each libpq sslmode to pg's ssl option", () => {
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    expect(sslForMode("disable", undefined)).toBe(false);
    expect(sslForMode("prefer", undefined)).toEqual({ rejectUnauthorized: false });
    expect(sslForMode("require", undefined)).toEqual({ rejectUnauthorized: false });
    // libpq: `require` with a root certificate verifies the chain like verify-ca.
    expect(sslForMode("require", ca)).toMatchObject({ rejectUnauthorized: true, ca });
    const verifyCa = sslForMode("verify-ca", ca) as { rejectUnauthorized: boolean; ca: string; checkServerIdentity: () => unknown };
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca });
    expect(verifyCa.checkServerIdentity()).toBeUndefined(); // the host name is not checked
    expect(sslForMode("verify-full", ca)).toEqual({ rejectUnauthorized: true, ca });
    expect(sslForMode("verify-full", undefined)).toEqual({ rejectUnauthorized: true });
  });

  it("reads sslRootCert relative to the config directory, and names the file when it is missing", () => {
    writeFileSync(join(dir, "ca.pem"), "PEM TEXT");
    const config = postgresConnectionConfig({ host: "h", sslmode: "verify-ca", sslRootCert: "ca.pem" }, dir);
    expect(config.client.ssl).toMatchObject({ ca: "PEM TEXT", rejectUnauthorized: true });
    expect(() => postgresConnectionConfig({ host: "h", sslmode: "verify-full", sslRootCert: "missing.pem" }, dir)).toThrow(
      `[reverse-etl] [postgres] cannot read the CA certificate sslRootCert ${join(dir, "missing.pem")}`,
    );
  });

  it("refuses an sslmode libpq does not define", () => {
    expect(() => postgresConnectionConfig({ url: "postgres://h/d?sslmode=sometimes" }, dir)).toThrow(/sslmode "sometimes" is not supported/);
  });
});

describe("connection errors", () => {
  const password = "Sup3r-s3cret!pass";

  async function roleUrl(): Promise<string> {
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    try {
      await admin.query(`drop role if exists reverse_etl_pw_test`);
      await admin.query(`create role reverse_etl_pw_test login password '${password}'`);
    } finally {
      await admin.end();
    }
    const url = new URL(serverUrl());
    url.username = "reverse_etl_pw_test";
    return url.toString();
  }

  it("names the server and database for a wrong password, never the password, even one given in the url", async () => {
    const base = new URL(await roleUrl());
    const good = await postgresSourcePlugin.connect({ url: base.toString(), password, sslmode: "disable" }, context);
    await good.close();

    const wrong = "Wr0ng-" + password;
    for (const options of [
      { url: base.toString(), password: wrong, sslmode: "disable" as const },
      { url: Object.assign(new URL(base), { password: encodeURIComponent(wrong) }).toString(), sslmode: "disable" as const },
      { host: base.hostname, port: Number(base.port), database: base.pathname.slice(1), user: base.username, password: wrong, sslmode: "disable" as const },
    ]) {
      const error = await connectError(options);
      expect(error.message).toContain(`could not connect to ${base.hostname}:${base.port}${base.pathname} as reverse_etl_pw_test`);
      expect(error.message).toMatch(/password authentication failed/);
      expect(error.message).toContain("check `password`");
      expect(error.message).not.toContain(wrong);
      expect(error.message).not.toContain(encodeURIComponent(wrong));
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(wrong);
    }
  });

  it("says nothing listens when the port is closed, and that a database does not exist", async () => {
    const closed = await connectError({ url: "postgres://someone:pw@127.0.0.1:1/nowhere", sslmode: "disable" });
    expect(closed.message).toMatch(/^\[reverse-etl\] \[postgres\] could not connect to 127\.0\.0\.1:1\/nowhere as someone: .*is the server running/);
    const url = new URL(serverUrl());
    url.pathname = "/no_such_database";
    const missing = await connectError({ url: url.toString(), sslmode: "disable" });
    expect(missing.message).toMatch(/no_such_database.*does not exist: check `database`/);
  });

  it("fails `require` against a server without SSL with a clear message, while `prefer` falls back to plain", async () => {
    const error = await connectError({ url: serverUrl(), sslmode: "require" });
    expect(error.message).toMatch(/sslmode is require, but the server does not offer SSL/);
    const source = await postgresSourcePlugin.connect({ url: serverUrl(), sslmode: "prefer" }, context);
    expect(await source.describeQuery("select 1 as one")).toEqual([{ name: "one", type: "integer", kind: "integer" }]);
    await source.close();
    const fromUrl = await connectError({ url: `${serverUrl()}?sslmode=verify-full` });
    expect(fromUrl.message).toMatch(/sslmode is verify-full, but the server does not offer SSL/);
  });
});
