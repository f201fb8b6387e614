import type { Configuration } from 'oidc-provider';
import { AUTH_METHODS, CLIENT_ASSERTION_ALGS, RESPONSE_TYPES, SIGNING_ALGS } from '../config/clients/supported.ts';

/**
 * The provider offers what a client file can register (src/config/clients/supported.ts) and no
 * more, so discovery lists nothing an app could pick and then never get. oidc-provider's own
 * defaults add hybrid and `none` response types and more algorithms.
 */
export const CLIENT_FILE_CAPABILITIES = {
  responseTypes: [...RESPONSE_TYPES],
  clientAuthMethods: [...AUTH_METHODS],
  enabledJWA: {
    idTokenSigningAlgValues: [...SIGNING_ALGS],
    userinfoSigningAlgValues: [...SIGNING_ALGS],
    clientAuthSigningAlgValues: [...CLIENT_ASSERTION_ALGS],
  },
  discovery: {
    // oidc-provider's default (kept, since this object replaces it).
    claim_types_supported: ['normal'],
    // Introspection and revocation authenticate clients exactly as the token endpoint does
    // (RFC 8414 would otherwise have readers assume client_secret_basic alone).
    introspection_endpoint_auth_methods_supported: [...AUTH_METHODS],
    introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS],
    revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
  },
  /**
   * Outgoing requests: a private_key_jwt client's jwks_uri and back-channel logout. oidc-provider
   * refuses private, loopback and link-local addresses by default, against SSRF through
   * dynamically registered clients. Ours come only from the operator's client files, and apps
   * often live next to us on a private network (a compose network) or, in development, on this
   * machine; so these requests use the ordinary dispatcher (oidc-provider's timeout still applies).
   */
  fetch: (url, init) => {
    const { dispatcher: _ssrfGuard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
    return globalThis.fetch(url, rest);
  },
} satisfies Partial<Configuration>;

/** Signed userinfo (userinfo_signed_response_alg) and back-channel logout (backchannel_logout_uri). */
export const CLIENT_FILE_FEATURES = {
  jwtUserinfo: { enabled: true },
  backchannelLogout: { enabled: true },
} satisfies NonNullable<Configuration['features']>;
