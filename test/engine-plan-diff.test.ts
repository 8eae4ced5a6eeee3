import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfiguredProject, type PlanSample, type ReverseEtlConfig, type SourcePlugin, type SyncPlan } from "@reverse-etl/core";
import duckdb from "@reverse-etl/source-duckdb";
import postgres from "@reverse-etl/source-postgres";
import fileDestination from "@reverse-etl/destination-file";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse, seedCustomersIn, WAREHOUSES, type TestWarehouse } from "./support/warehouses.js";

const projects: ConfiguredProject[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) await p.close();
});

const SAMPLE_SIZE = 5;

interface Model {
  sql: string;
  fields: Record<string, string>;
}

const CUSTOMERS: Model = {
  sql: "select id, email, plan, ltv from gold.customers",
  fields: { email: "email", plan: "plan_tier", ltv: "ltv" },
};

/** A mirror sync of `model` to a JSONL file per run, over the warehouse's own plugin object. */
function open(dir: string, warehouse: TestWarehouse, model: Model = CUSTOMERS): ConfiguredProject {
  const { plugin: pluginPackage, ...sourceOptions } = warehouse.source as { plugin: string } & Record<string, unknown>;
  const sourcePlugin = (warehouse.kind === "duckdb" ? duckdb : postgres) as unknown as SourcePlugin;
  const destinationOptions = { path: "out/{runId}.jsonl" };
  const config: ReverseEtlConfig = {
    sources: { warehouse: warehouse.source as ReverseEtlConfig["sources"][string] },
    destinations: { target: { plugin: "@reverse-etl/destination-file", ...destinationOptions } },
    models: { m: { source: "warehouse", primaryKey: "id", sql: model.sql } },
    syncs: { s: { model: "m", destination: "target", mode: "mirror", fields: model.fields } },
  };
  const project = new ConfiguredProject(
    { file: join(dir, "reverse-etl.config.json"), dir, config },
    {
      sources: new Map([["warehouse", { plugin: sourcePlugin, options: sourceOptions, package: pluginPackage }]]),
      destinations: new Map([
        ["target", { plugin: fileDestination as never, options: destinationOptions, package: "@reverse-etl/destination-file" }],
      ]),
    },
  );
  projects.push(project);
  return project;
}

interface Line {
  op: string;
  key: unknown;
  fields: Record<string, unknown>;
}

/** What one run wrote (a run that sends nothing writes no file). */
function linesOf(dir: string, runId: string): Line[] {
  const file = join(dir, "out", `${runId}.jsonl`);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8").trim();
  return text === "" ? [] : text.split("\n").map((l) => JSON.parse(l) as Line);
}

/** Plan, then sync, on a project opened for just that and closed after (DuckDB allows one holder of its file). */
async function planThenSync(dir: string, warehouse: TestWarehouse, model?: Model) {
  const project = open(dir, warehouse, model);
  try {
    const plan = (await project.plan()).syncs[0]!;
    const run = (await project.sync()).syncs[0]!;
    return { plan, run, lines: linesOf(dir, run.runId) };
  } finally {
    await project.close();
  }
}

/** mulberry32: a small seeded PRNG, so every round is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A customer as the destination holds it; `ltv` in cents, so sums stay exact. */
interface Customer {
  email: string;
  plan: string;
  cents: number;
}

const PLANS = ["free", "starter", "pro", "enterprise"];
const seeded = (i: number): Customer => ({ email: `user${i}@example.com`, plan: PLANS[i % 4]!, cents: i * 1250 });
const asFields = (c: Customer) => ({ email: c.email, plan_tier: c.plan, ltv: c.cents / 100 });
const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
const decimal = (cents: number) => `cast(${(cents / 100).toFixed(2)} as decimal(12, 2))`;

type Field = "email" | "plan_tier" | "ltv";
interface Update {
  field: Field;
  from: string | number;
  to: string | number;
}

function expectSampleCount(samples: PlanSample[], count: number, exact = false): void {
  if (count === 0) {
    expect(samples).toEqual([]);
    return;
  }
  const expected = Math.min(SAMPLE_SIZE, count);
  if (exact) expect(samples).toHaveLength(expected);
  expect(samples.length).toBeGreaterThan(0);
  expect(samples.length).toBeLessThanOrEqual(expected);
  expect(new Set(samples.map((s) => JSON.stringify(s.key))).size).toBe(samples.length);
}

