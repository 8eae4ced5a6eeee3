#!/usr/bin/env node
// Writes oclif.manifest.json from the built commands (run after `tsc -b`: the root `build`, `npm test`, `prepack`).
import { fileURLToPath } from "node:url";
import { writeCommandManifest } from "../dist/manifest/command-manifest.js";

const ids = await writeCommandManifest(fileURLToPath(new URL("..", import.meta.url)));
console.log(`oclif.manifest.json: ${ids.length} commands (${ids.join(", ")})`);
