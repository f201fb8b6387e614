import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import { loadClients } from '../../src/config/clients.ts';
import { DEVICE_CODE_GRANT } from '../../src/config/clients/supported.ts';
import { EXPIRED_DEVICE_CODE_KEPT_SECONDS } from '../../src/oidc/adapter.ts';
import { TTL } from '../../src/oidc/configuration.ts';
import { LIMITS } from '../../src/services/throttle.ts';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { HttpBrowser, signInWithPasskey, signUpAndRegister } from '../helpers/http-flow.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

/**
 * The device authorization grant (RFC 8628) over HTTP: a device (plain requests, as a TV app
 * sends them) asks for a code and polls; a person, with a cookie jar and a software passkey,
 * types the code at /device, signs in, sees which app and device ask, and allows or denies.
 * The app trusts X-Forwarded-For (one proxy hop), so each party's `ip` is its address.
 */

const DEVICE_UA = 'LivingRoomTV/2.1 (SmartTV; Linux armv7l)';
const DEVICE_IP = '198.51.100.23';
const CLIENT_ID = 'test-tv';
const CLIENT_NAME = 'Living-room TV';
/** The client file as an operator writes it; loaded below with the real loader. */
const CLIENT_FILE = `client_id: ${CLIENT_ID}
client_name: ${CLIENT_NAME}
token_endpoint_auth_method: none
grant_types: [${DEVICE_CODE_GRANT}, refresh_token]
`;
/** A first-party app's device client: its device sign-ins are confirmed too. */
const OWN_CLIENT: ClientMetadata = {
  client_id: 'test-tv-own',
  client_name: 'Our own TV app',
  token_endpoint_auth_method: 'none',
  grant_types: [DEVICE_CODE_GRANT],
  response_types: [],
  redirect_uris: [],
  scope: 'openid profile',
  first_party: true,
};
const BASE_20 = '[BCDFGHJKLMNPQRSTVWXZ]';
const USER_CODE = new RegExp(`^${BASE_20}{4}-${BASE_20}{4}$`);

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

interface Person {
  sub: string;
  username: string;
  authenticator: SoftwareAuthenticator;
  /** Holds a provider session already (from signing up). */
  browser: HttpBrowser;
}

const text = async (response: Response) => response.text();
/** The xsrf secret of oidc-provider's device form on a /device page. */
const xsrfOf = (html: string) => /<input type="hidden" name="xsrf" value="([^"]+)">/.exec(html)?.[1] ?? assert.fail(`no xsrf field in ${html.slice(0, 400)}`);
/** The message in a page's role="alert" element, if any. */
const alertOf = (html: string) => /role="alert">([^<]*)</.exec(html)?.[1];

