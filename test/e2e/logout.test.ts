import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays } from '../helpers/browser.ts';
import { discoverAs, oidc } from '../helpers/relying-party.ts';
import { addVirtualAuthenticator, beginSignIn, signUpInBrowser } from '../helpers/sign-in.ts';

describe(`RP-initiated logout in Chromium (${BACKEND})`, () => {
  const suite = browserSuite();

  test('the app sends the person to sign out: our confirm page, then back to the app; the session is gone', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'uma', 'uma@example.com');
    const { tokens } = await signIn.finish();

    const config = await discoverAs(suite.app.url);
    const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: 'http://localhost:8080/' });
    await page.goto(logoutUrl.href);
    await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
    await screenshotAllWays(page, 'logout');
    const backAtApp = page.waitForEvent('requestfailed', { predicate: (r) => r.url() === 'http://localhost:8080/' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await backAtApp;
    await page.waitForURL((u) => u.protocol === 'chrome-error:');

    // Signed out: the next sign-in asks who you are again (the remembered user, here).
    await beginSignIn(suite.app.url, page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    await context.close();
  });

  test('without a return address, the signed-out page says so', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'vera', 'vera@example.com');
    await signIn.finish();
    await page.goto(`${suite.app.url}/session/end`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await screenshotAllWays(page, 'logged-out');
    assert.match(await page.locator('main').innerText(), /You can close this window/);
    await context.close();
  });

  test('"Stay signed in" says so, and offers the account page and a real sign-out', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'walt', 'walt@example.com');
    await signIn.finish();
    await page.goto(`${suite.app.url}/session/end`);
    await page.getByRole('button', { name: 'Stay signed in' }).click();
    await page.getByRole('heading', { name: 'You are still signed in' }).waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /signed out of|close this window/i);
    await screenshotAllWays(page, 'still-signed-in');
    // Still signed in indeed: the account page opens without a new sign-in.
    await page.getByRole('link', { name: 'Go to your account' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await page.goBack();
    await page.getByRole('button', { name: /Sign out of .* too/ }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await page.goto(`${suite.app.url}/`);
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    await context.close();
  });
});