describe.each(WAREHOUSES)("plan counts and samples on %s", (kind) => {
  it("counts every class exactly and shows samples of their own class, over random rounds of edits", async () => {
    const dir = projectDir(`plan-diff-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    const seedRows = 300;
    await seedCustomersIn(warehouse, seedRows);

    // What the destination holds after the last sync: id -> customer.
    const synced = new Map<number, Customer>();
    for (let i = 1; i <= seedRows; i++) synced.set(i, seeded(i));
    const first = await planThenSync(dir, warehouse);
    expect(first.plan.counts).toEqual({ added: seedRows, changed: 0, removed: 0, unchanged: 0, invalid: 0 });
    expectSampleCount(first.plan.samples.added, seedRows);
    expect(first.run.counts).toEqual(first.plan.counts);
    expect(first.run.status).toBe("succeeded");
    expect(first.lines).toHaveLength(seedRows);

    let nextId = 10_001;
    let nullRows = 0;
    for (const seed of [11, 22, 33, 44, 55]) {
      const random = prng(seed);
      const int = (max: number) => Math.floor(random() * (max + 1));
      const ids = [...synced.keys()];
      for (let i = ids.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [ids[i], ids[j]] = [ids[j]!, ids[i]!];
      }
      // Some rounds leave a class empty: a class with no rows must show no sample.
      const deleteCount = seed === 33 ? 0 : int(12);
      const updateCount = seed === 44 ? 0 : int(20);
      const touchCount = int(10);
      const insertCount = seed === 22 ? 0 : int(12);
      const nullCount = int(3);
      const deleted = ids.slice(0, deleteCount);
      const updatedIds = ids.slice(deleteCount, deleteCount + updateCount);
      const touched = ids.slice(deleteCount + updateCount, deleteCount + updateCount + touchCount);

      const statements: string[] = [];
      for (const id of deleted) statements.push(`delete from gold.customers where id = ${id}`);
      const updates = new Map<number, Update>();
      for (const id of updatedIds) {
        const before = synced.get(id)!;
        const field = (["email", "plan_tier", "ltv"] as const)[int(2)]!;
        if (field === "email") {
          const to = `r${seed}.${id}@changed.example`;
          statements.push(`update gold.customers set email = ${sqlText(to)} where id = ${id}`);
          updates.set(id, { field, from: before.email, to });
        } else if (field === "plan_tier") {
          const to = `plan-${seed}-${id % 3}`;
          statements.push(`update gold.customers set plan = ${sqlText(to)} where id = ${id}`);
          updates.set(id, { field, from: before.plan, to });
        } else {
          const cents = before.cents + 1 + (id % 7) * 100;
          statements.push(`update gold.customers set ltv = ${decimal(cents)} where id = ${id}`);
          updates.set(id, { field, from: before.cents / 100, to: cents / 100 });
        }
      }
      // Writes that leave every mapped value as it was: the rows stay unchanged.
      for (const id of touched) statements.push(`update gold.customers set email = email, plan = plan, ltv = ltv where id = ${id}`);
      const inserted = new Map<number, Customer>();
      for (let n = 0; n < insertCount; n++) {
        const id = nextId++;
        const customer: Customer = { email: `new${id}@example.com`, plan: PLANS[id % 4]!, cents: id };
        inserted.set(id, customer);
        statements.push(
          `insert into gold.customers (id, email, plan, ltv) values (${id}, ${sqlText(customer.email)}, ${sqlText(customer.plan)}, ${decimal(customer.cents)})`,
        );
      }
      for (let n = 0; n < nullCount; n++) {
        statements.push(`insert into gold.customers (id, email, plan, ltv) values (null, 'nokey${seed}.${n}@example.com', 'free', 1)`);
      }
      nullRows += nullCount;
      if (statements.length > 0) await warehouse.query(statements.join(";\n"));

      const expected = {
        added: insertCount,
        changed: updateCount,
        removed: deleteCount,
        unchanged: synced.size - deleteCount - updateCount,
        invalid: nullRows,
      };
      const { plan, run, lines } = await planThenSync(dir, warehouse);
      const context = `seed ${seed}: deleted ${deleted.join(",")}; updated ${[...updates].map(([id, u]) => `${id}.${u.field}`).join(",")}; touched ${touched.join(",")}; inserted ${[...inserted.keys()].join(",")}; null rows ${nullRows}`;
      expect(plan.counts, context).toEqual(expected);
      checkSamples(plan, { synced, updates, deleted, inserted }, context);

      expect(run.counts, context).toEqual(plan.counts);
      expect(run.status, context).toBe("succeeded");
      expect(run.results, context).toEqual({ succeeded: insertCount + updateCount + deleteCount, rejected: 0, failed: 0 });
      const sent = (op: string) => lines.filter((l) => l.op === op).map((l) => Number(l.key)).sort((a, b) => a - b);
      const sorted = (keys: Iterable<number>) => [...keys].sort((a, b) => a - b);
      expect(sent("upsert"), context).toEqual(sorted([...updates.keys(), ...inserted.keys()]));
      expect(sent("delete"), context).toEqual(sorted(deleted));
      for (const line of lines.filter((l) => l.op === "upsert")) {
        const id = Number(line.key);
        const customer = inserted.get(id) ?? synced.get(id)!;
        const update = updates.get(id);
        const fields: Record<string, unknown> = asFields(customer);
        if (update) fields[update.field] = update.to;
        expect(line.fields, `${context}: key ${id}`).toEqual(fields);
      }

      for (const id of deleted) synced.delete(id);
      for (const [id, update] of updates) {
        const c = synced.get(id)!;
        if (update.field === "email") c.email = String(update.to);
        else if (update.field === "plan_tier") c.plan = String(update.to);
        else c.cents = Math.round(Number(update.to) * 100);
      }
      for (const [id, customer] of inserted) synced.set(id, customer);
    }

    // After the last sync nothing is pending but the rows without a key.
    const project = open(dir, warehouse);
    const last = (await project.plan()).syncs[0]!;
    expect(last.counts).toEqual({ added: 0, changed: 0, removed: 0, unchanged: synced.size, invalid: nullRows });
  });

  it("embeds a model whose SQL ends in a line comment or a semicolon", async () => {
    const dir = projectDir(`plan-comment-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 12);
    const model: Model = {
      sql: "select id, email, plan, ltv\nfrom gold.customers -- the gold table\n",
      fields: CUSTOMERS.fields,
    };
    const first = await planThenSync(dir, warehouse, model);
    expect(first.plan.counts.added).toBe(12);
    expect(first.run.results.succeeded).toBe(12);
    const again = await planThenSync(dir, warehouse, { ...model, sql: "select id, email, plan, ltv from gold.customers;  " });
    expect(again.plan.counts).toEqual({ added: 0, changed: 0, removed: 0, unchanged: 12, invalid: 0 });
  });

  it("plans and syncs a model keyed by a type the warehouse cannot group by, through the exact diff", async () => {
    const dir = projectDir(`plan-json-key-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 6);
    // PostgreSQL has no equality for json; DuckDB's JSON groups as text, so there it takes the one-join diff.
    const keyType = kind === "postgres" ? "json" : "JSON";
    const model: Model = {
      sql: `select cast(cast(id as varchar) as ${keyType}) as id, email, plan, ltv from gold.customers`,
      fields: CUSTOMERS.fields,
    };
    const first = await planThenSync(dir, warehouse, model);
    expect(first.plan.counts).toEqual({ added: 6, changed: 0, removed: 0, unchanged: 0, invalid: 0 });
    expect(first.run.error).toBeUndefined();
    expect(first.run.results.succeeded).toBe(6);
    await warehouse.query("update gold.customers set plan = 'free' where id = 2");
    const second = await planThenSync(dir, warehouse, model);
    expect(second.plan.counts).toEqual({ added: 0, changed: 1, removed: 0, unchanged: 5, invalid: 0 });
    expect(second.lines.map((l) => l.fields)).toEqual([expect.objectContaining({ plan_tier: "free" })]);
  });

  it("counts both rows of a repeated key as invalid, names the repeat, and sends neither", async () => {
    const dir = projectDir(`plan-dup-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 20);
    const first = await planThenSync(dir, warehouse);
    expect(first.run.results.succeeded).toBe(20);

    await warehouse.query(
      `insert into gold.customers (id, email, plan, ltv) values (5, 'second5@example.com', 'pro', 1);
       insert into gold.customers (id, email, plan, ltv) values (9999, 'a@example.com', 'pro', 1);
       insert into gold.customers (id, email, plan, ltv) values (9999, 'b@example.com', 'pro', 2);
       insert into gold.customers (id, email, plan, ltv) values (null, 'nokey@example.com', 'pro', 3);
       update gold.customers set plan = 'changed' where id = 7`,
    );
    const { plan, run, lines } = await planThenSync(dir, warehouse);
    // Key 5 was synced and key 9999 never was: neither counts as unchanged, changed, added or removed.
    expect(plan.counts).toEqual({ added: 0, changed: 1, removed: 0, unchanged: 18, invalid: 5 });
    const invalid = plan.samples.invalid;
    const duplicates = invalid.filter((s) => s.key !== null);
    expect(duplicates.map((s) => Number(s.key)).sort((a, b) => a - b)).toEqual([5, 5, 9999, 9999]);
    for (const sample of duplicates) expect(sample.reason).toMatch(/duplicate primary key: 2 rows share it/);
    expect(invalid.filter((s) => s.key === null).map((s) => s.reason)).toEqual(["primary key id is null"]);
    expect(plan.samples.changed.map((s) => Number(s.key))).toEqual([7]);
    expect(plan.samples.changed[0]!.changes).toEqual([{ field: "plan_tier", from: "enterprise", to: "changed" }]);
    expect(plan.warnings.join("\n")).toContain("5 row(s) have a null or duplicate primary key and will not be sent.");

    expect(run.counts).toEqual(plan.counts);
    expect(run.status).toBe("succeeded");
    expect(lines).toEqual([{ op: "upsert", key: 7, fields: { email: "user7@example.com", plan_tier: "changed", ltv: 87.5 } }]);

    // Once the repeat is gone, key 5 is compared with what was synced before it.
    await warehouse.query("delete from gold.customers where email = 'second5@example.com' or id = 9999 or id is null");
    const project = open(dir, warehouse);
    expect((await project.plan()).syncs[0]!.counts).toEqual({ added: 0, changed: 0, removed: 0, unchanged: 20, invalid: 0 });
  });

  it("sees text that compares equal but is sent differently as a change; an equal number, and a rewrite of the same value, as none", async () => {
    const dir = projectDir(`plan-equal-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    const numeric = kind === "postgres";
    // On PostgreSQL the label compares case-insensitively (a nondeterministic ICU collation): 'Alice' is
    // sent differently from 'alice', so it is a change. An unconstrained numeric keeps the scale it is
    // given (3.0 vs 3.00) and a numeric too precise for a double is sent as its text: equal values, not a
    // change. DuckDB's DECIMAL always has a fixed scale, so it has no such pair.
    await warehouse.query(
      `create schema gold;
       ${numeric ? "create collation gold.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);" : ""}
       create table gold.things (id integer, label varchar${numeric ? ' collate gold.ci, amount numeric, exact numeric' : ""});
       insert into gold.things values
         (1, 'alice'${numeric ? ", 1.0, 1" : ""}),
         (2, 'Bob'${numeric ? ", 2, 1.23456789012345678" : ""}),
         (3, 'carol'${numeric ? ", 3.0, 3" : ""}),
         (4, 'dave'${numeric ? ", 4, 4" : ""})`,
    );
    const model: Model = numeric
      ? { sql: "select id, label, amount, exact from gold.things", fields: { label: "label", amount: "amount", exact: "exact" } }
      : { sql: "select id, label from gold.things", fields: { label: "label" } };
    const first = await planThenSync(dir, warehouse, model);
    expect(first.run.results.succeeded).toBe(4);

    await warehouse.query(
      numeric
        ? `update gold.things set label = 'Alice' where id = 1;
           update gold.things set exact = 1.234567890123456780 where id = 2;
           update gold.things set amount = 3.00 where id = 3;`
        : "update gold.things set label = 'Alice' where id = 1; update gold.things set label = 'bob' where id = 2",
    );
    if (numeric) {
      const equal = await warehouse.query<{ label: boolean; exact: boolean; amount: boolean }>(
        `select t1.label = 'alice' as label, t2.exact = 1.23456789012345678 as exact, t3.amount = 3.0 as amount
         from gold.things t1, gold.things t2, gold.things t3 where t1.id = 1 and t2.id = 2 and t3.id = 3`,
      );
      // Each edit compares equal to the old value in SQL: only its text tells them apart.
      expect(equal[0]).toEqual({ label: true, exact: true, amount: true });
    }
    const changedKeys = numeric ? [1] : [1, 2];
    const { plan, run, lines } = await planThenSync(dir, warehouse, model);
    expect(plan.counts).toEqual({ added: 0, changed: changedKeys.length, removed: 0, unchanged: 4 - changedKeys.length, invalid: 0 });
    // Changed rows in the same bucket show one sample: samples are a subset, each with its own change.
    const expectedChanges = new Map<number, unknown>(
      numeric
        ? [[1, [{ field: "label", from: "alice", to: "Alice" }]]]
        : [
            [1, [{ field: "label", from: "alice", to: "Alice" }]],
            [2, [{ field: "label", from: "Bob", to: "bob" }]],
          ],
    );
    expect(plan.samples.changed.length).toBeGreaterThan(0);
    for (const sample of plan.samples.changed) {
      expect(expectedChanges.has(Number(sample.key)), `changed sample ${String(sample.key)}`).toBe(true);
      expect(sample.changes, `changed sample ${String(sample.key)}`).toEqual(expectedChanges.get(Number(sample.key)));
    }
    const sentOf = (key: number) => lines.find((l) => l.key === key)?.fields;
    expect(sentOf(1)).toMatchObject({ label: "Alice" });
    if (numeric) {
      // Equal numbers, however written, are not sent again.
      expect(sentOf(2)).toBeUndefined();
      expect(sentOf(3)).toBeUndefined();
    } else {
      expect(sentOf(2)).toEqual({ label: "bob" });
    }
    expect(run.counts).toEqual(plan.counts);
    expect(lines.map((l) => l.key).sort()).toEqual(changedKeys);

    await warehouse.query(numeric ? "update gold.things set label = label, amount = amount, exact = exact" : "update gold.things set label = label");
    const again = await planThenSync(dir, warehouse, model);
    expect(again.plan.counts).toEqual({ added: 0, changed: 0, removed: 0, unchanged: 4, invalid: 0 });
    expect(again.run.counts).toEqual(again.plan.counts);
    expect(again.lines).toEqual([]);
  });
});

/** Every sample belongs to its class, carries what the edits of the round say, and each class shows a few. */
function checkSamples(
  plan: SyncPlan,
  round: { synced: Map<number, Customer>; updates: Map<number, Update>; deleted: number[]; inserted: Map<number, Customer> },
  context: string,
): void {
  const { samples, counts } = plan;
  expectSampleCount(samples.added, counts.added);
  expectSampleCount(samples.changed, counts.changed);
  expectSampleCount(samples.removed, counts.removed, true);
  for (const sample of samples.added) {
    const customer = round.inserted.get(Number(sample.key));
    expect(customer, `${context}: added sample ${String(sample.key)}`).toBeDefined();
    expect(sample.values, context).toEqual(asFields(customer!));
  }
  for (const sample of samples.changed) {
    const update = round.updates.get(Number(sample.key));
    expect(update, `${context}: changed sample ${String(sample.key)}`).toBeDefined();
    expect(sample.changes, `${context}: changed sample ${String(sample.key)}`).toEqual([update]);
  }
  for (const sample of samples.removed) {
    const id = Number(sample.key);
    expect(round.deleted, `${context}: removed sample ${id}`).toContain(id);
    expect(sample.values, context).toEqual(asFields(round.synced.get(id)!));
  }
  if (counts.invalid === 0) expect(samples.invalid).toEqual([]);
  else {
    // Null keys have no identity to sample by: one sample stands for all of them.
    expect(samples.invalid.map((s) => [s.key, s.reason]), context).toEqual([[null, "primary key id is null"]]);
  }
}
