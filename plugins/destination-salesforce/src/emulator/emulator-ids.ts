/**
 * Salesforce record ids. An id is 15 case-sensitive characters, the first three being the object's key
 * prefix (`001` Account, `003` Contact, `00Q` Lead), plus a 3-character suffix that encodes the case of
 * the 15, making the 18-character form case-insensitive. The API returns 18-character ids and accepts both.
 * Source: https://help.salesforce.com/s/articleView?id=000385008&type=1 (what a Salesforce record id is)
 * and https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm#i1435616 (ID field type).
 */

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/** The 3-character case-safe suffix of a 15-character id. */
export function idSuffix(id15: string): string {
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_CHARS[bits];
  }
  return suffix;
}

/** The 18-character id of a key prefix and a sequence number: `prefix` + pod `Em` + `0` + 9 base-62 digits + suffix. */
export function makeId(keyPrefix: string, sequence: number): string {
  let digits = "";
  let n = sequence;
  for (let i = 0; i < 9; i++) {
    digits = BASE62[n % 62] + digits;
    n = Math.floor(n / 62);
  }
  const id15 = `${keyPrefix}Em0${digits}`;
  return id15 + idSuffix(id15);
}

/**
 * The 18-character form of a 15- or 18-character id, or undefined when `text` is not a well-formed id
 * (wrong length, a character outside [0-9A-Za-z], or an 18-character id whose suffix does not match).
 */
export function normalizeId(text: string): string | undefined {
  if (!/^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(text)) return undefined;
  const id15 = text.slice(0, 15);
  const full = id15 + idSuffix(id15);
  if (text.length === 18 && text.toUpperCase() !== full.toUpperCase()) return undefined;
  // An 18-character id is case-insensitive: its suffix restores the case of the first 15.
  if (text.length === 18 && text !== full) return restoreCase(text);
  return full;
}

/** The id whose case the suffix encodes (an 18-character id typed in another case). */
function restoreCase(id18: string): string | undefined {
  const suffix = id18.slice(15).toUpperCase();
  let id15 = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_CHARS.indexOf(suffix[chunk]!);
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const c = id18[chunk * 5 + i]!;
      id15 += bits & (1 << i) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  return id15 + idSuffix(id15);
}
