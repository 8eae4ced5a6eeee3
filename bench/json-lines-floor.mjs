// The Node side of a full sync's floor (issue 14): writing N records as JSON lines to a file, the lines the
// file destination writes for the bench's model, with nothing else: no warehouse, no batching, no state.
// A first full sync into a file cannot cost less than one hashed scan of the model plus this.
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";

const PLANS = ["free", "starter", "pro", "enterprise"];
const YEAR_START = Date.UTC(2024, 0, 1);

/** Row `i` of the generated model (bench/postgres-model.mjs, bench/generate-model.mjs) as the file destination writes it. */
function line(i) {
  const fields = {
    email: `customer${i}@example.com`,
    name: `Customer ${i}`,
    plan_tier: PLANS[(i * 7919) % 100 < 50 ? 0 : (i * 7919) % 100 < 80 ? 1 : (i * 7919) % 100 < 95 ? 2 : 3],
    ltv: ((i * 104729) % 5000000) / 100,
    updated_at: new Date(YEAR_START + ((i * 2654435761) % 31536000) * 1000).toISOString(),
  };
  return JSON.stringify({ op: "upsert", key: i, fields });
}

/**
 * Write `rows` JSON lines to `path` in chunks of about 1 MB, honouring the stream's back-pressure, then
 * close it; the file is deleted afterwards. Best of `rounds`, in seconds.
 */
export async function jsonLinesFloor(path, rows, rounds = 2) {
  await mkdir(dirname(path), { recursive: true });
  let best = Infinity;
  try {
    for (let round = 0; round < rounds; round++) {
      const t = performance.now();
      const out = createWriteStream(path);
      let chunk = "";
      for (let i = 1; i <= rows; i++) {
        chunk += `${line(i)}\n`;
        if (chunk.length >= 1 << 20) {
          if (!out.write(chunk)) await new Promise((resolve) => out.once("drain", resolve));
          chunk = "";
        }
      }
      await new Promise((resolve, reject) => out.end(chunk, (error) => (error ? reject(error) : resolve())));
      best = Math.min(best, (performance.now() - t) / 1000);
    }
  } finally {
    await rm(path, { force: true });
  }
  return { seconds: best, rows };
}
