import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { startAppBehindNginx, type AppBehindNginx } from '../helpers/behind-nginx.ts';
import { ARTIFACTS_DIR, launchBrowser, type Browser } from '../helpers/browser.ts';
import { TEST_HOSTNAME } from '../helpers/nginx.ts';
import { addVirtualAuthenticator, beginSignIn, signUpInBrowser } from '../helpers/sign-in.ts';
import { unlessInstalled } from '../helpers/installed.ts';

/**
 * Chromium signs up and in through nginx terminating TLS, with ISSUER=https://id.example.test:<port>
 * as in production. Chromium resolves the name to 127.0.0.1 and accepts the test certificate's key
 * as valid (not as an error it was told to ignore: WebAuthn refuses pages with certificate errors),
 * so the page is a secure context on a real domain name, the passkeys' RP ID.
 */
describe(`passkeys behind nginx in Chromium (${BACKEND})`, { skip: unlessInstalled(['nginx', 'openssl'], 'apt-get install nginx openssl') }, () => {
  let proxied: AppBehindNginx;
  let browser: Browser;
  before(async () => {
    proxied = await startAppBehindNginx();
    browser = await launchBrowser([
      `--host-resolver-rules=MAP ${TEST_HOSTNAME} 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${proxied.nginx.certificates.spkiSha256}`,
    ]);
  });
  after(async () => {
    await browser?.close();
    await proxied?.destroy();
  });

  let savedCredential: Record<string, unknown> | undefined;
  let firstSub: string | undefined;

  test('signup → create a passkey → tokens, on the https issuer', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(proxied.url, page);
    await page.getByRole('textbox', { name: 'Username or email' }).waitFor();
    assert.equal(new URL(page.url()).origin, proxied.url);
    assert.equal(await page.evaluate(() => window.isSecureContext), true, 'a secure context: WebAuthn is allowed');
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'reverse-proxy-login.png'), fullPage: true });

    await signUpInBrowser(page, 'Grace.Hopper', 'grace@example.com');
    const { claims, sub } = await signIn.finish();
    assert.equal(claims.preferred_username, 'grace.hopper');

    const cookies = await context.cookies(proxied.url);
    assert.ok(cookies.some((cookie) => cookie.name === 'idp_remember'), cookies.map((c) => c.name).join(' '));
    for (const cookie of cookies) assert.equal(cookie.secure, true, `${cookie.name} is Secure`);
    const [credential] = await authenticator.credentials();
    assert.ok(credential);
    assert.equal(credential['rpId'], TEST_HOSTNAME, 'the passkey is bound to the issuer host');
    savedCredential = credential;
    firstSub = sub;
    await context.close();
  });

  test('a fresh browser holding the passkey signs in as the same person', async () => {
    assert.ok(savedCredential && firstSub);
    const context = await browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(proxied.url, page);
    await page.getByRole('textbox', { name: 'Username or email' }).fill('grace.hopper');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Hi, grace.hopper' }).waitFor();
    await authenticator.addCredential(savedCredential);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'reverse-proxy-passkey-step.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const { sub } = await signIn.finish();
    assert.equal(sub, firstSub);
    await context.close();
  });
});
