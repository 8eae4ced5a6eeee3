/**
 * Segment's batch endpoint takes at most 500 KB per request and 2,500 calls
 * (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch, "Errors"), and
 * refuses an oversized request whole with 400. `@segment/analytics-node` 3.1.0 cuts its batches at what it
 * believes is 480 KB, but it counts `%XX` escapes and the letter "i" instead of bytes (analytics-next#1390),
 * so it sends requests over the limit. The plugin measures in bytes and packs each request under this
 * budget, which is also under the client's own count (that count never exceeds the bytes).
 */
export const REQUEST_BUDGET_BYTES = 480_000;
/** The hard limit the plugin never sends past, whatever the estimate said: 500 KB counted in thousands. */
export const MAX_REQUEST_BYTES = 500_000;
/** Calls per batch request Segment takes. */
export const MAX_CALLS_PER_REQUEST = 2500;

/**
 * Bytes of a batch request's body around its calls: `{"batch":[...],"writeKey":...,"sentAt":...}` as the
 * client writes it (`sentAt` is an ISO 8601 date of fixed length).
 */
export function envelopeBytes(writeKey: string): number {
  return Buffer.byteLength(JSON.stringify({ batch: [], writeKey, sentAt: "2000-01-01T00:00:00.000Z" }));
}

/**
 * Split calls of the given sizes (in order) into consecutive requests whose bodies stay under `budget`
 * bytes and `maxCalls` calls. Returns the index ranges `[start, end)` of each request.
 */
export function packRequests(sizes: readonly number[], envelope: number, budget = REQUEST_BUDGET_BYTES, maxCalls = MAX_CALLS_PER_REQUEST): Array<[number, number]> {
  const requests: Array<[number, number]> = [];
  let start = 0;
  let bytes = envelope;
  for (let i = 0; i < sizes.length; i++) {
    // One comma between calls.
    const added = sizes[i]! + (i > start ? 1 : 0);
    if (i > start && (bytes + added > budget || i - start >= maxCalls)) {
      requests.push([start, i]);
      start = i;
      bytes = envelope + sizes[i]!;
    } else {
      bytes += added;
    }
  }
  if (start < sizes.length) requests.push([start, sizes.length]);
  return requests;
}
