import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionError, silentLogger } from "@reverse-etl/core";
import type { DestinationConnection, FieldValue, OutgoingRecord, WriteContext } from "@reverse-etl/core";
import { testDestinationContract } from "@reverse-etl/testkit";
import { afterAll, describe, expect, it } from "vitest";
import type { FileDestinationOptions } from "./file-destination-options.js";
import { fileDestination } from "./file-destination.js";

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "reverse-etl-file-"));
  roots.push(dir);
  return dir;
}

function connect(options: FileDestinationOptions, configDir: string): Promise<DestinationConnection> {
  return fileDestination.connect(options, { configDir, name: "out", logger: silentLogger });
}

function context(runId: string, sync = "customers"): WriteContext {
  return {
    sync,
    object: undefined,
    options: {},
    runId,
    idempotencyKey: randomUUID(),
    signal: new AbortController().signal,
    acquireRequests: async () => undefined,
  };
}

function record(id: number, fields: Record<string, FieldValue>, match: Record<string, FieldValue> = {}): OutgoingRecord {
  return { key: String(id), keyValue: id, match, fields };
}

/** Apply a JSONL change log to an empty map, as a consumer of the file would. */
async function applyJsonl(file: string): Promise<Map<string, Record<string, FieldValue>>> {
  const held = new Map<string, Record<string, FieldValue>>();
  for (const line of (await readFile(file, "utf8")).split("\n").filter(Boolean)) {
    const entry = JSON.parse(line) as { op: string; key: FieldValue; fields: Record<string, FieldValue> };
    const key = typeof entry.key === "object" ? JSON.stringify(entry.key) : String(entry.key);
    if (entry.op === "delete") held.delete(key);
    else held.set(key, entry.fields);
  }
  return held;
}

const contractDir = await tempDir();
testDestinationContract({
  name: "file (jsonl)",
  connect: () => connect({ path: "out/{sync}.jsonl" }, contractDir),
  readBack: ({ sync }) => applyJsonl(join(contractDir, "out", `${sync}.jsonl`)),
});

const csvContractDir = await tempDir();
testDestinationContract({
  name: "file (csv)",
  connect: () => connect({ path: "changes.csv" }, csvContractDir),
});

