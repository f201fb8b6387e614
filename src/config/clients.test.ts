import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../errors.ts';
import { EXTRA_CLIENT_METADATA, formatClientsSummary, loadClientFiles, loadClients } from './clients.ts';

const SECRET = 'k'.repeat(40);
const made: string[] = [];

after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp folder holding `files` (name → text, or an object written as JSON). */
async function folder(files: Record<string, string | object>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clients-test-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

const web = { client_id: 'web', client_secret: SECRET, redirect_uris: ['https://app.example.com/cb'] };
const spa = { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: ['https://spa.example.com/cb'] };

/** Loads and returns the ConfigError lines (fails when loading succeeds). */
async function problems(files: Record<string, string | object>, env: Record<string, string | undefined> = {}) {
  const dir = await folder(files);
  const error = await loadClients(dir, env).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigError, String(error));
  return { dir, lines: error.lines };
}

/**
 * Asserts that exactly one line names `file` and `field` and matches `pattern`, and that no line
 * contains `hidden` (a secret value).
 */
async function rejects(files: Record<string, string | object>, file: string, field: string, pattern: RegExp, hidden?: string) {
  const { dir, lines } = await problems(files);
  const prefix = `${path.join(dir, file)}: ${field}: `;
  const hits = lines.filter((line) => line.startsWith(prefix) && pattern.test(line));
  assert.equal(hits.length, 1, `no line "${prefix}…" matching ${pattern} in:\n${lines.join('\n')}`);
  if (hidden !== undefined) assert.ok(!lines.join('\n').includes(hidden), `"${hidden}" was shown`);
}

