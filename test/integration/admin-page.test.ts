import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEvent } from '../../src/db/entities/audit-event.ts';
import { runAdmin } from '../../src/admin/run.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { authorize, followToCallback, HttpBrowser, login, signInWithPasskey, signUpAndRegister } from '../helpers/http-flow.ts';
import { nextCodeFor } from '../helpers/mail-sink.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

/** A page as a browser ends up at it: redirects within the issuer (sign-in, callbacks) followed. */
async function open(browser: HttpBrowser, path: string | URL): Promise<{ status: number; url: URL; text: string; response: Response }> {
  let url = browser.url(path);
  for (let hops = 0; hops < 12; hops++) {
    const response = await browser.get(url);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      url = new URL(location, url);
      assert.equal(url.origin, browser.url('/').origin, `left the issuer for ${url.href}`);
      continue;
    }
    return { status: response.status, url, text: await response.text(), response };
  }
  throw new Error(`too many redirects from ${path}`);
}

const formToken = (html: string) => {
  const token = /name="form_token" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(token, 'the page carries a form token');
  return token;
};

/** What the admin page's script does before a change: a passkey ceremony for this session. */
async function reverify(browser: HttpBrowser, authenticator: SoftwareAuthenticator): Promise<Response> {
  const options = await browser.postJson('/admin/reverify/options', {});
  assert.equal(options.status, 200, await options.clone().text());
  return browser.postJson('/admin/reverify/verify', { credential: authenticator.authenticate(await options.json()) });
}

