// One PostgreSQL measurement, in its own process so that its peak RSS is its own. Started by bench/postgres.mjs:
//   node bench/postgres-measure.mjs <plan|full|steady|incremental|naive> <postgres-url> <rows>
// Prints one line `BENCH_RESULT {json}` on stdout; progress goes to stderr.
//
// plan, steady: ConfiguredProject.plan() (empty state; state present and nothing changed).
// full, incremental: sync() into a JSON-lines file through @reverse-etl/destination-file, as a user's
//   "PostgreSQL table -> file" sync runs (BENCH_DESTINATION=null: to the null destination instead, the engine
//   alone); incremental also plans first, timed apart.
// naive: the baseline core is compared with: read the whole model and the baseline's own state (key and md5
//   per row, saved by bench/postgres.mjs after the full sync) into Maps in Node, md5 every row there and diff.
import { createHash } from "node:crypto";
import { createReadStream, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ConfiguredProject, limitHeapGrowth } from "@reverse-etl/core";
import fileDestination from "@reverse-etl/destination-file";
import postgres from "@reverse-etl/source-postgres";
import pg from "pg";
import Cursor from "pg-cursor";
import nullDestination, { nullDestinationStats } from "./null-destination.mjs";
import { memoryProbe, planAndSync, progressLogger, secondsSince } from "./harness.mjs";
import { BENCH_DESTINATION, FIELDS, MODEL_SQL, NAIVE_SIGNATURE, STATE_SCHEMA } from "./postgres-model.mjs";

// The heap settings the CLI runs syncs with (packages/cli/bin/run.js), so the figures are the CLI's.
limitHeapGrowth();

