import { execFile } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Environment variable naming a server to use instead of starting a throwaway cluster. */
export const TEST_POSTGRES_URL_ENV = "REVERSE_ETL_TEST_POSTGRES_URL";

/** Options of `startPostgres`. */
export interface StartPostgresOptions {
  /**
   * Use this URL instead of starting a cluster. Default: `process.env.REVERSE_ETL_TEST_POSTGRES_URL`;
   * pass `null` to always start a throwaway cluster.
   */
  url?: string | null;
  /** Database created in a new cluster and named by the URL. Default `reverse_etl_test`. */
  database?: string;
  /** Directory holding `initdb` and `pg_ctl`. Default: `PATH`, then `/usr/lib/postgresql/<newest>/bin`. */
  binDir?: string;
}

/** A PostgreSQL server for tests. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>`: the superuser, trusted without a password. */
  readonly url: string;
  /** True when this call started the server (and `stop()` stops it). */
  readonly started: boolean;
  /** Stop the server (immediately: it holds nothing worth keeping) and remove its directory. */
  stop(): Promise<void>;
}

/** User the cluster is initialised and run as when the tests run as root (initdb refuses root). */
const UNPRIVILEGED_USER = "postgres";

/**
 * Start a throwaway PostgreSQL cluster for tests: `initdb` and `pg_ctl` in a temporary directory, on a
 * free port of 127.0.0.1, tuned for speed (no fsync), trusting the `postgres` superuser on loopback and
 * asking every other role for its password (so authentication failures can be tested). When
 * `REVERSE_ETL_TEST_POSTGRES_URL` is set, that server is used instead and nothing is started.
 *
 * ```ts
 * const server = await startPostgres();
 * const url = await createDatabase(server.url, "my_test");
 * await server.stop();
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const given = options.url === undefined ? process.env[TEST_POSTGRES_URL_ENV] : options.url;
  if (given) return { url: given, started: false, stop: async () => {} };

  const binDir = options.binDir ?? findBinDir();
  const database = options.database ?? "reverse_etl_test";
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "reverse-etl-pg-"));
  const data = join(dir, "data");
  const exec = async (binary: string, args: string[]) => {
    const path = join(binDir, binary);
    try {
      // `runuser` keeps our environment; the cluster's files belong to the unprivileged user.
      return asRoot
        ? await run("runuser", ["-u", UNPRIVILEGED_USER, "--", path, ...args], { cwd: dir })
        : await run(path, args, { cwd: dir });
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `[reverse-etl] [testkit] ${binary} ${args.join(" ")} failed: ${output.stderr || output.stdout || output.message}`,
        { cause: error },
      );
    }
  };
  try {
    if (asRoot) {
      const { uid, gid } = await userIds(UNPRIVILEGED_USER);
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    await exec("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    // Trust the superuser on loopback; other roles need their password (tests of authentication failures).
    writeFileSync(
      join(data, "pg_hba.conf"),
      [
        "local all all trust",
        "host all postgres 127.0.0.1/32 trust",
        "host all all 127.0.0.1/32 scram-sha-256",
        "",
      ].join("\n"),
    );
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const settings = [
        `-p ${port}`,
        "-c listen_addresses=127.0.0.1",
        `-c unix_socket_directories='${dir}'`,
        "-c fsync=off",
        "-c full_page_writes=off",
        "-c synchronous_commit=off",
        "-c max_connections=200",
      ].join(" ");
      try {
        await exec("pg_ctl", ["start", "-w", "-t", "60", "-D", data, "-l", join(dir, "server.log"), "-o", settings]);
        break;
      } catch (error) {
        // The port may have been taken between finding it and binding it: try another.
        if (attempt >= 2) throw error;
      }
    }
    const stop = async () => {
      try {
        await exec("pg_ctl", ["stop", "-m", "immediate", "-w", "-D", data]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const root = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      const url = await createDatabase(root, database);
      return { url, started: true, stop };
    } catch (error) {
      await stop();
      throw error;
    }
  } catch (error) {
    if (existsSync(join(data, "postmaster.pid"))) {
      await exec("pg_ctl", ["stop", "-m", "immediate", "-D", data]).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Create a database (dropping one of the same name first) on the server of `url`, connecting as that
 * URL's user, and return the URL of the new database. Tests isolate themselves with one each.
 */
export async function createDatabase(url: string, name: string): Promise<string> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    await client.query(`drop database if exists ${quoted} with (force)`);
    await client.query(`create database ${quoted}`);
  } finally {
    await client.end();
  }
  const target = new URL(url);
  target.pathname = `/${encodeURIComponent(name)}`;
  return target.toString();
}

function findBinDir(): string {
  const candidates = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, "bin")));
  }
  const found = candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
  if (!found) {
    throw new Error(
      "[reverse-etl] [testkit] no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin: " +
        `install PostgreSQL (e.g. \`apt-get install postgresql\`) or set ${TEST_POSTGRES_URL_ENV} to a server's URL`,
    );
  }
  return found;
}

async function userIds(user: string): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", user]), run("id", ["-g", user])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch (error) {
    throw new Error(
      `[reverse-etl] [testkit] running as root, and initdb refuses root: create an unprivileged \`${user}\` user ` +
        `(installing PostgreSQL does) or set ${TEST_POSTGRES_URL_ENV}`,
      { cause: error },
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
