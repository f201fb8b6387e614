// The two apps both servers serve: a first-party public app (PKCE) that people sign in to, and a
// confidential first-party app for the endpoint rows (client credentials, refresh, introspection).
import { randomBytes } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';

export const CALLBACK = 'http://localhost:8080/callback';
export const PUBLIC_CLIENT_ID = 'bench-public';
export const CONFIDENTIAL_CLIENT_ID = 'bench-confidential';
/** Hex: a "+" from base64 would need encoding in a Basic header. */
export const CONFIDENTIAL_SECRET = randomBytes(32).toString('hex');

/** The sign-in scope of the load: what a typical app asks for. */
export const SIGN_IN_SCOPE = 'openid profile email';

export const BENCH_CLIENTS: ClientMetadata[] = [
  {
    client_id: PUBLIC_CLIENT_ID,
    token_endpoint_auth_method: 'none',
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: SIGN_IN_SCOPE,
  },
  {
    client_id: CONFIDENTIAL_CLIENT_ID,
    client_secret: CONFIDENTIAL_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    scope: 'openid profile email offline_access',
  },
];

export const confidentialBasicAuth = (): string =>
  `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT_ID}:${CONFIDENTIAL_SECRET}`).toString('base64')}`;
