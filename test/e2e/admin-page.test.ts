import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runAdmin } from '../../src/admin/run.ts';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays } from '../helpers/browser.ts';
import { signUpAndRegister } from '../helpers/http-flow.ts';
import { addVirtualAuthenticator, signUpInBrowser } from '../helpers/sign-in.ts';

describe(`the admin page in Chromium (${BACKEND})`, () => {
  const suite = browserSuite();
  const cli = (...argv: string[]) => runAdmin(argv, {}, { config: suite.app.config, databaseSchema: suite.app.database.schema, storePrefix: suite.app.storePrefix });

  test('an admin signs in with a passkey, disables someone after a passkey check in the browser, and sees it in the audit trail', async () => {
    const victor = await signUpAndRegister(suite.app.url, { username: 'victor', email: 'victor@example.com' });
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);

    // Not an admin yet: signs up (with a passkey), is refused, and is then made one with the CLI.
    await page.goto(`${suite.app.url}/admin`);
    await page.getByRole('textbox', { name: 'Username or email' }).waitFor();
    await signUpInBrowser(page, 'ada', 'ada@example.com');
    await page.getByRole('heading', { name: 'You don’t have access to the admin page' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin');
    await screenshotAllWays(page, 'admin-denied');
    assert.equal((await cli('groups', 'create', 'admins')).code, 0);
    assert.equal((await cli('groups', 'add', 'admins', 'ada')).code, 0);

    // Signed out, then in again with the passkey: /admin sends through sign-in and back.
    await page.goto(`${suite.app.url}/account`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await page.goto(`${suite.app.url}/admin`);
    // This browser remembers ada: the sign-in opens at her passkey step.
    await page.getByRole('heading', { name: 'Hi, ada' }).waitFor();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin');

    await page.getByRole('searchbox', { name: 'Search users' }).fill('vic');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('row', { name: /victor/ }).waitFor();
    assert.equal(await page.getByRole('row', { name: /ada/ }).count(), 0, 'the search narrowed the table');
    await page.goto(`${suite.app.url}/admin`);
    await screenshotAllWays(page, 'admin-users');

    // "Disable" runs the passkey ceremony (the virtual authenticator answers), then submits.
    const ceremonies: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/admin/reverify/verify')) ceremonies.push(request.url());
    });
    await page.getByRole('button', { name: 'Disable victor' }).click();
    await page.getByRole('status').filter({ hasText: 'Disabled victor' }).waitFor();
    assert.equal(ceremonies.length, 1, 'one passkey check before the change');
    const victorRow = page.getByRole('row', { name: /victor/ });
    await victorRow.getByText('Disabled', { exact: true }).waitFor();
    assert.ok((await suite.app.container.accountAdmin.resolve('victor')).disabledAt, 'the account is disabled');
    assert.equal((await suite.app.container.accountSessions.sessions(victor.sub)).length, 0, 'its sessions ended');
    await screenshotAllWays(page, 'admin-users-notice');

    // Within five minutes the next change needs no new ceremony.
    await page.getByRole('button', { name: 'Enable victor' }).click();
    await page.getByRole('status').filter({ hasText: 'victor can sign in again' }).waitFor();
    assert.equal(ceremonies.length, 1, 'the last check still holds');

    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    const disabledRow = page.getByRole('row').filter({ hasText: 'admin.user_disabled' });
    await disabledRow.waitFor();
    assert.match(await disabledRow.innerText(), /victor[\s\S]*admin-page:ada/);
    await screenshotAllWays(page, 'admin-audit');

    // Groups, and a recovery link (the page the CLI's `recovery` prints as text).
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByRole('textbox', { name: 'Group name' }).fill('grafana-users');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('status').filter({ hasText: 'Created the group grafana-users' }).waitFor();
    await page.getByRole('textbox', { name: 'Username or email' }).fill('victor');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Added victor to grafana-users' }).waitFor();
    await screenshotAllWays(page, 'admin-group');
    await page.getByRole('link', { name: 'All groups' }).click();
    await page.getByRole('link', { name: 'grafana-users' }).waitFor();
    await screenshotAllWays(page, 'admin-groups');

    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('button', { name: 'Send recovery link to victor' }).click();
    await page.getByRole('heading', { name: 'Recovery link for victor' }).waitFor();
    assert.match(await page.getByRole('textbox', { name: 'Link' }).inputValue(), /\/recover\/[\w-]{43}$/);
    await screenshotAllWays(page, 'admin-recovery-link');
    await context.close();
  });

  test('without JavaScript a change is refused with a page that says why, and nothing changes', async () => {
    // Passkeys need JavaScript: this admin's passkey session is made over HTTP and handed to the browser.
    const grace = await signUpAndRegister(suite.app.url, { username: 'grace', email: 'grace@example.com' });
    assert.equal((await cli('groups', 'add', 'admins', 'grace')).code, 0);
    const context = await suite.browser.newContext({ javaScriptEnabled: false });
    const { hostname } = new URL(suite.app.url);
    await context.addCookies([...grace.browser.cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })));
    const page = await context.newPage();
    await page.goto(`${suite.app.url}/admin`);
    await page.getByRole('button', { name: 'Disable victor' }).click();
    await page.getByRole('heading', { name: 'Confirm it’s you with your passkey' }).waitFor();
    assert.equal((await suite.app.container.accountAdmin.resolve('victor')).disabledAt, null);
    await screenshotAllWays(page, 'admin-reverify-required');
    await context.close();
  });
});