describe("file destination", () => {
  it("writes nothing at path before flush, then the whole run at once", async () => {
    const dir = await tempDir();
    const connection = await connect({ path: "customers.jsonl" }, dir);
    const outcome = await connection.write("upsert", [record(1, { email: "a@x.io" })], context("run-1"));
    expect(outcome).toEqual({ type: "results", results: [{ status: "deferred" }] });
    await connection.write("delete", [record(2, {})], context("run-1"));
    expect(await readdir(dir)).toEqual([".customers.jsonl.run-1.tmp"]);

    expect(await connection.flush!(context("run-1", "customers"))).toEqual({ type: "ok" });
    expect(await readdir(dir)).toEqual(["customers.jsonl"]);
    const lines = (await readFile(join(dir, "customers.jsonl"), "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { op: "upsert", key: 1, fields: { email: "a@x.io" } },
      { op: "delete", key: 2, fields: {} },
    ]);
    await connection.close();
  });

  it("adds match when the sync has one and renders a composite key as an object", async () => {
    const dir = await tempDir();
    const connection = await connect({ path: "out.jsonl" }, dir);
    const composite: OutgoingRecord = {
      key: '{"region":"eu","id":7}',
      keyValue: { region: "eu", id: 7 },
      match: { email: "a@x.io" },
      fields: { plan: "pro" },
    };
    await connection.write("update", [composite], context("r"));
    await connection.flush!(context("r", "customers"));
    expect(JSON.parse(await readFile(join(dir, "out.jsonl"), "utf8"))).toEqual({
      op: "update",
      key: { region: "eu", id: 7 },
      fields: { plan: "pro" },
      match: { email: "a@x.io" },
    });
    await connection.close();
  });

  it("leaves nothing behind when closed without flush, and keeps the previous file", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "customers.jsonl"), "previous run\n");
    const connection = await connect({ path: "customers.jsonl" }, dir);
    await connection.write("upsert", [record(1, { a: 1 })], context("run-2"));
    await connection.close();
    await connection.close();
    expect(await readdir(dir)).toEqual(["customers.jsonl"]);
    expect(await readFile(join(dir, "customers.jsonl"), "utf8")).toBe("previous run\n");
  });

  it("leaves an existing file alone when the run wrote no record", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "customers.jsonl"), "previous run\n");
    const connection = await connect({ path: "customers.jsonl" }, dir);
    expect(await connection.flush!(context("empty", "customers"))).toEqual({ type: "ok" });
    expect(await readFile(join(dir, "customers.jsonl"), "utf8")).toBe("previous run\n");
    await connection.close();
  });

  it("removes the temp file of a crashed run at the next connect, never touching the target", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "customers.jsonl"), "complete\n");
    await writeFile(join(dir, ".customers.jsonl.crashed-run.tmp"), '{"op":"upsert","key":1,"fie');
    await writeFile(join(dir, ".other.jsonl.x.tmp"), "someone else's");
    const connection = await connect({ path: "customers.jsonl" }, dir);
    expect((await readdir(dir)).sort()).toEqual([".other.jsonl.x.tmp", "customers.jsonl"]);
    await connection.close();
  });

  it("cleans stale temp files of a templated path at the first write of the next run", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "out", ".customers-old.jsonl.old.tmp"), "half");
    await writeFile(join(dir, "out", ".orders-old.jsonl.old.tmp"), "another sync's");
    const connection = await connect({ path: "out/{sync}-{runId}.jsonl" }, dir);
    await connection.write("upsert", [record(1, { a: 1 })], context("new", "customers"));
    await connection.flush!(context("new", "customers"));
    expect((await readdir(join(dir, "out"))).sort()).toEqual([".orders-old.jsonl.old.tmp", "customers-new.jsonl"]);
    await connection.close();
  });

  it("fills {sync} and {runId} and creates missing directories", async () => {
    const dir = await tempDir();
    const connection = await connect({ path: "exports/{sync}/{runId}.jsonl" }, dir);
    await connection.write("insert", [record(1, { a: 1 })], context("42", "orders"));
    await connection.flush!(context("42", "orders"));
    expect(await readFile(join(dir, "exports", "orders", "42.jsonl"), "utf8")).toBe(
      '{"op":"insert","key":1,"fields":{"a":1}}\n',
    );
    await connection.close();
  });

  it("writes CSV with RFC 4180 quoting, JSON text for objects, and empty cells for null", async () => {
    const dir = await tempDir();
    const connection = await connect({ path: "out.csv" }, dir);
    await connection.write(
      "upsert",
      [
        record(1, { name: 'Grace "Amazing" Hopper, RADM', note: "two\nlines", tags: ["a", "b"], score: 1.5, nil: null, empty: "" }),
        { key: '{"id":2}', keyValue: { id: 2 }, match: {}, fields: { name: " padded ", note: "plain", tags: { x: 1 }, score: 0, nil: true, empty: "x" } },
      ],
      context("csv"),
    );
    await connection.flush!(context("csv", "customers"));
    expect(await readFile(join(dir, "out.csv"), "utf8")).toBe(
      "op,key,name,note,tags,score,nil,empty\n" +
        'upsert,1,"Grace ""Amazing"" Hopper, RADM","two\nlines","[""a"",""b""]",1.5,,""\n' +
        'upsert,"{""id"":2}"," padded ",plain,"{""x"":1}",0,true,x\n',
    );
    await connection.close();
  });

  it("takes CSV columns from the first record with fields, even when deletes come first", async () => {
    const dir = await tempDir();
    const connection = await connect({ path: "out.txt", format: "csv" }, dir);
    await connection.write("delete", [record(9, {})], context("m"));
    await connection.write("upsert", [record(1, { email: "a@x.io", plan: "pro" })], context("m"));
    await connection.flush!(context("m", "customers"));
    expect(await readFile(join(dir, "out.txt"), "utf8")).toBe("op,key,email,plan\ndelete,9,,\nupsert,1,a@x.io,pro\n");

    await connection.write("delete", [record(3, {})], context("only-deletes"));
    await connection.flush!(context("only-deletes", "customers"));
    expect(await readFile(join(dir, "out.txt"), "utf8")).toBe("op,key\ndelete,3\n");
    await connection.close();
  });

  it("supports every mode, accepts any field, and sizes batches from maxBatchSize", async () => {
    const dir = await tempDir();
    const connection = await connect({ path: "x.jsonl", maxBatchSize: 50 }, dir);
    expect(connection.capabilities.modes).toEqual(["upsert", "update", "insert", "mirror"]);
    expect(connection.capabilities.maxBatchSize).toBe(50);
    expect(await connection.describe(undefined)).toMatchObject({ acceptsAnyField: true });
    await connection.close();
  });

  it("check() refuses a directory it cannot write, naming the path", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "not-a-dir"), "");
    const connection = await connect({ path: "not-a-dir/out.jsonl" }, dir);
    const error = await connection.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/^\[reverse-etl\] \[file\] .*not-a-dir is not a directory.*fix the path option/);
    await connection.close();

    if (process.getuid?.() !== 0) {
      const locked = join(dir, "locked");
      await mkdir(locked);
      await chmod(locked, 0o500);
      const refused = await connect({ path: "locked/out.jsonl" }, dir);
      await expect(refused.check()).rejects.toThrow(/locked is not writable/);
      await refused.close();
    }
  });

  it("check() accepts a directory that the first write will create", async () => {
    const dir = await tempDir();
    const connection = await connect({ path: "new/{sync}/out.jsonl" }, dir);
    await expect(connection.check()).resolves.toBeUndefined();
    await connection.close();
  });

  it("declares an options schema that refuses unknown options", () => {
    expect(fileDestination.optionsSchema).toMatchObject({ required: ["path"], additionalProperties: false });
  });
});

