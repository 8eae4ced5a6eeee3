import type { Project } from "@reverse-etl/core";

/**
 * Whether a sync with `after: [...]` should run now: every sync it waits for has a succeeded run that
 * finished since this sync's own last run started (or ever, when it never ran).
 */
export async function shouldRunAfter(project: Project, sync: string, after: readonly string[]): Promise<boolean> {
  const own = (await project.runs({ sync, limit: 1 }))[0];
  const since = own ? Date.parse(own.startedAt) : -Infinity;
  for (const dependency of after) {
    const succeeded = (await project.runs({ sync: dependency, limit: 50 })).find((r) => r.status === "succeeded" && r.finishedAt !== null);
    if (!succeeded || Date.parse(succeeded.finishedAt!) <= since) return false;
  }
  return true;
}
