import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import type { AccountLink } from '../../src/db/entities/account-link.ts';
import type { AuditEvent } from '../../src/db/entities/audit-event.ts';
import { runAdmin } from '../../src/admin/run.ts';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND, createTestDatabase } from '../helpers/backends.ts';
import {
  authorize,
  fetchUserInfo,
  follow,
  followToCallback,
  HttpBrowser,
  login,
  newAuthenticator,
  postRegistration,
  redeemCode,
  registrationOptions,
  relyingParty,
  signInWithPasskey,
  signUpAndRegister,
} from '../helpers/http-flow.ts';
import { nextCodeFor, nextMailFor } from '../helpers/mail-sink.ts';
import { knowTestClient, oidc } from '../helpers/relying-party.ts';

/** The admin CLI as an operator runs it, against this app's database and store. */
function adminOf(app: TestApp) {
  return async (...argv: string[]) => {
    const result = await runAdmin(argv, {}, { config: app.config, databaseSchema: app.database.schema, storePrefix: app.storePrefix });
    return { ...result, json: () => JSON.parse(result.out) as Record<string, unknown> & Array<Record<string, unknown>> };
  };
}

const GRAFANA: ClientMetadata = {
  client_id: 'grafana',
  client_secret: 'grafana-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  redirect_uris: ['http://localhost:8080/callback'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  scope: 'openid profile email groups',
  first_party: true,
  allowed_groups: ['grafana-users'],
};

