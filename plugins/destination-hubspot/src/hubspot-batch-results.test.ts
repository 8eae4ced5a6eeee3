import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger } from "@reverse-etl/core";
import type { OutgoingRecord, RecordResult, WriteContext } from "@reverse-etl/core";
import { describe, expect, it } from "vitest";
import type { BatchInput } from "./hubspot-batch-inputs.js";
import { matchAnswer } from "./hubspot-batch-results.js";
import type { BatchAnswer } from "./hubspot-batch-results.js";
import { hubspotDestination } from "./hubspot-destination.js";

/** Match `answer` to `inputs` in a write of `size` records; the results by position. */
function match(operation: "upsert" | "update" | "insert", inputs: BatchInput[], answer: BatchAnswer, size = inputs.length): Array<RecordResult | undefined> {
  const results: Array<RecordResult | undefined> = Array.from({ length: size }, () => undefined);
  matchAnswer(operation, "contacts", inputs, answer, results);
  return results;
}

const byEmail = (index: number, email: string): BatchInput => ({ index, id: email, idProperty: "email", properties: { firstname: `F${index}` } });

/**
 * A stand-in for HubSpot that answers batch upserts and updates in the documented response shape
 * (https://developers.hubspot.com/docs/reference/api/crm/objects: `{status, results: [{id, properties,
 * createdAt, updatedAt, archived, new}], startedAt, completedAt}`) but, unlike the emulator, echoes no
 * `objectWriteTraceId` and answers the results in reverse order, as nothing in the docs promises either.
 * Record ids are 100 + the input's position in the request; emails come back in lower case, as HubSpot
 * stores them. Serves only what a write needs: the contacts' properties and the two batch endpoints.
 */