describe('loadClients: valid files', () => {
  test('JSON with defaults applied', async () => {
    const [client, ...rest] = await loadClients(await folder({ 'web.json': web }), {});
    assert.equal(rest.length, 0);
    assert.deepEqual(client, {
      client_id: 'web',
      client_secret: SECRET,
      redirect_uris: ['https://app.example.com/cb'],
      post_logout_redirect_uris: [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: 'openid profile email',
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      application_type: 'web',
      first_party: false,
      resource_server_for: [],
    });
  });

  test('PKCE: required for public clients, optional for confidential ones unless the file says so', async () => {
    const clients = await loadClients(await folder({ 'web.json': web, 'spa.json': spa, 'strict.json': { ...web, client_id: 'strict', pkce_required: true } }), {});
    const pkce = Object.fromEntries(clients.map((c) => [c.client_id, c.pkce_required]));
    assert.deepEqual(pkce, { spa: true, strict: true, web: undefined }, 'unset: PKCE or a nonce');
  });

  test('a client listing refresh_token without a scope may ask for offline_access', async () => {
    const [client] = await loadClients(await folder({ 'web.json': { ...web, grant_types: ['authorization_code', 'refresh_token'] } }), {});
    assert.equal(client?.scope, 'openid profile email offline_access');
  });

  test('combinations that can never work load, with a warning naming the file, the field and the fix', async () => {
    const dir = await folder({
      'a.json': { ...web, client_id: 'a', grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email' },
      'b.json': { ...web, client_id: 'b', scope: 'openid offline_access' },
      'c.json': { client_id: 'c', client_secret: SECRET, grant_types: ['client_credentials'], first_party: true, post_logout_redirect_uris: ['https://c.example.com/'] },
      'd.json': { ...web, client_id: 'd' },
    });
    const loaded = await loadClientFiles(dir, {});
    const warnings = Object.fromEntries(loaded.map((entry) => [entry.client.client_id, entry.warnings]));
    assert.deepEqual(warnings['a'], [`${path.join(dir, 'a.json')}: scope: has no offline_access, so this app can never get the refresh token that grant_types allows; add offline_access, or remove refresh_token`]);
    assert.match(warnings['b']?.[0] ?? '', /b\.json: grant_types: has no refresh_token, so the offline_access in scope is always ignored/);
    assert.equal(warnings['c']?.length, 2);
    assert.deepEqual(warnings['d'], []);
  });

  test('YAML (.yaml and .yml), sorted by file name, other files ignored', async () => {
    const dir = await folder({
      'b.yml': 'client_id: b\ntoken_endpoint_auth_method: none\nredirect_uris: [http://127.0.0.1:9000/cb]\nfirst_party: true\n',
      'a.yaml': `# comment\nclient_id: a\nclient_secret: ${SECRET}\ngrant_types: [client_credentials]\nscope: openid openid\n`,
      '.hidden.json': '{ not json',
      'notes.txt': 'ignored',
    });
    const [a, b] = await loadClients(dir, {});
    assert.equal(a?.client_id, 'a');
    assert.deepEqual(a?.response_types, []);
    assert.deepEqual(a?.redirect_uris, []);
    assert.equal(a?.scope, 'openid');
    assert.equal(b?.client_id, 'b');
    assert.equal(b?.first_party, true);
    assert.equal(b?.token_endpoint_auth_method, 'none');
  });

  test('native app with a private-use scheme and a loopback redirect', async () => {
    const native = { ...spa, application_type: 'native', redirect_uris: ['com.example.app:/callback', 'http://[::1]:7000/cb'] };
    const [client] = await loadClients(await folder({ 'native.json': native }), {});
    assert.deepEqual(client?.redirect_uris, native.redirect_uris);
  });

  test('${ENV} substitution, whole and embedded', async () => {
    const dir = await folder({
      'web.json': { ...web, client_secret: '${WEB_SECRET}', redirect_uris: ['https://${APP_HOST}/cb'] },
    });
    const [client] = await loadClients(dir, { WEB_SECRET: SECRET, APP_HOST: 'app.example.com:8443' });
    assert.equal(client?.client_secret, SECRET);
    assert.deepEqual(client?.redirect_uris, ['https://app.example.com:8443/cb']);
  });

  test('empty folder gives no clients', async () => {
    assert.deepEqual(await loadClients(await folder({}), {}), []);
  });

  test('the shipped examples load with no environment', async () => {
    const loaded = await loadClientFiles(path.join(import.meta.dirname, '../../clients'), {});
    assert.deepEqual(
      loaded.map(({ client }) => [client.client_id, client.first_party, client.token_endpoint_auth_method]),
      [
        ['example-app', true, 'none'],
        ['example-third-party', false, 'none'],
      ],
    );
    const app = loaded[0]?.client;
    assert.deepEqual(app?.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(app?.scope, 'openid profile email offline_access');
    assert.deepEqual(app?.redirect_uris, ['http://localhost:8080/callback']);
    assert.deepEqual(app?.post_logout_redirect_uris, ['http://localhost:8080/']);
    assert.match(formatClientsSummary(loaded)[0] ?? '', /^✓ example-app \(.*example\.json\) first-party, public$/);
  });

  test('extra metadata keys', () => {
    assert.deepEqual([...EXTRA_CLIENT_METADATA], ['first_party', 'pkce_required', 'resource_server_for', 'allowed_groups', 'claim_mapping']);
  });
});

describe('loadClients: folder problems', () => {
  test('missing folder names CLIENTS_DIR and the path', async () => {
    const dir = path.join(os.tmpdir(), `clients-missing-${process.pid}-${Date.now()}`);
    await assert.rejects(loadClients(dir, {}), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.lines.length, 1);
      assert.match(error.lines[0] ?? '', /^CLIENTS_DIR: /);
      assert.ok(error.lines[0]?.includes(dir));
      assert.match(error.lines[0] ?? '', /does not exist/);
      return true;
    });
  });

  test('bad JSON names the file and line', async () => {
    const { dir, lines } = await problems({ 'web.json': '{\n  "client_id": "web"\n  "scope": "openid"\n}\n' });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', new RegExp(`^${path.join(dir, 'web.json')}: line 3, column \\d+: invalid JSON`));
  });

  test('bad JSON near a secret names the line without echoing the source', async () => {
    const text = `{\n  "client_id": "web",\n  "client_secret": "${SECRET}",\n  "scope": }\n`;
    const { dir, lines } = await problems({ 'web.json': text });
    assert.deepEqual(lines, [`${path.join(dir, 'web.json')}: line 4, column 12: invalid JSON (unexpected "}"); fix the syntax there`]);
    const short = await problems({ 'x.json': '{"a": }' });
    assert.deepEqual(short.lines, [`${path.join(short.dir, 'x.json')}: line 1, column 7: invalid JSON (unexpected "}"); fix the syntax there`]);
  });

  test('bad YAML names the file and line', async () => {
    const { dir, lines } = await problems({ 'web.yaml': 'client_id: web\nredirect_uris: [\n  https://a/cb\nscope: x\n' });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', new RegExp(`^${path.join(dir, 'web.yaml')}: line \\d+, column \\d+: invalid YAML`));
  });

  test('top level must be an object', async () => {
    const { dir, lines } = await problems({ 'list.json': '[1, 2]', 'text.yaml': 'just text\n' });
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', new RegExp(`^${path.join(dir, 'list.json')}: the top level must be an object`));
    assert.match(lines[1] ?? '', new RegExp(`^${path.join(dir, 'text.yaml')}: the top level must be an object`));
  });

  test('every problem across every file is reported at once', async () => {
    const { lines } = await problems({
      'a.json': { client_id: 'a', token_endpoint_auth_method: 'none', redirect_uris: [] },
      'b.json': { ...web, client_id: 'b', scope: 'openid admin' },
    });
    assert.equal(lines.length, 2, lines.join('\n'));
  });
});

describe('loadClients: environment variables', () => {
  test('a missing variable names the variable, the file and the field', async () => {
    const { dir, lines } = await problems({ 'web.json': { ...web, client_secret: '${WEB_SECRET}' } });
    assert.deepEqual(lines, [
      `${path.join(dir, 'web.json')}: client_secret: environment variable WEB_SECRET is not set; export it or remove \${WEB_SECRET}`,
    ]);
  });

  test('an empty variable is reported too, inside a list', async () => {
    const { dir, lines } = await problems(
      { 'web.json': { ...web, redirect_uris: ['https://a.example.com/cb', 'https://${HOST}/cb'] } },
      { HOST: '' },
    );
    assert.deepEqual(lines, [
      `${path.join(dir, 'web.json')}: redirect_uris[1]: environment variable HOST is empty; export it or remove \${HOST}`,
    ]);
  });

  test('an invalid reference in client_secret never echoes the value', async () => {
    const { lines } = await problems({ 'web.json': { ...web, client_secret: `${SECRET}\${lower}` } });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /client_secret: .*not a valid variable name/);
    assert.ok(!lines[0]?.includes(SECRET) && !lines[0]?.includes('lower'));
  });
});

