import { fieldPath, LOOPBACK_HOSTS, MIN_SECRET_LENGTH, show, type ClientRecord, type Parsed } from './schema.ts';

/** Called with the field path and the problem; the loader turns it into `<file>: <field>: <problem>`. */
export type Report = (parts: readonly PropertyKey[], message: string) => void;

/** Why a redirect / post-logout URI is not acceptable, or undefined when it is. */
function uriProblem(uri: string, applicationType: Parsed['application_type']): string | undefined {
  const url = URL.parse(uri);
  if (!url) return `${show(uri)} is not an absolute URL; use e.g. https://app.example.com/callback`;
  if (uri.includes('#')) return `${show(uri)} has a fragment (#...); remove it`;
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
export function checkRules(client: Parsed, responseTypes: ReadonlyArray<'code'>, unresolved: Set<string>, report: Report): void {
  const isPublic = client.token_endpoint_auth_method === 'none';
  const grants = new Set(client.grant_types);
  const secret = client.client_secret;
  if (isPublic) {
    if (secret !== undefined) {
      report(['client_secret'], 'public clients (token_endpoint_auth_method none) must not have a secret; remove client_secret or use client_secret_basic');
    }
    if (!client.pkce_required) report(['pkce_required'], 'public clients must use PKCE; remove pkce_required or set it to true');
    if (client.resource_server_for.length > 0) {
      report(['resource_server_for'], 'a public client cannot authenticate, so it cannot introspect or revoke other clients\' tokens; remove resource_server_for or make the client confidential');
    }
    if (grants.has('client_credentials')) {
      report(['grant_types'], 'public clients cannot use client_credentials; remove it, or give the client a client_secret and a secret-based token_endpoint_auth_method');
    }
  } else if (secret === undefined) {
    report(['client_secret'], `is missing; confidential clients (token_endpoint_auth_method ${client.token_endpoint_auth_method}) need a secret of at least ${MIN_SECRET_LENGTH} characters, e.g. "\${MYAPP_CLIENT_SECRET}", or set "token_endpoint_auth_method": "none" for a public client`);
  } else if (!unresolved.has('client_secret') && secret.length < MIN_SECRET_LENGTH) {
    report(['client_secret'], `is shorter than ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -base64 32\``);
  }

  const code = grants.has('authorization_code');
  if (responseTypes.includes('code') && !code) {
    report(['response_types'], '"code" needs the authorization_code grant; add authorization_code to grant_types or remove "code"');
  }
  if (code && !responseTypes.includes('code')) {
    report(['response_types'], 'has no "code" but grant_types has authorization_code; use ["code"] or remove response_types');
  }
  if (grants.has('refresh_token') && !code) {
    report(['grant_types'], 'refresh_token needs authorization_code; add authorization_code or remove refresh_token');
  }
  if (code && !client.scope.split(/\s+/).includes('openid')) {
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
}

export function toRecord(client: Parsed, responseTypes: Array<'code'>): ClientRecord {
  const optional = {
    client_secret: client.client_secret,
    client_name: client.client_name,
    logo_uri: client.logo_uri,
    client_uri: client.client_uri,
    policy_uri: client.policy_uri,
    tos_uri: client.tos_uri,
  };
  return {
    client_id: client.client_id,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    redirect_uris: client.redirect_uris ?? [],
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    grant_types: client.grant_types,
    response_types: responseTypes,
    scope: [...new Set(client.scope.split(/\s+/).filter(Boolean))].join(' '),
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    id_token_signed_response_alg: client.id_token_signed_response_alg,
    application_type: client.application_type,
    first_party: client.first_party,
    pkce_required: client.pkce_required,
    resource_server_for: client.resource_server_for,
  };
}