describe(`the admin page (${BACKEND})`, () => {
  let app: TestApp;
  let ip = 0;
  const nextIp = () => `198.51.100.${++ip}`;
  let ada: Awaited<ReturnType<typeof signUpAndRegister>>;
  let bob: Awaited<ReturnType<typeof signUpAndRegister>>;
  let carol: Awaited<ReturnType<typeof signUpAndRegister>>;
  /** Ada's browser on the admin page, and the page's form token. */
  let token = '';
  const events = (type: string) => app.container.dataSource.getRepository<AuditEvent>('AuditEvent').find({ where: { type }, order: { at: 'ASC' } });
  const cli = (...argv: string[]) => runAdmin(argv, {}, { config: app.config, databaseSchema: app.database.schema, storePrefix: app.storePrefix });
  const post = (path: string, fields: Record<string, string> = {}) => ada.browser.postForm(path, { form_token: token, ...fields });

  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    ada = await signUpAndRegister(app.url, { username: 'ada', email: 'ada@example.com', ip: nextIp() });
    bob = await signUpAndRegister(app.url, { username: 'bob', email: 'bob@example.com', ip: nextIp() });
    carol = await signUpAndRegister(app.url, { username: 'carol', email: 'carol@example.com', ip: nextIp() });
    assert.equal((await cli('groups', 'create', 'admins')).code, 0);
    assert.equal((await cli('groups', 'add', 'admins', 'ada')).code, 0);
  });
  after(() => app?.destroy());

  test('not signed in: /admin sends through the same sign-in as /account, and comes back to /admin', async () => {
    const browser = new HttpBrowser(app.url, { ip: nextIp() });
    const first = await browser.get('/admin');
    assert.equal(first.status, 302);
    const auth = new URL(first.headers.get('location') ?? '');
    assert.equal(auth.pathname, '/auth');
    assert.equal(auth.searchParams.get('client_id'), 'idp-account');
    assert.equal(auth.searchParams.get('redirect_uri'), `${app.url}/admin/callback`);
    const signIn = await open(browser, auth);
    const uid = /^\/interaction\/([\w-]+)$/.exec(signIn.url.pathname)?.[1];
    assert.ok(uid, `at the sign-in page: ${signIn.url.href}`);
    const page = await open(browser, await signInWithPasskey(browser, uid, ada.authenticator, { login: 'ada' }));
    assert.equal(page.url.pathname, '/admin');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Users<\/h1>/);
    assert.match(page.text, /Search users/);
    // Pages as strict as the others: CSP without inline scripts, never cached.
    assert.match(page.response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(page.response.headers.get('cache-control'), 'no-store');
    assert.doesNotMatch(page.text, /<script>/);
    // A state that is not this browser's is refused.
    assert.equal((await browser.get('/admin/callback?code=x&state=forged')).status, 400);
  });

  test('signed in, not in admins: 403 "You don’t have access to the admin page", with a way back; changes refused', async () => {
    const page = await open(bob.browser, '/admin');
    assert.equal(page.status, 403);
    assert.match(page.text, /You don’t have access to the admin page/);
    assert.match(page.text, /href="\/account"/);
    assert.match(page.text, /href="\/admin\/sign-in"/);
    assert.equal((await bob.browser.postForm(`/admin/users/${carol.sub}/disable`, {})).status, 403);
    assert.equal((await bob.browser.postJson('/admin/reverify/options', {})).status, 403);
    assert.equal((await app.container.accountAdmin.resolve('carol')).disabledAt, null);
  });

  test('an admin signed in with an emailed code only is asked to sign in with a passkey', async () => {
    const browser = new HttpBrowser(app.url, { ip: nextIp() });
    const { uid } = await authorize(browser);
    await login(browser, uid, 'ada');
    assert.equal((await browser.postForm(`/interaction/${uid}/email`, {})).status, 303);
    const { code } = await nextCodeFor('ada@example.com');
    assert.equal((await browser.postForm(`/interaction/${uid}/email/code`, { code })).status, 303);
    // "Not now" to creating a passkey here: the app's sign-in completes with a session proven by email.
    const skipped = await browser.postForm(`/interaction/${uid}/skip`, {});
    assert.equal(skipped.status, 303);
    await followToCallback(browser, skipped.headers.get('location') ?? '');
    const page = await open(browser, '/admin');
    assert.equal(page.status, 403);
    assert.match(page.text, /needs a sign-in with a passkey/);
    assert.match(page.text, /href="\/admin\/sign-in"/);
    const again = await browser.get('/admin/sign-in');
    assert.equal(again.status, 302);
    assert.equal(new URL(again.headers.get('location') ?? '').searchParams.get('prompt'), 'login', 'a new sign-in, not the email-proven session');
    assert.equal((await browser.postJson('/admin/reverify/options', {})).status, 403);
  });

  test('a change needs a passkey ceremony of this admin in this session within 5 minutes; then disable ends the sessions and is in the trail', async () => {
    const page = await open(ada.browser, '/admin');
    assert.equal(page.status, 200);
    token = formToken(page.text);
    assert.match(page.text, /data-fresh-for="0"/);

    const refused = await post(`/admin/users/${bob.sub}/disable`);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /Confirm it’s you/);
    assert.equal((await app.container.accountAdmin.resolve('bob')).disabledAt, null, 'nothing changed');

    // Someone else's passkey does not re-verify this admin.
    const options = await (await ada.browser.postJson('/admin/reverify/options', {})).json();
    const foreign = await ada.browser.postJson('/admin/reverify/verify', { credential: carol.authenticator.authenticate({ ...options, allowCredentials: [] }) });
    assert.equal(foreign.status, 400);
    assert.equal((await post(`/admin/users/${bob.sub}/disable`)).status, 403);
    // Nor does an assertion without user verification.
    const unverifiedOptions = await (await ada.browser.postJson('/admin/reverify/options', {})).json();
    assert.equal((await ada.browser.postJson('/admin/reverify/verify', { credential: ada.authenticator.authenticate(unverifiedOptions, { userVerified: false }) })).status, 400);

    const verified = await reverify(ada.browser, ada.authenticator);
    assert.equal(verified.status, 200);
    assert.deepEqual(await verified.json(), { freshFor: 300 });
    assert.match((await open(ada.browser, '/admin')).text, /data-fresh-for="(29\d|300)"/);

    // The marker belongs to this session: Ada's other browser still needs its own ceremony.
    const other = new HttpBrowser(app.url, { ip: nextIp() });
    const { uid } = await authorize(other);
    await followToCallback(other, await signInWithPasskey(other, uid, ada.authenticator, { login: 'ada' }));
    const otherPage = await open(other, '/admin');
    assert.deepEqual([otherPage.status, otherPage.url.pathname], [200, '/admin']);
    assert.equal((await other.postForm(`/admin/users/${bob.sub}/disable`, { form_token: formToken(otherPage.text) })).status, 403);
    // The form token is this session's: another session's (or none) is refused.
    assert.equal((await ada.browser.postForm(`/admin/users/${bob.sub}/disable`, { form_token: formToken(otherPage.text) })).status, 403);
    assert.equal((await ada.browser.postForm(`/admin/users/${bob.sub}/disable`, {})).status, 403);
    // A form from another site: refused whatever it carries.
    assert.equal((await ada.browser.postForm(`/admin/users/${bob.sub}/disable`, { form_token: token }, { origin: 'https://evil.example' })).status, 403);

    assert.ok((await app.container.accountSessions.sessions(bob.sub)).length > 0);
    const disabled = await post(`/admin/users/${bob.sub}/disable`);
    assert.equal(disabled.status, 303);
    assert.equal(disabled.headers.get('location'), '/admin');
    assert.ok((await app.container.accountAdmin.resolve('bob')).disabledAt);
    assert.equal((await app.container.accountSessions.sessions(bob.sub)).length, 0, 'bob’s sessions ended');
    assert.equal((await bob.browser.get('/account')).status, 302, 'bob is signed out');
    const after = await open(ada.browser, '/admin');
    assert.match(after.text, /Disabled bob: 1 session ended/);
    assert.match(after.text, /<span class="badge danger">Disabled<\/span>/);
    const [event] = await events('admin.user_disabled');
    assert.equal(event?.userId, bob.sub);
    assert.equal(event?.actor, 'admin-page:ada');
    assert.ok(event?.ip?.startsWith('198.51.100.'), 'with the address it came from');
    assert.match((await open(ada.browser, '/admin/audit?type=admin.user_disabled')).text, /admin-page:ada/);

    assert.equal((await post(`/admin/users/${bob.sub}/enable`)).status, 303);
    assert.equal((await app.container.accountAdmin.resolve('bob')).disabledAt, null);
    assert.equal((await events('admin.user_enabled'))[0]?.actor, 'admin-page:ada');
  });

  test('search, groups (create, add, remove, delete), invitation and recovery links, delete with a confirmation', async () => {
    assert.equal((await reverify(ada.browser, ada.authenticator)).status, 200);
    const search = await open(ada.browser, '/admin?q=BO');
    assert.match(search.text, /data-username="bob"/);
    assert.doesNotMatch(search.text, /data-username="carol"/);
    assert.match((await open(ada.browser, '/admin?q=nobody-like-this')).text, /No account matches “nobody-like-this”/);

    const created = await post('/admin/groups', { name: 'Staff' });
    assert.equal(created.status, 303);
    assert.equal(created.headers.get('location'), '/admin/groups/staff');
    assert.equal((await post('/admin/groups/staff/members', { login: 'bob@example.com' })).status, 303);
    assert.deepEqual(await app.container.groups.namesOf(bob.sub), ['staff']);
    const group = await open(ada.browser, '/admin/groups/staff');
    assert.match(group.text, /Added bob to staff/);
    assert.match(group.text, /<strong>bob<\/strong>/);
    assert.match((await open(ada.browser, '/admin/groups')).text, /staff<\/strong><\/a>\s*<span class="muted">1 member/);
    assert.equal((await post(`/admin/groups/staff/members/${bob.sub}/remove`)).status, 303);
    assert.deepEqual(await app.container.groups.namesOf(bob.sub), []);
    const added = (await events('admin.group_member_added')).find((event) => event.userId === bob.sub);
    const [removed] = await events('admin.group_member_removed');
    assert.deepEqual([added?.actor, added?.userId, removed?.actor, removed?.userId], ['admin-page:ada', bob.sub, 'admin-page:ada', bob.sub]);
    assert.equal((await open(ada.browser, '/admin/groups/staff/delete')).status, 200);
    assert.equal((await post('/admin/groups/staff/delete')).status, 303);
    assert.equal((await open(ada.browser, '/admin/groups/staff')).status, 404);

    const invite = await post('/admin/invites', { email: 'Newcomer@Example.com', username: '', expires: '1d' });
    assert.equal(invite.status, 200);
    assert.equal(invite.headers.get('cache-control'), 'no-store');
    const inviteUrl = /(http:\/\/[^"<\s]+\/invite\/[\w-]{43})<\/textarea>/.exec(await invite.text())?.[1];
    assert.ok(inviteUrl, 'the page shows the invitation link');
    assert.equal((await new HttpBrowser(app.url, { ip: nextIp() }).get(new URL(inviteUrl).pathname)).status, 302, 'the link works');
    const [invited] = await events('admin.invite_created');
    assert.equal(invited?.actor, 'admin-page:ada');
    assert.match(invited?.detail ?? '', /"email":"newcomer@example.com"/);

    const recovery = await post(`/admin/users/${carol.sub}/recovery`);
    assert.equal(recovery.status, 200);
    const recoveryText = await recovery.text();
    assert.match(recoveryText, /Recovery link for carol/);
    assert.match(recoveryText, />http:\/\/[^"<\s]+\/recover\/[\w-]{43}<\/textarea>/);
    assert.match(recoveryText, /<svg /, 'with a QR code, as the CLI prints one');
    assert.equal((await events('admin.recovery_created'))[0]?.userId, carol.sub);

    const confirm = await open(ada.browser, `/admin/users/${carol.sub}/delete`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Delete carol\?/);
    assert.equal((await post(`/admin/users/${carol.sub}/delete`)).status, 303);
    await assert.rejects(app.container.accountAdmin.resolve(carol.sub), /There is no account/);
    const [deleted] = await events('admin.user_deleted');
    assert.deepEqual([deleted?.actor, deleted?.userId], ['admin-page:ada', carol.sub]);
    assert.match((await open(ada.browser, '/admin')).text, /Deleted carol\./);
  });

  test('hostile and wrong inputs get a clear 4xx page, never a 500', async () => {
    assert.equal((await reverify(ada.browser, ada.authenticator)).status, 200);
    const stranger = '00000000-0000-4000-8000-000000000000';
    const cases: Array<[string, Promise<Response>, number, RegExp?]> = [
      ['unknown account', post(`/admin/users/${stranger}/disable`), 404, /There is no account/],
      ['not an id', post('/admin/users/not-an-id/disable'), 404],
      ['unknown account, confirmation page', ada.browser.get(`/admin/users/${stranger}/delete`), 404],
      ['own account', post(`/admin/users/${ada.sub}/disable`), 409, /your own account/],
      ['own account, delete', post(`/admin/users/${ada.sub}/delete`), 409],
      ['leaving admins', post(`/admin/groups/admins/members/${ada.sub}/remove`), 409],
      ['deleting admins', post('/admin/groups/admins/delete'), 409],
      ['search too long', ada.browser.get(`/admin?q=${'x'.repeat(201)}`), 400],
      ['search twice', ada.browser.get('/admin?q=a&q=b'), 400],
      ['search with a NUL', ada.browser.get('/admin?q=a%00b'), 400],
      ['audit type', ada.browser.get('/admin/audit?type=nonsense'), 400],
      ['audit user', ada.browser.get('/admin/audit?user=nobody'), 404, /There is no account “nobody”/],
      ['group name', post('/admin/groups', { name: 'Bad Name!' }), 400, /is not a group name/],
      ['group name, long', post('/admin/groups', { name: 'g'.repeat(5000) }), 400],
      ['group exists', post('/admin/groups', { name: 'admins' }), 409],
      ['unknown group', ada.browser.get('/admin/groups/no-such-group'), 404, /There is no group/],
      ['not a group name', ada.browser.get('/admin/groups/%E2%80%AEevil'), 404],
      ['unknown member', post('/admin/groups/admins/members', { login: 'nobody' }), 404],
      ['empty member', post('/admin/groups/admins/members', { login: '   ' }), 400],
      ['invite username', post('/admin/invites', { username: 'x!' }), 400, /is not a username/],
      ['invite taken', post('/admin/invites', { username: 'BOB' }), 409, /already used by an account/],
      ['invite expiry', post('/admin/invites', { expires: '10y' }), 400],
      ['invite email', post('/admin/invites', { email: 'not-an-address' }), 400],
      ['JSON to a form', ada.browser.postJson(`/admin/users/${bob.sub}/disable`, { form_token: token }), 415],
      ['huge form', post('/admin/groups', { name: 'x'.repeat(40_000) }), 413],
      ['garbage credential', ada.browser.postJson('/admin/reverify/verify', { credential: { id: 'x' } }), 400],
      ['not JSON', ada.browser.post('/admin/reverify/verify', '{', 'application/json'), 400],
    ];
    for (const [name, pending, status, text] of cases) {
      const response = await pending;
      const body = await response.text();
      assert.equal(response.status, status, `${name}: ${body.slice(0, 300)}`);
      if (text) assert.match(body, text, name);
      assert.doesNotMatch(body, /at .+\.ts:\d+/, `${name}: no stack trace`);
    }
    // Nothing above changed anything.
    assert.deepEqual(await app.container.groups.namesOf(ada.sub), ['admins']);
    assert.equal((await app.container.accountAdmin.resolve('ada')).disabledAt, null);
  });

  test('the CLI goes through the same operations: its changes are in the trail as admin:<OS user>', async () => {
    assert.equal((await cli('users', 'disable', 'bob')).code, 0);
    assert.equal((await cli('users', 'enable', 'bob')).code, 0);
    const [, byCli] = await events('admin.user_disabled');
    assert.match(byCli?.actor ?? '', /^admin:/);
    const taken = await cli('invite', '--username', 'bob');
    assert.equal(taken.code, 2, 'a taken username is a usage error, as before');
    assert.equal(taken.err.split('\n')[0], 'error: "bob" is already used by an account');
  });
});
