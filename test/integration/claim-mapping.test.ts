import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientMetadata } from 'oidc-provider';
import { runAdmin } from '../../src/admin/run.ts';
import type { AuditEvent } from '../../src/db/entities/audit-event.ts';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { authorizationError, clientsFromFiles } from '../helpers/file-clients.ts';
import {
  authorize,
  CALLBACK,
  codeRequestUrl,
  consent,
  fetchUserInfo,
  follow,
  followToCallback,
  interactionUid,
  HttpBrowser,
  redeemCode,
  relyingParty,
  signInWithPasskey,
  signUpAndRegister,
} from '../helpers/http-flow.ts';
import { knowTestClient } from '../helpers/relying-party.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

/**
 * Claims shaped per app: client files (loaded by the real loader) map claims, and declare their
 * own scopes; attributes are set with the real admin CLI; a real openid-client relying party
 * signs in and reads the ID token (validated) and userinfo.
 */
const SECRET = 'claim-mapping-secret-0123456789abcdefghijkl';
const base = { client_secret: SECRET, redirect_uris: [CALLBACK], first_party: true, grant_types: ['authorization_code'] };

const FILES = {
  'unraid.json': {
    ...base,
    client_id: 'unraid',
    scope: 'openid profile email groups',
    claims: {
      preferred_username: 'email',
      roles: 'groups',
      unraid_user: { value: 'alice' },
      department: { attribute: 'department' },
    },
    scopes: { unraid: ['unraid_user'], org: ['department'] },
  },
  // Declares a scope of the same name as unraid's, releasing other claims, one of them a claim
  // unraid has too (under its own scope): oidc-provider's global "org" lists all three.
  'wiki.json': {
    ...base,
    client_id: 'wiki',
    claims: { team: { attribute: 'department' }, unraid_user: { value: 'wiki-user' } },
    scopes: { org: ['team', 'unraid_user'] },
  },
  'plain.json': { ...base, client_id: 'plain', scope: 'openid profile email groups' },
  // A third-party app: people are asked, and told about the mapped claims.
  'thirdparty.json': {
    ...base,
    client_id: 'thirdparty',
    client_name: 'Third party',
    first_party: false,
    claims: { preferred_username: 'email', unraid_user: { value: 'alice' } },
    scopes: { unraid: ['unraid_user'] },
  },
};

