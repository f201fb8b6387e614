import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { launchBrowser, type Browser } from '../helpers/browser.ts';
import { clientsFromFiles } from '../helpers/file-clients.ts';
import { signUpAndRegister } from '../helpers/http-flow.ts';

const RP_CALLBACK = 'https://rp.example.test/callback';
const SIGN_IN_ONLY = { client_id: 'sign-in-only', token_endpoint_auth_method: 'none', response_types: ['id_token'], redirect_uris: [RP_CALLBACK], first_party: true };

/**
 * oidc-provider's form_post page under our Content-Security-Policy, in a real browser: its inline
 * script (admitted by its hash) submits the ID token to the app by itself, and without JavaScript
 * its "Continue" button does. The app is played by request interception at its https address.
 */
describe(`id_token by form_post in Chromium (${BACKEND})`, () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    app = await startTestApp({ clients: [...TEST_CLIENTS, ...(await clientsFromFiles({ 'sign-in-only.json': SIGN_IN_ONLY }))] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.destroy();
  });

  for (const javaScriptEnabled of [true, false]) {
    test(javaScriptEnabled ? 'the page posts the ID token to the app by itself, with no CSP violation' : 'without JavaScript, its "Continue" button posts it', async () => {
      // Signed in over HTTP; the browser gets that session's cookies.
      const who = `fp${Number(javaScriptEnabled)}`;
      const { browser: signedIn } = await signUpAndRegister(app.url, { username: who, email: `${who}@example.com` });
      const context = await browser.newContext({ javaScriptEnabled });
      await context.addCookies([...signedIn.cookies].map(([name, value]) => ({ name, value, url: app.url })));
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      const posted = new Promise<{ method: string; body: string }>((resolve) => {
        void page.route(`${RP_CALLBACK}**`, async (route) => {
          resolve({ method: route.request().method(), body: route.request().postData() ?? '' });
          await route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Signed in at the app</h1>' });
        });
      });

      const url = new URL('/auth', app.url);
      url.search = new URLSearchParams({ client_id: 'sign-in-only', response_type: 'id_token', response_mode: 'form_post', redirect_uri: RP_CALLBACK, scope: 'openid profile email', nonce: 'n-1', state: 's-1' }).toString();
      await page.goto(url.href);
      if (!javaScriptEnabled) await page.getByRole('button', { name: 'Continue' }).click();

      const { method, body } = await posted;
      assert.equal(method, 'POST');
      const fields = new URLSearchParams(body);
      assert.deepEqual([...fields.keys()].sort(), ['id_token', 'state']);
      assert.equal(fields.get('state'), 's-1');
      await page.getByRole('heading', { name: 'Signed in at the app' }).waitFor();
      assert.deepEqual(problems, [], 'no Content-Security-Policy violation or other error');
      await context.close();
    });
  }
});
