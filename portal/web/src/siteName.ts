/**
 * The API's rule for site names (api/.../sites/SiteName.java and ReservedNames), checked as the user types so most
 * mistakes never reach the server. The server stays the judge: its 400/409 answers are shown too.
 */
export const MAX_SITE_NAME_LENGTH = 63;

/** No name reserved: until the platform's facts arrive, the API's own check has the last word. */
export const NO_RESERVED_NAMES: ReadonlySet<string> = new Set();

/** What is wrong with a DNS label (site or tenant name), or null when it is a valid one. */
export function dnsLabelProblem(name: string): string | null {
  if (name.length === 0) {
    return 'Enter a name.';
  }
  if (name.length > MAX_SITE_NAME_LENGTH) {
    return `Use at most ${MAX_SITE_NAME_LENGTH} characters (this is ${name.length}).`;
  }
  if (/[A-Z]/.test(name)) {
    return 'Use lower-case letters only.';
  }
  if (/[^a-z0-9-]/.test(name)) {
    return 'Use only the letters a to z, digits and hyphens.';
  }
  if (name.startsWith('-') || name.endsWith('-')) {
    return 'A name cannot start or end with a hyphen.';
  }
  return null;
}

/**
 * What is wrong with a site name, or null when the API would accept it (if nobody has taken it).
 * `reserved` is the platform's list (`GET /platform` reservedSiteNames; it is configurable).
 */
export function siteNameProblem(name: string, reserved: ReadonlySet<string> = NO_RESERVED_NAMES): string | null {
  const labelProblem = dnsLabelProblem(name);
  if (labelProblem !== null) {
    return labelProblem;
  }
  if (name.includes('--')) {
    return 'Two hyphens in a row are kept for branch previews (BRANCH--SITE) and international names.';
  }
  if (reserved.has(name)) {
    return `"${name}" is reserved by the platform.`;
  }
  return null;
}
