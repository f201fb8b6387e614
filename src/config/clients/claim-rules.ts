import { STANDARD_CLAIM_SCOPES, type ClaimMapping, type ClaimSource, type StandardClaim } from './claims.ts';
import type { Report } from './rules.ts';
import type { Parsed } from './schema.ts';
import { STANDARD_SCOPES } from './supported.ts';

/**
 * `claims` and `scopes` together (each was checked on its own in claims.ts), and the `scope`
 * field, which may list the file's own scopes. Every mapped claim needs a scope that releases it:
 * - a standard claim's name (`preferred_username`) keeps its standard scope (`profile`);
 * - any other name is released by the custom scopes that list it, or else by the scope of the
 *   standard claim it copies (`"roles": "groups"` comes with `groups`). A fixed value or an
 *   attribute under a new name must be listed in a custom scope: nothing is released unasked.
 */

type ClaimFields = Pick<Parsed, 'claims' | 'scopes'>;

const isStandard = (name: string): name is StandardClaim => Object.hasOwn(STANDARD_CLAIM_SCOPES, name);

function sourceOf(source: NonNullable<Parsed['claims']>[string]): ClaimSource {
  return typeof source === 'string' ? { claim: source } : source;
}

/** The scopes (any one suffices) that release claim `name` to this client; empty when none does. */
function releasingScopes(client: ClaimFields, name: string): string[] {
  if (isStandard(name)) return [STANDARD_CLAIM_SCOPES[name]];
  const custom = Object.entries(client.scopes ?? {}).filter(([, claims]) => claims.includes(name)).map(([scope]) => scope);
  if (custom.length > 0) return custom;
  const source = client.claims?.[name];
  return typeof source === 'string' ? [STANDARD_CLAIM_SCOPES[source]] : [];
}

export function checkClaimRules(client: Parsed, report: Report): void {
  const declared = new Set(Object.keys(client.scopes ?? {}));
  for (const scope of new Set(client.scope?.split(/\s+/).filter(Boolean) ?? [])) {
    if (!(STANDARD_SCOPES as readonly string[]).includes(scope) && !declared.has(scope)) {
      report(['scope'], `"${scope}" is not a supported scope; use a space-separated subset of ${STANDARD_SCOPES.join(' ')}, or declare it under "scopes" with the claims it releases`);
    }
  }
  for (const [scope, claims] of Object.entries(client.scopes ?? {})) {
    claims.forEach((claim, i) => {
      if (isStandard(claim)) {
        report(['scopes', scope, i], `"${claim}" comes with the standard scope ${STANDARD_CLAIM_SCOPES[claim]}; remove it here`);
      } else if (!client.claims || !Object.hasOwn(client.claims, claim)) {
        report(['scopes', scope, i], `"${claim}" is not in claims; map it there, e.g. "claims": {"${claim}": {"attribute": "${claim}"}}, or remove it`);
      }
    });
  }
  for (const name of Object.keys(client.claims ?? {})) {
    if (releasingScopes(client, name).length === 0) {
      report(['claims', name], `no scope releases it; list it in a scope of your own, e.g. "scopes": {"${declared.values().next().value ?? 'myapp'}": ["${name}"]}`);
    }
  }
}

/** The file's own scopes, which the client may ask for besides the standard ones. */
export function customScopesOf(client: Pick<Parsed, 'scopes'>): string[] {
  return Object.keys(client.scopes ?? {});
}

/** The client metadata `claim_mapping` for a file that passed checkClaimRules, or undefined without `claims`. */
export function claimMappingOf(client: ClaimFields): ClaimMapping | undefined {
  if (!client.claims) return undefined;
  return Object.fromEntries(Object.entries(client.claims).map(([name, source]) => [name, { from: sourceOf(source), scopes: releasingScopes(client, name) }]));
}
