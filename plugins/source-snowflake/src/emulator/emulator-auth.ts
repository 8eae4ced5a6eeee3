import { createPublicKey, createVerify, timingSafeEqual } from "node:crypto";
import { SnowflakeError } from "./emulator-errors.js";

/** A user the emulator accepts, with the credentials it checks. */
export interface EmulatorUser {
  readonly name: string;
  readonly password?: string;
  /** PEM public keys registered for key-pair authentication (`ALTER USER ... SET RSA_PUBLIC_KEY`). */
  readonly publicKeys?: readonly string[];
  /** OAuth access tokens that authenticate as this user. */
  readonly oauthTokens?: readonly string[];
  readonly role: string;
}

/** The login request's `data`, as drivers send it. */
export interface LoginData {
  ACCOUNT_NAME?: string;
  LOGIN_NAME?: string;
  PASSWORD?: string;
  AUTHENTICATOR?: string;
  TOKEN?: string;
  SESSION_PARAMETERS?: Record<string, unknown>;
  CLIENT_APP_ID?: string;
}

/** `390100`: Snowflake answers every credential failure alike, so as not to tell which part was wrong. */
export function incorrectCredentials(): SnowflakeError {
  return new SnowflakeError("390100", "08004", "Incorrect username or password was specified.");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Authenticate a login (https://docs.snowflake.com/en/user-guide/key-pair-auth,
 * https://docs.snowflake.com/en/user-guide/oauth-custom): a password; SNOWFLAKE_JWT, an RS256 JWT whose
 * `sub` is `ACCOUNT.USER` and whose signature one of the user's public keys verifies; or OAUTH, a token
 * issued to the user. Login names are case-insensitive.
 */
export function authenticate(data: LoginData, account: string, users: readonly EmulatorUser[]): EmulatorUser {
  const login = (data.LOGIN_NAME ?? "").toUpperCase();
  const authenticator = (data.AUTHENTICATOR ?? "SNOWFLAKE").toUpperCase();
  if (authenticator === "OAUTH") {
    const token = data.TOKEN ?? "";
    const user = users.find((u) => u.oauthTokens?.some((t) => sameText(t, token)));
    if (!user) throw new SnowflakeError("390303", "08004", "Invalid OAuth access token.");
    if (login && login !== user.name.toUpperCase()) throw new SnowflakeError("390309", "08004", "The user you were trying to authenticate as differs from the user tied to the access token.");
    return user;
  }
  const user = users.find((u) => u.name.toUpperCase() === login);
  if (!user) throw incorrectCredentials();
  if (authenticator === "SNOWFLAKE_JWT") {
    if (!verifyJwt(data.TOKEN ?? "", `${account.toUpperCase()}.${login}`, user.publicKeys ?? [])) {
      throw new SnowflakeError("390144", "08004", "JWT token is invalid.");
    }
    return user;
  }
  if (authenticator !== "SNOWFLAKE") throw new SnowflakeError("390190", "08004", `There was an error related to the authenticator: ${authenticator} is not supported by the emulator.`);
  if (user.password === undefined || !sameText(user.password, data.PASSWORD ?? "")) throw incorrectCredentials();
  return user;
}

function verifyJwt(token: string, subject: string, keys: readonly string[]): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  let header: { alg?: string };
  let payload: { sub?: string; exp?: number };
  try {
    header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as { alg?: string };
    payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as { sub?: string; exp?: number };
  } catch {
    return false;
  }
  if (header.alg !== "RS256" || payload.sub?.toUpperCase() !== subject) return false;
  // Drivers write `exp` in seconds or, like snowflake-sdk, milliseconds.
  if (typeof payload.exp === "number") {
    const expMs = payload.exp > 1e12 ? payload.exp : payload.exp * 1000;
    if (expMs < Date.now()) return false;
  }
  return keys.some((pem) => {
    try {
      const verify = createVerify("RSA-SHA256");
      verify.update(`${parts[0]}.${parts[1]}`);
      return verify.verify(createPublicKey(pem), Buffer.from(parts[2]!, "base64url"));
    } catch {
      return false;
    }
  });
}
