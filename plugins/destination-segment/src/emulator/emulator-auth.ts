/**
 * The write key of a request, as Segment reads it
 * (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#authentication): HTTP
 * Basic auth with the write key as the user name and an empty password (`base64("KEY:")`; "encoding the
 * write key without a colon might work due to backward compatibility"), or `writeKey` in the body.
 */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    if (user !== "") return user;
  }
  const inBody = typeof body === "object" && body !== null ? (body as { writeKey?: unknown }).writeKey : undefined;
  return typeof inBody === "string" && inBody !== "" ? inBody : undefined;
}