describe('loadClients: invalid fields', () => {
  test('missing client_id', () => rejects({ 'x.json': { ...web, client_id: undefined } }, 'x.json', 'client_id', /is missing/));
  test('client_id with bad characters', () =>
    rejects({ 'x.json': { ...web, client_id: 'my app' } }, 'x.json', 'client_id', /letters, digits/));
  test('unknown key suggests the closest one', () =>
    rejects({ 'x.json': { ...web, redirect_uri: ['https://a/cb'] } }, 'x.json', 'redirect_uri', /did you mean "redirect_uris"\?/));
  test('unknown key with no near match lists the known keys and hides the value', () =>
    rejects({ 'x.json': { ...web, password: 'hunter2-secret' } }, 'x.json', 'password', /known: client_id/, 'hunter2'));
  test('client_name too long', () =>
    rejects({ 'x.json': { ...web, client_name: 'n'.repeat(101) } }, 'x.json', 'client_name', /longer than 100/));
  test('logo_uri must be https', () =>
    rejects({ 'x.json': { ...web, logo_uri: 'http://a.example.com/l.png' } }, 'x.json', 'logo_uri', /https:\/\//));
  test('unknown grant type', () =>
    rejects({ 'x.json': { ...web, grant_types: ['authorization_code', 'password'] } }, 'x.json', 'grant_types[1]', /"password" is not allowed/));
  test('response type other than code', () =>
    rejects({ 'x.json': { ...web, response_types: ['code id_token'] } }, 'x.json', 'response_types[0]', /"code id_token" is not allowed; use one of code, id_token$/));
  test('unsupported scope', () =>
    rejects({ 'x.json': { ...web, scope: 'openid admin' } }, 'x.json', 'scope', /"admin" is not a supported scope/));
  test('unknown auth method', () =>
    rejects({ 'x.json': { ...web, token_endpoint_auth_method: 'tls_client_auth' } }, 'x.json', 'token_endpoint_auth_method', /not allowed/));
  test('unknown id token alg', () =>
    rejects({ 'x.json': { ...web, id_token_signed_response_alg: 'HS256' } }, 'x.json', 'id_token_signed_response_alg', /RS256, ES256, EdDSA/));
  test('first_party must be a boolean', () =>
    rejects({ 'x.yaml': `client_id: x\nclient_secret: ${SECRET}\nredirect_uris: [https://a/cb]\nfirst_party: "yes"\n` }, 'x.yaml', 'first_party', /true or false/));
  test('redirect_uris must be a list', () =>
    rejects({ 'x.json': { ...web, redirect_uris: 'https://a.example.com/cb' } }, 'x.json', 'redirect_uris', /must be a list/));
});

describe('loadClients: resource_server_for', () => {
  const api = { client_id: 'api', client_secret: SECRET, grant_types: ['client_credentials'] };
  test('a confidential client may name other clients whose tokens it checks', async () => {
    const clients = await loadClients(await folder({ 'api.json': { ...api, resource_server_for: ['web'] }, 'web.json': web }), {});
    assert.deepEqual(clients.find((c) => c.client_id === 'api')?.resource_server_for, ['web']);
  });
  test('an unknown client id is named', () =>
    rejects({ 'api.json': { ...api, resource_server_for: ['wbe'] }, 'web.json': web }, 'api.json', 'resource_server_for[0]', /"wbe" is not the client_id of any client file/));
  test('naming itself is refused', () =>
    rejects({ 'api.json': { ...api, resource_server_for: ['api'] } }, 'api.json', 'resource_server_for[0]', /names the client itself/));
  test('a public client cannot be a resource server', () =>
    rejects({ 'spa.json': { ...spa, resource_server_for: ['web'] }, 'web.json': web }, 'spa.json', 'resource_server_for', /public client cannot authenticate/));
  test('it must be a list of strings', () =>
    rejects({ 'api.json': { ...api, resource_server_for: 'web' } }, 'api.json', 'resource_server_for', /must be a list/));
});

describe('loadClients: rules', () => {
  test('duplicate client_id names both files', async () => {
    const { dir, lines } = await problems({ 'a.json': web, 'b.yaml': `client_id: web\nclient_secret: ${SECRET}\nredirect_uris: [https://b/cb]\n` });
    assert.deepEqual(lines, [
      `${path.join(dir, 'b.yaml')}: client_id: "web" is also used by ${path.join(dir, 'a.json')}; give each client its own client_id`,
    ]);
  });
  test('confidential client without a secret', () =>
    rejects({ 'x.json': { ...web, client_secret: undefined } }, 'x.json', 'client_secret', /is missing; confidential clients/));
  test('secret shorter than 32 characters, value not shown', () =>
    rejects({ 'x.json': { ...web, client_secret: 'short-secret-value' } }, 'x.json', 'client_secret', /shorter than 32/, 'short-secret-value'));
  test('public client with a secret, value not shown', () =>
    rejects({ 'x.json': { ...spa, client_secret: SECRET } }, 'x.json', 'client_secret', /public clients .* must not have a secret/, SECRET));
  test('public client without PKCE', () =>
    rejects({ 'x.json': { ...spa, pkce_required: false } }, 'x.json', 'pkce_required', /public clients must use PKCE/));
  test('public client with client_credentials', () =>
    rejects({ 'x.json': { ...spa, grant_types: ['authorization_code', 'client_credentials'] } }, 'x.json', 'grant_types', /public clients cannot use client_credentials/));
  test('authorization_code without redirect_uris', () =>
    rejects({ 'x.json': { ...web, redirect_uris: undefined } }, 'x.json', 'redirect_uris', /is missing; the authorization_code grant needs/));
  test('authorization_code with empty redirect_uris', () =>
    rejects({ 'x.json': { ...web, redirect_uris: [] } }, 'x.json', 'redirect_uris', /is empty/));
  test('relative redirect URI', () =>
    rejects({ 'x.json': { ...web, redirect_uris: ['https://a/cb', '/callback'] } }, 'x.json', 'redirect_uris[1]', /not an absolute URL/));
  test('redirect URI with a fragment', () =>
    rejects({ 'x.json': { ...web, redirect_uris: ['https://a.example.com/cb#x'] } }, 'x.json', 'redirect_uris[0]', /fragment/));
  test('http redirect URI on a public host', () =>
    rejects({ 'x.json': { ...web, redirect_uris: ['http://app.example.com/cb'] } }, 'x.json', 'redirect_uris[0]', /uses http; use https/));
  test('http post-logout URI on a public host', () =>
    rejects({ 'x.json': { ...web, post_logout_redirect_uris: ['http://app.example.com/'] } }, 'x.json', 'post_logout_redirect_uris[0]', /uses http/));
  test('private-use scheme needs application_type native', () =>
    rejects({ 'x.json': { ...spa, redirect_uris: ['com.example.app:/callback'] } }, 'x.json', 'redirect_uris[0]', /application_type": "native"/));
  test('scheme without a dot is refused even for native apps', () =>
    rejects({ 'x.json': { ...spa, application_type: 'native', redirect_uris: ['myapp:/cb'] } }, 'x.json', 'redirect_uris[0]', /"myapp:" scheme/));
  test('response_types code without the authorization_code grant', () =>
    rejects({ 'x.json': { ...web, grant_types: ['client_credentials'], response_types: ['code'] } }, 'x.json', 'response_types', /needs the authorization_code grant/));
  test('authorization_code grant with no code response type', () =>
    rejects({ 'x.json': { ...web, response_types: [] } }, 'x.json', 'response_types', /has no "code"/));
  test('refresh_token without authorization_code', () =>
    rejects({ 'x.json': { ...web, grant_types: ['client_credentials', 'refresh_token'] } }, 'x.json', 'grant_types', /refresh_token needs authorization_code/));
  test('sign-in client without the openid scope', () =>
    rejects({ 'x.json': { ...web, scope: 'profile email' } }, 'x.json', 'scope', /add openid/));
});
