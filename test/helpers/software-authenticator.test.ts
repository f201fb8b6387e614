import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, WebAuthnCredential } from '@simplewebauthn/server';
import { cborEncode, SoftwareAuthenticator } from './software-authenticator.ts';
import type { AssertionOverrides, AuthenticatorOptions, CoseAlg, RegisterOverrides } from './software-authenticator.ts';

const ORIGIN = 'http://localhost:3000';
const RP_ID = 'localhost';

function newAuthenticator(options: Partial<AuthenticatorOptions> = {}): SoftwareAuthenticator {
  return new SoftwareAuthenticator({ origin: ORIGIN, rpId: RP_ID, ...options });
}

async function registrationOptions(userName = 'alice', excludeCredentials: { id: string }[] = []) {
  return generateRegistrationOptions({
    rpName: 'Test IdP',
    rpID: RP_ID,
    userName,
    excludeCredentials,
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/** Registers a passkey through the server library and returns what a server would store. */
async function registerVerified(authenticator: SoftwareAuthenticator, userName = 'alice') {
  const options = await registrationOptions(userName);
  const response = authenticator.register(options);
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: true,
  });
  assert.equal(result.verified, true);
  assert.ok(result.registrationInfo);
  return { credential: { ...result.registrationInfo.credential }, info: result.registrationInfo, userId: options.user.id, response };
}

async function signIn(
  authenticator: SoftwareAuthenticator,
  credential: WebAuthnCredential,
  allow: boolean,
  overrides?: AssertionOverrides,
): Promise<{ response: AuthenticationResponseJSON; verify: () => ReturnType<typeof verifyAuthenticationResponse> }> {
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    userVerification: 'required',
    allowCredentials: allow ? [{ id: credential.id }] : [],
  });
  const response = authenticator.authenticate(options, overrides);
  const verify = () =>
    verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
      requireUserVerification: true,
    });
  return { response, verify };
}

/**
 * A verification fails for the intended reason: it throws an error matching `reason`, or (for
 * signature problems, which @simplewebauthn/server reports without throwing) `reason` is 'signature'
 * and it reports verified: false.
 */
async function assertRefused(verify: () => Promise<{ verified: boolean }>, reason: RegExp | 'signature'): Promise<void> {
  if (reason === 'signature') {
    assert.equal((await verify()).verified, false, 'signature should not verify');
    return;
  }
  await assert.rejects(verify, reason);
}

describe('cborEncode', () => {
  test('encodes the RFC 8949 examples we rely on', () => {
    const hex = (v: Parameters<typeof cborEncode>[0]) => cborEncode(v).toString('hex');
    assert.equal(hex(0), '00');
    assert.equal(hex(23), '17');
    assert.equal(hex(24), '1818');
    assert.equal(hex(1000), '1903e8');
    assert.equal(hex(1000000), '1a000f4240');
    assert.equal(hex(-1), '20');
    assert.equal(hex(-257), '390100');
    assert.equal(hex(true), 'f5');
    assert.equal(hex(false), 'f4');
    assert.equal(hex('IETF'), '6449455446');
    assert.equal(hex(new Uint8Array([1, 2, 3, 4])), '4401020304');
    assert.equal(hex([1, [2, 3]]), '8201820203');
    assert.equal(hex(new Map<number | string, number>([[1, 2], [3, 4]])), 'a201020304');
  });
});