describe(`admin CLI, groups in tokens, allowed_groups, audit trail (${BACKEND})`, () => {
  let app: TestApp;
  let admin: ReturnType<typeof adminOf>;
  let ip = 0;
  const browser = () => new HttpBrowser(app.url, { ip: `203.0.113.${++ip}` });
  const auditRows = (userId: string) => app.container.dataSource.getRepository<AuditEvent>('AuditEvent').find({ where: { userId }, order: { at: 'ASC' } });

  before(async () => {
    knowTestClient(GRAFANA);
    app = await startTestApp({ env: { TRUST_PROXY: 'true' }, clients: [...TEST_CLIENTS, GRAFANA] });
    admin = adminOf(app);
  });
  after(() => app?.destroy());

  test('users: create, list, show (--json), and mistakes are one line with exit 1 or 2', async () => {
    const created = await admin('users', 'create', 'Carol', 'Carol@Example.com', '--name', 'Carol C', '--json');
    assert.equal(created.code, 0, created.err);
    assert.equal(created.json()['username'], 'carol');
    assert.equal(created.json()['emailVerified'], false, 'an address the operator typed is not proven');
    const list = await admin('users', 'list', '--search', 'caro', '--json');
    assert.deepEqual(list.json().map((u) => u['username']), ['carol']);
    assert.match((await admin('users', 'list')).out, /^username\s+email\s+state\s+created\n/);
    const shown = await admin('users', 'show', 'carol@example.com');
    assert.match(shown.out, /carol <carol@example.com> \(address not yet proven\)\n/);
    assert.match(shown.out, /last sign-in never/);

    const duplicate = await admin('users', 'create', 'carol', 'other@example.com');
    assert.deepEqual([duplicate.code, duplicate.err], [1, 'error: "carol" is already used by an account.\n']);
    const missing = await admin('users', 'show', 'nobody');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^error: There is no account "nobody"/);
    const wrong = await admin('users', 'delete', 'carol');
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /add --yes to confirm\nusage: npm run admin -- users delete/);
    assert.equal((await admin('users', 'frob')).code, 2);
    assert.equal((await admin('help')).code, 0);
  });

  test('groups reach apps: the groups claim in the ID token and userinfo, only with the groups scope', async () => {
    const { browser: b, authenticator } = await signUpAndRegister(app.url, { username: 'gina', email: 'gina@example.com', ip: `203.0.113.${++ip}` });
    void b;
    assert.equal((await admin('groups', 'create', 'Grafana-Users')).out, 'Created group grafana-users.\n');
    assert.equal((await admin('groups', 'create', 'staff')).code, 0);
    assert.equal((await admin('groups', 'add', 'grafana-users', 'gina')).out, 'Added gina to grafana-users.\n');
    assert.equal((await admin('groups', 'add', 'staff', 'gina@example.com')).code, 0);
    assert.match((await admin('groups', 'add', 'staff', 'gina')).out, /already is in staff/);
    assert.equal((await admin('groups', 'create', 'Bad Name!')).code, 1);
    assert.deepEqual((await admin('groups', 'list', '--json')).json().map((g) => [g['name'], g['members']]), [['grafana-users', 1], ['staff', 1]]);

    const signIn = async (scope: string) => {
      const fresh = browser();
      const request = await authorize(fresh, { clientId: 'grafana', scope });
      const callback = await followToCallback(fresh, await signInWithPasskey(fresh, request.uid, authenticator, { login: 'gina' }));
      return redeemCode(app.url, callback, request);
    };
    const withGroups = await signIn('openid profile groups');
    assert.deepEqual(decodeJwt(withGroups.tokens.id_token ?? '')['groups'], ['grafana-users', 'staff']);
    const info = await fetchUserInfo(app.url, 'grafana', withGroups.tokens.access_token, withGroups.sub);
    assert.deepEqual(info['groups'], ['grafana-users', 'staff']);
    const without = await signIn('openid profile');
    assert.equal(decodeJwt(without.tokens.id_token ?? '')['groups'], undefined);
  });

  test('allowed_groups: someone outside them gets "no access" (403), not a code; added to the group, they get in', async () => {
    const { authenticator } = await signUpAndRegister(app.url, { username: 'otto', email: 'otto@example.com', ip: `203.0.113.${++ip}` });
    const b = browser();
    const request = await authorize(b, { clientId: 'grafana', scope: 'openid groups' });
    const landed = await follow(b, await signInWithPasskey(b, request.uid, authenticator, { login: 'otto' }));
    assert.match(landed.pathname, /^\/interaction\//, 'back on our pages, not at the app');
    const page = await b.get(landed);
    assert.equal(page.status, 403);
    assert.match(await page.text(), /You don’t have access to grafana/);
    const left = await b.postForm(`${landed.pathname}/leave`, {});
    const back = await followToCallback(b, left.headers.get('location') ?? '');
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('code'), null);

    await admin('groups', 'add', 'grafana-users', 'otto');
    const again = browser();
    const second = await authorize(again, { clientId: 'grafana', scope: 'openid groups' });
    const callback = await followToCallback(again, await signInWithPasskey(again, second.uid, authenticator, { login: 'otto' }));
    assert.ok(callback.searchParams.get('code'), 'a member gets a code');
  });

  test('disable: sessions and refresh tokens end at once and sign-in stops; enable lets them back; the trail records it', async () => {
    const person = await signUpAndRegister(app.url, { username: 'dora', email: 'dora@example.com', ip: `203.0.113.${++ip}` });
    const config = await relyingParty(app.url, 'test-confidential');
    const b = browser();
    const request = await authorize(b, { scope: 'openid offline_access' });
    const callback = await followToCallback(b, await signInWithPasskey(b, request.uid, person.authenticator, { login: 'dora' }));
    const { tokens } = await redeemCode(app.url, callback, request);
    assert.ok(tokens.refresh_token);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.access_token, 'the refresh token works before');

    const disabled = await admin('users', 'disable', 'dora', '--json');
    assert.equal(disabled.code, 0, disabled.err);
    assert.ok(Number(disabled.json()['endedSessions']) >= 1 && Number(disabled.json()['endedGrants']) >= 1, disabled.out);
    assert.notEqual(disabled.json()['disabledAt'], null);
    await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token ?? ''), (error: { error?: string }) => error.error === 'invalid_grant');
    const account = await b.get('/account');
    assert.equal(account.status, 302, 'the session is gone: the account page sends to sign-in');
    assert.match(account.headers.get('location') ?? '', /\/auth\?/);
    const stranger = browser();
    const attempt = await authorize(stranger);
    assert.equal((await stranger.postForm(`/interaction/${attempt.uid}/login`, { login: 'dora' })).status, 422, 'a disabled account cannot be chosen');

    assert.equal((await admin('users', 'enable', 'dora')).code, 0);
    const back = browser();
    const resumed = await authorize(back);
    assert.ok((await followToCallback(back, await signInWithPasskey(back, resumed.uid, person.authenticator, { login: 'dora' }))).searchParams.get('code'));
    const types = (await auditRows(person.sub)).map((event) => event.type);
    for (const type of ['signup', 'sign_in', 'admin.user_disabled', 'admin.user_enabled']) assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
    const signIn = (await auditRows(person.sub)).find((event) => event.type === 'sign_in' && event.ip === b.ip);
    assert.ok(signIn, 'the sign-in, with the address it came from');
    assert.equal(signIn.clientId, 'test-confidential');
    assert.match(signIn.detail ?? '', /"method":"passkey"/);
    assert.ok(signIn.userAgent, 'and the browser');
  });

  test('delete: the account, its passkeys and tokens go; the trail keeps the event', async () => {
    const person = await signUpAndRegister(app.url, { username: 'dave', email: 'dave@example.com', ip: `203.0.113.${++ip}` });
    const deleted = await admin('users', 'delete', 'dave', '--yes');
    assert.equal(deleted.code, 0, deleted.err);
    // From the database itself: the CLI is another process, and the server may serve its cached copy for a moment.
    assert.equal(await app.container.dataSource.getRepository('User').findOneBy({ id: person.sub }), null);
    const config = await relyingParty(app.url, 'test-confidential');
    await assert.rejects(oidc.refreshTokenGrant(config, person.tokens.refresh_token ?? 'none'));
    assert.ok((await auditRows(person.sub)).some((event) => event.type === 'admin.user_deleted'));
  });

  test('recovery: a single-use link signs its person in to the account page, where they add a passkey', async () => {
    const person = await signUpAndRegister(app.url, { username: 'rita', email: 'rita@example.com', ip: `203.0.113.${++ip}` });
    const created = await admin('recovery', 'rita', '--json');
    assert.equal(created.code, 0, created.err);
    const url = new URL(String(created.json()['url']));
    assert.match((await admin('recovery', 'rita')).out, /█/, 'a QR code for the terminal');

    const lost = browser();
    const page = await lost.get(url.pathname);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Recover rita’s account/);
    let response = await lost.postForm(url.pathname, {});
    let at = new URL(url);
    for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 12; hops++) {
      at = new URL(response.headers.get('location') ?? '', at);
      response = await lost.get(at);
    }
    assert.equal(`${at.pathname}${at.search}`, '/account?done=recovered');
    assert.match(await response.text(), /Signed in as <strong>rita<\/strong>[\s\S]*signed in with your recovery link/);
    assert.equal((await browser().postForm(url.pathname, {})).status, 410, 'single use');

    // An expired link no longer works.
    const expiring = await admin('recovery', 'rita', '--json');
    const expiringPath = new URL(String(expiring.json()['url'])).pathname;
    await app.container.dataSource.getRepository<AccountLink>('AccountLink').update({ id: String(expiring.json()['id']) }, { expiresAt: new Date(Date.now() - 1000) });
    assert.equal((await browser().get(expiringPath)).status, 410);
    assert.ok((await auditRows(person.sub)).some((event) => event.type === 'recovery_used'));
  });
});

