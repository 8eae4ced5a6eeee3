#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { execute } from "@oclif/core";
// Only the runtime entry of core: the whole of it costs ~0.3 s to import, which `--version` should not pay.
import { limitHeapGrowth } from "@reverse-etl/core/runtime";
import { isManifestStale, writeCommandManifest } from "../dist/manifest/command-manifest.js";

// A sync's batches die young: keep the heap near the data it holds (see limitHeapGrowth).
limitHeapGrowth();

// A development tree rebuilt with `tsc -b` alone may hold a manifest older than its commands; refresh it
// (a read-only install falls back to oclif's reading of the commands, as without a manifest).
const root = fileURLToPath(new URL("..", import.meta.url));
if (isManifestStale(root)) await writeCommandManifest(root).catch(() => undefined);

await execute({ dir: import.meta.url });
