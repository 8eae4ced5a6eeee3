/**
 * The credentials a URL carries: its user-info (`scheme://user:password@host`) and a `password` in its query
 * (`postgres://host/db?password=...`). A URL is only recognised as a whole value, not inside other text.
 */
const URL_WITH_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@\s]*)@/i;
const PASSWORD_PARAMETER = /[?&](?:password|sslpassword)=([^&#]*)/gi;

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/**
 * The secret parts of a URL, decoded: `user:password` and `password` when the user-info has a password, the
 * user alone when it has none (a token written as the user, `https://TOKEN@host`), and query passwords.
 * Empty for any text that is not a URL with credentials; the rest of the URL (host, path) is no secret.
 */
export function urlCredentials(text: string): string[] {
  const parts: string[] = [];
  const userinfo = URL_WITH_USERINFO.exec(text)?.[1];
  if (userinfo !== undefined && userinfo !== "") {
    const colon = userinfo.indexOf(":");
    if (colon < 0) parts.push(decode(userinfo));
    else {
      const user = decode(userinfo.slice(0, colon));
      const password = decode(userinfo.slice(colon + 1));
      if (password !== "") parts.push(`${user}:${password}`, password);
      else if (user !== "") parts.push(user);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    for (const match of text.matchAll(PASSWORD_PARAMETER)) if (match[1] !== "") parts.push(decode(match[1]!));
  }
  return parts;
}

const AUTHORIZATION = /^(basic|bearer|token|bot|apikey|api-key|digest|negotiate|oauth)\s+(\S+)$/i;

/**
 * The credentials inside an `Authorization` header value: the token of `Bearer TOKEN` (or any scheme), and for
 * `Basic BASE64` also the decoded `user:password` and the password. Empty for any other text.
 */
export function authorizationCredentials(text: string): string[] {
  const match = AUTHORIZATION.exec(text.trim());
  if (!match) return [];
  const [, scheme, credentials] = match as unknown as [string, string, string];
  if (scheme.toLowerCase() !== "basic") return [credentials];
  const decoded = Buffer.from(credentials, "base64").toString("utf8");
  // Only a clean round trip is Basic auth; anything else is an opaque token after all.
  if (!/^[^\s:]*:.*$/.test(decoded) || Buffer.from(decoded).toString("base64").replace(/=+$/, "") !== credentials.replace(/=+$/, "")) return [credentials];
  const password = decoded.slice(decoded.indexOf(":") + 1);
  return [credentials, decoded, ...(password === "" ? [decoded.slice(0, -1)] : [password])];
}
