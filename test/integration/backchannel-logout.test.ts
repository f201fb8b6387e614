import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { captureLogs } from '../helpers/capture.ts';
import { clientsFromFiles, relyingPartyFor } from '../helpers/file-clients.ts';
import { CALLBACK, codeRequestUrl, follow, signUpAndRegister, type HttpBrowser } from '../helpers/http-flow.ts';
import { oidc } from '../helpers/relying-party.ts';

const SECRET = 'backchannel-logout-secret-0123456789abc';
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A relying party's back-channel logout endpoint: records each logout_token it is sent. */
async function startLogoutReceiver(): Promise<{ url: string; tokens: string[]; server: Server }> {
  const tokens: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && req.headers['content-type'] === 'application/x-www-form-urlencoded' && token) tokens.push(token);
      res.statusCode = 200;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`, tokens, server };
}

/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when someone signs out, each app
 * they signed in to that registered a backchannel_logout_uri is POSTed a logout token signed with
 * our keys, naming the person (sub) and the session (sid), from RP-initiated logout and from the
 * account page's own "Sign out" alike.
 */
describe(`back-channel logout (${BACKEND})`, () => {
  let app: TestApp;
  let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;
  let unreachable: string;
  const logs = captureLogs();

  before(async () => {
    receiver = await startLogoutReceiver();
    // A port that was just free: the app behind it is down.
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/logout`;
    await new Promise((resolve) => closed.close(resolve));
    const files = await clientsFromFiles({
      'wiki.json': {
        client_id: 'wiki', client_secret: SECRET, redirect_uris: [CALLBACK], post_logout_redirect_uris: ['http://localhost:8080/'], first_party: true,
        backchannel_logout_uri: receiver.url, backchannel_logout_session_required: true,
      },
      'down.json': { client_id: 'down', client_secret: SECRET, redirect_uris: [CALLBACK], first_party: true, backchannel_logout_uri: unreachable },
    });
    app = await startTestApp({ clients: [...TEST_CLIENTS, ...files], logger: logs.logger });
  });
  after(async () => {
    receiver?.server.close();
    await app?.destroy();
  });

  /** Signs in to `clientId` with the session the browser holds; returns its ID token claims. */
  async function signInTo(browser: HttpBrowser, clientId: string) {
    const config = await relyingPartyFor(app.url, clientId, oidc.ClientSecretBasic(SECRET));
    const { url, verifier, state } = await codeRequestUrl(config, { scope: 'openid' });
    const tokens = await oidc.authorizationCodeGrant(config, await follow(browser, url), { pkceCodeVerifier: verifier, expectedState: state });
    return { idToken: tokens.id_token ?? '', claims: tokens.claims() as JWTPayload };
  }

  /** The logout token must verify against our JWKS, for this app, naming this person and session. */
  async function verifyLogoutToken(token: string, expected: { sub: string; sid: unknown }) {
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${app.url}/jwks`)), {
      issuer: app.url, audience: 'wiki', algorithms: ['RS256'], maxTokenAge: '2 minutes',
    });
    assert.equal(protectedHeader.typ, 'logout+jwt');
    assert.deepEqual(payload['events'], { [LOGOUT_EVENT]: {} });
    assert.equal(payload.sub, expected.sub);
    assert.equal(payload['sid'], expected.sid);
    assert.ok(expected.sid, 'the ID token carried the sid the logout token names');
    assert.equal(payload['nonce'], undefined);
    assert.ok(payload.jti);
  }

  test('RP-initiated logout at /session/end: the app receives a logout token it can verify', async () => {
    const { browser } = await signUpAndRegister(app.url, { username: 'mia', email: 'mia@example.com' });
    const { idToken, claims } = await signInTo(browser, 'wiki');
    const before = receiver.tokens.length;

    const page = await (await browser.get(`/session/end?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: 'http://localhost:8080/' })}`)).text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const done = await browser.postForm('/session/end/confirm', { xsrf, logout: 'yes' });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), 'http://localhost:8080/');

    assert.equal(receiver.tokens.length, before + 1, 'delivered before the person is sent back');
    await verifyLogoutToken(receiver.tokens.at(-1) ?? '', { sub: claims.sub ?? '', sid: claims['sid'] });
  });

  test('"Sign out" on the account page: the app receives one too, even though another app is down', async () => {
    const { browser } = await signUpAndRegister(app.url, { username: 'noa', email: 'noa@example.com' });
    const { claims } = await signInTo(browser, 'wiki');
    await signInTo(browser, 'down');
    const before = receiver.tokens.length;

    const signedOut = await browser.postForm('/account/signout', {});
    assert.equal(signedOut.status, 200);
    assert.match(await signedOut.text(), /Signed out/);

    assert.equal(receiver.tokens.length, before + 1);
    await verifyLogoutToken(receiver.tokens.at(-1) ?? '', { sub: claims.sub ?? '', sid: claims['sid'] });
    const failed = logs.entries().filter((entry) => /back-channel logout not delivered/.test(String(entry['msg'])));
    assert.deepEqual(failed.map((entry) => entry['clientId']), ['down'], 'the operator learns which app missed it');
    const account = await browser.get('/account');
    assert.match(account.headers.get('location') ?? '', /\/auth\?/, 'the session is gone');
  });

  test('discovery announces back-channel logout with sid', async () => {
    const metadata = (await (await fetch(`${app.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(metadata['backchannel_logout_supported'], true);
    assert.equal(metadata['backchannel_logout_session_supported'], true);
  });
});
