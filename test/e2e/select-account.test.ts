import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays, type Page } from '../helpers/browser.ts';
import { addVirtualAuthenticator, beginSignIn, signUpInBrowser } from '../helpers/sign-in.ts';

const SCOPE = 'openid profile email';

/** An app asking this browser's person to choose an account (OIDC prompt=select_account). */
const chooseAccount = (url: string, page: Page) => beginSignIn(url, page, 'test-confidential', SCOPE, { prompt: 'select_account' });

/**
 * prompt=select_account in Chromium, with openid-client as the app and a virtual platform
 * authenticator: "Continue as …" goes back to the app as the same person without a passkey
 * ceremony; "Use a different account" signs in as someone else, whose session then replaces
 * the old one.
 */
describe(`choosing an account in Chromium (${BACKEND})`, () => {
  const suite = browserSuite();

  test('passkey sign-in, then prompt=select_account → "Continue as …" → back at the app as the same person', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const signUp = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'grace', 'grace@example.com');
    const { sub } = await signUp.finish();

    // A later sign-in with the passkey (the provider session gone, the remembered user not).
    await context.clearCookies({ name: /^_session/ });
    const signIn = await beginSignIn(suite.app.url, page);
    await page.getByRole('heading', { name: 'Hi, grace' }).waitFor();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    assert.equal((await signIn.finish()).sub, sub);
    const ceremonies = (await authenticator.credentials())[0]?.['signCount'];

    const chosen = await chooseAccount(suite.app.url, page);
    await page.getByRole('heading', { name: 'Choose an account' }).waitFor();
    assert.match(await page.title(), /^Choose an account · /);
    assert.ok(await page.getByText('grace@example.com').isVisible(), 'who is remembered');
    assert.ok(await page.getByRole('button', { name: 'Use a different account' }).isVisible());
    await screenshotAllWays(page, 'select-account');
    await page.getByRole('button', { name: 'Continue as grace' }).click();
    const { sub: again, claims } = await chosen.finish();
    assert.equal(again, sub);
    assert.equal(claims.preferred_username, 'grace');
    assert.equal((await authenticator.credentials())[0]?.['signCount'], ceremonies, 'no passkey ceremony');
    await context.close();
  });

  test('"Use a different account" → the username step → another person\'s passkey → back at the app as them', async () => {
    // Hedy's passkey, made on another device and synced to this one later.
    const elsewhere = await suite.browser.newContext();
    const otherPage = await elsewhere.newPage();
    const hedysDevice = await addVirtualAuthenticator(otherPage);
    const hedySignUp = await beginSignIn(suite.app.url, otherPage);
    await signUpInBrowser(otherPage, 'hedy', 'hedy@example.com');
    const { sub: hedy } = await hedySignUp.finish();
    const [hedysPasskey] = await hedysDevice.credentials();
    assert.ok(hedysPasskey);
    await elsewhere.close();

    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const adasDevice = await addVirtualAuthenticator(page);
    const adaSignUp = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'ada', 'ada@example.com');
    const { sub: ada } = await adaSignUp.finish();
    // Off this device now: the username page's passkey autofill must not sign Ada in by itself.
    await adasDevice.remove();

    const chosen = await chooseAccount(suite.app.url, page);
    await page.getByRole('button', { name: 'Continue as ada' }).waitFor();
    await page.getByRole('button', { name: 'Use a different account' }).click();
    await page.getByRole('textbox', { name: 'Username or email' }).fill('hedy');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('heading', { name: 'Hi, hedy' }).waitFor();
    const thisDevice = await addVirtualAuthenticator(page);
    await thisDevice.addCredential(hedysPasskey);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const { sub, claims } = await chosen.finish();
    assert.equal(sub, hedy);
    assert.notEqual(sub, ada);
    assert.equal(claims.preferred_username, 'hedy');

    // Hedy's session replaced Ada's: the chooser now offers Hedy.
    await chooseAccount(suite.app.url, page);
    await page.getByRole('button', { name: 'Continue as hedy' }).waitFor();
    await context.close();
  });
});
