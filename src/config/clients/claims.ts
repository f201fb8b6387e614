import { STANDARD_SCOPES } from './supported.ts';

/**
 * Per-app claims in a client file: `claims` maps a claim name to where its value comes from, and
 * `scopes` declares the app's own scopes and the claims each releases. This file holds the shapes
 * and the checks of each field on its own; claim-rules.ts checks them together.
 *
 *   "claims": { "preferred_username": "email", "roles": "groups",
 *               "unraid_user": { "value": "alice" }, "department": { "attribute": "department" } },
 *   "scopes": { "unraid": ["unraid_user"], "org": ["department"] }
 */

/** The claims the provider has for everyone, and the standard scope that releases each. */
export const STANDARD_CLAIM_SCOPES = {
  sub: 'openid',
  name: 'profile',
  preferred_username: 'profile',
  email: 'email',
  email_verified: 'email',
  groups: 'groups',
} as const;

export type StandardClaim = keyof typeof STANDARD_CLAIM_SCOPES;
export const STANDARD_CLAIMS = Object.keys(STANDARD_CLAIM_SCOPES) as StandardClaim[];

/**
 * Claims that say what the token is, not who the person is: oidc-provider sets them, and an app
 * must be able to trust them. `sub` is the account's stable id (a UUID) and stays so.
 */
export const RESERVED_CLAIMS = new Set([
  'sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'nonce', 'auth_time', 'acr', 'amr', 'azp',
  'at_hash', 'c_hash', 's_hash', 'sid', 'cnf', 'scope', 'client_id', 'events',
]);

/** User attribute keys, as the admin CLI sets them (`users set <login> key=value`). */
export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,63}$/;
export const ATTRIBUTE_KEY_TEXT = '1-64 lower-case letters, digits and _, starting with a letter';
/** The longest user attribute value, and the longest fixed value in a file, in characters. */
export const MAX_VALUE_LENGTH = 1024;

const CLAIM_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const SCOPE_NAME = /^[a-z][a-z0-9_.:-]{0,63}$/;

/** Where a claim's value comes from: another claim, a fixed value, or a user attribute. */
export type ClaimSource = { claim: StandardClaim } | { value: string | number | boolean } | { attribute: string };

/** A mapped claim, ready for the provider: its source and the scopes (any one suffices) that release it. */
export type ClaimRule = { from: ClaimSource; scopes: string[] };

/** Claim name → rule; the client metadata `claim_mapping` (src/oidc/claim-mapping.ts applies it). */
export type ClaimMapping = Record<string, ClaimRule>;

/** `claims` and `scopes` as written in a file (after the checks below). */
export type ClaimsField = Record<string, StandardClaim | { value: string | number | boolean } | { attribute: string }>;
export type ScopesField = Record<string, string[]>;

