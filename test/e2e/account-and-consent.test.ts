import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays } from '../helpers/browser.ts';
import { addVirtualAuthenticator, beginSignIn, signUpInBrowser } from '../helpers/sign-in.ts';

describe(`consent and the account page in Chromium (${BACKEND})`, () => {
  const suite = browserSuite();

  test('a third-party app asks for consent: Deny returns access_denied, Allow returns a code', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);

    const denied = await beginSignIn(suite.app.url, page, 'test-public');
    await signUpInBrowser(page, 'grace', 'grace@example.com');
    await page.getByRole('heading', { name: /wants to access your account/ }).waitFor();
    assert.match(await page.locator('main').innerText(), /See your email address/);
    await screenshotAllWays(page, 'consent');
    await page.getByRole('button', { name: 'Deny' }).click();
    const back = await denied.callback();
    assert.equal(back.searchParams.get('error'), 'access_denied');

    const allowed = await beginSignIn(suite.app.url, page, 'test-public');
    await page.getByRole('button', { name: 'Allow' }).click();
    const { claims } = await allowed.finish();
    assert.equal(claims.preferred_username, 'grace');

    // Consent is remembered: the next sign-in goes straight back to the app.
    const again = await beginSignIn(suite.app.url, page, 'test-public');
    assert.equal((await again.finish()).claims.preferred_username, 'grace');
    await context.close();
  });

  test('account page: sign in and come back, rename, add, delete with a warning on the last, sign out', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const firstDevice = await addVirtualAuthenticator(page);

    // Not signed in: /account goes through sign-in (signup here) and comes back.
    await page.goto(`${suite.app.url}/account`);
    await page.getByRole('textbox', { name: 'Username or email' }).waitFor();
    await signUpInBrowser(page, 'linus', 'linus@example.com');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.equal(await page.locator('.passkey').count(), 1);
    await screenshotAllWays(page, 'account');

    await page.getByText('Rename or delete').click();
    const nameField = page.getByRole('textbox', { name: /New name for/ });
    await nameField.fill('Work laptop');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey renamed.' }).waitFor();
    assert.equal(await page.locator('.passkey-name').first().textContent(), 'Work laptop');

    // A second device: a new authenticator adds a passkey.
    await firstDevice.remove();
    await addVirtualAuthenticator(page);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey added.' }).waitFor();
    assert.equal(await page.locator('.passkey').count(), 2);

    await page.locator('.passkey').nth(1).getByText('Rename or delete').click();
    await page.locator('.passkey').nth(1).getByRole('link', { name: /^Delete/ }).click();
    assert.doesNotMatch(await page.locator('main').innerText(), /only passkey/);
    await page.getByRole('button', { name: 'Delete passkey' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey deleted.' }).waitFor();
    assert.equal(await page.locator('.passkey').count(), 1);

    await page.getByText('Rename or delete').click();
    await page.getByRole('link', { name: 'Delete Work laptop' }).click();
    await page.getByText('This is your only passkey').waitFor();
    await screenshotAllWays(page, 'delete-last-passkey');
    await page.getByRole('link', { name: 'Cancel' }).click();
    assert.equal(await page.locator('.passkey').count(), 1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await page.goto(`${suite.app.url}/account`);
    await page.getByRole('heading', { name: /Hi, linus|Sign in/ }).waitFor();
    await context.close();
  });
});
