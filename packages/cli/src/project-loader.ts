// Temporary bridge: `openProject` and the `Project` types are being added to @reverse-etl/core in
// parallel (packages/core/src/project/open-project.ts). Until core exports them, this file mirrors the
// contract of packages/core/src/project/project.ts and loads `openProject` dynamically, so the CLI builds
// either way. Once core exports them, replace this file's body with re-exports from "@reverse-etl/core".
import * as core from "@reverse-etl/core";
import type { Logger, PlanReport, ProgressEvent, ReverseEtlConfig, RunRecord, SyncReport } from "@reverse-etl/core";
import { ReverseEtlError } from "@reverse-etl/core";

/** How to find and open a project (mirrors core's `OpenProjectOptions`). */
export interface OpenProjectOptions {
  /** Explicit config file (`--config`). Otherwise searched from `cwd` upwards. */
  configPath?: string;
  /** Directory to search from. Default `process.cwd()`. */
  cwd?: string;
  /** Where core logs (redacted). Default: silent. */
  logger?: Logger;
}

/** Options of `plan` (mirrors core's `PlanOptions`). */
export interface PlanOptions {
  /** Sync names; default all. */
  syncs?: string[];
  /** Plan a full resync. */
  full?: boolean;
  /** Sample rows per class. */
  sampleSize?: number;
  /** Progress of long work. */
  onProgress?: (event: ProgressEvent) => void;
}

/** Options of `sync` (mirrors core's `SyncOptions`). */
export interface SyncOptions extends PlanOptions {
  /** Let mirror mode delete more than the sync's `maxDeleteShare`. */
  allowMassDelete?: boolean;
  /** Stop the run cleanly. */
  signal?: AbortSignal;
}

/** Result of `validate` (mirrors core's `ValidationReport`). */
export interface ValidationReport {
  file: string;
  offline: boolean;
  connections: Array<{ kind: "source" | "destination"; name: string; ok: boolean; error?: string }>;
  syncs: Array<{ name: string; ok: boolean; problems: string[] }>;
  ok: boolean;
}

/** A plugin the config uses (mirrors core's `PluginInfo`). */
export interface PluginInfo {
  kind: "source" | "destination";
  usedBy: string[];
  package: string;
  version: string | undefined;
  name: string;
  apiVersion: number;
}

/** An opened reverse-etl project (mirrors core's `Project`). */
export interface Project {
  readonly file: string;
  readonly config: ReverseEtlConfig;
  plugins(): PluginInfo[];
  validate(options: { offline: boolean }): Promise<ValidationReport>;
  plan(options?: PlanOptions): Promise<PlanReport>;
  sync(options?: SyncOptions): Promise<SyncReport>;
  runs(options?: { sync?: string; limit?: number }): Promise<RunRecord[]>;
  resetState(sync: string): Promise<{ sync: string; deleted: number }>;
  close(): Promise<void>;
}

type OpenProject = (options: OpenProjectOptions) => Promise<Project>;

/** Open the project through core's `openProject`. */
export async function openProject(options: OpenProjectOptions): Promise<Project> {
  const open = (core as Record<string, unknown>)["openProject"] as OpenProject | undefined;
  if (typeof open !== "function") {
    throw new ReverseEtlError(
      "This build of @reverse-etl/core does not provide openProject yet. Rebuild the workspace (npx tsc -b) or upgrade @reverse-etl/core.",
    );
  }
  return open(options);
}
