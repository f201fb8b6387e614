import type { Report } from './rules.ts';
import { fieldPath, LOOPBACK_HOSTS, show, type Parsed } from './schema.ts';

/**
 * URIs the provider itself calls (jwks_uri, backchannel_logout_uri), and the wildcard check every
 * URI in a client file gets: oidc-provider compares redirect URIs exactly, so `*` never matches.
 */

/** Why `uri` looks like a pattern (a `*` before any query), or undefined. */
export function wildcardProblem(uri: string): string | undefined {
  return uri.split(/[?#]/)[0]?.includes('*')
    ? `${show(uri)} has a wildcard (*), but URIs are matched exactly and "*" never matches; list each URI in full, e.g. https://app.example.com/callback`
    : undefined;
}

/** https, or http on a loopback address (a development app on this machine); no fragment, no wildcard. */
function serverUriProblem(uri: string, example: string): string | undefined {
  const url = URL.parse(uri);
  if (!url) return `${show(uri)} is not an absolute URL; use e.g. ${example}`;
  if (uri.includes('#')) return `${show(uri)} has a fragment (#...); remove it`;
  const wildcard = wildcardProblem(uri);
  if (wildcard) return wildcard;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : `${show(uri)} uses http; use https (only localhost, 127.0.0.1 and [::1] may use http)`;
  }
  return `${show(uri)} is not an https:// URL; use e.g. ${example}`;
}

export function checkServerUris(client: Parsed, unresolved: Set<string>, report: Report): void {
  const uris = {
    jwks_uri: 'https://app.example.com/jwks.json',
    backchannel_logout_uri: 'https://app.example.com/backchannel-logout',
  } as const;
  for (const [field, example] of Object.entries(uris) as Array<[keyof typeof uris, string]>) {
    const uri = client[field];
    if (uri === undefined || unresolved.has(fieldPath([field]))) continue;
    const problem = serverUriProblem(uri, example);
    if (problem) report([field], problem);
  }
  if (client.backchannel_logout_session_required !== undefined && client.backchannel_logout_uri === undefined) {
    report(['backchannel_logout_session_required'], 'has no effect without backchannel_logout_uri; add backchannel_logout_uri, or remove it');
  }
}
