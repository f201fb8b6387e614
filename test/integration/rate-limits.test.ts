import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LIMITS } from '../../src/services/throttle.ts';
import { nextCodeFor } from '../helpers/mail-sink.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import {
  authenticationOptions,
  authorize,
  follow,
  HttpBrowser,
  login,
  postAuthentication,
  signInWithPasskey,
  signUpAndRegister,
} from '../helpers/http-flow.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

/**
 * The limits stop strangers without locking out the owner or an office behind one address.
 * The app trusts X-Forwarded-For (one proxy hop), so each HttpBrowser's `ip` is its address.
 */
const CODE_PATTERN = /\b([2-9A-HJKMNP-Z]{4})-([2-9A-HJKMNP-Z]{4})\b/;

interface Person {
  username: string;
  authenticator: SoftwareAuthenticator;
}

/** Runs `work` for each item, `width` at a time. */
async function inPool<T>(items: T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

async function status(response: Response): Promise<number> {
  await response.arrayBuffer();
  return response.status;
}

describe(`rate limits protect the owner and the office, and stop strangers (${BACKEND})`, () => {
  let app: TestApp;
  let smtp: TestSmtpServer;
  let ipCounter = 0;
  const freshIp = () => `198.18.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;
  let owner: Person & { browser: HttpBrowser };

  before(async () => {
    smtp = await startSmtpServer();
    app = await startTestApp({ env: { TRUST_PROXY: 'true', SMTP_URL: smtp.url } });
    const signedUp = await signUpAndRegister(app.url, { username: 'victoria', email: 'victoria@example.com', ip: freshIp() });
    owner = { username: 'victoria', authenticator: signedUp.authenticator, browser: signedUp.browser };
  });
  after(async () => {
    await app?.destroy();
    await smtp?.close();
  });

  /** A sign-in by username and passkey from `ip`; returns the verify status. */
  async function passkeySignIn(person: Person, ip: string, overrides = {}): Promise<number> {
    const b = new HttpBrowser(app.url, { ip });
    const request = await authorize(b);
    await login(b, request.uid, person.username);
    const options = await authenticationOptions(b, request.uid, 'account');
    return status(await postAuthentication(b, request.uid, 'account', person.authenticator.authenticate(options, overrides)));
  }

  test('junk assertions naming the owner’s passkey stop the stranger, never the owner', async () => {
    const stranger = freshIp();
    const perAccount = LIMITS.passkeyFailuresPerAccountAndIp.max;
    const statuses: number[] = [];
    for (let i = 0; i < perAccount + 10; i++) statuses.push(await passkeySignIn(owner, stranger, { corruptSignature: true }));
    assert.deepEqual(statuses.slice(0, perAccount), Array(perAccount).fill(400), 'refused as wrong');
    assert.deepEqual(statuses.slice(perAccount), Array(10).fill(429), 'then limited, for this account from this address');

    // Strangers everywhere: sixty more junk assertions for the account from thirty addresses.
    await inPool(Array.from({ length: 30 }, freshIp), 6, async (ip) => {
      for (let i = 0; i < 2; i++) assert.equal(await passkeySignIn(owner, ip, { corruptSignature: true }), 400);
    });
    assert.equal(await passkeySignIn(owner, freshIp()), 200, 'the owner’s own passkey still signs in');
  });

  test('200 people behind one address sign in with no 429; failed and successful look-ups alike', async () => {
    const people: Person[] = [];
    await inPool(Array.from({ length: 200 }, (_, i) => i), 8, async (i) => {
      const { authenticator } = await signUpAndRegister(app.url, { username: `staff${i}`, email: `staff${i}@example.com`, ip: freshIp() });
      people[i] = { username: `staff${i}`, authenticator };
    });
    const office = freshIp();
    await inPool(people, 8, async (person, i) => {
      const b = new HttpBrowser(app.url, { ip: office });
      const request = await authorize(b);
      if (i % 10 === 0) {
        // A typo first: a look-up that finds nobody and is not handed back.
        assert.equal(await status(await b.postForm(`/interaction/${request.uid}/login`, { login: `${person.username}x` })), 422);
      }
      const redirectTo = await signInWithPasskey(b, request.uid, person.authenticator, i % 4 === 3 ? {} : { login: person.username });
      const callback = await follow(b, redirectTo);
      assert.ok(callback.searchParams.get('code'), `person ${i} got a code`);
    });
  });

  test(`an enumerator from one address gets ${LIMITS.lookupPerIp.max} look-ups an hour, then 429; others are unaffected`, async () => {
    const enumerator = new HttpBrowser(app.url, { ip: freshIp() });
    const request = await authorize(enumerator);
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.lookupPerIp.max; i++) {
      // Existing accounts (never signed in here) count like unknown names.
      const name = i % 5 === 0 ? `staff${i}` : `nobody${i}`;
      statuses.push(await status(await enumerator.postForm(`/interaction/${request.uid}/login`, { login: name })));
    }
    assert.ok(statuses.every((s) => s === 303 || s === 422), statuses.join(','));
    const limited = await enumerator.postForm(`/interaction/${request.uid}/login`, { login: 'nobody-more' });
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= LIMITS.lookupPerIp.windowSeconds, `Retry-After ${retryAfter}`);
    await limited.arrayBuffer();

    const neighbour = new HttpBrowser(app.url, { ip: freshIp() });
    await login(neighbour, (await authorize(neighbour)).uid, 'victoria');
  });

  /** Asks for a sign-in email for `username`; returns the status of the request. */
  async function askForEmail(b: HttpBrowser, username: string): Promise<{ status: number; uid: string }> {
    const request = await authorize(b);
    await login(b, request.uid, username);
    return { status: await status(await b.postForm(`/interaction/${request.uid}/email`, {})), uid: request.uid };
  }

  test('emails: a stranger gets three for the owner’s account, the owner still gets theirs; the account ceiling spares the owner’s browser', async () => {
    const stranger = new HttpBrowser(app.url, { ip: freshIp() });
    for (let i = 0; i < LIMITS.mailPerAccountAndIp.max; i++) assert.equal((await askForEmail(stranger, 'victoria')).status, 303);
    assert.equal((await askForEmail(stranger, 'victoria')).status, 429, 'the stranger is limited');

    const ownerElsewhere = new HttpBrowser(app.url, { ip: freshIp() });
    assert.equal((await askForEmail(ownerElsewhere, 'victoria')).status, 303, 'the owner, from their own address, is not');

    // Strangers from many addresses fill the account-wide ceiling…
    let sent = LIMITS.mailPerAccountAndIp.max + 1;
    while (sent < LIMITS.mailPerAccount.max) {
      assert.equal((await askForEmail(new HttpBrowser(app.url, { ip: freshIp() }), 'victoria')).status, 303);
      sent++;
    }
    assert.equal((await askForEmail(new HttpBrowser(app.url, { ip: freshIp() }), 'victoria')).status, 429, 'the account-wide ceiling');
    // …which the browser where the owner signed in with a passkey does not count against (its
    // remembered-user cookie; the sign-in session itself has ended).
    const remembered = new HttpBrowser(app.url, { ip: freshIp() });
    for (const name of ['idp_remember', 'idp_remember.sig']) {
      const value = owner.browser.cookies.get(name);
      assert.ok(value, `the owner's browser holds ${name}`);
      remembered.cookies.set(name, value);
    }
    assert.equal((await askForEmail(remembered, 'victoria')).status, 303, 'the owner’s browser still gets its email');
  });

  test('emailed sign-ins that complete are handed back: twelve people behind one address, no 429', async () => {
    const office = freshIp();
    const count = LIMITS.mailPerIp.max + 2;
    for (let i = 0; i < count; i++) {
      const username = `mailer${i}`;
      await signUpAndRegister(app.url, { username, email: `${username}@example.com`, ip: freshIp() });
      const b = new HttpBrowser(app.url, { ip: office });
      const { status: asked, uid } = await askForEmail(b, username);
      assert.equal(asked, 303, `email ${i}`);
      const mail = await smtp.waitForMail(`${username}@example.com`);
      const [, first = '', second = ''] = CODE_PATTERN.exec(mail.parsed.text ?? '') ?? [];
      const confirmed = await b.postForm(`/interaction/${uid}/email/code`, { code: `${first}${second}` });
      assert.equal(await status(confirmed), 303, `code ${i}`);
    }
  });

  test(`signups: ${LIMITS.signupPerIp.max} a hour per address, counting only forms that passed; the 429 page says why and leads back`, async () => {
    const ip = freshIp();
    const b = new HttpBrowser(app.url, { ip });
    const { uid } = await authorize(b);
    for (let i = 0; i < 12; i++) {
      assert.equal(await status(await b.postForm(`/interaction/${uid}/signup`, { username: 'x', email: 'not-an-address' })), 422, `invalid form ${i}`);
    }
    for (let i = 0; i < LIMITS.signupPerIp.max; i++) {
      const email = `office${i}@example.com`;
      assert.equal(await status(await b.postForm(`/interaction/${uid}/signup`, { username: `office${i}`, email })), 303, `signup ${i}`);
      await nextCodeFor(email);
    }
    const refused = await b.postForm(`/interaction/${uid}/signup`, { username: 'office-extra', email: 'office-extra@example.com' }, { headers: { accept: 'text/html' } });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const page = await refused.text();
    assert.match(page, /Too many accounts were created from your network\. Please wait \d+ minutes? and try again\./);
    assert.doesNotMatch(page, /passkey on another device/);
    assert.match(page, new RegExp(`<a class="button secondary" href="/interaction/${uid}">Back to sign-in</a>`));
  });
});