describe('SoftwareAuthenticator', () => {
  for (const alg of [-7, -8, -257] as CoseAlg[]) {
    test(`registration and authentication verify with alg ${alg}`, async () => {
      const authenticator = newAuthenticator({ alg });
      const { credential, info, response } = await registerVerified(authenticator);
      assert.equal(response.response.publicKeyAlgorithm, alg);
      assert.equal(info.fmt, 'none');
      assert.equal(info.userVerified, true);
      assert.equal(info.credential.counter, 0);
      assert.equal(authenticator.credentials[0]?.alg, alg);
      const { verify } = await signIn(authenticator, credential, true);
      const result = await verify();
      assert.equal(result.verified, true);
      assert.equal(result.authenticationInfo.newCounter, 1);
    });
  }

  test('default alg is ES256 even when EdDSA is offered first', async () => {
    const authenticator = newAuthenticator();
    const { response } = await registerVerified(authenticator);
    assert.equal(response.response.publicKeyAlgorithm, -7);
  });

  test('response shapes match @simplewebauthn/browser', async () => {
    const authenticator = newAuthenticator({ aaguid: '08987058-cadc-4b81-b6e1-30de50dcbe96', backupEligible: true, backedUp: true });
    const { credential, info, response } = await registerVerified(authenticator);
    assert.equal(response.type, 'public-key');
    assert.equal(response.id, response.rawId);
    assert.equal(response.authenticatorAttachment, 'platform');
    assert.deepEqual(response.clientExtensionResults, {});
    assert.deepEqual(response.response.transports, ['internal']);
    assert.ok(response.response.publicKey && response.response.authenticatorData);
    assert.equal(info.aaguid, '08987058-cadc-4b81-b6e1-30de50dcbe96');
    assert.equal(info.credentialDeviceType, 'multiDevice');
    assert.equal(info.credentialBackedUp, true);
    const clientData: unknown = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString());
    assert.deepEqual(Object.keys(clientData as object), ['type', 'challenge', 'origin', 'crossOrigin']);
    const { response: assertion } = await signIn(authenticator, credential, true);
    assert.deepEqual(Object.keys(assertion.response).sort(), ['authenticatorData', 'clientDataJSON', 'signature', 'userHandle']);
  });

  test('discoverable sign-in (empty allowCredentials) returns the user handle', async () => {
    const authenticator = newAuthenticator();
    const { credential, userId } = await registerVerified(authenticator);
    const { response, verify } = await signIn(authenticator, credential, false);
    assert.equal(response.id, credential.id);
    assert.equal(response.response.userHandle, userId);
    assert.equal((await verify()).verified, true);
  });

  test('allowCredentials picks the listed credential; select picks among discoverable ones', async () => {
    const authenticator = newAuthenticator();
    const alice = await registerVerified(authenticator, 'alice');
    const bob = await registerVerified(authenticator, 'bob');
    assert.equal((await signIn(authenticator, bob.credential, true)).response.id, bob.credential.id);
    assert.equal((await signIn(authenticator, alice.credential, false)).response.id, alice.credential.id);
    const picked = await signIn(authenticator, bob.credential, false, { select: bob.credential.id });
    assert.equal(picked.response.response.userHandle, bob.userId);
  });

  test('counter increments by counterStep', async () => {
    const authenticator = newAuthenticator({ counterStep: 1 });
    const { credential } = await registerVerified(authenticator);
    for (const expected of [1, 2, 3]) {
      const result = await (await signIn(authenticator, credential, true)).verify();
      assert.equal(result.authenticationInfo.newCounter, expected);
      credential.counter = result.authenticationInfo.newCounter;
    }
    assert.equal(authenticator.credentials[0]?.counter, 3);
  });

  test('counterStep 0 (synced passkey) always reports 0 and still verifies', async () => {
    const authenticator = newAuthenticator({ counterStep: 0 });
    const { credential } = await registerVerified(authenticator);
    for (let i = 0; i < 3; i++) {
      const result = await (await signIn(authenticator, credential, true)).verify();
      assert.equal(result.verified, true);
      assert.equal(result.authenticationInfo.newCounter, 0);
    }
  });

  test('an explicit counter override models a cloned authenticator (counter goes backwards)', async () => {
    const authenticator = newAuthenticator();
    const { credential } = await registerVerified(authenticator);
    credential.counter = (await (await signIn(authenticator, credential, true)).verify()).authenticationInfo.newCounter;
    await assertRefused((await signIn(authenticator, credential, true, { counter: 1 })).verify, /counter value 1 was lower/);
  });

  describe('forged assertions fail verification', async () => {
    const authenticator = newAuthenticator();
    const { credential } = await registerVerified(authenticator);
    const other = newAuthenticator();
    await registerVerified(other, 'mallory');
    const otherKey = other.credentials[0]?.privateKey;
    assert.ok(otherKey);
    const cases: [string, AssertionOverrides, RegExp | 'signature'][] = [
      ['corrupt signature', { corruptSignature: true }, 'signature'],
      ['wrong origin', { origin: 'http://evil.example:3000' }, /origin/],
      ['wrong rp id hash', { rpIdHashOf: 'evil.example' }, /RP ID hash/],
      ['user verification missing', { userVerified: false }, /User verification required/],
      ['user presence missing', { userPresent: false }, /User not present/],
      ['other challenge', { challenge: Buffer.from('another challenge').toString('base64url') }, /challenge/],
      ['wrong clientData type', { type: 'webauthn.create' }, /response type/],
      ["another credential's key", { signWith: otherKey }, 'signature'],
    ];
    for (const [name, overrides, reason] of cases) {
      test(name, async () => {
        await assertRefused((await signIn(authenticator, credential, true, overrides)).verify, reason);
      });
    }
    test('the same authenticator without overrides still verifies', async () => {
      const result = await (await signIn(authenticator, { ...credential, counter: 0 }, true)).verify();
      assert.equal(result.verified, true);
    });
    test('credentialId and userHandle overrides change what is claimed', async () => {
      const { response } = await signIn(authenticator, credential, true, { credentialId: 'AAAA', userHandle: null });
      assert.equal(response.id, 'AAAA');
      assert.equal(response.rawId, 'AAAA');
      assert.equal('userHandle' in response.response, false);
    });
  });

  describe('forged registrations fail verification', () => {
    const cases: [string, RegisterOverrides, RegExp][] = [
      ['wrong origin', { origin: 'http://evil.example:3000' }, /origin/],
      ['wrong rp id hash', { rpIdHashOf: 'evil.example' }, /RP ID hash/],
      ['user verification missing', { userVerified: false }, /User verification was required/],
      ['user presence missing', { userPresent: false }, /User presence was required/],
      ['other challenge', { challenge: Buffer.from('another challenge').toString('base64url') }, /challenge/],
      ['wrong clientData type', { type: 'webauthn.get' }, /response type/],
    ];
    for (const [name, overrides, reason] of cases) {
      test(name, async () => {
        const options = await registrationOptions();
        const response = newAuthenticator().register(options, overrides);
        await assertRefused(() =>
          verifyRegistrationResponse({
            response,
            expectedChallenge: options.challenge,
            expectedOrigin: ORIGIN,
            expectedRPID: RP_ID,
            requireUserVerification: true,
          }),
          reason,
        );
      });
    }
  });

  test('excludeCredentials throws InvalidStateError', async () => {
    const authenticator = newAuthenticator();
    const { credential } = await registerVerified(authenticator);
    const options = await registrationOptions('alice', [{ id: credential.id }]);
    assert.throws(() => authenticator.register(options), { name: 'InvalidStateError' });
    assert.equal(authenticator.credentials.length, 1);
    // another authenticator does not hold it, so it may register
    assert.doesNotThrow(() => newAuthenticator().register(options));
  });

  test('no usable credential throws NotAllowedError', async () => {
    const empty = newAuthenticator();
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [] });
    assert.throws(() => empty.authenticate(options), { name: 'NotAllowedError' });
    const holder = newAuthenticator();
    await registerVerified(holder);
    const elsewhere = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: 'bm90LWhlbGQ' }] });
    assert.throws(() => holder.authenticate(elsewhere), { name: 'NotAllowedError' });
  });

  test('an rp id that does not fit the origin throws SecurityError', async () => {
    const options = await generateAuthenticationOptions({ rpID: 'example.com' });
    assert.throws(() => newAuthenticator().authenticate(options), { name: 'SecurityError' });
  });

  test('unsupported algorithms throw NotSupportedError', async () => {
    const options = await generateRegistrationOptions({ rpName: 'x', rpID: RP_ID, userName: 'a', supportedAlgorithmIDs: [-7] });
    assert.throws(() => newAuthenticator({ alg: -8 }).register(options), { name: 'NotSupportedError' });
  });

  test('importCredential lets a second authenticator sign in with the same passkey', async () => {
    const phone = newAuthenticator({ counterStep: 0, backupEligible: true, backedUp: true });
    const { credential, userId } = await registerVerified(phone);
    const stored = phone.credentials[0];
    assert.ok(stored);
    const laptop = newAuthenticator({ counterStep: 0, backupEligible: true, backedUp: true });
    laptop.importCredential(stored);
    const { response, verify } = await signIn(laptop, credential, false);
    assert.equal(response.id, credential.id);
    assert.equal(response.response.userHandle, userId);
    assert.equal((await verify()).verified, true);
  });
});
