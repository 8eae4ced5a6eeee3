import type { EmulatorResponse } from "./emulator-errors.js";
import { restError } from "./emulator-errors.js";
import type { StoredValue } from "./emulator-field-rules.js";
import { fieldOf } from "./emulator-field-rules.js";
import { normalizeId } from "./emulator-ids.js";
import type { EmulatorOrg, StoredRecord } from "./emulator-org.js";
import type { SObjectField, SObjectType } from "./emulator-schema.js";

/**
 * The SOQL the plugin and common clients issue, on `GET /query?q=`:
 * `SELECT f1, f2 | COUNT() FROM Object [WHERE cond [AND cond]...] [ORDER BY f [ASC|DESC]] [LIMIT n] [OFFSET n]`,
 * where a condition is `f IN (...)`, `f NOT IN (...)`, `f = v` or `f != v` (v a quoted string, number,
 * true, false or null). Anything else is MALFORMED_QUERY: the emulator never pretends to run a query.
 * Sources: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm,
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm (2,000 records
 * a page by default, `nextRecordsUrl`), https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm
 * (batchSize 200..2000), https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm
 * (100,000 characters a statement), and SOQL's case-insensitive text comparison.
 */

const DEFAULT_BATCH = 2000;
const MAX_QUERY_LENGTH = 100_000;

interface Condition {
  readonly field: SObjectField;
  readonly op: "in" | "not in" | "=" | "!=";
  readonly values: readonly StoredValue[];
}

interface Query {
  readonly object: SObjectType;
  readonly count: boolean;
  readonly fields: readonly SObjectField[];
  readonly where: readonly Condition[];
  readonly order?: { field: SObjectField; desc: boolean };
  readonly limit?: number;
  readonly offset?: number;
}

/** Open query cursors (the rest of a result set beyond its first page). */
export class QueryCursors {
  readonly #cursors = new Map<string, { object: SObjectType; rows: Array<Record<string, unknown>>; total: number }>();
  #next = 1;

  /** Answer `GET /query?q=`. */
  run(org: EmulatorOrg, version: string, soql: string | null, batchHeader: string | undefined): EmulatorResponse {
    if (!soql) return restError(400, "MALFORMED_QUERY", "A query string (q) is required");
    if (soql.length > MAX_QUERY_LENGTH) return restError(400, "MALFORMED_QUERY", `Query is too long: ${soql.length} characters (at most ${MAX_QUERY_LENGTH})`);
    const parsed = parse(org, soql);
    if ("status" in parsed) return parsed;
    let records = [...org.records(parsed.object)].filter((r) => parsed.where.every((c) => matches(r, c)));
    if (parsed.count) return { status: 200, body: { totalSize: records.length, done: true, records: [] } };
    if (parsed.order) {
      const { field, desc } = parsed.order;
      records = records.sort((a, b) => compare(a.values.get(field.name), b.values.get(field.name)) * (desc ? -1 : 1));
    }
    records = records.slice(parsed.offset ?? 0, parsed.limit !== undefined ? (parsed.offset ?? 0) + parsed.limit : undefined);
    const rows = records.map((r) => row(version, parsed.object, r, parsed.fields));
    const size = batchSize(batchHeader);
    return this.#page(version, parsed.object, rows, rows.length, size);
  }