describe(`the rest of the admin CLI (${BACKEND})`, () => {
  let app: TestApp;
  let admin: ReturnType<typeof adminOf>;
  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    admin = adminOf(app);
  });
  after(() => app?.destroy());

  test('groups members, remove, delete; invites list and revoke; keys list; audit with filters', async () => {
    await admin('users', 'create', 'mia', 'mia@example.com');
    await admin('groups', 'create', 'ops');
    await admin('groups', 'add', 'ops', 'mia');
    assert.equal((await admin('groups', 'members', 'ops')).out, 'mia <mia@example.com>\n');
    assert.equal((await admin('groups', 'remove', 'ops', 'mia')).out, 'Removed mia from ops.\n');
    assert.equal((await admin('groups', 'members', 'ops')).out, 'No members in ops.\n');
    assert.equal((await admin('groups', 'delete', 'ops')).out, 'Deleted group ops.\n');
    assert.equal((await admin('groups', 'delete', 'ops')).code, 1);

    const invite = (await admin('invite', '--username', 'newbie', '--json')).json();
    const open = (await admin('invites', 'list', '--json')).json();
    assert.deepEqual(open.map((i) => i['username']), ['newbie']);
    assert.equal((await admin('invites', 'revoke', String(invite['id']))).code, 0);
    assert.equal((await admin('invites', 'list')).out, 'No open invitations.\n');
    assert.equal((await new HttpBrowser(app.url).get(new URL(String(invite['url'])).pathname)).status, 410, 'a revoked invitation no longer works');
    assert.equal((await admin('invite', '--username', 'mia')).code, 2, 'a username that is taken cannot be invited');
    assert.equal((await admin('invite', '--expires', '10y')).code, 2);

    const keys = (await admin('keys', 'list', '--json')).json();
    assert.deepEqual([...new Set(keys.map((k) => k['alg']))].sort(), ['ES256', 'EdDSA', 'PS256', 'RS256']);

    const trail = (await admin('audit', '--user', 'mia', '--json')).json();
    assert.deepEqual(trail.map((e) => e['type']).reverse(), ['admin.user_created', 'admin.group_member_added', 'admin.group_member_removed']);
    assert.ok(trail.every((e) => String(e['actor']).startsWith('admin:')));
    assert.equal((await admin('audit', '--type', 'nonsense')).code, 2);
  });

  test('failed sign-ins and sign-in emails are in the trail, with the address they came from', async () => {
    const person = await signUpAndRegister(app.url, { username: 'fay', email: 'fay@example.com', ip: '203.0.113.200' });
    const b = new HttpBrowser(app.url, { ip: '203.0.113.201' });
    const { uid } = await authorize(b);
    assert.equal((await signInWithPasskey(b, uid, person.authenticator, { login: 'fay', overrides: { corruptSignature: true } }).catch((e: { status: number }) => e.status)), 400);
    assert.equal((await b.postForm(`/interaction/${uid}/email`, {})).status, 303);
    await nextCodeFor('fay@example.com');
    assert.equal((await b.postForm(`/interaction/${uid}/email/code`, { code: 'ZZZZ-ZZZZ' })).status, 422);
    const trail = (await admin('audit', '--user', 'fay', '--json')).json();
    const of = (type: string) => trail.filter((e) => e['type'] === type);
    assert.equal(of('sign_in_failed').length, 2);
    assert.deepEqual(of('sign_in_failed').map((e) => (e['detail'] as Record<string, unknown>)['method']).sort(), ['email_code', 'passkey']);
    assert.ok(of('sign_in_failed').every((e) => e['ip'] === '203.0.113.201'));
    assert.equal(of('email_sent').length, 1);
  });

  test('clients list and check read the client files; db migrate applies what is pending', async () => {
    const clients = await runAdmin(['clients', 'list', '--json'], { CLIENTS_DIR: './clients' }, { config: { ...app.config, clientsDir: './clients' } });
    assert.equal(clients.code, 0, clients.err);
    assert.deepEqual((JSON.parse(clients.out) as Array<{ clientId: string }>).map((c) => c.clientId).sort(), ['example-app', 'example-third-party']);
    const checked = await runAdmin(['clients', 'check'], {}, { config: { ...app.config, clientsDir: './clients' } });
    assert.match(checked.out, /2 client\(s\) OK in \.\/clients/);
    const missing = await runAdmin(['clients', 'check'], {}, { config: { ...app.config, clientsDir: '/nonexistent' } });
    assert.equal(missing.code, 2);
    assert.match(missing.err, /CLIENTS_DIR/);

    const fresh = await createTestDatabase();
    try {
      const migrate = await runAdmin(['db', 'migrate', '--json'], {}, { config: { ...app.config, databaseUrl: fresh.databaseUrl, dataDir: fresh.dataDir }, databaseSchema: fresh.schema });
      assert.equal(migrate.code, 0, migrate.err);
      assert.ok((JSON.parse(migrate.out) as { applied: string[] }).applied.length >= 2);
      const again = await runAdmin(['db', 'migrate'], {}, { config: { ...app.config, databaseUrl: fresh.databaseUrl, dataDir: fresh.dataDir }, databaseSchema: fresh.schema });
      assert.equal(again.out, 'The schema is up to date.\n');
      const before = await runAdmin(['users', 'list'], {}, { config: { ...app.config, databaseUrl: fresh.databaseUrl, dataDir: fresh.dataDir }, databaseSchema: fresh.schema, storePrefix: app.storePrefix });
      assert.equal(before.code, 0, before.err);
    } finally {
      await fresh.cleanup();
    }
  });
});

