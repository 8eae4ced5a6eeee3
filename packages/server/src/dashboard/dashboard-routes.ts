import { findRun, listSyncs, type ApiContext } from "../http/api-routes.js";
import { sendText } from "../http/http-io.js";
import type { RouteHandler } from "../http/http-server.js";
import { runPage, syncListPage, syncPage, workersSection } from "./dashboard-pages.js";
import { escapeHtml, page } from "./html.js";

const HTML = "text/html; charset=utf-8";

/**
 * The read-only dashboard: `/` (syncs), `/syncs/NAME` (its runs and a chart of rows sent), `/runs/ID` (the
 * rows it did not deliver). Plain server-rendered HTML; the only script is the "Run now" button, shown when
 * a scheduler can take the request (`start`, not `ui`).
 */
export function dashboardRoute(ctx: ApiContext): RouteHandler {
  return async (req, res, path) => {
    if (req.method !== "GET") return false;
    const readOnly = !ctx.scheduler;
    const send = (status: number, title: string, body: string, refreshSeconds?: number) => sendText(res, status, HTML, page(title, body, { readOnly, refreshSeconds }));
    if (path === "/") {
      const workers = ctx.workers ? workersSection(await ctx.workers()) : "";
      send(200, "Syncs", syncListPage(await listSyncs(ctx, 1)) + workers, 30);
      return true;
    }
    const sync = /^\/syncs\/([^/]+)$/.exec(path);
    if (sync) {
      const name = decodeURIComponent(sync[1]!);
      const summary = (await listSyncs(ctx, 0)).find((s) => s.name === name);
      if (!summary) send(404, "Not found", `<h1>No sync named ${escapeHtml(name)}</h1><p><a href="/">All syncs</a></p>`);
      else send(200, name, syncPage(summary, await ctx.project().runs({ sync: name, limit: 50 }), !readOnly), summary.running ? 3 : undefined);
      return true;
    }
    const run = /^\/runs\/([^/]+)$/.exec(path);
    if (run) {
      const found = await findRun(ctx, decodeURIComponent(run[1]!));
      if (!found) send(404, "Not found", `<h1>No run ${escapeHtml(decodeURIComponent(run[1]!))}</h1><p><a href="/">All syncs</a></p>`);
      else if (found.status === "running") send(200, `Run ${found.runId}`, runPage(found, []), 2);
      else send(200, `Run ${found.runId}`, runPage(found, await ctx.project().runErrors(found.runId, 100)));
      return true;
    }
    return false;
  };
}
