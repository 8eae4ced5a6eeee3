import type { SalesforceApi } from "./salesforce-api.js";
import type { FieldShape } from "./salesforce-describe.js";

/**
 * Finding records' Ids by an external id, for updates and deletes by external id: SOQL
 * `SELECT Id, Ext FROM Object WHERE Ext IN (...)`. A request URI over 16,384 bytes is refused (414), so the
 * value list is cut to stay under it: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm;
 * text comparison in SOQL is case-insensitive: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm
 */

/** Bytes of query string one lookup may use, below the 16,384-byte URI limit with room for the path. */
const MAX_QUERY_BYTES = 15_000;

interface QueryAnswer {
  readonly records: ReadonlyArray<Record<string, unknown>>;
  readonly done: boolean;
  readonly nextRecordsUrl?: string;
}

/** A SOQL literal of a value: quoted and escaped text, or a bare number for number fields. */
export function soqlLiteral(value: string | number, field: FieldShape): string {
  if (typeof value === "number" && (field.type === "int" || field.type === "double")) return String(value);
  return `'${String(value).replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'`;
}

/** The normalised key a value is matched by (text case-insensitively unless the field is case-sensitive). */
export function matchKey(value: unknown, field: FieldShape): string {
  const text = String(value);
  return field.caseSensitive || field.name === "Id" ? text : text.toLowerCase();
}

/**
 * Ids of the records whose `field` holds each value: matchKey -> ids (several when the external id is not
 * unique). `counting.beforeRequest` runs before every request and `counting.onRepeat` before one sent
 * again after a session renewal (the caller counts them).
 */
export async function findIds(
  api: SalesforceApi,
  object: string,
  field: FieldShape,
  values: ReadonlyArray<string | number>,
  counting: { readonly beforeRequest: () => Promise<void>; readonly onRepeat: () => Promise<void> },
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const prefix = `SELECT Id, ${field.name} FROM ${object} WHERE ${field.name} IN (`;
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let bytes = encodeURIComponent(prefix).length + 8;
  for (const value of values) {
    const literal = soqlLiteral(value, field);
    const size = encodeURIComponent(`${literal},`).length;
    if (chunk.length > 0 && bytes + size > MAX_QUERY_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = encodeURIComponent(prefix).length + 8;
    }
    chunk.push(literal);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  for (const literals of chunks) {
    let path: string | undefined = `/query?q=${encodeURIComponent(`${prefix}${literals.join(",")})`)}`;
    while (path) {
      await counting.beforeRequest();
      const answer: QueryAnswer = await api.request<QueryAnswer>({ method: "GET", path }, { onRepeat: counting.onRepeat, what: `finding ${object} records by ${field.name}` });
      for (const record of answer.records) {
        const key = matchKey(record[field.name], field);
        found.set(key, [...(found.get(key) ?? []), String(record.Id)]);
      }
      path = answer.done ? undefined : answer.nextRecordsUrl;
    }
  }
  return found;
}