describe(`device sign-in, RFC 8628 (${BACKEND})`, () => {
  let app: TestApp;
  let person: Person;
  let clientsDir: string;
  let ips = 0;
  const freshIp = () => `198.18.${Math.floor(++ips / 250)}.${(ips % 250) + 1}`;

  before(async () => {
    clientsDir = await mkdtemp(path.join(os.tmpdir(), 'device-clients-'));
    await writeFile(path.join(clientsDir, 'tv.yaml'), CLIENT_FILE);
    const device = (await loadClients(clientsDir, {})) as ClientMetadata[];
    app = await startTestApp({ clients: [...TEST_CLIENTS, ...device, OWN_CLIENT], env: { TRUST_PROXY: 'true' } });
    const signedUp = await signUpAndRegister(app.url, { username: 'tessa', email: 'tessa@example.com', ip: freshIp() });
    person = { sub: signedUp.sub, username: 'tessa', authenticator: signedUp.authenticator, browser: signedUp.browser };
  });
  after(async () => {
    await app?.destroy();
    await rm(clientsDir, { recursive: true, force: true });
  });

  // ---- the device's side: plain requests, as a TV app makes them

  async function startDevice(scope = 'openid profile email offline_access', clientId = CLIENT_ID): Promise<DeviceAuthorization> {
    const response = await fetch(`${app.url}/device/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': DEVICE_UA, 'x-forwarded-for': DEVICE_IP },
      body: new URLSearchParams({ client_id: clientId, scope }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as DeviceAuthorization;
  }

  async function poll(deviceCode: string, clientId = CLIENT_ID): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': DEVICE_UA, 'x-forwarded-for': DEVICE_IP },
      body: new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: clientId }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  // ---- the person's side

  /** The code page, then the code typed into it; the answer to the form. */
  async function enterCode(browser: HttpBrowser, code: string): Promise<Response> {
    const page = await browser.get('/device');
    assert.equal(page.status, 200);
    return browser.postForm('/device', { xsrf: xsrfOf(await text(page)), user_code: code, confirm: 'yes' });
  }

  /** Follows redirects within the issuer; returns the first answer that is not one. */
  async function follow(browser: HttpBrowser, location: string): Promise<{ response: Response; url: URL }> {
    let url = browser.url(location);
    for (let hops = 0; hops < 10; hops++) {
      const response = await browser.get(url);
      const next = response.headers.get('location');
      if (response.status !== 303 && response.status !== 302) return { response, url };
      await response.arrayBuffer();
      url = new URL(next ?? assert.fail('a redirect without Location'), url);
    }
    assert.fail('too many redirects');
  }

  /** A right code from a browser without a session: sign in with the passkey, land on the confirmation. */
  async function signInForDevice(code: string, ip = freshIp()): Promise<{ browser: HttpBrowser; confirmation: { uid: string; html: string } }> {
    const browser = new HttpBrowser(app.url, { ip });
    const entered = await enterCode(browser, code);
    assert.equal(entered.status, 303, await entered.clone().text());
    const loginUid = /^\/interaction\/([\w-]+)$/.exec(entered.headers.get('location') ?? '')?.[1];
    assert.ok(loginUid, `to sign-in: ${entered.headers.get('location')}`);
    const login = await follow(browser, `/interaction/${loginUid}`);
    assert.match(await text(login.response), /Sign in with a passkey/);
    const resume = await signInWithPasskey(browser, loginUid, person.authenticator);
    return { browser, confirmation: await confirmationPage(browser, resume) };
  }

  async function confirmationPage(browser: HttpBrowser, location: string): Promise<{ uid: string; html: string }> {
    const { response, url } = await follow(browser, location);
    const uid = /^\/interaction\/([\w-]+)$/.exec(url.pathname)?.[1];
    assert.ok(uid, `at the confirmation: ${url.href}`);
    assert.equal(response.status, 200);
    return { uid, html: await text(response) };
  }

  async function decide(browser: HttpBrowser, uid: string, decision: 'allow' | 'deny'): Promise<{ status: number; html: string }> {
    const answered = await browser.postForm(`/interaction/${uid}/consent`, { decision });
    assert.equal(answered.status, 303);
    const { response } = await follow(browser, answered.headers.get('location') ?? '');
    return { status: response.status, html: await text(response) };
  }

  test('discovery lists the device authorization endpoint and the grant', async () => {
    const metadata = (await (await fetch(`${app.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(metadata['device_authorization_endpoint'], `${app.url}/device/auth`);
    assert.ok((metadata['grant_types_supported'] as string[]).includes(DEVICE_CODE_GRANT));
  });

  test('the device gets a short code without look-alike characters, the URLs and an interval', async () => {
    const started = await startDevice();
    assert.match(started.user_code, USER_CODE);
    assert.equal(started.verification_uri, `${app.url}/device`);
    assert.equal(started.verification_uri_complete, `${app.url}/device?user_code=${started.user_code}`);
    assert.equal(started.expires_in, TTL.DeviceCode);
    assert.equal(started.interval, 5);
    assert.ok(started.device_code.length >= 32, 'the device code is a long secret');
  });

  test('verification_uri_complete shows the code filled in: a plain form with the xsrf field, no script', async () => {
    const { user_code: code, verification_uri_complete: link } = await startDevice();
    const response = await new HttpBrowser(app.url, { ip: freshIp() }).get(link);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await text(response);
    assert.match(html, /<h1>Connect a device<\/h1>/);
    assert.match(html, /<label for="user_code">Code<\/label>/);
    assert.match(html, new RegExp(`<input id="user_code" name="user_code" type="text"[^>]* value="${code}"`));
    assert.match(html, /<form method="post" action="[^"]*\/device"/);
    assert.match(html, /<input type="hidden" name="confirm" value="yes">/);
    assert.ok(xsrfOf(html).length >= 32);
    assert.match(html, /<button class="button primary" type="submit">Continue<\/button>/);
    assert.doesNotMatch(html, /<script|onfocus=|onload=/);
  });

  test('the pages speak German and French', async () => {
    const de = await (await new HttpBrowser(app.url, { ip: freshIp() }).get('/device?lang=de')).text();
    assert.match(de, /<h1>Gerät verbinden<\/h1>/);
    const fr = await (await new HttpBrowser(app.url, { ip: freshIp() }).get('/device', { headers: { 'accept-language': 'fr' } })).text();
    assert.match(fr, /<h1>Connecter un appareil<\/h1>/);
  });

  test('sign in with a passkey, see the app and the device, allow: the polling device gets tokens for that person', async () => {
    const started = await startDevice();
    assert.deepEqual(await poll(started.device_code), { status: 400, body: { error: 'authorization_pending', error_description: 'authorization request is still pending as the end-user hasn\'t yet completed the user interaction steps' } });

    // Typed in lower case, with a space for the dash: the same code.
    const typed = started.user_code.toLowerCase().replace('-', ' ');
    const { browser, confirmation } = await signInForDevice(typed);
    const { html } = confirmation;
    assert.match(html, new RegExp(`<h1>Sign in to ${CLIENT_NAME} on a device\\?</h1>`));
    assert.match(html, /You are signed in as <strong>tessa<\/strong>/);
    assert.match(html, new RegExp(`<p class="user-code">${started.user_code}</p>`));
    assert.ok(html.includes(DEVICE_UA), 'the device\'s User-Agent');
    assert.ok(html.includes(`<dd>${DEVICE_IP}</dd>`), 'the device\'s address');
    assert.match(html, /Stay signed in when you are not using it/, 'what the app will get');
    assert.match(html, /name="decision" value="allow">Allow</);
    assert.match(html, /name="decision" value="deny">Deny</);
    assert.match(html, /<form method="post" action="\/interaction\/[\w-]+\/consent">/);

    // Still pending while the person looks at the page (paced: see the slow_down test).
    const done = await decide(browser, confirmation.uid, 'allow');
    assert.equal(done.status, 200);
    assert.match(done.html, /<h1>Your device is connected<\/h1>/);
    assert.match(done.html, new RegExp(`<strong>${CLIENT_NAME}</strong> is now signed in`));

    const granted = await poll(started.device_code);
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const tokens = granted.body as { id_token: string; access_token: string; refresh_token?: string; token_type: string; scope: string };
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.refresh_token, 'offline_access gives the device a refresh token');
    const claims = decodeJwt(tokens.id_token);
    assert.equal(claims.sub, person.sub);
    assert.equal(claims.aud, CLIENT_ID);
    assert.equal(claims['preferred_username'], 'tessa');
    const userinfo = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(((await userinfo.json()) as { sub: string }).sub, person.sub);
    const counted = /^idp_tokens_issued_total\{grant="device_code"\} (\d+)$/m.exec(await app.container.metrics.scrape())?.[1];
    assert.ok(Number(counted) >= 1, `counted as device_code: ${counted}`);

    // Single use: the code cannot be approved again, and the device code cannot be redeemed again.
    const again = await enterCode(person.browser, started.user_code);
    assert.equal(again.status, 422);
    assert.equal(alertOf(await text(again)), 'This code has already been used. Start again on your device to get a new one.');
    const replayed = await poll(started.device_code);
    assert.equal(replayed.status, 400);
    assert.equal(replayed.body['error'], 'invalid_grant');
  });

  test('a signed-in person goes straight to the confirmation, which is never skipped, first-party or not', async () => {
    for (const clientId of [CLIENT_ID, CLIENT_ID, OWN_CLIENT.client_id]) {
      // The second time round the app was allowed before: the device is confirmed anyway.
      const started = await startDevice('openid profile', clientId);
      const entered = await enterCode(person.browser, started.user_code);
      assert.equal(entered.status, 303);
      const confirmation = await confirmationPage(person.browser, entered.headers.get('location') ?? '');
      assert.match(confirmation.html, new RegExp(`<p class="user-code">${started.user_code}</p>`), clientId);
      const done = await decide(person.browser, confirmation.uid, 'allow');
      assert.match(done.html, /Your device is connected/);
      const granted = await poll(started.device_code, clientId);
      assert.equal(granted.status, 200, JSON.stringify(granted.body));
      assert.equal(decodeJwt(String(granted.body['id_token'])).sub, person.sub);
    }
  });

  test('deny: the page says the device is not connected, the device gets access_denied', async () => {
    const started = await startDevice();
    const entered = await enterCode(person.browser, started.user_code);
    const confirmation = await confirmationPage(person.browser, entered.headers.get('location') ?? '');
    const denied = await decide(person.browser, confirmation.uid, 'deny');
    assert.equal(denied.status, 200);
    assert.match(denied.html, /<h1>Device not connected<\/h1>/);
    assert.match(denied.html, new RegExp(`Nothing was shared with ${CLIENT_NAME}\\.`));
    assert.match(denied.html, /<a class="button secondary" href="\/device">Enter another code<\/a>/);
    const answer = await poll(started.device_code);
    assert.equal(answer.status, 400);
    assert.equal(answer.body['error'], 'access_denied');
    // And the code is used up.
    assert.equal(alertOf(await text(await enterCode(person.browser, started.user_code))), 'This code has already been used. Start again on your device to get a new one.');
  });

  test('a wrong code gets the same answer as an expired one and says nothing more', async () => {
    const browser = new HttpBrowser(app.url, { ip: freshIp() });
    const expired = await startDevice();
    // Ten minutes later, as far as the code is concerned.
    const code = await app.container.provider.DeviceCode.find(expired.device_code);
    assert.ok(code);
    code.exp = Math.floor(Date.now() / 1000) - 1;
    await code.save();

    const answers = [];
    for (const typed of ['BCDF-GHJK', expired.user_code, 'no such code!', 'x'.repeat(200)]) {
      const response = await enterCode(browser, typed);
      answers.push({ status: response.status, alert: alertOf(await text(response)) });
    }
    const invalid = { status: 422, alert: 'This code is not valid or has expired. Check it against your device, or start again there to get a new one.' };
    assert.deepEqual(answers, [invalid, invalid, invalid, invalid]);
    // A form no browser sends: refused before any look-up.
    const huge = await browser.postForm('/device', { xsrf: 'x', user_code: 'B'.repeat(4000), confirm: 'yes' });
    assert.equal(huge.status, 413);
    assert.match(await text(huge), /<h1>[^<]+<\/h1>/);
    const empty = await enterCode(browser, '');
    assert.equal(empty.status, 422);
    assert.equal(alertOf(await text(empty)), 'Enter the code that your device shows.');
  });

  test('an expired code: the device gets expired_token (the code is kept a while past its expiry)', async () => {
    const started = await startDevice();
    const code = await app.container.provider.DeviceCode.find(started.device_code);
    assert.ok(code);
    const stored = await app.container.store.ttl(`oidc:DeviceCode:${code.jti}`);
    assert.ok(stored !== undefined && stored > TTL.DeviceCode, `kept past its expiry: ${stored}`);
    code.exp = Math.floor(Date.now() / 1000) - 1;
    await code.save();
    const ttl = await app.container.store.ttl(`oidc:DeviceCode:${code.jti}`);
    assert.ok(ttl !== undefined && ttl > EXPIRED_DEVICE_CODE_KEPT_SECONDS - 5, `still stored: ${ttl}`);
    const answer = await poll(started.device_code);
    assert.equal(answer.status, 400);
    assert.equal(answer.body['error'], 'expired_token');
  });

  test(`typing codes is limited per address (${LIMITS.deviceCodePerIp.max} wrong ones), a right code does not count`, async () => {
    const ip = freshIp();
    const browser = new HttpBrowser(app.url, { ip });
    const { max } = LIMITS.deviceCodePerIp;
    for (let i = 0; i < max - 1; i++) assert.equal((await enterCode(browser, `BCDF-GHJ${'KLMNPQRSTVWXZ'[i]}`)).status, 422);
    // A right one from the same address leads on and is handed back...
    const started = await startDevice();
    const right = await enterCode(browser, started.user_code);
    assert.equal(right.status, 303);
    // ...so one more wrong code is still answered, and the next is refused before any look-up.
    assert.equal((await enterCode(browser, 'BCDF-GHJK')).status, 422);
    const other = await startDevice();
    const refused = await enterCode(browser, other.user_code);
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
    const html = await text(refused);
    assert.match(html, /<h1>Too many attempts<\/h1>/);
    assert.match(html, /<a class="button secondary" href="\/device">Enter the code again<\/a>/);
    // Another address is not affected.
    assert.equal((await enterCode(new HttpBrowser(app.url, { ip: freshIp() }), other.user_code)).status, 303);
  });

  test('a form without the page\'s xsrf secret is refused with the code page, not a 500', async () => {
    const browser = new HttpBrowser(app.url, { ip: freshIp() });
    await (await browser.get('/device')).arrayBuffer();
    const forged = await browser.postForm('/device', { xsrf: 'forged', user_code: 'BCDF-GHJK', confirm: 'yes' });
    assert.equal(forged.status, 400, await forged.clone().text());
    assert.equal(alertOf(await text(forged)), 'This page has expired. Type the code again.');
    // No session at all (cookies cleared, or it ended): no form could work, a link to a fresh one.
    const noSession = await new HttpBrowser(app.url, { ip: freshIp() }).postForm('/device', { xsrf: 'x', user_code: 'BCDF-GHJK', confirm: 'yes' });
    assert.equal(noSession.status, 400);
    const html = await text(noSession);
    assert.equal(alertOf(html), 'This page has expired. Type the code again.');
    assert.match(html, /<a class="button primary" href="\/device">Enter the code again<\/a>/);
    assert.doesNotMatch(html, /<form/);
    // The return from sign-in without its cookies (another browser, an old link).
    const stale = await new HttpBrowser(app.url, { ip: freshIp() }).get('/device/some-old-sign-in');
    assert.equal(stale.status, 400);
    assert.match(alertOf(await text(stale)) ?? '', /^This sign-in took too long, or was started in another browser/);
  });

  test('polling faster than the interval gets slow_down; waiting the longer interval is honoured', { timeout: 60_000 }, async () => {
    const started = await startDevice();
    assert.equal((await poll(started.device_code)).body['error'], 'authorization_pending');
    const tooSoon = await poll(started.device_code);
    assert.equal(tooSoon.status, 400);
    assert.equal(tooSoon.body['error'], 'slow_down');
    // RFC 8628 §3.5: the interval is now 5 seconds longer, counted from the refused poll.
    await sleep((started.interval + 5) * 1000);
    assert.equal((await poll(started.device_code)).body['error'], 'authorization_pending');
    assert.equal((await poll(started.device_code)).body['error'], 'slow_down', 'and again when it comes too soon');
    // A decision is answered at once, however soon.
    const entered = await enterCode(person.browser, started.user_code);
    const confirmation = await confirmationPage(person.browser, entered.headers.get('location') ?? '');
    await decide(person.browser, confirmation.uid, 'allow');
    assert.equal((await poll(started.device_code)).status, 200);
  });
});
