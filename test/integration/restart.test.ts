import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND, createTestDatabase, deletePrefix, uniqueName, type TestDatabase } from '../helpers/backends.ts';
import { authorize, codeRequestUrl, follow, followAllowing, followToCallback, HttpBrowser, login, redeemCode, relyingParty, signInWithPasskey, signUpAndRegister } from '../helpers/http-flow.ts';
import { freePort } from '../helpers/ports.ts';
import { oidc } from '../helpers/relying-party.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

const LINK_PATTERN = /http:\/\/localhost:\d+(\/email\/[A-Za-z0-9_-]{22}\/[A-Za-z0-9_-]{43})/;

/**
 * A restart (or an upgrade) loses nothing people are in the middle of: sessions, refresh tokens,
 * pending sign-ins and emailed links live in the store — the embedded one persists in the SQLite
 * file, Redis keeps its own — and come back with the same issuer.
 */
describe(`a restart loses no session, refresh token, pending sign-in or emailed link (${BACKEND})`, () => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let port: number;
  const storePrefix = `${uniqueName('restart')}:`;
  let app: TestApp | undefined;
  const start = async () => {
    app = await startTestApp({ database, storePrefix, port, env: { SMTP_URL: smtp.url } });
    return app;
  };

  before(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    port = await freePort();
  });
  after(async () => {
    await app?.stop();
    await deletePrefix(storePrefix);
    await database.cleanup();
    await smtp.close();
  });

  test('everything begun before the restart carries on after it', async () => {
    const first = await start();
    // A signed-in person with a refresh token (offline_access, first-party: no consent).
    const config = await relyingParty(first.url);
    const signedIn = await signUpAndRegister(first.url, { username: 'june', email: 'june@example.com' });
    const request = await codeRequestUrl(config, { scope: 'openid offline_access', prompt: 'consent' });
    const callback = await followAllowing(signedIn.browser, request.url);
    const withRefresh = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, idTokenExpected: true });
    assert.ok(withRefresh.refresh_token, 'a refresh token before the restart');

    // A sign-in left at the passkey step, and one waiting for its emailed link.
    const pending = new HttpBrowser(first.url);
    const pendingRequest = await authorize(pending);
    await login(pending, pendingRequest.uid, 'june');
    const emailed = new HttpBrowser(first.url);
    const emailedRequest = await authorize(emailed);
    await login(emailed, emailedRequest.uid, 'june');
    assert.equal((await emailed.postForm(`/interaction/${emailedRequest.uid}/email`, {})).status, 303);
    const [, linkPath] = LINK_PATTERN.exec((await smtp.waitForMail('june@example.com')).parsed.text ?? '') ?? [];
    assert.ok(linkPath);

    await first.stop();
    const second = await start();
    assert.equal(second.url, first.url);

    // The session: the app gets a code without anyone signing in again.
    const again = await follow(signedIn.browser, (await codeRequestUrl(config, { scope: 'openid' })).url);
    assert.ok(again.searchParams.get('code'), `session kept: ${again.href}`);

    // The refresh token.
    const refreshed = await oidc.refreshTokenGrant(await relyingParty(second.url), withRefresh.refresh_token);
    assert.ok(refreshed.access_token);

    // The pending sign-in finishes with the passkey.
    const redirectTo = await signInWithPasskey(pending, pendingRequest.uid, signedIn.authenticator, {});
    const { sub } = await redeemCode(second.url, await followToCallback(pending, redirectTo), pendingRequest);
    assert.equal(sub, signedIn.sub);

    // The emailed link still confirms, in the browser that asked for it.
    const confirmed = await emailed.post(linkPath, '', undefined);
    assert.equal(confirmed.status, 303, await confirmed.text());
    assert.equal(confirmed.headers.get('location'), `/interaction/${emailedRequest.uid}`);
  });
});
