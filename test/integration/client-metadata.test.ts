import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { clientsFromFiles, relyingPartyFor } from '../helpers/file-clients.ts';
import { CALLBACK, codeRequestUrl, follow, signUpAndRegister, type HttpBrowser } from '../helpers/http-flow.ts';
import { oidc } from '../helpers/relying-party.ts';

const SECRET = 'client-metadata-secret-0123456789abcdef';
const base = { client_secret: SECRET, redirect_uris: [CALLBACK], first_party: true };

/**
 * Registration metadata apps commonly send, in client files: the PS256 ID token signature,
 * signed userinfo, default_max_age, require_auth_time, and contacts (kept, never used).
 */
describe(`client metadata apps register (${BACKEND})`, () => {
  let app: TestApp;
  let browser: HttpBrowser;

  before(async () => {
    const files = await clientsFromFiles({
      'pss.json': { ...base, client_id: 'pss', id_token_signed_response_alg: 'PS256', contacts: ['ops@example.com'] },
      'signed-userinfo.json': { ...base, client_id: 'signed-userinfo', userinfo_signed_response_alg: 'ES256' },
      'auth-time.json': { ...base, client_id: 'auth-time', require_auth_time: true },
      'plain.json': { ...base, client_id: 'plain' },
      'max-age.json': { ...base, client_id: 'max-age', default_max_age: 600 },
    });
    app = await startTestApp({ clients: [...TEST_CLIENTS, ...files] });
    ({ browser } = await signUpAndRegister(app.url, { username: 'lin', email: 'lin@example.com' }));
  });
  after(() => app?.destroy());

  /** Code + PKCE with the session `browser` holds; returns where the browser ends up and how to redeem. */
  async function authorize(clientId: string, metadata: Partial<oidc.ClientMetadata> = {}) {
    const config = await relyingPartyFor(app.url, clientId, oidc.ClientSecretBasic(SECRET), metadata);
    const { url, verifier, state } = await codeRequestUrl(config);
    const landed = await follow(browser, url);
    const redeem = () => oidc.authorizationCodeGrant(config, landed, { pkceCodeVerifier: verifier, expectedState: state });
    return { config, landed, redeem };
  }

  test('id_token_signed_response_alg PS256: the ID token is signed by the PS256 key of the JWKS', async () => {
    const { redeem } = await authorize('pss');
    const tokens = await redeem();
    const idToken = tokens.id_token ?? '';
    const { alg, kid } = decodeProtectedHeader(idToken);
    assert.equal(alg, 'PS256');
    const published = ((await (await fetch(`${app.url}/jwks`)).json()) as { keys: Array<{ kid: string; alg: string }> }).keys;
    assert.equal(published.find((key) => key.kid === kid)?.alg, 'PS256');
    const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(`${app.url}/jwks`)), { issuer: app.url, audience: 'pss', algorithms: ['PS256'] });
    assert.equal(payload['preferred_username'], 'lin');
  });

  test('userinfo_signed_response_alg ES256: userinfo is a JWT signed with the ES256 key, which openid-client verifies', async () => {
    const { redeem, config } = await authorize('signed-userinfo', { userinfo_signed_response_alg: 'ES256' });
    const tokens = await redeem();
    const raw = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.match(raw.headers.get('content-type') ?? '', /^application\/jwt/);
    const jwt = await raw.text();
    assert.equal(decodeProtectedHeader(jwt).alg, 'ES256');
    const { payload } = await jwtVerify(jwt, createRemoteJWKSet(new URL(`${app.url}/jwks`)), { issuer: app.url, audience: 'signed-userinfo' });
    assert.equal(payload['email'], 'lin@example.com');
    const claims = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
    assert.equal(claims['preferred_username'], 'lin');
  });

  test('require_auth_time: the ID token carries auth_time even without a new sign-in; others do not', async () => {
    const withIt = (await (await authorize('auth-time')).redeem()).claims();
    const without = (await (await authorize('plain')).redeem()).claims();
    assert.equal(typeof withIt?.auth_time, 'number');
    assert.equal(without?.auth_time, undefined);
  });

  test('default_max_age: an older sign-in is asked again, as if the app had sent max_age', async () => {
    const fresh = await authorize('max-age');
    assert.ok(fresh.landed.href.startsWith(`${CALLBACK}?`), 'within the age the session is used');
    // The person signed in an hour ago (the session as stored says so), beyond the app's 10 minutes.
    const session = await app.container.provider.Session.find(browser.cookies.get('_session') ?? '');
    assert.ok(session?.loginTs);
    session.loginTs -= 3600;
    await session.save(3600);
    const stale = await authorize('max-age');
    assert.match(stale.landed.pathname, /^\/interaction\//, 'past it the person signs in again');
    const control = await authorize('plain');
    assert.ok(control.landed.href.startsWith(`${CALLBACK}?`), 'other apps still use the session');
  });
});
