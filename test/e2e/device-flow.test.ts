import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClientMetadata } from 'oidc-provider';
import { DEVICE_CODE_GRANT } from '../../src/config/clients/supported.ts';
import { TEST_CLIENTS } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays, VIEWPORTS, type BrowserContext } from '../helpers/browser.ts';
import { discoverAs, knowTestClient, oidc } from '../helpers/relying-party.ts';
import { addVirtualAuthenticator, beginSignIn, signUpInBrowser } from '../helpers/sign-in.ts';

/** A TV app: a public client with the device code grant alone, third-party. */
const TV: ClientMetadata = {
  client_id: 'test-tv',
  client_name: 'Living-room TV',
  token_endpoint_auth_method: 'none',
  grant_types: [DEVICE_CODE_GRANT],
  response_types: [],
  redirect_uris: [],
  scope: 'openid profile email',
};
knowTestClient(TV);

/**
 * The device authorization grant (RFC 8628) end to end: a script plays the device with
 * openid-client's device flow (it asks for a code, then polls, honouring the interval), while
 * Chromium is the person's phone: it opens verification_uri_complete (what the device's QR code
 * holds), signs in with a passkey (a CDP virtual authenticator), sees the app and the code,
 * and allows.
 */
describe(`device sign-in in Chromium (${BACKEND})`, () => {
  const suite = browserSuite({ clients: [...TEST_CLIENTS, TV] });

  let credential: Record<string, unknown> | undefined;
  let sub: string | undefined;
  let cookies: Awaited<ReturnType<BrowserContext['cookies']>> = [];

  test('someone signs up with a passkey (through an app, on their phone)', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'dana', 'dana@example.com');
    sub = (await signIn.finish()).sub;
    [credential] = await authenticator.credentials();
    cookies = await context.cookies();
    await context.close();
  });

  test('the device shows a code; the phone opens its link, signs in with the passkey, allows; the device gets an ID token for that person', async () => {
    assert.ok(credential && sub);
    const device = await discoverAs(suite.app.url, TV.client_id);
    const authorization = await oidc.initiateDeviceAuthorization(device, { scope: 'openid profile email' });
    assert.match(authorization.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(authorization.interval, 5);
    const polling = oidc.pollDeviceAuthorizationGrant(device, authorization);
    polling.catch(() => {});

    // A phone without a session: the passkey is on it, nothing else.
    const context = await suite.browser.newContext({ viewport: VIEWPORTS.mobile });
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    await page.goto(authorization.verification_uri_complete ?? assert.fail('no verification_uri_complete'));
    await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Code' }).inputValue(), authorization.user_code, 'the code is filled in');
    await screenshotAllWays(page, 'device-code');
    await page.getByRole('button', { name: 'Continue' }).click();

    // Our usual sign-in. The passkey arrives at the passkey step (as a synced one would), so the
    // username page's autofill cannot sign in by itself meanwhile.
    await page.getByRole('textbox', { name: 'Username or email' }).fill('dana');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Hi, dana' }).waitFor();
    await authenticator.addCredential(credential);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();

    await page.getByRole('heading', { name: 'Sign in to Living-room TV on a device?' }).waitFor();
    const confirmation = await page.locator('main').innerText();
    assert.ok(confirmation.includes(authorization.user_code), 'the code, to compare with the device');
    assert.match(confirmation, /You are signed in as dana\./);
    assert.match(confirmation, /IP address\s+127\.0\.0\.1/);
    assert.match(confirmation, /See your email address/);
    await screenshotAllWays(page, 'device-confirm');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Your device is connected' }).waitFor();
    await screenshotAllWays(page, 'device-connected');

    const tokens = await polling;
    assert.equal(tokens.claims()?.sub, sub, 'the ID token names the person who allowed');
    assert.equal(tokens.claims()?.['preferred_username'], 'dana');
    await context.close();
  });

  test('without JavaScript, signed in already: type the code, deny; the device gets access_denied', async () => {
    const device = await discoverAs(suite.app.url, TV.client_id);
    const authorization = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
    const polling = oidc.pollDeviceAuthorizationGrant(device, authorization).then(
      () => assert.fail('the device got tokens'),
      (error: unknown) => error,
    );

    const context = await suite.browser.newContext({ javaScriptEnabled: false });
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.goto(`${suite.app.url}/device`);
    // Typed as people do: lower case, a space for the dash.
    await page.getByRole('textbox', { name: 'Code' }).fill(authorization.user_code.toLowerCase().replace('-', ' '));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Sign in to Living-room TV on a device?' }).waitFor();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Device not connected' }).waitFor();
    await screenshotAllWays(page, 'device-denied');
    const error = await polling;
    assert.ok(error instanceof oidc.ResponseBodyError, String(error));
    assert.equal(error.error, 'access_denied');

    // A wrong code: the page says so, and keeps what was typed to correct it.
    await page.getByRole('link', { name: 'Enter another code' }).click();
    await page.getByRole('textbox', { name: 'Code' }).fill('BCDF-GHJK');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'This code is not valid or has expired.' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Code' }).inputValue(), 'BCDF-GHJK');
    await screenshotAllWays(page, 'device-code-wrong');
    await context.close();
  });
});
