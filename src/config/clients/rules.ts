import { checkClaimRules, claimMappingOf } from './claim-rules.ts';
import { checkClientAuthRules } from './client-auth-rules.ts';
import { checkDeviceRules, checkDeviceWarnings } from './device-rules.ts';
import { checkIdTokenResponseRules, responseModesFor } from './id-token-response-rules.ts';
import { effectiveScope, fieldPath, LOOPBACK_HOSTS, MIN_SECRET_LENGTH, show, type ClientRecord, type Parsed } from './schema.ts';
import { checkServerUris, wildcardProblem } from './server-uris.ts';
import { DEVICE_CODE_GRANT, type ResponseType } from './supported.ts';

/** Called with the field path and the problem; the loader turns it into `<file>: <field>: <problem>`. */
export type Report = (parts: readonly PropertyKey[], message: string) => void;

/** Why a redirect / post-logout URI is not acceptable, or undefined when it is. */
function uriProblem(uri: string, applicationType: Parsed['application_type']): string | undefined {
  const url = URL.parse(uri);
  if (!url) return `${show(uri)} is not an absolute URL; use e.g. https://app.example.com/callback`;
  if (uri.includes('#')) return `${show(uri)} has a fragment (#...); remove it`;
  const wildcard = wildcardProblem(uri);
  if (wildcard) return wildcard;
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'http') {
    return loopback ? undefined : `${show(uri)} uses http; use https (only localhost, 127.0.0.1 and [::1] may use http)`;
  }
  if (scheme === 'https') {
    return loopback && applicationType === 'native'
      ? `${show(uri)} uses https on a loopback address; native apps use http://127.0.0.1:<port>/... for loopback redirects`
      : undefined;
  }
  if (!scheme.includes('.')) {
    return `${show(uri)} uses the "${scheme}:" scheme; use https (native apps may use a reverse-domain scheme like com.example.app:/callback)`;
  }
  return applicationType === 'native'
    ? undefined
    : `${show(uri)} uses the private-use scheme "${scheme}:"; set "application_type": "native" or use an https URL`;
}

/** Rules between fields, checked once every field is valid on its own. */
export function checkRules(client: Parsed, responseTypes: readonly ResponseType[], unresolved: Set<string>, report: Report): void {
  const isPublic = client.token_endpoint_auth_method === 'none';
  const grants = new Set(client.grant_types);
  const secret = client.client_secret;
  if (isPublic) {
    if (secret !== undefined) {
      report(['client_secret'], 'public clients (token_endpoint_auth_method none) must not have a secret; remove client_secret or use client_secret_basic');
    }
    if (client.pkce_required === false) report(['pkce_required'], 'public clients must use PKCE; remove pkce_required or set it to true');
    if (client.resource_server_for.length > 0) {
      report(['resource_server_for'], 'a public client cannot authenticate, so it cannot introspect or revoke other clients\' tokens; remove resource_server_for or make the client confidential');
    }
    if (grants.has('client_credentials')) {
      report(['grant_types'], 'public clients cannot use client_credentials; remove it, or give the client a client_secret and a secret-based token_endpoint_auth_method');
    }
  } else if (client.token_endpoint_auth_method === 'private_key_jwt') {
    // A key, not a secret: client-auth-rules.ts.
  } else if (secret === undefined) {
    report(['client_secret'], `is missing; confidential clients (token_endpoint_auth_method ${client.token_endpoint_auth_method}) need a secret of at least ${MIN_SECRET_LENGTH} characters, e.g. "\${MYAPP_CLIENT_SECRET}", or set "token_endpoint_auth_method": "none" for a public client`);
  } else if (!unresolved.has('client_secret') && secret.length < MIN_SECRET_LENGTH) {
    report(['client_secret'], `is shorter than ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -hex 32\` (hex: a "+" from base64 breaks apps that send the secret in a Basic header unencoded)`);
  }

  const code = grants.has('authorization_code');
  if (responseTypes.includes('code') && !code) {
    report(['response_types'], '"code" needs the authorization_code grant; add authorization_code to grant_types or remove "code"');
  }
  if (code && !responseTypes.includes('code')) {
    report(['response_types'], 'has no "code" but grant_types has authorization_code; use ["code"] or remove response_types');
  }
  if (grants.has('refresh_token') && !code && !grants.has(DEVICE_CODE_GRANT)) {
    report(['grant_types'], `refresh_token needs authorization_code (or ${DEVICE_CODE_GRANT}); add one of them or remove refresh_token`);
  }
  const scopes = effectiveScope(client).split(' ');
  if (code && !scopes.includes('openid')) {
    report(['scope'], 'has no "openid" but the client signs people in; add openid');
  }
  if (code && (client.redirect_uris ?? []).length === 0) {
    report(['redirect_uris'], `is ${client.redirect_uris ? 'empty' : 'missing'}; the authorization_code grant needs at least one, e.g. ["https://app.example.com/callback"]`);
  }
  for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    (client[field] ?? []).forEach((uri, i) => {
      if (unresolved.has(fieldPath([field, i]))) return;
      const problem = uriProblem(uri, client.application_type);
      if (problem) report([field, i], problem);
    });
  }
  checkClientAuthRules(client, report);
  checkDeviceRules(client, report);
  checkIdTokenResponseRules(client, responseTypes, unresolved, report);
  checkServerUris(client, unresolved, report);
  checkClaimRules(client, report);
}

