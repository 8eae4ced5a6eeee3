/**
 * The API versions the emulator serves, as `GET /services/data` lists them. Salesforce keeps versions
 * from 31.0 up, three a year: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm
 * and https://help.salesforce.com/s/articleView?id=000389618&type=1 (API versions 21.0 through 30.0 retired).
 */

/** Oldest version served. */
const OLDEST = 31;
/** Newest version served: Winter '26. */
export const LATEST_API_VERSION = "65.0";

/** Every version served, oldest first. */
export const API_VERSIONS: readonly string[] = Array.from({ length: Number(LATEST_API_VERSION) - OLDEST + 1 }, (_, i) => `${OLDEST + i}.0`);

/** Whether `version` (`62.0`) is served. */
export function isSupportedVersion(version: string): boolean {
  return API_VERSIONS.includes(version);
}

/** The release of a version: 31.0 was Summer '14, and each release since adds one. */
export function releaseLabel(version: string): string {
  const k = Number(version) - OLDEST;
  const season = ["Summer", "Winter", "Spring"][k % 3]!;
  const year = 14 + Math.floor((k + 2) / 3);
  return `${season} '${String(year).padStart(2, "0")}`;
}

/** The `GET /services/data` answer. */
export function versionsBody(): Array<{ label: string; url: string; version: string }> {
  return API_VERSIONS.map((version) => ({ label: releaseLabel(version), url: `/services/data/v${version}`, version }));
}