describe(`the account page: sessions, apps, activity (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  after(() => app?.destroy());

  test('another browser’s session ends from here, an app’s refresh token ends, and every change is in the trail', async () => {
    const here = await signUpAndRegister(app.url, { username: 'sid', email: 'sid@example.com', ip: '198.51.100.90' });
    // A second browser, signed in to an app that keeps a refresh token.
    const there = new HttpBrowser(app.url, { ip: '198.51.100.91' });
    const request = await authorize(there, { scope: 'openid offline_access' });
    const callback = await followToCallback(there, await signInWithPasskey(there, request.uid, here.authenticator, { login: 'sid' }));
    const { tokens } = await redeemCode(app.url, callback, request);
    const sessions = await app.container.accountSessions.sessions(here.sub);
    assert.equal(sessions.length, 2);
    const page = await (await here.browser.get('/account')).text();
    assert.match(page, /This browser/);
    assert.match(page, /Another browser/);
    assert.match(page, /Apps that stay signed in[\s\S]*test-confidential/);

    const [passkey] = await app.container.passkeys.list(here.sub);
    assert.ok(passkey);
    assert.equal((await here.browser.postForm(`/account/passkeys/${passkey.id}/rename`, { name: 'Laptop' })).status, 303);
    const other = sessions.find((session) => page.includes(`/account/sessions/${session.id}/end`));
    assert.ok(other, 'the other session can be ended from here');
    assert.equal((await here.browser.postForm(`/account/sessions/${other.id}/end`, {})).status, 303);
    assert.equal((await there.get('/account')).status, 302, 'signed out there');
    const config = await relyingParty(app.url, 'test-confidential');
    const renewed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    assert.ok(renewed.access_token, 'an app that stays signed in (offline_access) outlives a sign-out, as with oidc-provider\'s own logout');
    const grants = await app.container.accountSessions.grants(here.sub);
    assert.equal(grants.filter((g) => g.hasRefreshToken).length, 1);
    for (const grant of grants.filter((g) => g.hasRefreshToken)) await here.browser.postForm(`/account/apps/${grant.id}/revoke`, {});
    await assert.rejects(oidc.refreshTokenGrant(config, renewed.refresh_token ?? tokens.refresh_token ?? ''), 'the app\'s refresh token ended');
    assert.equal((await here.browser.postForm(`/account/sessions/${other.id}/end`, {})).status, 404, 'a session that is gone (or not yours) is a 404');
    assert.equal((await here.browser.postForm(`/account/passkeys/${passkey.id}/delete`, {})).status, 303);
    assert.equal((await here.browser.postForm('/account/sessions/end-all', {})).status, 200);
    const types = (await app.container.audit.forUser(here.sub, 50)).map((event) => event.type);
    for (const type of ['signup', 'passkey_added', 'sign_in', 'passkey_renamed', 'sessions_ended', 'passkey_removed']) assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
    assert.equal(types.filter((type) => type === 'sessions_ended').length, 3);
    assert.equal((await app.container.accountSessions.sessions(here.sub)).length, 0);
  });
});

describe(`SIGNUP=invite (${BACKEND})`, () => {
  let app: TestApp;
  let admin: ReturnType<typeof adminOf>;
  before(async () => {
    app = await startTestApp({ env: { SIGNUP: 'invite' } });
    admin = adminOf(app);
  });
  after(() => app?.destroy());

  test('no signup without an invitation; an invitation (email fixed) signs up once', async () => {
    const b = new HttpBrowser(app.url);
    const { uid } = await authorize(b);
    assert.doesNotMatch(await (await b.get(`/interaction/${uid}`)).text(), /Create an account/);
    assert.equal((await b.get(`/interaction/${uid}/signup`)).status, 404);
    assert.equal((await b.postForm(`/interaction/${uid}/signup`, { username: 'sneaky', email: 'sneaky@example.com' })).status, 404);

    const invite = await admin('invite', '--email', 'Ivy@Example.com', '--json');
    assert.equal(invite.code, 0, invite.err);
    const path = new URL(String(invite.json()['url'])).pathname;
    const invited = new HttpBrowser(app.url);
    const request = await authorize(invited);
    const opened = await invited.get(path);
    assert.equal(opened.status, 302);
    const form = await (await invited.get(`/interaction/${request.uid}`)).text();
    assert.match(form, /id="email" name="email" type="email" value="ivy@example.com"[^>]* readonly/);
    // The fixed address wins over whatever the form says.
    assert.equal((await invited.postForm(`/interaction/${request.uid}/signup`, { username: 'ivy', email: 'other@example.com' })).status, 303);
    const { code } = await nextCodeFor('ivy@example.com');
    assert.equal((await invited.postForm(`/interaction/${request.uid}/signup/verify`, { code })).status, 303);
    assert.equal((await app.container.users.findByLogin('ivy'))?.email, 'ivy@example.com');

    const again = new HttpBrowser(app.url);
    assert.equal((await again.get(path)).status, 410, 'an invitation works once');
    assert.equal((await admin('invites', 'list', '--json')).json().length, 0);
  });

  test('SIGNUP=closed refuses to make invitations', async () => {
    const closed = await runAdmin(['invite'], {}, { config: { ...app.config, signup: 'closed' }, databaseSchema: app.database.schema, storePrefix: app.storePrefix });
    assert.equal(closed.code, 2);
    assert.match(closed.err, /SIGNUP=closed/);
  });
});

describe(`audit retention (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { AUDIT_RETENTION_DAYS: '30' } });
  });
  after(() => app?.destroy());

  test('events older than AUDIT_RETENTION_DAYS are deleted; newer ones stay', async () => {
    const events = app.container.dataSource.getRepository<AuditEvent>('AuditEvent');
    const row = (days: number): AuditEvent => ({
      id: crypto.randomUUID(), at: new Date(Date.now() - days * 86_400_000), type: 'sign_in', userId: null, actor: null, clientId: null, ip: null, userAgent: null, detail: null,
    });
    await events.insert([row(31), row(29), row(400)]);
    assert.equal(await app.container.audit.purge(), 2);
    assert.equal(await events.count(), 1);
  });
});