describe(`claims shaped per app, custom scopes, user attributes (${BACKEND})`, () => {
  let app: TestApp;
  let person: { authenticator: SoftwareAuthenticator; sub: string };
  let ip = 0;
  const admin = (...argv: string[]) => runAdmin(argv, {}, { config: app.config, databaseSchema: app.database.schema, storePrefix: app.storePrefix });

  before(async () => {
    const clients: ClientMetadata[] = await clientsFromFiles(FILES);
    clients.forEach(knowTestClient);
    app = await startTestApp({ env: { TRUST_PROXY: 'true' }, clients: [...TEST_CLIENTS, ...clients] });
    person = await signUpAndRegister(app.url, { username: 'ada', email: 'ada@example.com', ip: `198.51.100.${++ip}` });
    for (const argv of [['groups', 'create', 'staff'], ['groups', 'add', 'staff', 'ada'], ['users', 'set', 'ada', 'department=research']]) {
      const result = await admin(...argv);
      assert.equal(result.code, 0, result.err);
    }
  });
  after(() => app?.destroy());

  /** A passkey sign-in of ada to `clientId` asking for `scope`: the ID token's claims (validated by openid-client) and userinfo. */
  async function signIn(clientId: string, scope: string) {
    const browser = new HttpBrowser(app.url, { ip: `198.51.100.${++ip}` });
    const request = await authorize(browser, { clientId, scope });
    const callback = await followToCallback(browser, await signInWithPasskey(browser, request.uid, person.authenticator, { login: 'ada' }));
    const { tokens, sub } = await redeemCode(app.url, callback, request);
    const idToken = tokens.claims() ?? assert.fail('no ID token');
    const userinfo = await fetchUserInfo(app.url, clientId, tokens.access_token, sub);
    return { idToken: idToken as Record<string, unknown>, userinfo: userinfo as Record<string, unknown> };
  }

  test('the mapped claims, in the ID token and from userinfo alike', async () => {
    const { idToken, userinfo } = await signIn('unraid', 'openid profile email groups unraid org');
    for (const claims of [idToken, userinfo]) {
      assert.equal(claims['sub'], person.sub, 'sub stays the account id');
      assert.equal(claims['preferred_username'], 'ada@example.com', 'preferred_username is the email, for this app');
      assert.deepEqual(claims['roles'], ['staff'], 'groups under the name the app reads');
      assert.deepEqual(claims['groups'], ['staff']);
      assert.equal(claims['unraid_user'], 'alice', 'a fixed value');
      assert.equal(claims['department'], 'research', 'the attribute set with the admin CLI');
      assert.equal(claims['email'], 'ada@example.com');
      assert.equal(claims['team'], undefined, 'what another client\'s "org" scope releases is not this client\'s');
    }
  });

  test('a client without a mapping sees the standard claims', async () => {
    const { idToken, userinfo } = await signIn('plain', 'openid profile email groups');
    for (const claims of [idToken, userinfo]) {
      assert.equal(claims['preferred_username'], 'ada');
      assert.deepEqual(claims['groups'], ['staff']);
      for (const name of ['roles', 'unraid_user', 'department', 'team']) assert.equal(claims[name], undefined, name);
    }
  });

  test('custom scopes not asked for release nothing; a mapped claim needs its scope', async () => {
    const { idToken, userinfo } = await signIn('unraid', 'openid email');
    for (const claims of [idToken, userinfo]) {
      assert.equal(claims['email'], 'ada@example.com');
      for (const name of ['preferred_username', 'roles', 'groups', 'unraid_user', 'department']) assert.equal(claims[name], undefined, name);
    }
  });

  test('the same scope name declared by two clients releases each its own claims', async () => {
    const wiki = await signIn('wiki', 'openid org');
    for (const claims of [wiki.idToken, wiki.userinfo]) {
      assert.equal(claims['team'], 'research');
      assert.equal(claims['unraid_user'], 'wiki-user', 'its own value for a claim name unraid uses too');
      assert.equal(claims['department'], undefined);
    }
    const unraid = await signIn('unraid', 'openid org');
    for (const claims of [unraid.idToken, unraid.userinfo]) {
      assert.equal(claims['department'], 'research');
      assert.equal(claims['unraid_user'], undefined, 'unraid releases unraid_user with its scope "unraid" only');
      assert.equal(claims['team'], undefined);
    }
  });

  test('a client cannot ask for a scope only another client declared', async () => {
    const browser = new HttpBrowser(app.url, { ip: `198.51.100.${++ip}` });
    const { url } = await codeRequestUrl(await relyingParty(app.url, 'plain'), { scope: 'openid unraid' });
    const response = await browser.get(url);
    assert.equal(response.status, 303);
    const location = response.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${CALLBACK}?`), location);
    assert.equal(authorizationError(location), 'invalid_scope');
  });

  test('the consent page names the mapped claims a third-party app asks for', async () => {
    const browser = new HttpBrowser(app.url, { ip: `198.51.100.${++ip}` });
    const request = await authorize(browser, { clientId: 'thirdparty', scope: 'openid profile unraid' });
    const asked = await follow(browser, await signInWithPasskey(browser, request.uid, person.authenticator, { login: 'ada' }));
    const page = await (await browser.get(asked)).text();
    assert.match(page, /Third party wants to access your account/);
    assert.match(page, /<li>See your name and username<\/li>/);
    assert.match(page, /<li>See further details about you, as set up for this app: preferred_username, unraid_user<\/li>/);
    const callback = await consent(browser, interactionUid(asked), 'allow');
    const { tokens } = await redeemCode(app.url, callback, request);
    assert.equal(tokens.claims()?.['preferred_username'], 'ada@example.com');
    assert.equal(tokens.claims()?.['unraid_user'], 'alice');

    const plain = new HttpBrowser(app.url, { ip: `198.51.100.${++ip}` });
    const without = await authorize(plain, { clientId: 'thirdparty', scope: 'openid email' });
    const page2 = await (await plain.get(await follow(plain, await signInWithPasskey(plain, without.uid, person.authenticator, { login: 'ada' })))).text();
    assert.doesNotMatch(page2, /as set up for this app/, 'nothing mapped is released by the scopes asked for');
  });

  test('discovery lists the declared scopes and mapped claims', async () => {
    const metadata = (await relyingParty(app.url, 'plain')).serverMetadata();
    for (const scope of ['unraid', 'org']) assert.ok(metadata.scopes_supported?.includes(scope), scope);
    for (const claim of ['roles', 'unraid_user', 'department', 'team']) assert.ok(metadata.claims_supported?.includes(claim), claim);
  });

  test('an attribute unset with the admin CLI leaves its claim out', async () => {
    await admin('users', 'set', 'ada', 'department=ops');
    assert.equal((await signIn('unraid', 'openid org')).userinfo['department'], 'ops', 'the new value at the next sign-in');
    const unset = await admin('users', 'unset', 'ada', 'department');
    assert.deepEqual([unset.code, unset.out], [0, 'Removed department from ada.\n']);
    const { idToken, userinfo } = await signIn('unraid', 'openid org');
    assert.equal('department' in idToken, false);
    assert.equal('department' in userinfo, false);
    await admin('users', 'set', 'ada', 'department=research');
  });

  test('admin CLI: users set, unset and show; mistakes are one line; changes are in the audit trail', async () => {
    const set = await admin('users', 'set', 'ada@example.com', 'unraid_name=root', 'note=two words = fine', '--json');
    assert.equal(set.code, 0, set.err);
    assert.deepEqual((JSON.parse(set.out) as { attributes: unknown }).attributes, { department: 'research', note: 'two words = fine', unraid_name: 'root' });
    assert.equal((await admin('users', 'set', 'ada', 'note=changed')).out, 'Set note for ada.\n');
    const shown = await admin('users', 'show', 'ada');
    assert.match(shown.out, /\nattributes {2}3\n {2}department = research\n {2}note = changed\n {2}unraid_name = root\n/);
    assert.deepEqual((JSON.parse((await admin('users', 'show', 'ada', '--json')).out) as { attributes: unknown }).attributes, { department: 'research', note: 'changed', unraid_name: 'root' });

    const unset = await admin('users', 'unset', 'ada', 'note', 'unraid_name', 'never_set');
    assert.deepEqual([unset.code, unset.out], [0, 'Removed note, unraid_name from ada.\nada had no never_set.\n']);

    const refused = async (argv: string[], code: number, pattern: RegExp) => {
      const result = await admin(...argv);
      assert.equal(result.code, code, `${argv.join(' ')}: ${result.err}`);
      assert.match(result.err, pattern);
      assert.equal(result.err.split('\n')[0]?.startsWith('error: '), true);
    };
    await refused(['users', 'set', 'ada', 'Department=x'], 1, /^error: "Department" is not an attribute key: 1-64 lower-case letters, digits and _, starting with a letter\.\n$/);
    await refused(['users', 'set', 'ada', `long=${'x'.repeat(1025)}`], 1, /^error: The value of "long" is longer than 1024 characters\.\n$/);
    await refused(['users', 'set', 'ada', 'empty='], 1, /"empty" has an empty value; to remove the attribute, unset it/);
    await refused(['users', 'set', 'ada', 'line=a\nb'], 1, /contains a control character/);
    await refused(['users', 'set', 'ada', 'department'], 2, /^error: "department" is not key=value, e.g. department=research\nusage: npm run admin -- users set/);
    await refused(['users', 'set', 'ada', 'a=1', 'a=2'], 2, /^error: a is given twice\n/);
    await refused(['users', 'set', 'ada'], 2, /^error: expected 2 to 33 argument\(s\), got 1\n/);
    await refused(['users', 'set', 'nobody', 'a=1'], 1, /^error: There is no account "nobody"/);
    await refused(['users', 'unset', 'ada', 'Bad-Key'], 1, /"Bad-Key" is not an attribute key/);
    const many = Array.from({ length: 32 }, (_, i) => `k${i}=v`);
    await refused(['users', 'set', 'ada', ...many], 1, /^error: A person can have at most 32 attributes; this would make 33\. Unset some first\.\n$/);
    assert.deepEqual(Object.keys((JSON.parse((await admin('users', 'show', 'ada', '--json')).out) as { attributes: object }).attributes), ['department'], 'a refused set changes nothing');

    const trail = await app.container.dataSource.getRepository<AuditEvent>('AuditEvent').find({ where: { userId: person.sub }, order: { at: 'ASC' } });
    const set1 = trail.find((event) => event.type === 'admin.user_attributes_set' && event.detail?.includes('unraid_name'));
    assert.ok(set1, 'users set is recorded');
    assert.match(set1.actor ?? '', /^admin:/);
    assert.deepEqual(JSON.parse(set1.detail ?? '{}'), { unraid_name: 'root', note: 'two words = fine' });
    const unset1 = trail.find((event) => event.type === 'admin.user_attributes_unset' && event.detail?.includes('note'));
    assert.deepEqual(JSON.parse(unset1?.detail ?? '{}'), { attributes: 'note, unraid_name' });
  });
});
