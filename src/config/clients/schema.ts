import { z } from 'zod';
import { claimsProblems, scopesProblems, type ClaimMapping, type ClaimsField, type ScopesField } from './claims.ts';
import { publicJwksProblems, type PublicJwks } from './jwks.ts';
import { AUTH_METHODS, GRANT_TYPES, RESPONSE_TYPES, SIGNING_ALGS, type ResponseType, type SigningAlg } from './supported.ts';

/** The shape of a client file: allowed keys, their types and defaults, and how fields are named in messages. */
export type Env = Record<string, string | undefined>;

/** Group names as the admin CLI creates them (src/services/groups.ts). */
export const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const APPLICATION_TYPES = ['web', 'native'] as const;
export const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
export const FILE_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
export const MIN_SECRET_LENGTH = 32;

/** Our own client metadata keys; register them as oidc-provider `extraClientMetadata.properties`. */
export const EXTRA_CLIENT_METADATA = ['first_party', 'pkce_required', 'resource_server_for', 'allowed_groups', 'claim_mapping'] as const;

/**
 * Client metadata ready for oidc-provider's `clients` configuration, defaults applied.
 * (A type alias, not an interface, so it fits oidc-provider's indexable ClientMetadata.)
 */
export type ClientRecord = {
  client_id: string;
  client_secret?: string;
  client_name?: string;
  logo_uri?: string;
  client_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: Array<(typeof GRANT_TYPES)[number]>;
  response_types: ResponseType[];
  /** Derived, not a file key: an `id_token` client gets its ID token by form_post only (or query, for code). */
  response_modes?: string[];
  /** Space-separated, deduplicated. */
  scope: string;
  token_endpoint_auth_method: (typeof AUTH_METHODS)[number];
  id_token_signed_response_alg: SigningAlg;
  application_type: (typeof APPLICATION_TYPES)[number];
  /** Consent is granted without asking. */
  first_party: boolean;
  /**
   * true: PKCE (S256) required on /auth (always for public clients); false: the operator accepts a
   * confidential app that sends neither PKCE nor a nonce; absent: PKCE or a nonce.
   */
  pkce_required?: boolean;
  /** Client ids whose tokens this (confidential) client may introspect and revoke, besides its own. */
  resource_server_for: string[];
  /** Only members of one of these groups may sign in to the app; absent: everyone. */
  allowed_groups?: string[];
  /** The file's `claims` and `scopes`, compiled (claim-rules.ts); absent: the standard claims only. */
  claim_mapping?: ClaimMapping;
  userinfo_signed_response_alg?: SigningAlg;
  default_max_age?: number;
  require_auth_time?: boolean;
  contacts?: string[];
  jwks?: PublicJwks;
  jwks_uri?: string;
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
};

/** A client and the file it came from (as shown in messages, e.g. `clients/web.json`). */
export interface LoadedClient {
  file: string;
  client: ClientRecord;
  /** Settings that load but can never work together, as `<file>: <field>: <what and the fix>`. */
  warnings: string[];
}

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function typed(expected: string, example: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? `is missing; add it, e.g. ${example}` : `must be ${expected}, e.g. ${example}`,
  };
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined ? 'is missing' : `${show(issue.input)} is not allowed; use one of ${values.join(', ')}`,
  });
}

function list<T extends z.ZodType>(item: T, example: string) {
  return z
    .array(item, typed('a list', example))
    .refine((items) => new Set(items).size === items.length, 'lists the same value twice; remove the duplicate');
}

const httpsUrl = z.string(typed('a string', '"https://app.example.com/"')).refine(
  (value) => URL.parse(value)?.protocol === 'https:',
  { error: (issue) => `${show(issue.input)} is not an https:// URL; use e.g. https://app.example.com/` },
);

