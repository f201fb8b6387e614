import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { captureLogs, type CapturedLogs } from '../helpers/capture.ts';
import { postAsClient } from '../helpers/client-endpoints.ts';
import {
  CALLBACK,
  consent,
  follow,
  HttpBrowser,
  interactionUid,
  signInWithPasskey,
  signUpAndRegister,
} from '../helpers/http-flow.ts';
import { oidc } from '../helpers/relying-party.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

/**
 * What real apps send on their default settings: confidential clients with a nonce and no PKCE
 * (mod_auth_openidc, Authlib, go-oidc, passport-openidconnect), apps that read the person from
 * the ID token (Auth.js, express-openid-connect), and apps that ask for offline_access.
 */
describe(`relying parties on their default settings (${BACKEND})`, () => {
  let app: TestApp;
  let logs: CapturedLogs;
  let person: { authenticator: SoftwareAuthenticator; sub: string };

  before(async () => {
    logs = captureLogs();
    app = await startTestApp({
      logger: logs.logger,
      clients: [
        ...TEST_CLIENTS,
        { ...TEST_CLIENTS[0]!, client_id: 'strict-pkce', pkce_required: true },
      ],
    });
    person = await signUpAndRegister(app.url, { username: 'ada', email: 'ada@example.com' });
  });
  after(() => app?.destroy());

  /** Sends a fresh browser to /auth with `params`; returns where it lands after signing in (or the refusal). */
  async function signIn(clientId: string, params: Record<string, string>) {
    const browser = new HttpBrowser(app.url);
    const url = new URL('/auth', app.url);
    url.search = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', ...params }).toString();
    const first = await browser.get(url, { headers: { accept: 'text/html' } });
    if (first.status !== 303) return { refused: first, browser };
    const uid = interactionUid(new URL(first.headers.get('location') ?? '', app.url));
    const redirectTo = await signInWithPasskey(browser, uid, person.authenticator, {});
    return { landed: await follow(browser, redirectTo), browser };
  }

  function redeem(clientId: string, code: string, extra: Record<string, string> = {}) {
    return postAsClient(app.url, 'token', clientId, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...extra });
  }

  test('a confidential client with a nonce and no PKCE signs in and redeems its code', async () => {
    const { landed } = await signIn('test-confidential', { nonce: 'n-0123456789' });
    const code = landed?.searchParams.get('code');
    assert.ok(code, `a code: ${landed?.href}`);
    const tokens = await redeem('test-confidential', code);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(decodeJwt(String(tokens.body['id_token'])).nonce, 'n-0123456789');
  });

  test('a confidential client with neither PKCE nor a nonce is refused on our page, naming the app, and logged', async () => {
    const { refused } = await signIn('test-confidential', {});
    assert.ok(refused);
    const html = await refused.text();
    assert.equal(refused.status, 400);
    assert.match(html, /the app &quot;test-confidential&quot; sent neither a PKCE code_challenge nor a nonce/i);
    assert.ok(logs.entries().some((e) => e['clientId'] === 'test-confidential' && /neither a PKCE code_challenge nor a nonce/.test(String(e['msg']))));
  });

  test('a public client without PKCE is refused, naming the app; pkce_required: true insists on PKCE', async () => {
    const publicClient = await signIn('test-public', { nonce: 'n-0123456789' });
    assert.equal(publicClient.refused?.status, 400);
    assert.match(await publicClient.refused!.text(), /&quot;test-public&quot; is a public client \(&quot;token_endpoint_auth_method&quot;: &quot;none&quot; in its client file\) and must use PKCE/);
    const strict = await signIn('strict-pkce', { nonce: 'n-0123456789' });
    assert.equal(strict.refused?.status, 400);
    assert.match(await strict.refused!.text(), /&quot;pkce_required&quot;: true/);
  });

  test('a request that sent a PKCE challenge must redeem with its verifier', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const { landed } = await signIn('test-confidential', { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const code = landed?.searchParams.get('code') ?? '';
    const without = await redeem('test-confidential', code);
    assert.equal(without.status, 400);
    assert.equal(without.body['error'], 'invalid_grant');
  });

  test('the ID token carries the claims of the granted scopes; userinfo is unchanged', async () => {
    const { landed } = await signIn('test-confidential', { nonce: 'n-1', scope: 'openid profile email' });
    const tokens = await redeem('test-confidential', landed?.searchParams.get('code') ?? '');
    const claims = decodeJwt(String(tokens.body['id_token']));
    assert.equal(claims.sub, person.sub);
    assert.equal(claims['preferred_username'], 'ada');
    assert.equal(claims['name'], 'ada');
    assert.equal(claims['email'], 'ada@example.com');
    assert.equal(claims['email_verified'], true, 'signup proved the address');

    const only = await signIn('test-confidential', { nonce: 'n-2', scope: 'openid' });
    const bare = decodeJwt(String((await redeem('test-confidential', only.landed?.searchParams.get('code') ?? '')).body['id_token']));
    assert.equal(bare['email'], undefined, 'no email without the email scope');
    assert.equal(bare['preferred_username'], undefined);
  });

  test('a first-party app listing refresh_token gets one for offline_access, with no consent page', async () => {
    const { landed } = await signIn('test-confidential', { nonce: 'n-3', scope: 'openid profile offline_access' });
    assert.ok(landed?.href.startsWith(`${CALLBACK}?`), `straight back to the app: ${landed?.href}`);
    const tokens = await redeem('test-confidential', landed?.searchParams.get('code') ?? '');
    assert.equal(tokens.status, 200);
    assert.ok(tokens.body['refresh_token'], 'a refresh token');
    assert.match(String(tokens.body['scope']), /offline_access/);
  });

  test('a third-party app gets offline_access once the person allows it on the consent page, not before', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const pkce = { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
    const asked = await signIn('test-public-offline', { scope: 'openid offline_access', prompt: 'consent', ...pkce });
    assert.match(asked.landed?.pathname ?? '', /^\/interaction\//, 'the consent page');
    const callback = await consent(asked.browser, interactionUid(asked.landed!), 'allow');
    const tokens = await redeem('test-public-offline', callback.searchParams.get('code') ?? '', { code_verifier: verifier });
    assert.ok(tokens.body['refresh_token']);

    const denied = await signIn('test-public-offline', { scope: 'openid offline_access', prompt: 'consent', ...pkce });
    const refusal = await consent(denied.browser, interactionUid(denied.landed!), 'deny');
    assert.equal(refusal.searchParams.get('error'), 'access_denied');
  });
});
