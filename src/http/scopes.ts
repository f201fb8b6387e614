/** Scopes the consent page can describe; each has a `scope.<name>` message in src/i18n. */
const DESCRIBED = ['openid', 'profile', 'email', 'offline_access', 'groups'] as const;

export type DescribedScope = (typeof DESCRIBED)[number];

/** The requested scopes the consent page lists, once each, in a fixed order. */
export function describedScopes(scopes: string[]): DescribedScope[] {
  return DESCRIBED.filter((scope) => scopes.includes(scope));
}