export const schema = z.strictObject({
  client_id: z
    .string(typed('a string', '"my-app"'))
    .regex(/^[A-Za-z0-9._~-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", "~" or "-"; e.g. "my-app"'),
  client_secret: z.string(typed('a string', '"${MYAPP_CLIENT_SECRET}"')).optional(),
  client_name: z
    .string(typed('a string', '"My app"'))
    .trim()
    .min(1, 'is empty; give the name people see on the consent page, or remove it')
    .max(100, 'is longer than 100 characters; shorten it')
    .optional(),
  logo_uri: httpsUrl.optional(),
  client_uri: httpsUrl.optional(),
  policy_uri: httpsUrl.optional(),
  tos_uri: httpsUrl.optional(),
  redirect_uris: list(z.string(typed('a string', '"https://app.example.com/callback"')), '["https://app.example.com/callback"]').optional(),
  post_logout_redirect_uris: list(z.string(typed('a string', '"https://app.example.com/"')), '["https://app.example.com/"]').optional(),
  grant_types: list(oneOf(GRANT_TYPES), '["authorization_code", "refresh_token"]')
    .refine((items) => items.length > 0, 'is empty; list at least one, e.g. ["authorization_code"]')
    .default(['authorization_code']),
  response_types: list(oneOf(RESPONSE_TYPES), '["code"]').optional(),
  scope: z
    .string(typed('a space-separated string', '"openid profile email"'))
    .superRefine((value, ctx) => {
      const scopes = value.split(/\s+/).filter(Boolean);
      if (scopes.length === 0) ctx.addIssue({ code: 'custom', message: 'is empty; use e.g. "openid profile email"' });
      // Which names are supported depends on the file's own `scopes` (claim-rules.ts).
    })
    .optional(),
  token_endpoint_auth_method: oneOf(AUTH_METHODS).default('client_secret_basic'),
  id_token_signed_response_alg: oneOf(SIGNING_ALGS).default('RS256'),
  application_type: oneOf(APPLICATION_TYPES).default('web'),
  first_party: z.boolean(typed('true or false', 'true')).default(false),
  pkce_required: z.boolean(typed('true or false', 'true')).optional(),
  resource_server_for: list(z.string(typed('a client_id', '"my-app"')), '["my-app"]').default([]),
  allowed_groups: list(
    z.string(typed('a group name', '"grafana-users"')).regex(GROUP_NAME, 'is not a group name: lower-case letters, digits, dots, dashes and underscores, e.g. "grafana-users"'),
    '["grafana-users"]',
  ).min(1, 'is empty, so nobody could sign in; list at least one group, or remove the key to let everyone in').optional(),
  // Per-app claims and the app's own scopes (claims.ts; together in claim-rules.ts).
  claims: z.custom<ClaimsField>().superRefine((value, ctx) => {
    for (const { path, message } of claimsProblems(value)) ctx.addIssue({ code: 'custom', path, message });
  }).optional(),
  scopes: z.custom<ScopesField>().superRefine((value, ctx) => {
    for (const { path, message } of scopesProblems(value)) ctx.addIssue({ code: 'custom', path, message });
  }).optional(),
  // Standard registration metadata, passed to oidc-provider as written (checked in rules.ts and beside it).
  userinfo_signed_response_alg: oneOf(SIGNING_ALGS).optional(),
  default_max_age: z.number(typed('a number of seconds', '86400')).int('must be a whole number of seconds, e.g. 86400').min(0, 'must not be negative; use e.g. 86400 (one day)').optional(),
  require_auth_time: z.boolean(typed('true or false', 'true')).optional(),
  contacts: list(z.email(typed('an email address', '"admin@example.com"')), '["admin@example.com"]').optional(),
  jwks: z.custom<PublicJwks>().superRefine((value, ctx) => {
    for (const { path, message } of publicJwksProblems(value)) ctx.addIssue({ code: 'custom', path, message });
  }).optional(),
  jwks_uri: z.string(typed('a string', '"https://app.example.com/jwks.json"')).optional(),
  backchannel_logout_uri: z.string(typed('a string', '"https://app.example.com/backchannel-logout"')).optional(),
  backchannel_logout_session_required: z.boolean(typed('true or false', 'true')).optional(),
});

export type Parsed = z.output<typeof schema>;

/**
 * The scope a client may ask for: as its file says, or by default the usual three, plus
 * offline_access when it lists refresh_token; and the file's own `scopes` in either case.
 */
export function effectiveScope(client: Pick<Parsed, 'scope' | 'grant_types' | 'scopes'>): string {
  const scopes = client.scope?.split(/\s+/).filter(Boolean) ?? ['openid', 'profile', 'email', ...(client.grant_types.includes('refresh_token') ? ['offline_access'] : [])];
  return [...new Set([...scopes, ...Object.keys(client.scopes ?? {})])].join(' ');
}
export const KNOWN_KEYS = Object.keys(schema.shape);

export function fieldPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) {
    out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`;
  }
  return out;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known key closest to `key` (ignoring case, `_` and `-`), when it is close enough to be a typo. */
export function closestKey(key: string): string | undefined {
  const normal = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best: { key: string; score: number } | undefined;
  for (const known of KNOWN_KEYS) {
    const score = distance(normal(key), normal(known));
    if (!best || score < best.score) best = { key: known, score };
  }
  return best && best.score <= Math.max(2, Math.floor(key.length / 4)) ? best.key : undefined;
}
