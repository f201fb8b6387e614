import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Passkey } from '../../src/db/entities/passkey.ts';
import type { User } from '../../src/db/entities/user.ts';
import { LIMITS } from '../../src/services/throttle.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import {
  authenticationOptions,
  authorize,
  follow,
  HttpBrowser,
  login,
  newAuthenticator,
  postAuthentication,
  postRegistration,
  registrationOptions,
  signUp,
  signUpAndRegister,
  type PasskeyMode,
} from '../helpers/http-flow.ts';
import { cborEncode, type CborValue, type SoftwareAuthenticator, type StoredCredential } from '../helpers/software-authenticator.ts';

interface ErrorBody {
  error?: string;
  error_description?: string;
  redirectTo?: string;
}

/**
 * A registration response for an existing credential (same id and key), over a new challenge:
 * what an attacker would send to claim someone else's passkey. Real authenticators make a new id.
 */
function reRegistration(options: PublicKeyCredentialCreationOptionsJSON, credential: StoredCredential, origin: string): RegistrationResponseJSON {
  const id = Buffer.from(credential.id, 'base64url');
  const head = Buffer.alloc(37);
  createHash('sha256').update(credential.rpId).digest().copy(head, 0);
  head[32] = 0x01 | 0x04 | 0x40; // UP, UV, attested credential data
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(id.length);
  const authData = Buffer.concat([head, Buffer.alloc(16), idLength, id, credential.publicKeyCose]);
  const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }));
  const attestation = cborEncode(new Map<string, CborValue>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
  return {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    response: { clientDataJSON: clientData.toString('base64url'), attestationObject: attestation.toString('base64url'), transports: ['internal'] },
    clientExtensionResults: {},
  };
}

/** Well-formed, and wrong in every way that matters. */
const BOGUS_ASSERTION: AuthenticationResponseJSON = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  rawId: 'AAAAAAAAAAAAAAAAAAAAAA',
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};

/**
 * Each hostile request gets a 4xx, and nothing changes: no user or passkey row moves (counter,
 * last_used_at included), no code is issued, no remembered-user cookie is set. The app trusts
 * X-Forwarded-For so each HttpBrowser counts as its own client for the per-IP limits.
 */