export interface FieldProblem {
  path: PropertyKey[];
  message: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const quote = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const SOURCES_TEXT = `another claim (${STANDARD_CLAIMS.join(', ')}), {"value": ...} for a fixed value, or {"attribute": "key"} for a user attribute set with the admin CLI`;

/** Why `name` cannot be the name of a claim an app gets, or undefined. */
function claimNameProblem(name: string): string | undefined {
  if (name === 'sub') return 'cannot be mapped: sub is the account\'s stable id, which apps rely on; give the value another name, e.g. "user_id": "sub"';
  if (RESERVED_CLAIMS.has(name)) return `is set by the provider itself (it says what the token is, not who the person is) and cannot be mapped; use another name`;
  if (!CLAIM_NAME.test(name)) return 'is not a claim name: 1-64 letters, digits, "_", "-", "." or ":", starting with a letter';
  return undefined;
}

function sourceProblem(name: string, source: unknown): FieldProblem | undefined {
  if (typeof source === 'string') {
    if (!(STANDARD_CLAIMS as string[]).includes(source)) return { path: [], message: `${quote(source)} is not a claim the provider has; use ${SOURCES_TEXT}` };
    if (source === name) return { path: [], message: `maps the claim to itself, which changes nothing; remove it` };
    return undefined;
  }
  if (!isObject(source)) return { path: [], message: `must be ${SOURCES_TEXT}` };
  const keys = Object.keys(source);
  if (keys.length !== 1 || (keys[0] !== 'value' && keys[0] !== 'attribute')) {
    return { path: [], message: `must have exactly one of "value" or "attribute" (found ${keys.map((k) => `"${k}"`).join(', ') || 'none'}); e.g. {"value": "alice"} or {"attribute": "department"}` };
  }
  if ('attribute' in source) {
    const key = source['attribute'];
    if (typeof key !== 'string' || !ATTRIBUTE_KEY.test(key)) return { path: ['attribute'], message: `${quote(key)} is not an attribute key: ${ATTRIBUTE_KEY_TEXT}, e.g. "department"` };
    return undefined;
  }
  const value = source['value'];
  if (typeof value === 'string') {
    return [...value].length > MAX_VALUE_LENGTH ? { path: ['value'], message: `is longer than ${MAX_VALUE_LENGTH} characters; shorten it` } : undefined;
  }
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return undefined;
  return { path: ['value'], message: `must be a string, a number or true/false (found ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value})` };
}

/** Every problem with `claims` on its own, each at its path below the field. */
export function claimsProblems(value: unknown): FieldProblem[] {
  if (!isObject(value)) return [{ path: [], message: 'must be an object of claim name → source, e.g. {"preferred_username": "email", "roles": "groups"}' }];
  if (Object.keys(value).length === 0) return [{ path: [], message: 'is empty; map at least one claim, or remove claims' }];
  const problems: FieldProblem[] = [];
  for (const [name, source] of Object.entries(value)) {
    const nameProblem = claimNameProblem(name);
    if (nameProblem) {
      problems.push({ path: [name], message: nameProblem });
      continue;
    }
    const problem = sourceProblem(name, source);
    if (problem) problems.push({ path: [name, ...problem.path], message: problem.message });
  }
  return problems;
}

/** Every problem with `scopes` on its own (which claims exist is claim-rules.ts's to check). */
export function scopesProblems(value: unknown): FieldProblem[] {
  if (!isObject(value)) {
    return [{ path: [], message: 'must be an object of scope name → the claims it releases, e.g. {"unraid": ["unraid_user"]} (the scopes the app may ask for go in "scope")' }];
  }
  if (Object.keys(value).length === 0) return [{ path: [], message: 'is empty; declare at least one scope, or remove scopes' }];
  const problems: FieldProblem[] = [];
  for (const [scope, claims] of Object.entries(value)) {
    if ((STANDARD_SCOPES as readonly string[]).includes(scope)) {
      problems.push({ path: [scope], message: `is a standard scope, whose claims are fixed; name your own scope differently (a claim named after a standard claim, e.g. "preferred_username", comes with that claim's scope)` });
    } else if (RESERVED_CLAIMS.has(scope) || !SCOPE_NAME.test(scope)) {
      problems.push({ path: [scope], message: RESERVED_CLAIMS.has(scope) ? 'is reserved by the provider; use another scope name' : 'is not a scope name: 1-64 lower-case letters, digits, "_", "-", "." or ":", starting with a letter' });
    } else if (!Array.isArray(claims) || !claims.every((claim) => typeof claim === 'string')) {
      problems.push({ path: [scope], message: `must be a list of the claim names it releases, e.g. ["${scope}_user"]` });
    } else if (claims.length === 0) {
      problems.push({ path: [scope], message: 'is empty; list the claims it releases, or remove the scope' });
    } else if (new Set(claims).size !== claims.length) {
      problems.push({ path: [scope], message: 'lists the same claim twice; remove the duplicate' });
    }
  }
  return problems;
}
