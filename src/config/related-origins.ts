/**
 * WEBAUTHN_RELATED_ORIGINS: other origins (under other domains) where the same passkeys sign in,
 * as WebAuthn Level 3 "related origin requests" define them. Browsers read the list from
 * https://<RP ID>/.well-known/webauthn and honour origins under at most 5 distinct site names
 * ("registrable origin labels": `example` in login.example.org and id.example.co.uk); an origin
 * past that limit is silently ignored by the browser, so we refuse such a list at start-up.
 */

/** The WebAuthn limit on distinct registrable origin labels that browsers must support. */
export const MAX_RELATED_LABELS = 5;

const EXAMPLE = 'use e.g. https://login.example.org,https://id.example.net';
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Second-level names under two-letter country domains that are public suffixes themselves
 * (co.uk, com.au, ac.jp, …). Not the whole Public Suffix List, which browsers use: the common
 * cases, so that id.example.co.uk and login.example.com count as one site name, `example`.
 */
const COUNTRY_SECOND_LEVEL = new Set(['ac', 'co', 'com', 'edu', 'go', 'gob', 'gov', 'ltd', 'mil', 'ne', 'net', 'nic', 'nom', 'or', 'org', 'plc', 'sch']);

/**
 * The site name browsers count towards the limit: the label just left of the public suffix.
 * Undefined where there is none (localhost, IP addresses), which browsers do not count either.
 */
export function registrableLabel(hostname: string): string | undefined {
  if (LOCAL_HOSTS.has(hostname) || hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname)) return undefined;
  const labels = hostname.replace(/\.$/, '').split('.');
  if (labels.length < 2) return undefined;
  const [topLevel = '', secondLevel = ''] = labels.slice(-2).reverse();
  if (labels.length >= 3 && topLevel.length === 2 && COUNTRY_SECOND_LEVEL.has(secondLevel)) return labels.at(-3);
  return secondLevel;
}

/** The entry's origin (scheme, host and port as browsers write it), or what is wrong with it. */
function checkOrigin(entry: string): { origin: string } | { problem: string } {
  const quoted = `"${entry.length > 80 ? `${entry.slice(0, 77)}...` : entry}"`;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return { problem: `${quoted} is not an origin; ${EXAMPLE}` };
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    return { problem: `${quoted} must use https (passkeys need a secure origin); only localhost may use http` };
  }
  if (url.username || url.password || /^[a-z]+:\/\/[^/]*@/i.test(entry)) {
    return { problem: `${quoted} contains credentials; give only scheme, host and port` };
  }
  if (url.search || url.hash || entry.includes('?') || entry.includes('#')) {
    return { problem: `${quoted} has a query or fragment; give only scheme, host and port` };
  }
  if (url.pathname !== '/') {
    return { problem: `${quoted} has a path; an origin is only scheme, host and port, e.g. ${url.origin}` };
  }
  if (!local && (url.hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(url.hostname))) {
    return { problem: `${quoted} uses an IP address; passkeys need a domain name such as login.example.org` };
  }
  return { origin: url.origin };
}

/**
 * Parses the comma-separated list. `issuerOrigin` (when ISSUER is valid) comes first in the
 * well-known document and counts towards the label limit, so it may not be listed again.
 * Returns the origins (ISSUER's excluded) or one problem, naming the entry, to follow the variable's name.
 */
export function parseRelatedOrigins(text: string, issuerOrigin: string | undefined): { origins: string[] } | { problem: string } {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) return { problem: `has an empty entry in its list; ${EXAMPLE}` };
  const origins: string[] = [];
  const labels = new Set<string>();
  const issuerLabel = issuerOrigin ? registrableLabel(new URL(issuerOrigin).hostname) : undefined;
  if (issuerLabel) labels.add(issuerLabel);
  for (const entry of entries) {
    const checked = checkOrigin(entry);
    if ('problem' in checked) return checked;
    const { origin } = checked;
    if (origin === issuerOrigin) {
      return { problem: `"${entry}" is ISSUER's origin, which is always accepted and listed first; give only the other origins` };
    }
    if (origins.includes(origin)) return { problem: `"${entry}" is listed twice; give each origin once` };
    const label = registrableLabel(new URL(origin).hostname);
    if (label && !labels.has(label)) {
      if (labels.size >= MAX_RELATED_LABELS) {
        return {
          problem: `"${entry}" is under a ${MAX_RELATED_LABELS + 1}th site name ("${label}" after ${[...labels].map((l) => `"${l}"`).join(', ')}, ` +
            `counting ISSUER's); browsers accept related origins under at most ${MAX_RELATED_LABELS} and ignore the rest`,
        };
      }
      labels.add(label);
    }
    origins.push(origin);
  }
  return { origins };
}
