import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { MANIFEST_FILE, isManifestStale, writeCommandManifest } from "./command-manifest.js";

const cliRoot = fileURLToPath(new URL("../../", import.meta.url));

/** The command ids of the built command files: `dist/commands/state/reset.js` -> `state:reset`. */
function builtCommandIds(dir = join(cliRoot, "dist", "commands")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return builtCommandIds(path);
    if (!entry.name.endsWith(".js")) return [];
    return [relative(join(cliRoot, "dist", "commands"), path).replace(/\.js$/, "").split("/").join(":")];
  });
}

describe("the CLI's command manifest", () => {
  const scratch = mkdtempSync(join(tmpdir(), "reverse-etl-manifest-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("lists every built command with its flags, so oclif needs no command file to answer --help", async () => {
    const ids = await writeCommandManifest(cliRoot);
    expect(ids).toEqual(builtCommandIds().sort());
    const manifest = JSON.parse(readFileSync(join(cliRoot, MANIFEST_FILE), "utf8"));
    expect(Object.keys(manifest.commands).sort()).toEqual(ids);
    expect(Object.keys(manifest.commands.sync.flags)).toContain("config");
  });

  it("is stale when missing, or older than any built command, and fresh otherwise", () => {
    const commands = join(scratch, "dist", "commands", "state");
    mkdirSync(commands, { recursive: true });
    writeFileSync(join(commands, "reset.js"), "");
    expect(isManifestStale(scratch)).toBe(true);

    writeFileSync(join(scratch, MANIFEST_FILE), "{}");
    const written = new Date("2026-01-02T00:00:00Z");
    utimesSync(join(scratch, MANIFEST_FILE), written, written);
    utimesSync(join(commands, "reset.js"), written, written);
    expect(isManifestStale(scratch)).toBe(false);

    const later = new Date("2026-01-03T00:00:00Z");
    utimesSync(join(commands, "reset.js"), later, later);
    expect(isManifestStale(scratch)).toBe(true);
  });
});
