/// <reference lib="dom" />
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { startWebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { findChromium } from "./support/browser.js";
import { readyLine, startDaemon, stopAfterEach, waitFor } from "./support/daemon.js";
import { projectDir, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, seedCustomersIn } from "./support/warehouses.js";

const chromium = findChromium();
if (!chromium.path) console.warn(`[e2e-dashboard] skipped: ${chromium.reason}`);

/**
 * Screenshots: the README shows those in docs/, which `UPDATE_SCREENSHOTS=1 npx vitest run
 * test/e2e-dashboard.test.ts` rewrites; an ordinary run takes them into a temporary directory, so the suite
 * leaves the checkout clean.
 */
const DOCS = process.env.UPDATE_SCREENSHOTS ? fileURLToPath(new URL("../docs/", import.meta.url)) : `${mkdtempSync(join(tmpdir(), "reverse-etl-screens-"))}/`;

let browser: Browser | undefined;
const { daemons, closers } = stopAfterEach();
beforeAll(async () => {
  if (!chromium.path) return;
  browser = await puppeteer.launch({ executablePath: chromium.path, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"] });
  mkdirSync(DOCS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

async function serve(args: string[], dir: string): Promise<string> {
  const d = startDaemon([...args, "--port", "0", "--json"], { cwd: dir });
  daemons.push(d);
  return (await readyLine(d)).url;
}

const textOf = (page: Page, selector: string) => page.$eval(selector, (el) => (el as HTMLElement).innerText);

describe.skipIf(!chromium.path)("the dashboard, in headless Chromium", () => {
  it("lists syncs, shows a sync's runs and chart, a run's rejected rows with their messages, and a run triggered from the page", async () => {
    const dir = projectDir("dashboard");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 120);
    const receiver = await startWebhookReceiver();
    closers.push(() => receiver.close());
    receiver.rejectRecord((record) => ["17", "42"].includes(record.key), "INVALID_EMAIL: email does not look like an address");
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: receiver.url, batchSize: 25 }, { schedule: { cron: "0 6 * * *", timezone: "Europe/Paris" } }, warehouse.source);
    const url = await serve(["start"], dir);
    const { runId } = (await (await fetch(`${url}/api/syncs/customers_sync/runs`, { method: "POST" })).json()) as { runId: string };
    await waitFor("the first run", async () => ((await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string }).status !== "running");

    const page = await browser!.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    // The sync list.
    await page.goto(url, { waitUntil: "load" });
    const row = await textOf(page, 'tr[data-sync="customers_sync"]');
    expect(row).toContain("customers → target");
    expect(row).toContain("0 6 * * *");
    expect(row).toContain("Europe/Paris");
    expect(row).toContain("partial");
    await page.screenshot({ path: `${DOCS}dashboard-syncs.png` });

    // A sync's runs and chart.
    await Promise.all([page.waitForNavigation(), page.click('tr[data-sync="customers_sync"] a')]);
    expect(await page.$$eval("#runs tbody tr", (rows) => rows.length)).toBe(1);
    expect(await textOf(page, "#runs tbody tr")).toMatch(/partial[\s\S]*120[\s\S]*118[\s\S]*2/);
    expect(await page.$$eval("#sent-chart rect.bar", (bars) => bars.length)).toBe(1);

    // A run's rejected rows with their messages.
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/runs/${runId}"]`)]);
    const errors = await page.$$eval("#run-errors tbody tr", (rows) => rows.map((r) => (r as HTMLElement).innerText.replace(/\s+/g, " ").trim()));
    expect(errors).toEqual(["17 rejected INVALID_EMAIL: email does not look like an address", "42 rejected INVALID_EMAIL: email does not look like an address"]);
    await page.screenshot({ path: `${DOCS}dashboard-run.png`, fullPage: true });

    // A run triggered with the button appears, and finishes.
    await page.goto(`${url}/syncs/customers_sync`, { waitUntil: "load" });
    await Promise.all([page.waitForNavigation(), page.click("#run-now")]);
    expect(page.url()).toMatch(/\/runs\/\d{8}t\d{6}z-[0-9a-f]{6}$/);
    const triggered = page.url().split("/runs/")[1]!;
    await waitFor("the triggered run to finish on its page", async () => {
      await page.reload({ waitUntil: "load" });
      return !(await textOf(page, "#run-status")).includes("running");
    });
    await page.goto(`${url}/syncs/customers_sync`, { waitUntil: "load" });
    expect(await page.$$eval("#runs tbody tr", (rows) => rows.length)).toBe(2);
    expect(await textOf(page, "#runs tbody tr:first-child")).toContain(triggered);
    expect(await page.$$eval("#sent-chart rect.bar", (bars) => bars.length)).toBe(2);
    await page.screenshot({ path: `${DOCS}dashboard-sync.png`, fullPage: true });

    // On a phone: nothing wider than the screen.
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    for (const path of ["/", "/syncs/customers_sync", `/runs/${runId}`]) {
      await page.goto(`${url}${path}`, { waitUntil: "load" });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.goto(`${url}/syncs/customers_sync`, { waitUntil: "load" });
    await page.screenshot({ path: `${DOCS}dashboard-phone.png`, fullPage: true });
    await page.close();
  });

  it("reverse-etl ui serves the same pages read-only, without a Run now button", async () => {
    const dir = projectDir("dashboard-ui");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 10);
    const receiver = await startWebhookReceiver();
    closers.push(() => receiver.close());
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: receiver.url }, {}, warehouse.source);
    const url = await serve(["ui"], dir);
    const page = await browser!.newPage();
    await page.goto(`${url}/syncs/customers_sync`, { waitUntil: "load" });
    expect(await textOf(page, "header")).toContain("read-only");
    expect(await page.$("#run-now")).toBeNull();
    expect(await textOf(page, "#runs")).toContain("No run yet.");
    const post = await fetch(`${url}/api/syncs/customers_sync/runs`, { method: "POST" });
    expect(post.status).toBe(403);
    await page.close();
  });
});