describe(`security notices by email (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { NOTIFY_EMAILS: 'true', TRUST_PROXY: 'true' } });
  });
  after(() => app?.destroy());

  test('an emailed sign-in in a new browser, and a passkey added afterwards, are mailed to the owner; signup is not', async () => {
    const firefox = { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:143.0) Gecko/20100101 Firefox/143.0' };
    await signUpAndRegister(app.url, { username: 'nora', email: 'nora@example.com', ip: '198.51.100.70' });
    await assert.rejects(nextMailFor('nora@example.com', 300), 'a signup and its first passkey send no notice');

    const b = new HttpBrowser(app.url, { ip: '198.51.100.71' });
    const { uid } = await authorize(b);
    await login(b, uid, 'nora');
    assert.equal((await b.postForm(`/interaction/${uid}/email`, {})).status, 303);
    const { code } = await nextCodeFor('nora@example.com');
    assert.equal((await b.postForm(`/interaction/${uid}/email/code`, { code }, { headers: firefox })).status, 303);
    const signedIn = await nextMailFor('nora@example.com');
    assert.equal(signedIn.parsed.subject, 'New sign-in to your Passkey ID account');
    assert.match(signedIn.parsed.text ?? '', /From Firefox on Windows \(IP address 198\.51\.100\.71\)/);

    const options = await registrationOptions(b, uid);
    const authenticator = newAuthenticator(app.url);
    assert.equal((await postRegistration(b, uid, authenticator.register(options))).status, 200);
    const added = await nextMailFor('nora@example.com');
    assert.equal(added.parsed.subject, 'A passkey was added to your Passkey ID account');
    assert.match(added.parsed.text ?? "", /A passkey named “Passkey \(2\)” was added/);
  });
});