describe(`hostile input is refused and changes nothing (${BACKEND})`, () => {
  let app: TestApp;
  let victim: { authenticator: SoftwareAuthenticator; sub: string };
  let mallory: { authenticator: SoftwareAuthenticator; sub: string };
  let ipCounter = 0;
  const browser = () => new HttpBrowser(app.url, { ip: `192.0.2.${++ipCounter}` });

  async function snapshot() {
    const { dataSource } = app.container;
    return {
      users: await dataSource.getRepository<User>('User').find({ order: { id: 'ASC' } }),
      passkeys: await dataSource.getRepository<Passkey>('Passkey').find({ order: { id: 'ASC' } }),
    };
  }

  async function assertRefused(response: Response, status: number | 'any4xx', error?: string): Promise<ErrorBody> {
    const text = await response.text();
    if (status === 'any4xx') assert.ok(response.status >= 400 && response.status < 500, `4xx, got ${response.status}: ${text}`);
    else assert.equal(response.status, status, text);
    assert.doesNotMatch(text, /redirectTo|\bat .*\.(ts|js):\d+/, 'no way forward, no stack trace');
    assert.equal(response.headers.getSetCookie().some((c) => c.startsWith('idp_remember=')), false, 'no remembered-user cookie');
    let body: ErrorBody = {};
    if (/json/.test(response.headers.get('content-type') ?? '')) body = JSON.parse(text) as ErrorBody;
    if (error) assert.equal(body.error, error, text);
    return body;
  }

  /** Resuming the authorization after a refused step leads back to sign-in, never to a code. */
  async function assertNoCode(b: HttpBrowser, uid: string): Promise<void> {
    const where = await follow(b, `/auth/${uid}`);
    assert.match(where.pathname, /^\/interaction\//, `no code: ${where.href}`);
    assert.equal(where.searchParams.get('code'), null);
  }

  /**
   * A sign-in attempt with a forged assertion: the victim's account (mode account, after the
   * username step) or usernameless. Checks the refusal, the unchanged database and that no code is issued.
   */
  async function hostileAssertion(
    mode: PasskeyMode,
    forge: (options: PublicKeyCredentialRequestOptionsJSON) => AuthenticationResponseJSON,
    expected = { status: 400, error: 'passkey_rejected' },
  ): Promise<ErrorBody> {
    const b = browser();
    const request = await authorize(b);
    if (mode === 'account') await login(b, request.uid, 'victim');
    const options = await authenticationOptions(b, request.uid, mode);
    const before = await snapshot();
    const body = await assertRefused(await postAuthentication(b, request.uid, mode, forge(options)), expected.status, expected.error);
    assert.deepEqual(await snapshot(), before, 'database unchanged');
    await assertNoCode(b, request.uid);
    return body;
  }

  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    victim = await signUpAndRegister(app.url, { username: 'victim', email: 'victim@example.com', ip: '192.0.2.200' });
    mallory = await signUpAndRegister(app.url, { username: 'mallory', email: 'mallory@example.com', ip: '192.0.2.201' });
  });
  after(() => app?.destroy());

  test('an assertion with a bad signature', async () => {
    await hostileAssertion('account', (o) => victim.authenticator.authenticate(o, { corruptSignature: true }));
    await hostileAssertion('autofill', (o) => victim.authenticator.authenticate(o, { signWith: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }));
  });

  test('an assertion signed over another challenge', async () => {
    await hostileAssertion('account', (o) => victim.authenticator.authenticate(o, { challenge: randomBytes(32).toString('base64url') }));
  });

  test('a replayed assertion: the second post of the same response fails, here and in another interaction', async () => {
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    const response = victim.authenticator.authenticate(options);
    assert.equal((await postAuthentication(b, request.uid, 'autofill', response)).status, 200);
    const before = await snapshot();
    await assertRefused(await postAuthentication(b, request.uid, 'autofill', response), 400, 'passkey_rejected');
    assert.deepEqual(await snapshot(), before);

    await hostileAssertion('autofill', () => response);
    await hostileAssertion('account', () => response);
  });

  test('an assertion made for another origin', async () => {
    await hostileAssertion('account', (o) => victim.authenticator.authenticate(o, { origin: 'https://evil.example' }));
    await hostileAssertion('autofill', (o) => victim.authenticator.authenticate(o, { origin: 'http://localhost:1' }));
  });

  test('an assertion with the RP ID hash of another site', async () => {
    await hostileAssertion('account', (o) => victim.authenticator.authenticate(o, { rpIdHashOf: 'evil.example' }));
  });

  test('an unknown credential id', async () => {
    const unknown = randomBytes(16).toString('base64url');
    await hostileAssertion('autofill', (o) => victim.authenticator.authenticate(o, { credentialId: unknown }));
    await hostileAssertion('account', (o) => victim.authenticator.authenticate(o, { credentialId: unknown }));
  });

  test("another user's (genuine) passkey on the victim's username path", async () => {
    const body = await hostileAssertion('account', (o) => mallory.authenticator.authenticate({ ...o, allowCredentials: [] }));
    assert.match(body.error_description ?? '', /different account/);
  });

  test('user verification (UV) flag missing', async () => {
    await hostileAssertion('account', (o) => victim.authenticator.authenticate(o, { userVerified: false }));
  });

  test('user presence (UP) flag missing', async () => {
    await hostileAssertion('autofill', (o) => victim.authenticator.authenticate(o, { userPresent: false }));
  });

  test('registering a credential that is already registered (to another user)', async () => {
    const b = browser();
    const request = await authorize(b);
    await signUp(b, request.uid, 'claimant', 'claimant@example.com');
    const options = await registrationOptions(b, request.uid);
    const credential = victim.authenticator.credentials[0];
    assert.ok(credential);
    const before = await snapshot();
    await assertRefused(await postRegistration(b, request.uid, reRegistration(options, credential, app.url)), 409, 'passkey_exists');
    assert.deepEqual(await snapshot(), before, 'nothing added, the victim’s passkey untouched');
    await assertNoCode(b, request.uid);
  });

  test('registration responses with a wrong origin, no UV, another RP ID hash, or the wrong ceremony type', async () => {
    for (const overrides of [{ origin: 'https://evil.example' }, { userVerified: false }, { rpIdHashOf: 'evil.example' }, { type: 'webauthn.get' }]) {
      const b = browser();
      const request = await authorize(b);
      await signUp(b, request.uid, `reg${ipCounter}`, `reg${ipCounter}@example.com`);
      const authenticator = newAuthenticator(app.url);
      const options = await registrationOptions(b, request.uid);
      const before = await snapshot();
      await assertRefused(await postRegistration(b, request.uid, authenticator.register(options, overrides)), 400, 'passkey_rejected');
      assert.deepEqual(await snapshot(), before, JSON.stringify(overrides));
      await assertNoCode(b, request.uid);
    }
  });

  test('malformed JSON is a 400 with a JSON error', async () => {
    const b = browser();
    const request = await authorize(b);
    for (const body of ['{"mode": ', '"account"', '[1,', '{"mode":"account"}}']) {
      const response = await b.post(`/interaction/${request.uid}/passkey/options`, body, 'application/json');
      await assertRefused(response, 400, 'invalid_request');
    }
  });

  test('a 1 MB JSON body is a 413', async () => {
    const b = browser();
    const request = await authorize(b);
    const before = await snapshot();
    const huge = JSON.stringify({ mode: 'autofill', credential: { ...BOGUS_ASSERTION, padding: 'x'.repeat(1024 * 1024) } });
    await assertRefused(await b.post(`/interaction/${request.uid}/passkey/verify`, huge, 'application/json'), 413);
    assert.deepEqual(await snapshot(), before);
  });

  test('a JSON endpoint posted as text/plain (or a form) is a 415', async () => {
    const b = browser();
    const request = await authorize(b);
    const body = JSON.stringify({ mode: 'autofill' });
    const json = { headers: { accept: 'text/html' } }; // JSON endpoints answer JSON whatever is asked
    await assertRefused(await b.post(`/interaction/${request.uid}/passkey/options`, body, 'text/plain', json), 415, 'unsupported_media_type');
    await assertRefused(await b.post(`/interaction/${request.uid}/passkey/options`, 'mode=autofill', 'application/x-www-form-urlencoded', json), 415, 'unsupported_media_type');
    await assertRefused(await b.post(`/interaction/${request.uid}/passkey/verify`, body, undefined, json), 415, 'unsupported_media_type');
    // A form endpoint refuses JSON the same way.
    await assertRefused(await b.post(`/interaction/${request.uid}/login`, JSON.stringify({ login: 'victim' }), 'application/json'), 415, 'unsupported_media_type');
  });

  test('a POST without Origin, or from another origin, is a 403 and does nothing', async () => {
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    const genuine = victim.authenticator.authenticate(options);
    const verifyPath = `/interaction/${request.uid}/passkey/verify`;
    const before = await snapshot();
    for (const origin of [null, 'https://evil.example', 'null', `${app.url}.evil.example`]) {
      const sent = { origin };
      await assertRefused(await b.postJson(verifyPath, { mode: 'autofill', credential: genuine }, sent), 403, 'cross_origin_request');
      await assertRefused(await b.postForm(`/interaction/${request.uid}/signup`, { username: 'csrf', email: 'csrf@example.com' }, sent), 403);
      await assertRefused(await b.postForm(`/interaction/${request.uid}/login`, { login: 'victim' }, sent), 403);
    }
    await assertRefused(await b.postJson(verifyPath, { mode: 'autofill', credential: genuine }, { origin: null, headers: { 'sec-fetch-site': 'cross-site' } }), 403);
    assert.deepEqual(await snapshot(), before, 'no user created, no passkey used');
    await assertNoCode(b, request.uid);
  });

  test('the refused cross-origin posts did not use up the challenge', async () => {
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    const genuine = victim.authenticator.authenticate(options);
    await assertRefused(await b.postJson(`/interaction/${request.uid}/passkey/verify`, { mode: 'autofill', credential: genuine }, { origin: 'https://evil.example' }), 403);
    assert.equal((await postAuthentication(b, request.uid, 'autofill', genuine)).status, 200);
  });

  test('creating a passkey without having signed up in this interaction is a 403', async () => {
    const b = browser();
    const request = await authorize(b);
    const before = await snapshot();
    await assertRefused(await b.postJson(`/interaction/${request.uid}/passkey/register/options`, {}), 403, 'not_allowed');
    // Naming an account at the username step proves nothing either.
    await login(b, request.uid, 'victim');
    await assertRefused(await b.postJson(`/interaction/${request.uid}/passkey/register/options`, {}), 403, 'not_allowed');
    const forged = newAuthenticator(app.url).register({
      challenge: randomBytes(32).toString('base64url'),
      rp: { id: 'localhost', name: 'x' },
      user: { id: Buffer.from(victim.sub).toString('base64url'), name: 'victim', displayName: 'victim' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    });
    await assertRefused(await postRegistration(b, request.uid, forged), 403, 'not_allowed');
    assert.deepEqual(await snapshot(), before);
    await assertNoCode(b, request.uid);
  });

  test("an interaction uid that is not the cookie's is a 400", async () => {
    const b = browser();
    const first = await authorize(b);
    const second = await authorize(b); // replaces the interaction cookie
    assert.notEqual(first.uid, second.uid);
    const before = await snapshot();
    await assertRefused(await b.postJson(`/interaction/${first.uid}/passkey/options`, { mode: 'autofill' }), 400, 'session_expired');
    await assertRefused(await b.postJson(`/interaction/${first.uid}/passkey/verify`, { mode: 'autofill', credential: BOGUS_ASSERTION }), 400);
    await assertRefused(await b.postForm(`/interaction/${first.uid}/login`, { login: 'victim' }), 400);
    // No interaction cookie at all.
    const stranger = browser();
    await assertRefused(await stranger.postJson(`/interaction/${second.uid}/passkey/options`, { mode: 'autofill' }), 400, 'session_expired');
    assert.deepEqual(await snapshot(), before);
  });

  test(`after ${LIMITS.passkeyFailuresPerIp.max} failed passkey verifications from one IP the next is a 429, even a genuine one`, async () => {
    const b = browser();
    const request = await authorize(b);
    const path = `/interaction/${request.uid}/passkey/verify`;
    for (let i = 0; i < LIMITS.passkeyFailuresPerIp.max; i += 1) {
      const response = await b.postJson(path, { mode: 'autofill', credential: BOGUS_ASSERTION });
      assert.equal(response.status, 400, `attempt ${i + 1}`);
      await response.arrayBuffer();
    }
    const options = await authenticationOptions(b, request.uid, 'autofill');
    const before = await snapshot();
    const limited = await postAuthentication(b, request.uid, 'autofill', victim.authenticator.authenticate(options));
    const retryAfter = Number(limited.headers.get('retry-after'));
    await assertRefused(limited, 429, 'too_many_requests');
    assert.ok(retryAfter > 0 && retryAfter <= LIMITS.passkeyFailuresPerIp.windowSeconds, `Retry-After ${retryAfter}`);
    assert.deepEqual(await snapshot(), before);
    await assertNoCode(b, request.uid);

    // Another client is not affected.
    const other = browser();
    const otherRequest = await authorize(other);
    const otherOptions = await authenticationOptions(other, otherRequest.uid, 'autofill');
    assert.equal((await postAuthentication(other, otherRequest.uid, 'autofill', victim.authenticator.authenticate(otherOptions))).status, 200);
  });
});
