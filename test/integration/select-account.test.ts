import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import {
  authenticationOptions,
  CALLBACK,
  codeRequestUrl,
  followToCallback,
  HttpBrowser,
  interactionUid,
  login,
  postAuthentication,
  redeemCode,
  relyingParty,
  signInWithPasskey,
  signUpAndRegister,
  type AuthorizationRequest,
} from '../helpers/http-flow.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

interface Person {
  username: string;
  sub: string;
  authenticator: SoftwareAuthenticator;
}

/**
 * OIDC Core 3.1.2.1's prompt=select_account ("Choose an account"), login_hint, max_age and
 * prompt=login, over HTTP with the software authenticator and openid-client as the app.
 */
describe(`choosing an account, login_hint, max_age and prompt=login (${BACKEND})`, () => {
  let app: TestApp;
  let ipCounter = 0;
  const newBrowser = () => new HttpBrowser(app.url, { ip: `198.51.100.${++ipCounter}` });
  let ada: Person;
  let bob: Person;

  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    const signedUp = await signUpAndRegister(app.url, { username: 'ada', email: 'ada@example.com', ip: '198.51.100.250' });
    ada = { username: 'ada', sub: signedUp.sub, authenticator: signedUp.authenticator };
    await app.container.users.update(ada.sub, { name: 'Ada Lovelace' });
    const other = await signUpAndRegister(app.url, { username: 'bob', email: 'bob@example.com', ip: '198.51.100.251' });
    bob = { username: 'bob', sub: other.sub, authenticator: other.authenticator };
  });
  after(() => app?.destroy());

  /** The app sends the browser to /auth with `params`; returns the answer and how to redeem a code. */
  async function authorizeWith(browser: HttpBrowser, params: Record<string, string>) {
    const { url, verifier, state } = await codeRequestUrl(await relyingParty(app.url), params);
    const request: Pick<AuthorizationRequest, 'verifier' | 'state' | 'clientId'> = { verifier, state, clientId: 'test-confidential' };
    const response = await browser.get(url);
    assert.equal(response.status, 303, `/auth answers with a redirect: ${await response.clone().text()}`);
    return { location: new URL(response.headers.get('location') ?? '', app.url), request };
  }

  /** The app's request must reach one of our pages: returns its uid and HTML. */
  async function interactionPage(browser: HttpBrowser, params: Record<string, string>) {
    const { location, request } = await authorizeWith(browser, params);
    assert.match(location.pathname, /^\/interaction\//, `sent to a sign-in page, not ${location.href}`);
    const uid = interactionUid(location);
    return { uid, request, html: await pageHtml(browser, uid) };
  }

  async function pageHtml(browser: HttpBrowser, uid: string): Promise<string> {
    const response = await browser.get(`/interaction/${uid}`);
    assert.equal(response.status, 200);
    return response.text();
  }

  /** A browser where `person` has just signed in (passkey, usernameless), with a provider session. */
  async function signedInAs(person: Person): Promise<HttpBrowser> {
    const browser = newBrowser();
    const { uid, request } = await interactionPage(browser, {});
    const callback = await followToCallback(browser, await signInWithPasskey(browser, uid, person.authenticator));
    assert.equal((await redeemCode(app.url, callback, request)).sub, person.sub);
    return browser;
  }

  /** Moves the session's sign-in time back by `seconds`, as if the person had signed in that long ago. */
  async function signedInAgo(browser: HttpBrowser, seconds: number): Promise<number> {
    const session = await app.container.provider.Session.find(browser.cookies.get('_session') ?? '');
    assert.ok(session?.loginTs, 'the browser has a provider session');
    session.loginTs -= seconds;
    await session.save(3600);
    return session.loginTs;
  }

  const choose = (browser: HttpBrowser, uid: string, choice: string, origin?: string) =>
    browser.postForm(`/interaction/${uid}/select-account`, { choice }, origin === undefined ? {} : { origin });

  const isChooser = (html: string) => /<h1>Choose an account<\/h1>/.test(html);
  const isUsernameStep = (html: string) => /<label for="login">Username or email<\/label>/.test(html);

  /** Signing in as someone else while the browser has a session: oidc-provider ends the old session first. */
  async function replacingTheSession(browser: HttpBrowser, resume: string): Promise<URL> {
    // An automatic form post to its logout confirmation, which then resumes the sign-in.
    const page = await (await browser.get(resume)).text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(xsrf, `a logout form for the old session: ${page.slice(0, 200)}`);
    const loggedOut = await browser.postForm('/session/end/confirm', { xsrf, logout: 'yes' });
    assert.equal(loggedOut.status, 303);
    return followToCallback(browser, loggedOut.headers.get('location') ?? '');
  }

  test('discovery lists select_account among the prompt values', async () => {
    const metadata = (await (await fetch(`${app.url}/.well-known/openid-configuration`)).json()) as { prompt_values_supported?: string[] };
    assert.deepEqual([...(metadata.prompt_values_supported ?? [])].sort(), ['consent', 'login', 'none', 'select_account']);
  });

  test('with a session: "Choose an account" → Continue → a code for the same account, no new sign-in', async () => {
    const browser = await signedInAs(ada);
    const loginTs = await signedInAgo(browser, 600);
    // max_age (a day) only so that the ID token carries auth_time; the sign-in is well within it.
    const { uid, request, html } = await interactionPage(browser, { prompt: 'select_account', max_age: '86400' });
    assert.ok(isChooser(html), 'the "Choose an account" page');
    assert.match(html, /<title>Choose an account · /);
    assert.match(html, /Ada Lovelace/);
    assert.match(html, /ada · ada@example\.com/);
    assert.match(html, /<button class="button primary" type="submit" name="choice" value="continue" autofocus>Continue as Ada Lovelace<\/button>/);
    assert.match(html, /<button class="button secondary" type="submit" name="choice" value="other">Use a different account<\/button>/);
    assert.doesNotMatch(html, /<script/, 'a plain form: no script needed');

    const chosen = await choose(browser, uid, 'continue');
    assert.equal(chosen.status, 303);
    const callback = await followToCallback(browser, chosen.headers.get('location') ?? '');
    assert.equal(callback.searchParams.get('state'), request.state);
    const { tokens, sub } = await redeemCode(app.url, callback, request);
    assert.equal(sub, ada.sub);
    assert.equal(tokens.claims()?.auth_time, loginTs, 'auth_time is still the earlier sign-in');
  });

  test('the page is in the language asked for (ui_locales), German and French', async () => {
    const browser = await signedInAs(ada);
    const german = await interactionPage(browser, { prompt: 'select_account', ui_locales: 'de' });
    assert.match(german.html, /<h1>Konto auswählen<\/h1>/);
    assert.match(german.html, />Weiter als Ada Lovelace<\/button>/);
    assert.match(german.html, />Anderes Konto verwenden<\/button>/);
    const french = await interactionPage(browser, { prompt: 'select_account', ui_locales: 'fr' });
    assert.match(french.html, /<h1>Choisir un compte<\/h1>/);
    assert.match(french.html, />Continuer en tant que Ada Lovelace<\/button>/);
  });

  test('"Use a different account" → the username step; signing in as someone else replaces the session', async () => {
    const browser = await signedInAs(ada);
    const { uid, request, html } = await interactionPage(browser, { prompt: 'select_account' });
    assert.ok(isChooser(html));

    const other = await choose(browser, uid, 'other');
    assert.equal(other.status, 303);
    assert.equal(other.headers.get('location'), `/interaction/${uid}`);
    assert.equal(browser.cookies.get('idp_remember'), undefined, 'this browser suggests no one any more');
    assert.ok(isUsernameStep(await pageHtml(browser, uid)), 'the ordinary username step');

    // "Use a different account" on the passkey step, too, goes back to the username step, not to the chooser.
    await login(browser, uid, 'bob');
    assert.match(await pageHtml(browser, uid), /Hi, bob/);
    assert.equal((await browser.postForm(`/interaction/${uid}/switch`, {})).status, 303);
    assert.ok(isUsernameStep(await pageHtml(browser, uid)));

    const callback = await replacingTheSession(browser, await signInWithPasskey(browser, uid, bob.authenticator, { login: 'bob' }));
    assert.equal((await redeemCode(app.url, callback, request)).sub, bob.sub, 'the code is for Bob');

    // The session is Bob's now: the next request from an app goes straight back, as Bob.
    const next = await authorizeWith(browser, {});
    assert.ok(next.location.href.startsWith(`${CALLBACK}?`));
    assert.equal((await redeemCode(app.url, next.location, next.request)).sub, bob.sub);
  });

  test('"Use a different account" on the passkey step (prompt=login) also replaces the session', async () => {
    const browser = await signedInAs(ada);
    const { uid, request, html } = await interactionPage(browser, { prompt: 'login' });
    assert.ok(!isChooser(html));
    assert.equal((await browser.postForm(`/interaction/${uid}/switch`, {})).status, 303);
    assert.ok(isUsernameStep(await pageHtml(browser, uid)));
    const callback = await replacingTheSession(browser, await signInWithPasskey(browser, uid, bob.authenticator, { login: 'bob' }));
    assert.equal((await redeemCode(app.url, callback, request)).sub, bob.sub);
  });

  test('without a session, select_account is the ordinary sign-in', async () => {
    const browser = newBrowser();
    const { uid, request, html } = await interactionPage(browser, { prompt: 'select_account' });
    assert.ok(isUsernameStep(html));
    assert.ok(!isChooser(html));
    const callback = await followToCallback(browser, await signInWithPasskey(browser, uid, ada.authenticator, { login: 'ada' }));
    assert.equal((await redeemCode(app.url, callback, request)).sub, ada.sub, 'signing in answers the prompt: no chooser afterwards');
  });

  test('prompt=none select_account: the app gets invalid_request', async () => {
    const browser = await signedInAs(ada);
    const { location } = await authorizeWith(browser, { prompt: 'none select_account' });
    assert.ok(location.href.startsWith(`${CALLBACK}?`), `back at the app: ${location.href}`);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description') ?? '', /prompt none must only be used alone/);
    assert.equal(location.searchParams.get('code'), null);
  });

  test('the choice is a same-origin form for the select_account prompt only', async () => {
    const browser = await signedInAs(ada);
    const { uid } = await interactionPage(browser, { prompt: 'select_account' });
    assert.equal((await choose(browser, uid, 'continue', 'https://evil.example')).status, 403, 'cross-site: refused');
    assert.equal((await choose(browser, uid, 'whatever')).status, 400, 'an unknown choice');

    // A fresh sign-in asked for (prompt=login) cannot be skipped by posting "Continue".
    const forced = await interactionPage(browser, { prompt: 'login' });
    const skipped = await choose(browser, forced.uid, 'continue');
    assert.equal(skipped.status, 400);
    assert.match(await skipped.text(), /There is no account to choose in this sign-in/);
  });

  test('login_hint fills in the username field, and nothing more', async () => {
    const browser = newBrowser();
    const hinted = await interactionPage(browser, { login_hint: 'ada@example.com' });
    assert.ok(isUsernameStep(hinted.html), 'still the username step: the hint chooses no account');
    assert.match(hinted.html, /<input id="login" name="login" type="text" value="ada@example\.com"/);

    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const escaped = await interactionPage(newBrowser(), { login_hint: hostile });
    assert.match(escaped.html, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;img src=x onerror=alert\(2\)&gt;"/);
    assert.doesNotMatch(escaped.html, /<script>alert|<img src=x/);

    for (const unusable of ['x'.repeat(321), 'ada\u0000@example.com', 'ada\u202E@example.com']) {
      const { html } = await interactionPage(newBrowser(), { login_hint: unusable });
      assert.match(html, /<input id="login" name="login" type="text" value=""/, 'a hint the field could not hold is dropped');
    }
  });

  /** On the passkey step the session's account is remembered: a passkey ceremony for it. */
  async function passkeyAgain(browser: HttpBrowser, uid: string, person: Person): Promise<string> {
    assert.match(await pageHtml(browser, uid), new RegExp(`Hi, ${person.username === 'ada' ? 'Ada Lovelace' : person.username}`), 'the passkey step, not the chooser');
    const options = await authenticationOptions(browser, uid, 'account');
    const response = await postAuthentication(browser, uid, 'account', person.authenticator.authenticate(options));
    assert.equal(response.status, 200);
    return ((await response.json()) as { redirectTo: string }).redirectTo;
  }

  for (const [name, params] of [
    ['prompt=login', { prompt: 'login' }],
    ['max_age=0', { max_age: '0' }],
    ['max_age=60 with a sign-in 10 minutes ago', { max_age: '60' }],
    ['prompt=select_account with max_age=0', { prompt: 'select_account', max_age: '0' }],
  ] as const) {
    test(`${name}: a new passkey ceremony even with a session, and a new auth_time`, async () => {
      const browser = await signedInAs(ada);
      const earlier = await signedInAgo(browser, 600);
      const { uid, request } = await interactionPage(browser, params);
      const started = Math.floor(Date.now() / 1000);
      const callback = await followToCallback(browser, await passkeyAgain(browser, uid, ada));
      const { tokens, sub } = await redeemCode(app.url, callback, request);
      assert.equal(sub, ada.sub);
      const authTime = tokens.claims()?.auth_time;
      assert.ok(typeof authTime === 'number' && authTime >= started && authTime > earlier, `auth_time ${authTime} is the new sign-in (not ${earlier})`);

      // The new sign-in is the session's now: within max_age, no ceremony.
      const again = await authorizeWith(browser, { max_age: '60' });
      assert.ok(again.location.href.startsWith(`${CALLBACK}?`));
      assert.equal((await redeemCode(app.url, again.location, again.request)).tokens.claims()?.auth_time, authTime);
    });
  }
});