describe("file destination serving several syncs", () => {
  it("keeps the temp files of runs open on the same connection", async () => {
    const dir = await tempDir();
    const warnings: string[] = [];
    const connection = await fileDestination.connect(
      { path: "all.jsonl" },
      { configDir: dir, name: "out", logger: { ...silentLogger, warn: (m) => warnings.push(m) } },
    );
    await connection.write("upsert", [record(1, { a: 1 })], context("run-a", "a"));
    await connection.write("upsert", [record(2, { b: 2 })], context("run-b", "b"));
    expect(warnings).toEqual([expect.stringContaining("put {sync} in the path option")]);
    expect(await connection.flush!(context("run-a", "a"))).toEqual({ type: "ok" });
    expect(await connection.flush!(context("run-b", "b"))).toEqual({ type: "ok" });
    expect(await readFile(join(dir, "all.jsonl"), "utf8")).toBe('{"op":"upsert","key":2,"fields":{"b":2}}\n');
    await connection.close();
  });
});

describe("file destination killed mid-run", () => {
  it("leaves the previous file whole after SIGKILL, and the next connect removes the temp file", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "customers.jsonl"), '{"op":"upsert","key":0,"fields":{}}\n');
    // A real process writes batches until it is killed; the built package is what a user's run loads.
    const script = `
      import plugin from "@reverse-etl/destination-file";
      const connection = await plugin.connect({ path: "customers.jsonl" }, { configDir: ${JSON.stringify(dir)}, name: "out",
        logger: { debug() {}, info() {}, warn() {} } });
      const records = Array.from({ length: 1000 }, (_, i) => ({ key: String(i), keyValue: i, match: {}, fields: { n: i } }));
      for (let batch = 0; ; batch++) {
        await connection.write("upsert", records, { sync: "customers", object: undefined, runId: "doomed",
          idempotencyKey: String(batch), signal: new AbortController().signal });
        if (batch === 3) process.stdout.write("written\\n");
      }
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("written") && resolve());
      child.once("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));

    expect((await readdir(dir)).sort()).toEqual([".customers.jsonl.doomed.tmp", "customers.jsonl"]);
    expect(await readFile(join(dir, "customers.jsonl"), "utf8")).toBe('{"op":"upsert","key":0,"fields":{}}\n');

    const next = await connect({ path: "customers.jsonl" }, dir);
    expect(await readdir(dir)).toEqual(["customers.jsonl"]);
    await next.write("upsert", [record(1, { n: 1 })], context("retry"));
    await next.flush!(context("retry", "customers"));
    expect(await readFile(join(dir, "customers.jsonl"), "utf8")).toBe('{"op":"upsert","key":1,"fields":{"n":1}}\n');
    await next.close();
  });
});
