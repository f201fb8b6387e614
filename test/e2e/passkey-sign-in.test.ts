import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays } from '../helpers/browser.ts';
import { addVirtualAuthenticator, beginSignIn, enterSignupCode, holdPasskeyAutofill, type VirtualAuthenticator } from '../helpers/sign-in.ts';

/**
 * The credential as the authenticator now holds it. Copies must carry the current signature
 * counter, or the server rightly refuses them as a cloned authenticator.
 */
async function latest(authenticator: VirtualAuthenticator): Promise<Record<string, unknown>> {
  const [credential] = await authenticator.credentials();
  assert.ok(credential);
  return credential;
}

describe(`passkey sign-in in Chromium (${BACKEND})`, () => {
  const suite = browserSuite();

  let savedCredential: Record<string, unknown> | undefined;
  let firstSub: string | undefined;

  test('signup → create a passkey → back at the app with a code → tokens → userinfo', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);

    await page.getByRole('textbox', { name: 'Username or email' }).waitFor();
    await screenshotAllWays(page, 'login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('textbox', { name: 'Username', exact: true }).fill('Ada.Lovelace');
    await page.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Enter an email address like name@example.com.').waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Username', exact: true }).inputValue(), 'Ada.Lovelace', 'values are kept');
    await screenshotAllWays(page, 'signup-error');
    await page.getByRole('textbox', { name: 'Email' }).fill('Ada@Example.com');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('textbox', { name: 'Code' }).waitFor();
    await screenshotAllWays(page, 'signup-verify');
    await enterSignupCode(page, 'ada@example.com');

    await page.getByRole('button', { name: 'Create a passkey' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Not now' }).isVisible());
    await screenshotAllWays(page, 'create-passkey');
    await page.getByRole('button', { name: 'Create a passkey' }).click();

    const { claims, sub } = await signIn.finish();
    assert.match(sub, /^[0-9a-f-]{36}$/);
    assert.equal(claims.preferred_username, 'ada.lovelace');
    assert.equal(claims.email, 'ada@example.com');
    assert.equal(claims.email_verified, true, 'signup proved the address');

    const credentials = await authenticator.credentials();
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!['isResidentCredential'], true);
    savedCredential = credentials[0];
    firstSub = sub;
    await context.close();
  });

  test('a fresh browser holding the same passkey signs in as the same user', async () => {
    assert.ok(savedCredential && firstSub);
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);

    await page.getByRole('textbox', { name: 'Username or email' }).fill('ADA@example.com');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Hi, ada.lovelace' }).waitFor();
    await screenshotAllWays(page, 'passkey-step');
    // The passkey arrives now (as a synced passkey would), after the autofill request on the
    // username page had nothing to offer.
    await authenticator.addCredential(savedCredential);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const { sub } = await signIn.finish();
    assert.equal(sub, firstSub);
    savedCredential = await latest(authenticator);
    // Off this device now: the login page's autofill must not sign in by itself below.
    await authenticator.remove();

    // Later, the provider session is gone (it ended or expired) but the 30-day remembered-user
    // cookie is not: the username step is skipped; "Use a different account" returns to it.
    await context.clearCookies({ name: /^_session/ });
    const again = await beginSignIn(suite.app.url, page);
    await page.getByRole('heading', { name: 'Hi, ada.lovelace' }).waitFor();
    await page.getByRole('button', { name: 'Use a different account' }).click();
    await page.getByRole('textbox', { name: 'Username or email' }).waitFor();
    void again;
    await context.close();
  });

  test('"Sign in with a passkey" is not there until its script can act (no dead button), then works', async () => {
    assert.ok(savedCredential && firstSub);
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    // Hold the page script back, as a slow network would.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/static/js/passkey.js', async (route) => {
      await held;
      await route.continue();
    });
    const signIn = await beginSignIn(suite.app.url, page);
    await page.getByRole('textbox', { name: 'Username or email' }).fill('ada.lovelace');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Hi, ada.lovelace' }).waitFor();
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    assert.equal(await button.count(), 0, 'hidden while its script has not run');
    assert.ok(await page.getByRole('button', { name: 'Email me a sign-in link' }).isVisible(), 'the email link works meanwhile');
    // The passkey arrives only now, so the username page's autofill could not have used it.
    await authenticator.addCredential(savedCredential);
    release();
    await button.click(); // waits until shown
    const { sub } = await signIn.finish();
    assert.equal(sub, firstSub);
    savedCredential = await latest(authenticator);
    await context.close();
  });

  test('the first screen\'s "Sign in with a passkey" signs in without a username (usernameless)', async () => {
    assert.ok(savedCredential && firstSub);
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const modes = await holdPasskeyAutofill(page);
    const signIn = await beginSignIn(suite.app.url, page);
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor();
    assert.match(await page.locator('#passkey-hint').innerText(), /phone/, 'the cross-device hint is there');
    await screenshotAllWays(page, 'login-with-passkey-button');
    await authenticator.addCredential(savedCredential);
    await button.click();
    const { sub } = await signIn.finish();
    assert.equal(sub, firstSub);
    assert.deepEqual(modes, ['discoverable']);
    savedCredential = await latest(authenticator);
    await context.close();
  });

  test('passkey autofill signs in with no username typed', async () => {
    assert.ok(savedCredential && firstSub);
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    await authenticator.addCredential(savedCredential);
    const signIn = await beginSignIn(suite.app.url, page);
    // With a virtual authenticator and a discoverable credential, Chromium answers the
    // conditional request by itself, as a person picking the passkey from autofill would.
    const { sub } = await signIn.finish();
    assert.equal(sub, firstSub);
    savedCredential = await latest(authenticator);
    await context.close();
  });

  test('a cancelled prompt shows the message, and a retry succeeds', async () => {
    assert.ok(savedCredential && firstSub);
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await page.getByRole('textbox', { name: 'Username or email' }).fill('ada.lovelace');
    await page.getByRole('button', { name: 'Continue' }).click();
    // No credential on this device yet: the browser's prompt ends without a passkey.
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('alert').filter({ hasText: 'closed or timed out' }).waitFor({ timeout: 20_000 });
    await screenshotAllWays(page, 'passkey-cancelled');
    await authenticator.addCredential(savedCredential);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const { sub } = await signIn.finish();
    assert.equal(sub, firstSub);
    savedCredential = await latest(authenticator);
    await context.close();
  });
});