async function untracedHubSpot(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const property = (name: string) => ({
    name, label: name, type: "string", fieldType: "text", groupName: "contactinformation", description: "", options: [],
    hasUniqueValue: false, hubspotDefined: true, calculated: false, modificationMetadata: { archivable: true, readOnlyDefinition: true, readOnlyValue: false },
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      requests.push(`${req.method} ${path}`);
      let body: unknown;
      if (req.method === "GET" && path.startsWith("/crm/v3/properties/contacts")) {
        body = { results: [property("email"), property("firstname")] };
      } else if (req.method === "POST" && /^\/crm\/v3\/objects\/contacts\/batch\/(upsert|update)$/.test(path)) {
        const { inputs } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { inputs: Array<{ id: string; idProperty?: string; properties: Record<string, string> }> };
        const now = new Date().toISOString();
        const results = inputs.map((input, i) => ({
          id: input.idProperty === undefined ? input.id : String(100 + i),
          properties: { ...input.properties, ...(input.idProperty === "email" ? { email: input.id.toLowerCase() } : {}) },
          createdAt: now, updatedAt: now, archived: false, new: input.idProperty !== undefined,
        }));
        body = { status: "COMPLETE", results: results.reverse(), startedAt: now, completedAt: now };
      }
      res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(body ?? { status: "error", message: "not served by this test server", category: "OBJECT_NOT_FOUND" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function context(): WriteContext {
  return {
    sync: "customers",
    object: "contacts",
    options: {},
    runId: "run-1",
    idempotencyKey: randomUUID(),
    signal: new AbortController().signal,
    acquireRequests: async () => undefined,
  };
}

function contact(i: number, email: string): OutgoingRecord {
  return { key: String(i), keyValue: i, match: { email }, fields: { firstname: `F${i}` } };
}

describe("matching a HubSpot batch answer to its inputs", () => {
  it("matches upsert results without trace ids by the email they were written by, in any order and case", () => {
    const inputs = [byEmail(0, "Ada@Example.com"), byEmail(2, "bob@example.com")];
    // HubSpot stores emails in lower case and promises no order of results.
    const answer: BatchAnswer = {
      results: [
        { id: "202", properties: { email: "bob@example.com", firstname: "F2" } },
        { id: "101", properties: { email: "ada@example.com", firstname: "F0" } },
      ],
    };
    expect(match("upsert", inputs, answer, 3)).toEqual([{ status: "ok", id: "101" }, undefined, { status: "ok", id: "202" }]);
  });

  it("matches results without trace ids by a unique property's exact value, or by record id for hs_object_id", () => {
    const external: BatchInput[] = [
      { index: 0, id: "EXT-1", idProperty: "external_id", properties: {} },
      { index: 1, id: "ext-1", idProperty: "external_id", properties: {} },
    ];
    const answer: BatchAnswer = { results: [{ id: "7", properties: { external_id: "ext-1" } }, { id: "6", properties: { external_id: "EXT-1" } }] };
    expect(match("update", external, answer)).toEqual([{ status: "ok", id: "6" }, { status: "ok", id: "7" }]);

    const byId: BatchInput[] = [
      { index: 0, id: "31", idProperty: "hs_object_id", properties: {} },
      { index: 1, id: "30", idProperty: "hs_object_id", properties: {} },
    ];
    const updated: BatchAnswer = { results: [{ id: "30", properties: {} }, { id: "31", properties: {} }] };
    expect(match("update", byId, updated)).toEqual([{ status: "ok", id: "31" }, { status: "ok", id: "30" }]);
  });

  it("matches by trace id first, when HubSpot echoes it", () => {
    const inputs = [byEmail(0, "a@example.com"), byEmail(1, "b@example.com")];
    // The properties name the other input: the trace id decides.
    const answer: BatchAnswer = {
      results: [
        { id: "1", properties: { email: "b@example.com" }, objectWriteTraceId: "0" },
        { id: "2", properties: {}, objectWriteTraceId: "1" },
      ],
    };
    expect(match("upsert", inputs, answer)).toEqual([{ status: "ok", id: "1" }, { status: "ok", id: "2" }]);
  });

  it("rejects the inputs an untraced error lists in its context ids, and leaves an unanswered input without result", () => {
    const inputs: BatchInput[] = [
      { index: 0, id: "40", idProperty: "hs_object_id", properties: {} },
      { index: 1, id: "41", idProperty: "hs_object_id", properties: {} },
      { index: 2, id: "42", idProperty: "hs_object_id", properties: {} },
    ];
    const answer: BatchAnswer = {
      results: [{ id: "40", properties: {} }],
      errors: [{ category: "OBJECT_NOT_FOUND", message: "Could not get some CONTACT objects, they may be deleted or not exist.", context: { ids: ["41"] } }],
    };
    expect(match("update", inputs, answer)).toEqual([
      { status: "ok", id: "40" },
      { status: "rejected", message: "[reverse-etl] [hubspot] no contacts record has this identifier (Could not get some CONTACT objects, they may be deleted or not exist.); use upsert mode to create missing records." },
      undefined,
    ]);
  });

  it("matches creates without trace ids by position, creates having no identifier", () => {
    const inputs: BatchInput[] = [{ index: 1, properties: { email: "x@example.com" } }, { index: 2, properties: { email: "y@example.com" } }];
    const answer: BatchAnswer = { results: [{ id: "8", properties: { email: "x@example.com" } }, { id: "9", properties: { email: "y@example.com" } }] };
    expect(match("insert", inputs, answer, 3)).toEqual([undefined, { status: "ok", id: "8" }, { status: "ok", id: "9" }]);
  });

  it("matches batch results that carry no objectWriteTraceId by the identifier they were written by, not by position", async () => {
    const hubspot = await untracedHubSpot();
    try {
      const connection = await hubspotDestination.connect(
        { accessToken: "test-token", baseUrl: hubspot.url },
        { configDir: process.cwd(), name: "crm", logger: silentLogger },
      );
      const upserted = await connection.write("upsert", [contact(1, "Ada@Example.com"), contact(2, "bob@example.com"), contact(3, "cy@example.com")], context());
      expect(upserted).toEqual({
        type: "results",
        results: [{ status: "ok", id: "100" }, { status: "ok", id: "101" }, { status: "ok", id: "102" }],
      });
      const updated = await connection.write(
        "update",
        [
          { key: "1", keyValue: 1, match: { hs_object_id: "100" }, fields: { firstname: "Ada" } },
          { key: "2", keyValue: 2, match: { hs_object_id: "101" }, fields: { firstname: "Bob" } },
        ],
        context(),
      );
      expect(updated).toEqual({ type: "results", results: [{ status: "ok", id: "100" }, { status: "ok", id: "101" }] });
      // Each write made its one batch request: nothing was retried for want of a result.
      expect(hubspot.requests).toEqual([
        "GET /crm/v3/properties/contacts?archived=false",
        "POST /crm/v3/objects/contacts/batch/upsert",
        "POST /crm/v3/objects/contacts/batch/update",
      ]);
    } finally {
      await hubspot.close();
    }
  });
});
