import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import { startSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from "@reverse-etl/destination-salesforce/emulator";
import { runCli, type CliResult } from "./cli.js";
import type { TestWarehouse } from "./warehouses.js";

/** Credentials that look like real ones; tests check that nothing the CLI prints holds them. */
export const SALESFORCE_SECRETS = {
  clientId: "3MVG9fe4g9fhX0E5e2etestclientidvalue",
  clientSecret: "8F1C2D3E4B5A69788796A5B4C3D2E1F0s3cr3t",
  refreshToken: "5Aep861e2eRefreshTokenValue.s3cr3t.QmFzZTY0",
};

/** An org whose Contact has an external id, a restricted picklist and typed custom fields. */
export const SALESFORCE_ORG: SalesforceEmulatorOptions = {
  ...SALESFORCE_SECRETS,
  fields: {
    Contact: [
      { name: "External_Id__c", type: "string", label: "External Id", length: 40, externalId: true, unique: true },
      { name: "Tier__c", type: "picklist", label: "Tier", picklistValues: ["Free", "Starter", "Pro", "Enterprise"], restrictedPicklist: true },
      { name: "Lifetime_Value__c", type: "currency", label: "Lifetime Value", precision: 16, scale: 2 },
    ],
  },
};

/** The environment the CLI gets: the secrets, only there. */
export const SALESFORCE_ENV = { SF_CLIENT_ID: SALESFORCE_SECRETS.clientId, SF_CLIENT_SECRET: SALESFORCE_SECRETS.clientSecret, SF_REFRESH_TOKEN: SALESFORCE_SECRETS.refreshToken };

/** How a test file drives the CLI against emulators. */
export interface SalesforceCliSession {
  /** Start an emulator; it is closed after the test. */
  start(options: SalesforceEmulatorOptions): Promise<SalesforceEmulator>;
  /** Run `reverse-etl ARGS` in `dir`, the secrets in its environment. */
  cli(args: string[], dir: string): Promise<CliResult>;
  /** Keep what a CLI process started another way printed, for the check after the test. */
  keep(result: CliResult): void;
}

/**
 * Call at the top of a test file: after each test, closes the emulators the test started and checks that
 * nothing the CLI printed holds a secret or an access token (the org id, "!", then the opaque part).
 */
export function useSalesforceCli(): SalesforceCliSession {
  const emulators: SalesforceEmulator[] = [];
  let outputs: string[] = [];
  afterEach(async () => {
    const printed = outputs.join("\n");
    outputs = [];
    await Promise.all(emulators.splice(0).map((e) => e.close()));
    for (const secret of Object.values(SALESFORCE_SECRETS).slice(1)) expect(printed).not.toContain(secret);
    expect(printed).not.toMatch(/00D\w{12}!/);
  });
  const keep = (result: CliResult) => void outputs.push(result.stdout, result.stderr);
  return {
    async start(options) {
      const emulator = await startSalesforceEmulator(options);
      emulators.push(emulator);
      return emulator;
    },
    async cli(args, dir) {
      const result = await runCli(args, { cwd: dir, env: SALESFORCE_ENV });
      keep(result);
      return result;
    },
    keep,
  };
}

/** Create `gold.people` with `rows` deterministic rows: id, external_id, email, first and last name, tier, ltv. */
export async function seedPeople(warehouse: TestWarehouse, rows: number): Promise<void> {
  const duck = warehouse.kind === "duckdb";
  const series = duck ? `range(1, ${rows + 1}) t(i)` : `generate_series(1, ${rows}) as t(i)`;
  const tiers = duck ? "['Free', 'Starter', 'Pro', 'Enterprise']" : "(array['Free', 'Starter', 'Pro', 'Enterprise'])";
  await warehouse.query(
    `create schema if not exists gold;
     drop table if exists gold.people;
     create table gold.people as
       select cast(i as integer) as id, 'P-' || i as external_id, 'person' || i || '@example.com' as email,
              'First' || i as first_name, 'Last' || i as last_name, ${tiers}[1 + i % 4] as tier,
              cast(i * 12.5 as decimal(12, 2)) as ltv
       from ${series}`,
  );
}

/** Write a JSON config syncing `gold.people` to Contact, upsert by External_Id__c unless `sync` says otherwise. */
export function writeSalesforceConfig(dir: string, warehouse: TestWarehouse, e: SalesforceEmulator, sync: Record<string, unknown> = {}, destination: Record<string, unknown> = {}): void {
  writeFileSync(
    join(dir, "reverse-etl.config.json"),
    JSON.stringify(
      {
        sources: { warehouse: warehouse.source },
        destinations: {
          crm: {
            plugin: "@reverse-etl/destination-salesforce",
            loginUrl: e.url,
            apiVersion: "62.0",
            clientId: { $env: "SF_CLIENT_ID" },
            clientSecret: { $env: "SF_CLIENT_SECRET" },
            refreshToken: { $env: "SF_REFRESH_TOKEN" },
            ...destination,
          },
        },
        models: {
          people: { source: "warehouse", primaryKey: "id", sql: "select id, external_id, email, first_name, last_name, tier, ltv from gold.people" },
        },
        syncs: {
          people_to_contacts: {
            model: "people",
            destination: "crm",
            object: "Contact",
            mode: "upsert",
            match: { External_Id__c: "external_id" },
            fields: { email: "Email", first_name: "FirstName", last_name: "LastName", tier: "Tier__c", ltv: "Lifetime_Value__c" },
            options: { bulk: "never" },
            ...sync,
          },
        },
      },
      null,
      2,
    ),
  );
}

/** The synced fields of every Contact the emulator holds, by external id; fails on two records of one external id. */
export function contactsIn(e: SalesforceEmulator): Map<string, Record<string, unknown>> {
  const contacts = e.dump("Contact");
  const byId = new Map(
    contacts.map((c) => [String(c.External_Id__c), { Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Tier__c: c.Tier__c, Lifetime_Value__c: c.Lifetime_Value__c }]),
  );
  if (byId.size !== contacts.length) throw new Error(`${contacts.length - byId.size} contacts share an external id`);
  return byId;
}

/** The model as Salesforce should hold it: external id -> fields. */
export async function peopleIn(warehouse: TestWarehouse): Promise<Map<string, Record<string, unknown>>> {
  const rows = await warehouse.query<{ external_id: string; email: string; first_name: string; last_name: string; tier: string; ltv: string }>(
    "select external_id, email, first_name, last_name, tier, ltv from gold.people order by id",
  );
  return new Map(
    rows.map((r) => [r.external_id, { Email: r.email, FirstName: r.first_name, LastName: r.last_name, Tier__c: r.tier, Lifetime_Value__c: Number(r.ltv) }]),
  );
}

/** Requests the emulator answered since `from`, as `METHOD path status [records]`, ids and locators elided. */
export function requestsSince(e: SalesforceEmulator, from: number, filter: RegExp = /composite|query|jobs/): string[] {
  return e.requestLog
    .slice(from)
    .filter((r) => filter.test(r.path))
    .map((r) => `${r.method} ${r.path.replace(/\/v\d+\.\d/, "").replace(/(750|01g)\w+/g, "ID")} ${r.status}${r.records !== undefined ? ` ${r.records}` : ""}`);
}
