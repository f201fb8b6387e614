import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { themeCss } from '../../src/http/routes/theme.ts';
import { createTranslator } from '../../src/i18n/translator.ts';

const translate = (lang: 'de' | 'en', key: 'script.cancelledSignIn') => createTranslator(lang, { lenient: false }).t(key);
import { BACKEND } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { discoverAs, oidc } from '../helpers/relying-party.ts';
import { authorize, HttpBrowser, login, signUpAndRegister } from '../helpers/http-flow.ts';

/** Starts an authorization request and returns the interaction path and its cookies. */
async function startInteraction(app: TestApp): Promise<{ path: string; cookie: string }> {
  const config = await discoverAs(app.url);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'http://localhost:8080/callback',
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const response = await fetch(url, { redirect: 'manual' });
  return {
    path: response.headers.get('location') ?? '',
    cookie: response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '),
  };
}

describe(`hosted pages over HTTP (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { APP_NAME: 'Acme Login', APP_ACCENT: '#0a7f5a', APP_LOGO_URL: '/static/logo.svg' } });
  });
  after(() => app.destroy());

  test('the login page: labelled field with passkey autofill, no inline script, branding', async () => {
    const { path, cookie } = await startInteraction(app);
    const response = await fetch(new URL(path, app.url), { headers: { cookie } });
    const html = await response.text();
    assert.equal(response.status, 200);
    assert.match(html, /<label for="login">Username or email<\/label>/);
    assert.match(html, /autocomplete="username webauthn"/);
    assert.match(html, /<button class="button primary" type="submit">Continue<\/button>/);
    assert.match(html, />Create an account<\/a>/);
    assert.match(html, /Acme Login/);
    assert.match(html, /src="\/static\/logo.svg"/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline scripts');
    assert.doesNotMatch(html, /style="/, 'no inline styles');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(await (await fetch(`${app.url}/theme.css`)).text(), themeCss('#0a7f5a'));
  });

  test("the page scripts' messages are in the page's language, each language its own", async () => {
    const messagesOf = async (language: string) => {
      const { path, cookie } = await startInteraction(app);
      const html = await (await fetch(new URL(path, app.url), { headers: { cookie, 'accept-language': language } })).text();
      const attribute = /id="page-messages" data-messages="([^"]*)"/.exec(html)?.[1];
      assert.ok(attribute, 'the login page carries its script messages');
      const unescaped = attribute.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      return JSON.parse(unescaped) as Record<string, string>;
    };
    for (const round of [1, 2]) {
      const [german, english] = [await messagesOf('de'), await messagesOf('en')];
      assert.equal(german['cancelledSignIn'], translate('de', 'script.cancelledSignIn'), `round ${round}`);
      assert.equal(english['cancelledSignIn'], translate('en', 'script.cancelledSignIn'), `round ${round}`);
      assert.equal(Object.keys(german).length, 10);
      assert.notEqual(german['busy'], english['busy']);
    }
  });

  test('the username step works without JavaScript: a plain form post moves to the passkey step', async () => {
    await app.container.users.create({ username: 'nojs', email: 'nojs@example.com' });
    const { path, cookie } = await startInteraction(app);
    const post = await fetch(new URL(`${path}/login`, app.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: app.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'login=NoJS',
    });
    assert.equal(post.status, 303);
    assert.equal(post.headers.get('location'), path);
    const page = await (await fetch(new URL(path, app.url), { headers: { cookie } })).text();
    assert.match(page, /Hi, nojs/);
    // No passkey yet: the emailed link leads, and there is no passkey button that could not work.
    assert.match(page, /<button class="button primary" type="submit"[^>]*>Email me a sign-in link<\/button>/);
    assert.doesNotMatch(page, /Sign in with a passkey<\/button>/);
    assert.doesNotMatch(page, /<script/, 'nothing to script on this page');
    assert.match(page, /Use a different account/);
  });

  test('an account with a passkey: the passkey button leads, hidden until its script runs; <noscript> says why', async () => {
    await signUpAndRegister(app.url, { username: 'withkey', email: 'withkey@example.com' });
    const browser = new HttpBrowser(app.url);
    const { uid } = await authorize(browser);
    await login(browser, uid, 'withkey');
    const page = await (await browser.get(`/interaction/${uid}`)).text();
    assert.match(page, /<button class="button primary" type="button" id="passkey-button"[^>]* hidden>Sign in with a passkey<\/button>/);
    assert.match(page, /<button class="button secondary" type="submit">Email me a sign-in link<\/button>/);
    assert.match(page, /<noscript>.*Passkeys need JavaScript/s);
  });

  test('the username step offers a usernameless passkey button (hidden until its script runs) with the phone hint', async () => {
    const { path, cookie } = await startInteraction(app);
    const html = await (await fetch(new URL(path, app.url), { headers: { cookie } })).text();
    assert.match(html, /<div class="passkey-option" id="passkey-option" hidden>/);
    assert.match(html, /id="passkey-button"[^>]*aria-describedby="passkey-hint">Sign in with a passkey<\/button>/);
    assert.match(html, /id="passkey-hint">Your passkey can also be on your phone/);
  });

  test('an unknown username is a 422 with the message and the value kept', async () => {
    const { path, cookie } = await startInteraction(app);
    const post = await fetch(new URL(`${path}/login`, app.url), {
      method: 'POST',
      headers: { cookie, origin: app.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'login=%3Cscript%3Eghost',
    });
    assert.equal(post.status, 422);
    const html = await post.text();
    assert.match(html, /We could not find an account with that username or email/);
    assert.match(html, /value="&lt;script&gt;ghost"/, 'kept and escaped');
  });

  test('signup keeps values and shows field errors; a taken username is refused case-insensitively', async () => {
    await app.container.users.create({ username: 'taken', email: 'taken@example.com' });
    const { path, cookie } = await startInteraction(app);
    const post = await fetch(new URL(`${path}/signup`, app.url), {
      method: 'POST',
      headers: { cookie, origin: app.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=TAKEN&email=TAKEN%40example.com',
    });
    assert.equal(post.status, 422);
    const html = await post.text();
    assert.match(html, /This username is taken/);
    assert.match(html, /An account with this email already exists/);
    assert.match(html, /value="TAKEN"/);
    assert.match(html, /aria-invalid="true"/);
  });

  test('the remembered-user cookie is not set before a sign-in, and the page says who only after one', async () => {
    const { path, cookie } = await startInteraction(app);
    const response = await fetch(new URL(path, app.url), { headers: { cookie } });
    assert.ok(!response.headers.getSetCookie().some((c) => c.startsWith('idp_remember')));
  });
});

describe(`SIGNUP=closed (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { SIGNUP: 'closed' } });
  });
  after(() => app.destroy());

  test('hides the signup link and answers 404 on the signup route', async () => {
    const { path, cookie } = await startInteraction(app);
    const html = await (await fetch(new URL(path, app.url), { headers: { cookie } })).text();
    assert.doesNotMatch(html, /Create an account/);
    assert.equal((await fetch(new URL(`${path}/signup`, app.url), { headers: { cookie } })).status, 404);
    const post = await fetch(new URL(`${path}/signup`, app.url), {
      method: 'POST',
      headers: { cookie, origin: app.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=someone&email=someone%40example.com',
    });
    assert.equal(post.status, 404);
    assert.equal(await app.container.users.findByLogin('someone'), null);
  });

  test('the language links never point to another host, whatever path the request had', async () => {
    const response = await fetch(`${app.url}//evil.example/x?y=1`, { headers: { accept: 'text/html' } });
    assert.equal(response.status, 404);
    const links = [...(await response.text()).matchAll(/hreflang="\w+"|href="([^"]*)" lang=/g)].map((m) => m[1]).filter(Boolean);
    assert.ok(links.length > 0, 'the language links are there');
    for (const href of links) assert.match(href ?? '', /^\/evil\.example\/x\?y=1&amp;lang=\w\w$/);
  });
});
