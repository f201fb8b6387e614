import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import {
  authenticationOptions,
  authorize,
  followToCallback,
  HttpBrowser,
  newAuthenticator,
  postAuthentication,
  postRegistration,
  redeemCode,
  registrationOptions,
  signUp,
  signUpAndRegister,
} from '../helpers/http-flow.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

const RELATED = ['https://login.example.org', 'https://id.example.net:8443'] as const;
/** Today's answer to an assertion or registration made for an origin that is not ours. */
const WRONG_ORIGIN = { error: 'passkey_rejected', error_description: 'This passkey could not be verified. Please try again.' };

/**
 * WEBAUTHN_RELATED_ORIGINS: the /.well-known/webauthn document, and passkey ceremonies whose
 * clientDataJSON names a related origin. A browser on such an origin asks for the issuer's RP ID
 * only after finding its origin in that document, then writes its origin into clientDataJSON; the
 * software authenticator (bound to the issuer's origin) writes the related one through its
 * `origin` override. The RP ID stays ISSUER's host (localhost here).
 */
describe(`related origins (${BACKEND})`, () => {
  let app: TestApp;
  let ipCounter = 0;
  const browser = () => new HttpBrowser(app.url, { ip: `198.51.100.${++ipCounter}` });
  let related: { authenticator: SoftwareAuthenticator; sub: string };

  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true', WEBAUTHN_RELATED_ORIGINS: RELATED.join(',') } });
    // Registered on the related origin: accepted, like one made on ISSUER's.
    const authenticator = newAuthenticator(app.url);
    const b = browser();
    const request = await authorize(b);
    await signUp(b, request.uid, 'related', 'related@example.com');
    const options = await registrationOptions(b, request.uid);
    const response = await postRegistration(b, request.uid, authenticator.register(options, { origin: RELATED[0] }));
    assert.equal(response.status, 200, await response.clone().text());
    const { redirectTo } = (await response.json()) as { redirectTo: string };
    related = { authenticator, sub: (await redeemCode(app.url, await followToCallback(b, redirectTo), request)).sub };
  });

  /** What the browser checks before it lets `origin` use the issuer's RP ID. */
  async function listedInWellKnown(origin: string): Promise<boolean> {
    const { origins } = (await (await fetch(`${app.url}/.well-known/webauthn`)).json()) as { origins: string[] };
    return origins.includes(origin);
  }
  after(() => app?.destroy());

  /** A usernameless sign-in whose assertion says it was made on `origin`. */
  async function assertFrom(origin: string, authenticator: SoftwareAuthenticator) {
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    assert.equal(options.rpId, 'localhost', 'the RP ID stays the issuer host');
    const response = await postAuthentication(b, request.uid, 'autofill', authenticator.authenticate(options, { origin }));
    return { b, request, response };
  }

  test('GET /.well-known/webauthn lists ISSUER\'s origin, then the related ones, as cacheable JSON', async () => {
    const response = await fetch(`${app.url}/.well-known/webauthn`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/);
    assert.match(response.headers.get('cache-control') ?? '', /\bpublic\b.*\bmax-age=\d+/);
    assert.deepEqual(await response.json(), { origins: [app.url, ...RELATED] });
  });

  test('an assertion made on a related origin signs in', async () => {
    for (const origin of [...RELATED, app.url]) {
      assert.ok(await listedInWellKnown(origin), origin);
      const { b, request, response } = await assertFrom(origin, related.authenticator);
      assert.equal(response.status, 200, `${origin}: ${await response.clone().text()}`);
      const { redirectTo } = (await response.json()) as { redirectTo: string };
      const { sub } = await redeemCode(app.url, await followToCallback(b, redirectTo), request);
      assert.equal(sub, related.sub, origin);
    }
  });

  test('an assertion made on any other origin is refused as before', async () => {
    const unlisted = ['https://evil.example.org', 'https://login.example.org:8443', 'http://login.example.org', 'https://id.example.net', 'https://sub.login.example.org'];
    for (const origin of unlisted) {
      // A browser would not even ask; a forged clientDataJSON is what the server must refuse.
      assert.equal(await listedInWellKnown(origin), false, origin);
      const { response } = await assertFrom(origin, related.authenticator);
      assert.equal(response.status, 400, origin);
      assert.deepEqual(await response.json(), WRONG_ORIGIN, origin);
    }
  });

  test('a registration made on an unlisted origin is refused as before', async () => {
    const b = browser();
    const request = await authorize(b);
    await signUp(b, request.uid, 'stranger', 'stranger@example.com');
    const options = await registrationOptions(b, request.uid);
    const response = await postRegistration(b, request.uid, newAuthenticator(app.url).register(options, { origin: 'https://evil.example.org' }));
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), WRONG_ORIGIN);
  });
});

describe(`without WEBAUTHN_RELATED_ORIGINS (${BACKEND})`, () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.destroy());

  test('/.well-known/webauthn is a 404', async () => {
    const response = await fetch(`${app.url}/.well-known/webauthn`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: string }).error, 'not_found');
  });

  test('only ISSUER\'s origin is accepted', async () => {
    const { authenticator, sub } = await signUpAndRegister(app.url, { username: 'plain', email: 'plain@example.com' });
    const refused = new HttpBrowser(app.url);
    const request = await authorize(refused);
    const options = await authenticationOptions(refused, request.uid, 'autofill');
    const response = await postAuthentication(refused, request.uid, 'autofill', authenticator.authenticate(options, { origin: RELATED[0] }));
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), WRONG_ORIGIN);

    const b = new HttpBrowser(app.url);
    const again = await authorize(b);
    const ok = await postAuthentication(b, again.uid, 'autofill', authenticator.authenticate(await authenticationOptions(b, again.uid, 'autofill')));
    assert.equal(ok.status, 200);
    assert.equal((await redeemCode(app.url, await followToCallback(b, ((await ok.json()) as { redirectTo: string }).redirectTo), again)).sub, sub);
  });
});
