import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { discoverAs, oidc } from '../helpers/relying-party.ts';

describe(`OpenID Connect surface with openid-client as the relying party (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.destroy());

  test('discovery describes the provider', async () => {
    const config = await discoverAs(app.url);
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, app.url);
    assert.equal(metadata.authorization_endpoint, `${app.url}/auth`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    for (const endpoint of ['token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
      assert.ok(metadata[endpoint], `${endpoint} is published`);
    }
    assert.deepEqual([...(metadata.scopes_supported ?? [])].sort(), ['email', 'groups', 'offline_access', 'openid', 'profile']);
    assert.deepEqual([...(metadata.id_token_signing_alg_values_supported ?? [])].sort(), ['ES256', 'EdDSA', 'PS256', 'RS256']);
    for (const claim of ['sub', 'preferred_username', 'email', 'email_verified', 'name']) {
      assert.ok(metadata.claims_supported?.includes(claim), `claim ${claim}`);
    }
  });

  test('the JWKS publishes RS256, ES256, EdDSA and PS256 public keys only', async () => {
    const response = await fetch(`${app.url}/jwks`);
    assert.equal(response.status, 200);
    const { keys } = (await response.json()) as { keys: Array<Record<string, string>> };
    assert.deepEqual(keys.map((k) => k['alg']).sort(), ['ES256', 'EdDSA', 'PS256', 'RS256']);
    for (const key of keys) {
      assert.ok(key['kid']);
      for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[privatePart], undefined, `no ${privatePart} in ${key['alg']}`);
    }
  });

  test('client credentials: token, introspection, revocation', async () => {
    const config = await discoverAs(app.url);
    const tokens = await oidc.clientCredentialsGrant(config);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.access_token);
    assert.ok((tokens.expires_in ?? 0) > 0);

    const active = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, 'test-confidential');

    await oidc.tokenRevocation(config, tokens.access_token);
    const revoked = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(revoked.active, false);
  });

  test('a wrong client secret is refused', async () => {
    const config = await oidc.discovery(new URL(app.url), 'test-confidential', 'not-the-secret-at-all-0123456789', undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    await assert.rejects(oidc.clientCredentialsGrant(config), (error: Error & { error?: string }) => error.error === 'invalid_client');
  });

  test('an authorization request (code + PKCE) arrives at /interaction/:uid, which answers 200', async () => {
    const config = await discoverAs(app.url);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://localhost:8080/callback',
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'state-1',
    });
    const authorize = await fetch(url, { redirect: 'manual' });
    assert.equal(authorize.status, 303);
    const location = authorize.headers.get('location') ?? '';
    assert.match(location, /^\/interaction\/[A-Za-z0-9_-]+$/);
    const cookies = authorize.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

    const page = await fetch(new URL(location, app.url), { headers: { cookie: cookies } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  });

  test('a public client without PKCE is refused here, not sent back to the app, naming the app', async () => {
    const url = new URL(`${app.url}/auth`);
    url.search = new URLSearchParams({ client_id: 'test-public', response_type: 'code', scope: 'openid', redirect_uri: 'http://localhost:8080/callback', nonce: 'n' }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /<code>invalid_request<\/code>/);
    assert.match(html, /&quot;test-public&quot; is a public client .* must use PKCE/);
  });

  test('an interaction page without its cookie is a clear error page, not a 500', async () => {
    const response = await fetch(`${app.url}/interaction/not-a-real-uid`);
    assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
    const html = await response.text();
    assert.match(html, /<h1>/);
    assert.doesNotMatch(html, /at .*\.(ts|js):\d+/, 'no stack trace');
  });

  test('an unknown client gets our error page', async () => {
    const response = await fetch(`${app.url}/auth?client_id=nobody&response_type=code&scope=openid`);
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /class="card"/);
    assert.match(html, /invalid_client/);
  });

  test('JSON callers get JSON errors', async () => {
    const response = await fetch(`${app.url}/no/such/thing`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: 'not_found', error_description: 'There is nothing at this address.' });
  });
});
