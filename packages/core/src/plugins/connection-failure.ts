/**
 * How a request failed before any answer came back: the address refused the connection, its name did not
 * resolve, or TLS could not be set up. Unlike a timeout or a reset, none of these heals by itself within a
 * run, so core stops a run whose every request fails one of these ways (see `WriteOutcome`'s `retry`).
 */
export type ConnectionFailure = "refused" | "dns" | "tls";

const CODES: Readonly<Record<string, ConnectionFailure>> = {
  ECONNREFUSED: "refused",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_NONAME: "dns",
  CERT_HAS_EXPIRED: "tls",
  CERT_NOT_YET_VALID: "tls",
  DEPTH_ZERO_SELF_SIGNED_CERT: "tls",
  SELF_SIGNED_CERT_IN_CHAIN: "tls",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "tls",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "tls",
  ERR_TLS_CERT_ALTNAME_INVALID: "tls",
  ERR_SSL_WRONG_VERSION_NUMBER: "tls",
  EPROTO: "tls",
};

/**
 * The connection failure behind a thrown error (Node's `code`, looked for along the `cause` chain, as
 * `fetch` wraps it), or `undefined` for anything else (timeouts, resets, HTTP answers).
 */
export function connectionFailureOf(error: unknown): ConnectionFailure | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code in CODES) return CODES[code];
    // An AggregateError (every address of a host refused) holds the failures in `errors`.
    const inner = (current as { errors?: unknown }).errors;
    for (const each of Array.isArray(inner) ? (inner as unknown[]) : []) {
      const found = connectionFailureOf(each);
      if (found) return found;
    }
  }
  return undefined;
}

/** How to say a connection failure in a message. */
export function describeConnectionFailure(failure: ConnectionFailure): string {
  return failure === "refused" ? "the connection was refused" : failure === "dns" ? "the host name does not resolve" : "TLS could not be set up";
}