  /** Answer `GET /query/{locator}-{offset}`. */
  more(version: string, locator: string): EmulatorResponse {
    const [id, start] = locator.split("-");
    const cursor = this.#cursors.get(id ?? "");
    if (!cursor) return restError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    const offset = Number(start);
    const page = cursor.rows.slice(offset, offset + DEFAULT_BATCH);
    const done = offset + page.length >= cursor.rows.length;
    if (done) this.#cursors.delete(id!);
    return {
      status: 200,
      body: { totalSize: cursor.total, done, ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${id}-${offset + page.length}` }), records: page },
    };
  }

  #page(version: string, object: SObjectType, rows: Array<Record<string, unknown>>, total: number, size: number): EmulatorResponse {
    if (rows.length <= size) return { status: 200, body: { totalSize: total, done: true, records: rows } };
    const id = `01gEm${String(this.#next++).padStart(10, "0")}`;
    this.#cursors.set(id, { object, rows, total });
    return { status: 200, body: { totalSize: total, done: false, nextRecordsUrl: `/services/data/v${version}/query/${id}-${size}`, records: rows.slice(0, size) } };
  }
}

function batchSize(header: string | undefined): number {
  const match = /batchSize=(\d+)/i.exec(header ?? "");
  if (!match) return DEFAULT_BATCH;
  return Math.min(DEFAULT_BATCH, Math.max(200, Number(match[1])));
}

function row(version: string, object: SObjectType, record: StoredRecord, fields: readonly SObjectField[]): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${record.id}` } };
  for (const field of fields) out[field.name] = record.values.get(field.name) ?? null;
  return out;
}

function matches(record: StoredRecord, condition: Condition): boolean {
  const value = record.values.get(condition.field.name) ?? null;
  const hit = condition.values.some((v) => same(condition.field, value, v));
  return condition.op === "in" || condition.op === "=" ? hit : !hit;
}

/** SOQL compares text case-insensitively, and ids in either length. */
function same(field: SObjectField, stored: StoredValue, given: StoredValue): boolean {
  if (stored === null || given === null) return stored === given;
  if (field.type === "id" || field.type === "reference") return stored === normalizeId(String(given));
  if (typeof stored === "string") return stored.toLowerCase() === String(given).toLowerCase();
  return String(stored) === String(given);
}

function compare(a: StoredValue | undefined, b: StoredValue | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return a < b ? -1 : 1;
}

/** Tokens: quoted strings, words, numbers, punctuation. */
function tokenize(soql: string): string[] | string {
  const tokens: string[] = [];
  const re = /\s*(?:('(?:[^'\\]|\\.)*')|(!=|<>|[(),=])|([A-Za-z_][A-Za-z0-9_.]*(?:\(\))?)|(-?\d+(?:\.\d+)?))/y;
  let at = 0;
  while (at < soql.length) {
    if (/^\s*$/.test(soql.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(soql);
    if (!m) return soql.slice(at).trim().split(/\s/)[0] ?? "";
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    at = re.lastIndex;
  }
  return tokens;
}

function malformed(message: string): EmulatorResponse {
  return restError(400, "MALFORMED_QUERY", message);
}

function parse(org: EmulatorOrg, soql: string): Query | EmulatorResponse {
  const tokens = tokenize(soql);
  if (typeof tokens === "string") return malformed(`unexpected token: '${tokens}'`);
  let i = 0;
  const peek = () => tokens[i]?.toUpperCase();
  const expect = (word: string) => {
    if (peek() !== word) return false;
    i++;
    return true;
  };
  if (!expect("SELECT")) return malformed(`unexpected token: '${tokens[0] ?? ""}'`);
  const names: string[] = [];
  let count = false;
  if (peek() === "COUNT()") {
    count = true;
    i++;
  } else {
    do {
      const name = tokens[i++];
      if (!name || !/^[A-Za-z_]/.test(name)) return malformed(`unexpected token: '${name ?? ""}'`);
      names.push(name);
    } while (expect(","));
  }
  if (!expect("FROM")) return malformed(`unexpected token: '${tokens[i] ?? ""}'`);
  const objectName = tokens[i++] ?? "";
  const object = org.object(objectName);
  if (!object) {
    return restError(400, "INVALID_TYPE", `sObject type '${objectName}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  const fieldNamed = (name: string): SObjectField | EmulatorResponse =>
    fieldOf(object, name) ??
    restError(400, "INVALID_FIELD", `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
  const fields: SObjectField[] = [];
  for (const name of names) {
    const field = fieldNamed(name);
    if ("status" in field) return field;
    fields.push(field);
  }
  const where: Condition[] = [];
  if (expect("WHERE")) {
    do {
      const field = fieldNamed(tokens[i++] ?? "");
      if ("status" in field) return field;
      let op: Condition["op"];
      if (expect("IN")) op = "in";
      else if (expect("NOT") && expect("IN")) op = "not in";
      else if (expect("=")) op = "=";
      else if (expect("!=") || expect("<>")) op = "!=";
      else return malformed(`unexpected token: '${tokens[i] ?? ""}'`);
      const values: StoredValue[] = [];
      if (op === "in" || op === "not in") {
        if (!expect("(")) return malformed(`unexpected token: '${tokens[i] ?? ""}'`);
        do {
          const value = literal(tokens[i++]);
          if (value === undefined) return malformed(`unexpected token: '${tokens[i - 1] ?? ""}'`);
          values.push(value);
        } while (expect(","));
        if (!expect(")")) return malformed(`unexpected token: '${tokens[i] ?? ""}'`);
      } else {
        const value = literal(tokens[i++]);
        if (value === undefined) return malformed(`unexpected token: '${tokens[i - 1] ?? ""}'`);
        values.push(value);
      }
      where.push({ field, op, values });
    } while (expect("AND"));
  }
  let order: Query["order"];
  if (expect("ORDER")) {
    if (!expect("BY")) return malformed(`unexpected token: '${tokens[i] ?? ""}'`);
    const field = fieldNamed(tokens[i++] ?? "");
    if ("status" in field) return field;
    const desc = expect("DESC");
    if (!desc) expect("ASC");
    order = { field, desc };
  }
  let limit: number | undefined;
  let offset: number | undefined;
  if (expect("LIMIT")) limit = Number(tokens[i++]);
  if (expect("OFFSET")) offset = Number(tokens[i++]);
  if (i < tokens.length || (limit !== undefined && !Number.isInteger(limit)) || (offset !== undefined && !Number.isInteger(offset))) {
    return malformed(`unexpected token: '${tokens[i] ?? tokens[i - 1] ?? ""}'`);
  }
  return { object, count, fields, where, ...(order ? { order } : {}), ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) };
}

function literal(token: string | undefined): StoredValue | undefined {
  if (token === undefined) return undefined;
  if (token.startsWith("'")) return token.slice(1, -1).replace(/\\(.)/g, "$1");
  const upper = token.toUpperCase();
  if (upper === "NULL") return null;
  if (upper === "TRUE" || upper === "FALSE") return upper === "TRUE";
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  return undefined;
}
