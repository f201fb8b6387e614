import type { Report } from './rules.ts';
import { effectiveScope, fieldPath, LOOPBACK_HOSTS, show, type Parsed } from './schema.ts';
import type { GrantType, ResponseType } from './supported.ts';

/**
 * `response_types: ["id_token"]`: the opt-in for sign-in-only libraries (express-openid-connect's
 * default is `response_type=id_token&response_mode=form_post`). The ID token travels through the
 * browser, posted to the app by a page we serve; no access token ever does. OAuth registration
 * pairs this response type with the `implicit` grant, and oidc-provider insists on it.
 */

/** grant_types when the file has none: what its response_types need (authorization_code otherwise). */
export function defaultGrantTypes(responseTypes: readonly ResponseType[] | undefined): GrantType[] {
  if (!responseTypes || responseTypes.length === 0) return ['authorization_code'];
  return responseTypes.map((type) => (type === 'code' ? 'authorization_code' : 'implicit'));
}

/** response_types when the file has none: what its grant_types allow. */
export function defaultResponseTypes(grantTypes: readonly GrantType[]): ResponseType[] {
  return [...(grantTypes.includes('authorization_code') ? ['code' as const] : []), ...(grantTypes.includes('implicit') ? ['id_token' as const] : [])];
}

/**
 * The response modes such a client may use: form_post (and query, which oidc-provider allows for
 * `code` only). Never the fragment, where the page's scripts, and every script it loads, read it.
 */
export function responseModesFor(responseTypes: readonly ResponseType[]): string[] | undefined {
  return responseTypes.includes('id_token') ? ['query', 'form_post'] : undefined;
}

export function checkIdTokenResponseRules(client: Parsed, responseTypes: readonly ResponseType[], unresolved: Set<string>, report: Report): void {
  const idToken = responseTypes.includes('id_token');
  const implicit = client.grant_types.includes('implicit');
  if (idToken && !implicit) report(['grant_types'], '"id_token" in response_types needs the implicit grant; add implicit to grant_types');
  if (implicit && !idToken) report(['grant_types'], 'implicit is only used with "id_token" in response_types; add "id_token" there, or remove implicit');
  if (!idToken) return;

  if (client.application_type !== 'web') {
    report(['response_types'], '"id_token" is for web apps, which receive the ID token by form_post; native apps use "code"');
    return;
  }
  // The code rules in rules.ts already say these for a client that also has "code".
  if (!responseTypes.includes('code')) {
    if (!effectiveScope(client).split(' ').includes('openid')) report(['scope'], 'has no "openid" but the client signs people in; add openid');
    if ((client.redirect_uris ?? []).length === 0) {
      report(['redirect_uris'], `is ${client.redirect_uris ? 'empty' : 'missing'}; "id_token" needs at least one, e.g. ["https://app.example.com/callback"]`);
    }
  }
  (client.redirect_uris ?? []).forEach((uri, i) => {
    if (unresolved.has(fieldPath(['redirect_uris', i]))) return;
    const url = URL.parse(uri);
    // Other http URIs are refused for every client (rules.ts); these are allowed for "code" only.
    const loopbackHttp = url?.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
    if (loopbackHttp || (url?.protocol === 'https:' && url.hostname === 'localhost')) {
      report(['redirect_uris', i], `${show(uri)}: with "id_token" in response_types the browser carries the ID token, so every redirect URI must be https and not localhost; use the app's https address (for local development, a separate client file with "code")`);
    }
  });
}
