import type { ClaimMapping } from '../config/clients/claims.ts';

/** Scopes the consent page can describe; each has a `scope.<name>` message in src/i18n. */
const DESCRIBED = ['openid', 'profile', 'email', 'offline_access', 'groups'] as const;

export type DescribedScope = (typeof DESCRIBED)[number];

/** The requested scopes the consent page lists, once each, in a fixed order. */
export function describedScopes(scopes: string[]): DescribedScope[] {
  return DESCRIBED.filter((scope) => scopes.includes(scope));
}

/**
 * The claims the client's file maps (its own scopes', and standard claims it renamed or refilled)
 * that the requested scopes release: the consent page names them (`scope.mapped`), since no
 * standard description covers them.
 */
export function mappedClaimNames(scopes: string[], mapping: ClaimMapping | undefined): string[] {
  return Object.entries(mapping ?? {}).filter(([, rule]) => rule.scopes.some((scope) => scopes.includes(scope))).map(([name]) => name);
}
