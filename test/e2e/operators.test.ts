import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClientMetadata } from 'oidc-provider';
import { runAdmin } from '../../src/admin/run.ts';
import { TEST_CLIENTS } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays } from '../helpers/browser.ts';
import { knowTestClient } from '../helpers/relying-party.ts';
import { addVirtualAuthenticator, beginSignIn, signUpInBrowser } from '../helpers/sign-in.ts';

const WIKI: ClientMetadata = {
  client_id: 'staff-wiki',
  client_name: 'Staff wiki',
  client_secret: 'staff-wiki-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  redirect_uris: ['http://localhost:8080/callback'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  scope: 'openid profile email groups',
  first_party: true,
  allowed_groups: ['staff'],
};
knowTestClient(WIKI);

describe(`what operators set up, as people see it, in Chromium (${BACKEND})`, () => {
  const suite = browserSuite({ clients: [...TEST_CLIENTS, WIKI] });
  const admin = (...argv: string[]) =>
    runAdmin(argv, {}, { config: suite.app.config, databaseSchema: suite.app.database.schema, storePrefix: suite.app.storePrefix });

  test('the account page lists recent activity and where the person is signed in', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'olga', 'olga@example.com');
    await signIn.finish();
    await page.goto(`${suite.app.url}/account`);
    await page.getByRole('heading', { name: 'Recent activity' }).waitFor();
    const main = await page.locator('main').innerText();
    assert.match(main, /Signed in to test-confidential · Chrome on Linux/);
    assert.match(main, /Passkey “Chrome on Linux” added/);
    assert.match(main, /This browser/);
    await screenshotAllWays(page, 'account-activity');
    await context.close();
  });

  test('an app limited to a group: someone outside it sees "no access"; once added, they get in', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const first = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'pavel', 'pavel@example.com');
    await first.finish();
    await beginSignIn(suite.app.url, page, 'staff-wiki', 'openid groups');
    await page.getByRole('heading', { name: 'You don’t have access to Staff wiki' }).waitFor();
    await screenshotAllWays(page, 'no-access');
    assert.equal((await admin('groups', 'create', 'staff')).code, 0);
    assert.equal((await admin('groups', 'add', 'staff', 'pavel')).code, 0);
    const allowed = await beginSignIn(suite.app.url, page, 'staff-wiki', 'openid groups');
    const { claims } = await allowed.finish();
    assert.deepEqual(claims['groups'], ['staff']);
    await context.close();
  });

  test('a recovery link from the CLI: confirm, then add a new passkey on the account page', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const lostDevice = await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await signUpInBrowser(page, 'quentin', 'quentin@example.com');
    await signIn.finish();
    await lostDevice.remove();
    await context.clearCookies();

    const created = await admin('recovery', 'quentin', '--json');
    const url = String((JSON.parse(created.out) as { url: string }).url);
    await addVirtualAuthenticator(page);
    await page.goto(url);
    await page.getByRole('heading', { name: 'Recover quentin’s account' }).waitFor();
    await screenshotAllWays(page, 'recovery');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('status').filter({ hasText: 'recovery link' }).waitFor();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey added.' }).waitFor();
    assert.equal(await page.locator('.passkey').count(), 2);
    await context.close();
  });
});