/**
 * Combinations that are valid one by one but can never work: the file loads (apps in production
 * must not stop over them), and clients:check and start-up say what to change.
 */
export function checkWarnings(client: Parsed, warn: Report): void {
  const grants = new Set(client.grant_types);
  const scopes = effectiveScope(client).split(' ');
  if (grants.has('refresh_token') && !scopes.includes('offline_access')) {
    warn(['scope'], 'has no offline_access, so this app can never get the refresh token that grant_types allows; add offline_access, or remove refresh_token');
  }
  if (scopes.includes('offline_access') && !grants.has('refresh_token')) {
    warn(['grant_types'], 'has no refresh_token, so the offline_access in scope is always ignored; add refresh_token, or remove offline_access');
  }
  checkDeviceWarnings(client, warn);
  if (!grants.has('authorization_code') && !grants.has('implicit') && !grants.has(DEVICE_CODE_GRANT)) {
    if ((client.post_logout_redirect_uris ?? []).length > 0) warn(['post_logout_redirect_uris'], 'is never used: without authorization_code nobody signs in to this app; remove it');
    if (client.first_party) warn(['first_party'], 'changes nothing: without authorization_code nobody signs in to this app, so there is no consent to skip; remove it');
  }
}

export function toRecord(client: Parsed, responseTypes: ResponseType[]): ClientRecord {
  const optional = {
    client_secret: client.client_secret,
    client_name: client.client_name,
    logo_uri: client.logo_uri,
    client_uri: client.client_uri,
    policy_uri: client.policy_uri,
    tos_uri: client.tos_uri,
    response_modes: responseModesFor(responseTypes),
    userinfo_signed_response_alg: client.userinfo_signed_response_alg,
    default_max_age: client.default_max_age,
    require_auth_time: client.require_auth_time,
    contacts: client.contacts,
    jwks: client.jwks,
    jwks_uri: client.jwks_uri,
    backchannel_logout_uri: client.backchannel_logout_uri,
    backchannel_logout_session_required: client.backchannel_logout_session_required,
  };
  return {
    client_id: client.client_id,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    redirect_uris: client.redirect_uris ?? [],
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    grant_types: client.grant_types,
    response_types: responseTypes,
    scope: effectiveScope(client),
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    id_token_signed_response_alg: client.id_token_signed_response_alg,
    application_type: client.application_type,
    first_party: client.first_party,
    // Unset stays unset: for a confidential client that means "PKCE or a nonce" (oidc/pkce-policy.ts).
    ...(client.pkce_required !== undefined || client.token_endpoint_auth_method === 'none' ? { pkce_required: client.pkce_required ?? true } : {}),
    resource_server_for: client.resource_server_for,
    ...(client.allowed_groups ? { allowed_groups: [...new Set(client.allowed_groups)] } : {}),
    ...(client.claims ? { claim_mapping: claimMappingOf(client) } : {}),
  };
}
