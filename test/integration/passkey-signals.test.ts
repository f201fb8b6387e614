import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import {
  authenticationOptions,
  authorize,
  HttpBrowser,
  postAuthentication,
  signUpAndRegister,
} from '../helpers/http-flow.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

interface Signals {
  rpId: string;
  userId: string;
  allAcceptedCredentialIds: string[];
  name: string;
  displayName: string;
}

const UNKNOWN = 'This passkey is not registered here. Try another passkey, or use email.';

/** The account page's data for passkey-signals.js, as the browser reads the attribute. */
function signalsIn(html: string): Signals {
  const attribute = /<div hidden id="passkey-signals" data-signals="([^"]*)"><\/div>/.exec(html)?.[1];
  assert.ok(attribute !== undefined, 'the account page carries the signals');
  const decoded = attribute.replace(/&(quot|#39|lt|gt|amp);/g, (_, entity: string) => ({ quot: '"', '#39': "'", lt: '<', gt: '>', amp: '&' })[entity] ?? '');
  return JSON.parse(decoded) as Signals;
}

/**
 * What the page scripts get for the WebAuthn Signal API: the account's passkeys and names after a
 * passkey sign-in (and on the account page), and a machine-readable "unknown passkey" when a
 * sign-in presents a credential the server does not have, told only where the message already said it.
 */
describe(`passkey signals over HTTP (${BACKEND})`, () => {
  let app: TestApp;
  let ipCounter = 0;
  const browser = () => new HttpBrowser(app.url, { ip: `203.0.113.${++ipCounter}` });
  let grace: { authenticator: SoftwareAuthenticator; sub: string; browser: HttpBrowser };

  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    grace = await signUpAndRegister(app.url, { username: 'grace', email: 'grace@example.com', ip: '203.0.113.200' });
  });
  after(() => app?.destroy());

  /** As a browser with the Signal API asks (passkey-signals.js), unless told otherwise. */
  async function signInAttempt(authenticator: SoftwareAuthenticator, signals = true) {
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    return postAuthentication(b, request.uid, 'autofill', authenticator.authenticate(options), { signals });
  }

  test('a browser without the Signal API is not sent the account\'s passkeys', async () => {
    const response = await signInAttempt(grace.authenticator, false);
    assert.equal(response.status, 200);
    const answer = (await response.json()) as Record<string, unknown>;
    assert.ok(answer['redirectTo']);
    assert.equal(answer['signals'], undefined);
  });

  test('a passkey sign-in answers the account\'s passkeys and the user handle exactly as registered', async () => {
    const response = await signInAttempt(grace.authenticator);
    assert.equal(response.status, 200);
    const { redirectTo, signals } = (await response.json()) as { redirectTo: string; signals: Signals };
    assert.ok(redirectTo);
    const [credential] = grace.authenticator.credentials;
    assert.ok(credential);
    assert.deepEqual(signals, {
      rpId: 'localhost',
      // The `user.id` of the creation options the authenticator stored: base64url of the account id's bytes.
      userId: credential.userHandle,
      allAcceptedCredentialIds: [credential.id],
      name: 'grace',
      displayName: 'grace',
    });
    assert.equal(Buffer.from(signals.userId, 'base64url').toString('utf8'), grace.sub);
  });

  test('the account page carries the same data, escaped, with the display name', async () => {
    // A display name set by an administrator may hold anything: it must stay data.
    const hostileName = '"></div><script>alert(1)</script>\'&';
    await app.container.users.update(grace.sub, { name: hostileName });
    const response = await grace.browser.get('/account');
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.doesNotMatch(html, /<script>alert/);
    const [credential] = grace.authenticator.credentials;
    assert.deepEqual(signalsIn(html), {
      rpId: 'localhost',
      userId: credential?.userHandle,
      allAcceptedCredentialIds: [credential?.id],
      name: 'grace',
      displayName: hostileName,
    });
  });

  test('a passkey the server does not know (deleted) is refused as before, and says so in a field', async () => {
    const { authenticator, sub } = await signUpAndRegister(app.url, { username: 'deleted', email: 'deleted@example.com', ip: '203.0.113.201' });
    const [passkey] = await app.container.passkeys.list(sub);
    assert.ok(passkey && (await app.container.passkeys.remove(sub, passkey.id)));
    const response = await signInAttempt(authenticator);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: 'passkey_rejected', error_description: UNKNOWN, unknown_credential: true });
  });

  test('other refusals carry no such field: a known passkey with a bad signature, or no live challenge', async () => {
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    const forged = await postAuthentication(b, request.uid, 'autofill', grace.authenticator.authenticate(options, { corruptSignature: true }));
    assert.equal(forged.status, 400);
    assert.equal(((await forged.json()) as Record<string, unknown>)['unknown_credential'], undefined);

    // An unknown credential id without this sign-in's challenge (used up above) learns nothing new.
    const unknownId = grace.authenticator.authenticate(options, { credentialId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    const late = await postAuthentication(b, request.uid, 'autofill', unknownId);
    assert.equal(late.status, 400);
    const body = (await late.json()) as Record<string, unknown>;
    assert.equal(body['unknown_credential'], undefined);
    assert.notEqual(body['error_description'], UNKNOWN);
  });
});
