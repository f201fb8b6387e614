import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Passkey } from '../../src/db/entities/passkey.ts';
import type { User } from '../../src/db/entities/user.ts';
import { createUsersRepository } from '../../src/repositories/users.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import {
  authenticationOptions,
  authorize,
  CALLBACK,
  consent,
  fetchUserInfo,
  follow,
  followToCallback,
  HttpBrowser,
  interactionUid,
  login,
  newAuthenticator,
  postAuthentication,
  redeemCode,
  registerPasskey,
  signInWithPasskey,
  signUp,
  signUpAndRegister,
} from '../helpers/http-flow.ts';
import { nextCodeFor } from '../helpers/mail-sink.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

/**
 * Whole sign-in flows over HTTP with the software authenticator: signup, passkey creation, both
 * passkey sign-in paths, counters, consent and signup validation. The app trusts X-Forwarded-For
 * so that each HttpBrowser is its own client under the per-IP rate limits.
 */
describe(`passkey sign-in flows over HTTP (${BACKEND})`, () => {
  let app: TestApp;
  let ipCounter = 0;
  const browser = () => new HttpBrowser(app.url, { ip: `198.51.100.${++ipCounter}` });
  const userBy = (username: string) => app.container.dataSource.getRepository<User>('User').findOneByOrFail({ username });
  const passkeyOf = (credentialId: string) => app.container.dataSource.getRepository<Passkey>('Passkey').findOneByOrFail({ credentialId });
  const userCount = () => app.container.dataSource.getRepository<User>('User').count();

  /** Signs in on a fresh browser (no provider session) and returns the ID token's subject. */
  async function signInAgain(authenticator: SoftwareAuthenticator, loginName?: string): Promise<string> {
    const b = browser();
    const request = await authorize(b);
    const redirectTo = await signInWithPasskey(b, request.uid, authenticator, loginName === undefined ? {} : { login: loginName });
    return (await redeemCode(app.url, await followToCallback(b, redirectTo), request)).sub;
  }

  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  after(() => app?.destroy());

  let ada: { authenticator: SoftwareAuthenticator; sub: string } | undefined;

  test('signup → create a passkey → code → tokens → userinfo', async () => {
    const b = browser();
    const authenticator = newAuthenticator(app.url);
    const request = await authorize(b);
    await signUp(b, request.uid, 'Ada.Lovelace', 'Ada@Example.com');
    const redirectTo = await registerPasskey(b, request.uid, authenticator);
    assert.equal(new URL(redirectTo, app.url).pathname, `/auth/${request.uid}`);

    const callback = await followToCallback(b, redirectTo);
    assert.equal(callback.origin + callback.pathname, CALLBACK);
    assert.equal(callback.searchParams.get('state'), request.state);
    assert.ok(callback.searchParams.get('code'), 'first-party client: no consent, straight back with a code');

    const { tokens, sub } = await redeemCode(app.url, callback, request);
    const user = await userBy('ada.lovelace');
    assert.equal(sub, user.id, 'sub is users.id');
    assert.equal(user.email, 'ada@example.com');
    const claims = await fetchUserInfo(app.url, request.clientId, tokens.access_token, sub);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.preferred_username, 'ada.lovelace');
    assert.equal(claims.email, 'ada@example.com');
    assert.equal(claims.email_verified, true, 'signup proved the address');

    const [credential] = authenticator.credentials;
    assert.ok(credential);
    const passkey = await passkeyOf(credential.id);
    assert.equal(passkey.userId, user.id);
    assert.equal(passkey.counter, 0);
    assert.equal(passkey.deviceType, 'singleDevice');
    assert.equal(passkey.backedUp, false);
    ada = { authenticator, sub };
  });

  test('signing in again with the username (mode account) gives the same sub', async () => {
    assert.ok(ada);
    const b = browser();
    const request = await authorize(b);
    await login(b, request.uid, 'ADA@example.com');
    const options = await authenticationOptions(b, request.uid, 'account');
    assert.deepEqual(options.allowCredentials?.map((c) => c.id), [ada.authenticator.credentials[0]?.id]);
    assert.equal(options.userVerification, 'required');
    assert.equal(options.rpId, 'localhost');
    const response = await postAuthentication(b, request.uid, 'account', ada.authenticator.authenticate(options));
    assert.equal(response.status, 200);
    const { redirectTo } = (await response.json()) as { redirectTo: string };
    const { sub } = await redeemCode(app.url, await followToCallback(b, redirectTo), request);
    assert.equal(sub, ada.sub);
  });

  test('usernameless sign-in (mode autofill) gives the same sub', async () => {
    assert.ok(ada);
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    assert.deepEqual(options.allowCredentials ?? [], [], 'autofill names no credentials');
    const response = await postAuthentication(b, request.uid, 'autofill', ada.authenticator.authenticate(options));
    assert.equal(response.status, 200);
    const { redirectTo } = (await response.json()) as { redirectTo: string };
    const { sub } = await redeemCode(app.url, await followToCallback(b, redirectTo), request);
    assert.equal(sub, ada.sub);
  });

  test('an account disabled elsewhere (the admin CLI) is refused at the passkey check at once, though this process cached it', async () => {
    const { authenticator, sub } = await signUpAndRegister(app.url, { username: 'dis', email: 'dis@example.com', ip: '203.0.113.49' });
    assert.equal(await signInAgain(authenticator), sub, 'signed in: the account is in the cache now');
    const elsewhere = createUsersRepository(app.container.dataSource);
    await elsewhere.setDisabled(sub, new Date());
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    const response = await postAuthentication(b, request.uid, 'autofill', authenticator.authenticate(options));
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'passkey_rejected');
    assert.equal(b.cookies.has('idp_remember'), false);
    await elsewhere.setDisabled(sub, null);
    assert.equal(await signInAgain(authenticator), sub, 'enabled again: signs in');
  });

  test('a synced passkey (counter always 0) signs in again and again', async () => {
    const authenticator = newAuthenticator(app.url, { counterStep: 0, backupEligible: true, backedUp: true });
    const { sub } = await signUpAndRegister(app.url, { username: 'synced', email: 'synced@example.com', ip: '203.0.113.50', authenticator });
    const credentialId = authenticator.credentials[0]?.id ?? '';
    const stored = await passkeyOf(credentialId);
    assert.equal(stored.deviceType, 'multiDevice');
    assert.equal(stored.backedUp, true);
    for (const loginName of ['synced', undefined, 'synced', undefined]) {
      assert.equal(await signInAgain(authenticator, loginName), sub);
    }
    assert.equal((await passkeyOf(credentialId)).counter, 0);
  });

  test('a device-bound passkey whose counter goes backwards is refused; the stored counter stays', async () => {
    const { authenticator, sub } = await signUpAndRegister(app.url, { username: 'device', email: 'device@example.com', ip: '203.0.113.51' });
    const credentialId = authenticator.credentials[0]?.id ?? '';
    assert.equal(await signInAgain(authenticator, 'device'), sub);
    assert.equal(await signInAgain(authenticator), sub);
    const before = await passkeyOf(credentialId);
    assert.equal(before.counter, 2);

    for (const counter of [1, 2, 0]) {
      const b = browser();
      const request = await authorize(b);
      const options = await authenticationOptions(b, request.uid, 'autofill');
      const response = await postAuthentication(b, request.uid, 'autofill', authenticator.authenticate(options, { counter }));
      assert.equal(response.status, 400, `counter ${counter} after 2`);
      assert.equal(((await response.json()) as { error: string }).error, 'passkey_rejected');
      assert.equal(b.cookies.has('idp_remember'), false);
      assert.deepEqual(await passkeyOf(credentialId), before, 'counter and last_used_at unchanged');
    }
    // The genuine authenticator has moved on (its counter is past 2): it still signs in.
    assert.equal(await signInAgain(authenticator), sub);
    assert.ok((await passkeyOf(credentialId)).counter > 2);
  });

  test('last_used_at is set by each successful sign-in', async () => {
    assert.ok(ada);
    const credentialId = ada.authenticator.credentials[0]?.id ?? '';
    const startedAt = Date.now();
    await signInAgain(ada.authenticator, 'ada.lovelace');
    const first = (await passkeyOf(credentialId)).lastUsedAt;
    assert.ok(first instanceof Date, 'last_used_at set');
    assert.ok(first.getTime() >= startedAt - 1000, `${first.toISOString()} is recent`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await signInAgain(ada.authenticator);
    const second = (await passkeyOf(credentialId)).lastUsedAt;
    assert.ok(second instanceof Date);
    assert.ok(second.getTime() > first.getTime(), 'moves forward');
  });

  test("one interaction's challenge cannot complete another interaction", async () => {
    assert.ok(ada);
    const a = browser();
    const b = browser();
    const requestA = await authorize(a);
    const requestB = await authorize(b);
    const optionsA = await authenticationOptions(a, requestA.uid, 'autofill');
    const optionsB = await authenticationOptions(b, requestB.uid, 'autofill');
    assert.notEqual(optionsA.challenge, optionsB.challenge);
    const overA = ada.authenticator.authenticate(optionsA);

    const stolen = await postAuthentication(b, requestB.uid, 'autofill', overA);
    assert.equal(stolen.status, 400);
    assert.equal(((await stolen.json()) as { error: string }).error, 'passkey_rejected');
    assert.equal(b.cookies.has('idp_remember'), false);

    // B's failed attempt did not use up A's challenge: A's own sign-in completes.
    const own = await postAuthentication(a, requestA.uid, 'autofill', overA);
    assert.equal(own.status, 200);
    const { redirectTo } = (await own.json()) as { redirectTo: string };
    assert.equal((await redeemCode(app.url, await followToCallback(a, redirectTo), requestA)).sub, ada.sub);
  });

  test('a passkey sign-in sets the remembered-user cookie, which skips the username step next time', async () => {
    assert.ok(ada);
    const b = browser();
    const request = await authorize(b);
    const options = await authenticationOptions(b, request.uid, 'autofill');
    const response = await postAuthentication(b, request.uid, 'autofill', ada.authenticator.authenticate(options));
    assert.equal(response.status, 200);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('idp_remember='));
    assert.ok(cookie, 'idp_remember set');
    assert.match(cookie, /httponly/i);
    assert.match(cookie, /samesite=lax/i);
    assert.match(cookie, /path=\//i);
    assert.equal(b.cookies.get('idp_remember'), ada.sub, 'holds the user id only');
    assert.ok(b.cookies.get('idp_remember.sig'), 'signed');

    // A later visit with only that cookie (no provider session) goes straight to the passkey step.
    const later = browser();
    for (const name of ['idp_remember', 'idp_remember.sig']) later.cookies.set(name, b.cookies.get(name) ?? '');
    const next = await authorize(later);
    const page = await later.get(`/interaction/${next.uid}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(await page.text(), /name="login"/, 'no username field');
    const accountOptions = await authenticationOptions(later, next.uid, 'account');
    assert.deepEqual(accountOptions.allowCredentials?.map((c) => c.id), [ada.authenticator.credentials[0]?.id]);
    const verified = await postAuthentication(later, next.uid, 'account', ada.authenticator.authenticate(accountOptions));
    assert.equal(verified.status, 200);
    const { redirectTo } = (await verified.json()) as { redirectTo: string };
    assert.equal((await redeemCode(app.url, await followToCallback(later, redirectTo), next)).sub, ada.sub);

    // A forged (unsigned) cookie is ignored: back to the username step.
    const forged = browser();
    forged.cookies.set('idp_remember', ada.sub);
    const forgedRequest = await authorize(forged);
    assert.match(await (await forged.get(`/interaction/${forgedRequest.uid}`)).text(), /name="login"/);
  });

  test('third-party client: consent allow → code; deny → access_denied', async () => {
    const b = browser();
    const authenticator = newAuthenticator(app.url);
    const request = await authorize(b, { clientId: 'test-public' });
    await signUp(b, request.uid, 'grace', 'grace@example.com');
    const consentPage = await follow(b, await registerPasskey(b, request.uid, authenticator));
    assert.match(consentPage.pathname, /^\/interaction\//, 'asked for consent, not sent back');
    const page = await b.get(consentPage);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /name="decision"/);
    const allowed = await consent(b, interactionUid(consentPage), 'allow');
    assert.equal(allowed.searchParams.get('state'), request.state);
    const { tokens, sub } = await redeemCode(app.url, allowed, request);
    assert.equal(sub, (await userBy('grace')).id);
    assert.equal((await fetchUserInfo(app.url, 'test-public', tokens.access_token, sub)).preferred_username, 'grace');

    // Another browser, the same passkey: this time the user says no.
    const other = browser();
    const second = await authorize(other, { clientId: 'test-public' });
    const asked = await follow(other, await signInWithPasskey(other, second.uid, authenticator));
    assert.match(asked.pathname, /^\/interaction\//);
    const denied = await consent(other, interactionUid(asked), 'deny');
    assert.equal(denied.origin + denied.pathname, CALLBACK);
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('state'), second.state);
    assert.equal(denied.searchParams.get('code'), null);
  });

  test('signup validation: each problem is a 422 with its message, and no user is created', async () => {
    assert.ok(ada);
    const b = browser();
    const request = await authorize(b);
    const cases: Array<[string, string, RegExp]> = [
      ['a!', 'new@example.com', /Use at least 3 characters|Use only letters/],
      ['bad name', 'new@example.com', /Use only letters, digits, dots, dashes and underscores/],
      ['newuser', 'not-an-email', /Enter an email address like name@example.com/],
      ['ADA.LOVELACE', 'new@example.com', /This username is taken/],
      ['newuser', 'ADA@example.COM', /An account with this email already exists/],
    ];
    const count = await userCount();
    for (const [username, email, message] of cases) {
      const response = await b.postForm(`/interaction/${request.uid}/signup`, { username, email });
      assert.equal(response.status, 422, `${username} / ${email}`);
      assert.match(await response.text(), message);
    }
    assert.equal(await userCount(), count, 'no user created');
    const registerOptions = await b.postJson(`/interaction/${request.uid}/passkey/register/options`, {});
    assert.equal(registerOptions.status, 403, 'a failed signup proves nothing');
  });

  test('signup proves the address first: no account until the mailed code, five tries, resend, single use', async () => {
    const b = browser();
    const request = await authorize(b);
    const base = `/interaction/${request.uid}`;
    const count = await userCount();
    const signupResponse = await b.postForm(`${base}/signup`, { username: 'grace.h', email: 'Grace.Hopper@Example.com' });
    assert.equal(signupResponse.status, 303, await signupResponse.text());
    const { mail, code: first } = await nextCodeFor('grace.hopper@example.com');
    assert.match(mail.parsed.subject ?? '', /code/i);
    assert.match(mail.parsed.text ?? '', /grace\.h/, 'the mail names the account being created');
    assert.equal(await userCount(), count, 'no account before the code');
    const page = await (await b.get(`${base}/signup/verify`)).text();
    assert.match(page, /<label for="code">Code<\/label>/);
    assert.match(page, />Verify<\/button>/);
    assert.match(page, /grace.hopper@example\.com/);

    const wrong = first.startsWith('A') ? 'B' + first.slice(1) : 'A' + first.slice(1);
    const refused = await b.postForm(`${base}/signup/verify`, { code: wrong });
    assert.equal(refused.status, 422);
    assert.match(await refused.text(), /That code is not right\. 4 tries left\./);
    assert.match(await (await b.postForm(`${base}/signup/verify`, { code: 'nope' })).text(), /this did not count as a try/);

    // A new code replaces the old one.
    assert.equal((await b.postForm(`${base}/signup/resend`, {})).status, 303);
    const { code: second } = await nextCodeFor('grace.hopper@example.com');
    assert.equal((await b.postForm(`${base}/signup/verify`, { code: first })).status, 422, 'the old code stopped working');
    assert.equal(await userCount(), count);

    const verified = await b.postForm(`${base}/signup/verify`, { code: second });
    assert.equal(verified.status, 303);
    const user = await userBy('grace.h');
    assert.equal(user.email, 'grace.hopper@example.com');
    assert.equal(user.emailVerified, true, 'the address is proven');
    assert.equal(await userCount(), count + 1);
    assert.equal((await b.postForm(`${base}/signup/verify`, { code: second })).status, 400, 'the code is spent');
    assert.match(await (await b.get(base)).text(), /Create a passkey/);
  });

  test('five wrong signup codes end the code; another browser cannot type this one', async () => {
    const b = browser();
    const base = `/interaction/${(await authorize(b)).uid}`;
    await b.postForm(`${base}/signup`, { username: 'guesser', email: 'guesser@example.com' });
    const { code } = await nextCodeFor('guesser@example.com');
    const stranger = browser();
    const strangerBase = `/interaction/${(await authorize(stranger)).uid}`;
    assert.equal((await stranger.postForm(`${strangerBase}/signup/verify`, { code })).status, 400, 'codes belong to their sign-in');
    const wrong = code.startsWith('A') ? 'B' + code.slice(1) : 'A' + code.slice(1);
    for (let i = 0; i < 5; i++) await b.postForm(`${base}/signup/verify`, { code: wrong });
    const after = await b.postForm(`${base}/signup/verify`, { code });
    assert.equal(after.status, 400);
    assert.equal((await app.container.dataSource.getRepository<User>('User').countBy({ username: 'guesser' })), 0);
  });

  test('only real signups count towards the per-IP limit: validation errors never do', async () => {
    const b = browser();
    const base = `/interaction/${(await authorize(b)).uid}`;
    for (let i = 0; i < 15; i++) {
      assert.equal((await b.postForm(`${base}/signup`, { username: 'x', email: 'nope' })).status, 422, `try ${i + 1}`);
    }
    assert.equal((await b.postForm(`${base}/signup`, { username: 'realone', email: 'realone@example.com' })).status, 303);
    await nextCodeFor('realone@example.com');
  });
});