const [phase, url, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000;
const here = dirname(fileURLToPath(import.meta.url));
const SYNC = "customers_out";
/** The file destination's output: replaced by each run (temp file, then renamed), so it holds the last run's records. */
const outputFile = join(here, ".data", "pg-out", `${SYNC}.jsonl`);
const memory = memoryProbe();
const onProgress = progressLogger(phase, 10_000);

/**
 * Time every statement core runs, by wrapping the source's Kysely driver: the state commits (statements
 * writing sync_state and the COMMIT after them) summed apart, and the slowest statements named, so the
 * figures say where the time goes.
 */
const queries = new Map();
const stateCommit = { statements: 0, ms: 0 };
// Writes of sync_state, and the staging of the keys a flush acknowledged (the temporary table `<snapshot>_keys`).
const STATE_WRITE = new RegExp(`^\\s*((insert into|delete from)\\s+"${STATE_SCHEMA}"\\."sync_state"|(create temporary table|insert into|drop table)\\s+"[^"]+_keys")`, "i");
const record = (text, ms) => {
  const key = text.replace(/\s+/g, " ").trim().slice(0, 110);
  const entry = queries.get(key) ?? { sql: key, count: 0, ms: 0 };
  entry.count++;
  entry.ms += ms;
  queries.set(key, entry);
};
function timedConnection(connection) {
  let wroteState = false;
  return new Proxy(connection, {
    get(target, prop) {
      if (prop === "executeQuery") {
        return async (compiled) => {
          const t = performance.now();
          try {
            return await target.executeQuery(compiled);
          } finally {
            const ms = performance.now() - t;
            record(compiled.sql, ms);
            if (STATE_WRITE.test(compiled.sql)) {
              wroteState = true;
              stateCommit.statements++;
              stateCommit.ms += ms;
            } else if (wroteState && /^\s*commit\s*$/i.test(compiled.sql)) {
              wroteState = false;
              stateCommit.ms += ms;
            }
          }
        };
      }
      if (prop === "streamQuery") {
        return async function* (compiled, chunkSize) {
          const t = performance.now();
          try {
            yield* target.streamQuery(compiled, chunkSize);
          } finally {
            record(`[stream] ${compiled.sql}`, performance.now() - t);
          }
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
function timedDialect(dialect) {
  return new Proxy(dialect, {
    get(target, prop) {
      if (prop === "createDriver") {
        return () => {
          const driver = target.createDriver();
          const wrapped = new WeakMap();
          const unwrap = (connection) => wrapped.get(connection) ?? connection;
          return new Proxy(driver, {
            get(d, p) {
              if (p === "acquireConnection") {
                return async () => {
                  const connection = await d.acquireConnection();
                  const proxy = timedConnection(connection);
                  wrapped.set(proxy, connection);
                  return proxy;
                };
              }
              if (p === "releaseConnection") return (connection) => d.releaseConnection(unwrap(connection));
              if (["beginTransaction", "commitTransaction", "rollbackTransaction"].includes(p)) {
                // Through the proxy, so COMMITs are timed too.
                return (connection, ...rest) => d[p](connection, ...rest);
              }
              const value = Reflect.get(d, p, d);
              return typeof value === "function" ? value.bind(d) : value;
            },
          });
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
const timedPostgres = {
  ...postgres,
  async connect(options, context) {
    const connection = await postgres.connect(options, context);
    const dialect = timedDialect(connection.dialect);
    return new Proxy(connection, {
      get(target, prop) {
        if (prop === "dialect") return dialect;
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  },
};

// Core logs each phase of a run with its duration at debug level ("snapshotted the rows to send",
// "sent and committed", ...): keep them.
const phases = [];
const logger = {
  debug(message, fields) {
    if (typeof fields?.ms === "number") phases.push({ phase: message, ms: fields.ms });
  },
  info() {},
  warn(message, fields) {
    process.stderr.write(`    ${phase}: warning: ${message} ${JSON.stringify(fields ?? {})}\n`);
  },
};

const destinationOptions = BENCH_DESTINATION === "file" ? { path: outputFile } : {};

/** Records in the file the last run wrote: its lines. */
async function linesOf(path) {
  let lines = 0;
  for await (const chunk of createReadStream(path)) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  return lines;
}

function openProject() {
  const source = { url, statementTimeoutMs: timeoutMs, applicationName: `reverse-etl-bench-${phase}` };
  return new ConfiguredProject(
    {
      file: join(here, "bench.config.json"),
      dir: here,
      config: {
        state: { source: "warehouse", schema: STATE_SCHEMA },
        sources: { warehouse: { plugin: "@reverse-etl/source-postgres", ...source } },
        destinations: { out: { plugin: BENCH_DESTINATION === "file" ? "@reverse-etl/destination-file" : "bench-null-destination", ...destinationOptions } },
        models: { customers: { source: "warehouse", primaryKey: "id", sql: MODEL_SQL } },
        syncs: { [SYNC]: { model: "customers", destination: "out", mode: "upsert", fields: FIELDS } },
      },
    },
    {
      sources: new Map([["warehouse", { plugin: timedPostgres, options: source, package: "@reverse-etl/source-postgres" }]]),
      destinations: new Map([
        [
          "out",
          BENCH_DESTINATION === "file"
            ? { plugin: fileDestination, options: destinationOptions, package: "@reverse-etl/destination-file" }
            : { plugin: nullDestination, options: {}, package: "bench-null-destination" },
        ],
      ]),
    },
    logger,
  );
}

const result = { phase, rows };

if (phase === "naive") {
  Object.assign(result, await naiveDiff());
} else {
  const project = openProject();
  try {
    await planAndSync(
      project,
      {
        plan: phase === "plan" || phase === "steady" || phase === "incremental",
        sync: phase === "full" || phase === "incremental",
        onProgress,
        written: nullDestinationStats,
      },
      result,
    );
    if (result.syncSeconds !== undefined) {
      result.destination = BENCH_DESTINATION;
      if (BENCH_DESTINATION === "file") {
        // The run's file holds what it wrote; a run that sent nothing leaves the previous run's file.
        result.written = { records: result.results?.succeeded > 0 ? await linesOf(outputFile) : 0 };
        rmSync(outputFile, { force: true });
      }
      result.phases = phases;
      result.stateCommit = { statements: stateCommit.statements, seconds: stateCommit.ms / 1000 };
    }
  } finally {
    await project.close();
  }
  result.slowest = [...queries.values()].sort((a, b) => b.ms - a.ms).slice(0, 4).map((q) => ({ ...q, ms: Math.round(q.ms) }));
}

/**
 * The naive baseline: what a tool without an in-warehouse diff does. Stream the model and its own state
 * (key and md5 per row, as it saved them after the last sync) out of the warehouse into Maps (everything
 * held at once, as a diff of two sides needs), md5 each row's mapped values' JSON text in Node (the text
 * json_build_object gives, so the state saved in SQL matches) and classify. Its counts must equal core's plan.
 */
async function naiveDiff() {
  const t = performance.now();
  // Every value as the server's text: the fingerprint is computed from the text json_build_object would use.
  const client = new pg.Client({ connectionString: url, statement_timeout: timeoutMs, types: { getTypeParser: () => (text) => text } });
  await client.connect();
  const mapped = Object.keys(FIELDS).sort();
  const signature = NAIVE_SIGNATURE;
  const model = new Map();
  const invalidKeys = new Set();
  let modelRows = 0;
  let stateRows = 0;
  const state = new Map();
  try {
    const modelQuery = `select m.id, ${mapped.map((c) => `m.${c}`).join(", ")} from (${MODEL_SQL}) as m`;
    const { fields } = await client.query(`${modelQuery} limit 0`);
    const modelCursor = client.query(new Cursor(modelQuery));
    for (;;) {
      const batch = await modelCursor.read(10_000);
      if (batch.length === 0) break;
      for (const row of batch) {
        modelRows++;
        if (row.id === null || model.has(row.id)) invalidKeys.add(row.id);
        model.set(row.id, row);
      }
    }
    await modelCursor.close();
    result.modelReadSeconds = secondsSince(t);
    const types = new Map(fields.map((f) => [f.name, f.dataTypeID]));

    const stateCursor = client.query(
      new Cursor(`select row_key, fingerprint from "${STATE_SCHEMA}".naive_state`),
    );
    for (;;) {
      const batch = await stateCursor.read(10_000);
      if (batch.length === 0) break;
      for (const row of batch) {
        stateRows++;
        state.set(row.row_key, row.fingerprint);
      }
    }
    await stateCursor.close();
    result.stateReadSeconds = secondsSince(t) - result.modelReadSeconds;

    const tDiff = performance.now();
    const counts = { added: 0, changed: 0, unchanged: 0, removed: 0, invalid: 0 };
    for (const [key, row] of model) {
      if (invalidKeys.has(key)) {
        counts.invalid++;
        continue;
      }
      const json = `{${mapped.map((c) => `${JSON.stringify(c)} : ${jsonValue(row[c], types.get(c))}`).join(", ")}}`;
      const fingerprint = createHash("md5").update(signature + json).digest("hex");
      const known = state.get(key);
      if (known === undefined) counts.added++;
      else if (known === fingerprint) counts.unchanged++;
      else counts.changed++;
    }
    for (const key of state.keys()) if (!model.has(key)) counts.removed++;
    result.hashAndDiffSeconds = secondsSince(tDiff);
    result.counts = counts;
  } finally {
    await client.end();
  }
  result.modelRows = modelRows;
  result.stateRows = stateRows;
  result.diffSeconds = secondsSince(t);
  return result;
}

/** A value's text inside json_build_object, from the server's text of a value of type `oid`. */
function jsonValue(text, oid) {
  if (text === null) return "null";
  switch (oid) {
    case 20: case 21: case 23: case 26: case 700: case 701: case 1700: // numbers: their text as is
      return /^[-0-9]/.test(text) && !/^-?Infinity$/.test(text) ? text : JSON.stringify(text);
    case 16:
      return text === "t" ? "true" : "false";
    case 1114: // timestamp, rendered as core's SQL does (ISO 8601, milliseconds, Z)
      return JSON.stringify(isoMillis(text));
    default:
      return JSON.stringify(text);
  }
}

function isoMillis(text) {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  return `${match[1]}T${match[2]}.${(match[3] ?? "").padEnd(3, "0").slice(0, 3)}Z`;
}

memory.report(result);
