// Temporary bridge: `openProject` is being added to @reverse-etl/core in parallel
// (packages/core/src/project/open-project.ts). Until core exports it, it is looked up at run time so the
// CLI builds either way. Once core exports it, import it from "@reverse-etl/core" directly.
import * as core from "@reverse-etl/core";
import { ReverseEtlError } from "@reverse-etl/core";
import type { OpenProjectOptions, Project } from "@reverse-etl/core";

export type { OpenProjectOptions, PluginInfo, Project, ValidationReport } from "@reverse-etl/core";

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
