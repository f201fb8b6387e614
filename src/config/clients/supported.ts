/**
 * What a client file may register. The provider is configured from these same lists
 * (src/oidc/client-capabilities.ts), so discovery advertises exactly what a file can use.
 */

/** RFC 8628: TVs, CLIs and other devices without a browser (src/oidc/device-flow.ts). */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** `implicit` only ever goes with response type `id_token` (sign-in by form_post, no access token). */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', 'implicit', DEVICE_CODE_GRANT] as const;

/**
 * `code` is the default. `id_token` is an opt-in for sign-in-only libraries, delivered by
 * form_post. Nothing that puts an access token in the front channel (`token`, `id_token token`,
 * `code id_token token`…) and no hybrid (`code id_token`).
 */
export const RESPONSE_TYPES = ['code', 'id_token'] as const;

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'] as const;

/**
 * How ID tokens, signed userinfo and logout tokens may be signed. The provider keeps one active
 * signing key for each (src/services/keys.ts), generated at start when missing.
 */
export const SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA', 'PS256'] as const;

/** What a client's own assertion (client_secret_jwt: HS256; private_key_jwt: the rest) may be signed with. */
export const CLIENT_ASSERTION_ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'] as const;

export type GrantType = (typeof GRANT_TYPES)[number];
export type ResponseType = (typeof RESPONSE_TYPES)[number];
export type AuthMethod = (typeof AUTH_METHODS)[number];
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** The scopes the provider itself defines; a client file may add its own (`scopes`, claims.ts). */
export const STANDARD_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'groups'] as const;
