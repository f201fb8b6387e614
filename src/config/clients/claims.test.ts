import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../../errors.ts';
import { loadClientFiles, loadClients } from '../clients.ts';

const SECRET = 'k'.repeat(40);
const made: string[] = [];

after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function folder(files: Record<string, string | object>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clients-claims-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

const web = { client_id: 'web', client_secret: SECRET, redirect_uris: ['https://app.example.com/cb'] };

/** The problem lines for one file `x.json` holding `web` with `extra`. */
async function problemsWith(extra: Record<string, unknown>): Promise<{ file: string; lines: string[] }> {
  const dir = await folder({ 'x.json': { ...web, ...extra } });
  const error = await loadClients(dir, {}).then(() => assert.fail('expected a ConfigError'), (e: unknown) => e);
  assert.ok(error instanceof ConfigError, String(error));
  return { file: path.join(dir, 'x.json'), lines: error.lines };
}

/** Exactly one line names `x.json` and `field`, and it matches `pattern`. */
async function rejects(extra: Record<string, unknown>, field: string, pattern: RegExp) {
  const { file, lines } = await problemsWith(extra);
  const hits = lines.filter((line) => line.startsWith(`${file}: ${field}: `) && pattern.test(line));
  assert.equal(hits.length, 1, `no line "${file}: ${field}: …" matching ${pattern} in:\n${lines.join('\n')}`);
}

describe('client files: claims and scopes that load', () => {
  test('the suggested shape compiles to claim_mapping, and the custom scopes join scope', async () => {
    const [client] = await loadClients(await folder({
      'x.json': {
        ...web,
        scope: 'openid profile email groups',
        claims: {
          preferred_username: 'email',
          roles: 'groups',
          unraid_user: { value: 'alice' },
          department: { attribute: 'department' },
          admin: { value: true },
          level: { value: 3 },
        },
        scopes: { unraid: ['unraid_user', 'admin', 'level'], org: ['department'] },
      },
    }), {});
    assert.equal(client?.scope, 'openid profile email groups unraid org');
    assert.deepEqual(client?.claim_mapping, {
      preferred_username: { from: { claim: 'email' }, scopes: ['profile'] },
      roles: { from: { claim: 'groups' }, scopes: ['groups'] },
      unraid_user: { from: { value: 'alice' }, scopes: ['unraid'] },
      department: { from: { attribute: 'department' }, scopes: ['org'] },
      admin: { from: { value: true }, scopes: ['unraid'] },
      level: { from: { value: 3 }, scopes: ['unraid'] },
    });
  });

  test('a copy of a standard claim listed in a custom scope comes with that scope only; one in two scopes with either', async () => {
    const [client] = await loadClients(await folder({
      'x.json': { ...web, claims: { login: 'preferred_username', team: { attribute: 'team' } }, scopes: { a: ['login', 'team'], b: ['team'] } },
    }), {});
    assert.deepEqual(client?.claim_mapping?.['login']?.scopes, ['a']);
    assert.deepEqual(client?.claim_mapping?.['team']?.scopes, ['a', 'b']);
    assert.equal(client?.scope, 'openid profile email a b', 'the default scope, plus the declared ones');
  });

  test('YAML, and a fixed value from the environment', async () => {
    const dir = await folder({
      'x.yaml': `client_id: x\nclient_secret: ${SECRET}\nredirect_uris: [https://a.example.com/cb]\nclaims:\n  preferred_username: { value: "\${UNRAID_USER}" }\n`,
    });
    const [loaded] = await loadClientFiles(dir, { UNRAID_USER: 'root' });
    assert.deepEqual(loaded?.client.claim_mapping, { preferred_username: { from: { value: 'root' }, scopes: ['profile'] } });
    assert.deepEqual(loaded?.warnings, []);
  });

  test('a file without claims has no claim_mapping', async () => {
    const [client] = await loadClients(await folder({ 'x.json': web }), {});
    assert.equal(client && 'claim_mapping' in client, false);
  });
});

describe('client files: claims refused, naming the file and field', () => {
  test('an unknown source claim', () => rejects({ claims: { roles: 'group' } }, 'claims.roles', /"group" is not a claim the provider has; use another claim \(sub, name, preferred_username, email, email_verified, groups\)/));
  test('a bad attribute key', () => rejects({ claims: { dept: { attribute: 'Department' } }, scopes: { org: ['dept'] } }, 'claims.dept.attribute', /"Department" is not an attribute key: 1-64 lower-case letters/));
  test('sub cannot be mapped', () => rejects({ claims: { sub: 'email' } }, 'claims.sub', /cannot be mapped: sub is the account's stable id/));
  for (const reserved of ['iss', 'aud', 'exp', 'iat', 'nonce', 'auth_time', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid']) {
    test(`${reserved} is the provider's own`, () => rejects({ claims: { [reserved]: { value: 'x' } } }, `claims.${reserved}`, /is set by the provider itself/));
  }
  test('a claim name with spaces', () => rejects({ claims: { 'my claim': 'email' } }, 'claims.my claim', /is not a claim name/));
  test('a source that is neither a claim, a value nor an attribute', () =>
    rejects({ claims: { x: { from: 'email' } }, scopes: { s: ['x'] } }, 'claims.x', /exactly one of "value" or "attribute" \(found "from"\)/));
  test('a fixed value that is a list', () => rejects({ claims: { x: { value: ['a'] } }, scopes: { s: ['x'] } }, 'claims.x.value', /must be a string, a number or true\/false \(found a list\)/));
  test('a fixed value over 1024 characters', () => rejects({ claims: { x: { value: 'v'.repeat(1025) } }, scopes: { s: ['x'] } }, 'claims.x.value', /longer than 1024/));
  test('a claim mapped to itself', () => rejects({ claims: { email: 'email' } }, 'claims.email', /maps the claim to itself/));
  test('claims that is not an object', () => rejects({ claims: ['email'] }, 'claims', /must be an object of claim name → source/));
  test('a new claim with a fixed value and no scope', () => rejects({ claims: { unraid_user: { value: 'alice' } } }, 'claims.unraid_user', /no scope releases it; list it in a scope of your own/));

  test('a custom scope named like a standard scope', async () => {
    for (const scope of ['openid', 'profile', 'email', 'offline_access', 'groups']) {
      await rejects({ claims: { x: { value: 1 } }, scopes: { [scope]: ['x'] } }, `scopes.${scope}`, /is a standard scope, whose claims are fixed/);
    }
  });
  test('a custom scope named like a reserved claim', () => rejects({ claims: { x: { value: 1 } }, scopes: { acr: ['x'], s: ['x'] } }, 'scopes.acr', /is reserved by the provider/));
  test('a bad scope name', () => rejects({ claims: { x: { value: 1 } }, scopes: { 'My Scope': ['x'] } }, 'scopes.My Scope', /is not a scope name/));
  test('a scope listing a claim that is not mapped', () => rejects({ claims: { x: { value: 1 } }, scopes: { s: ['x', 'y'] } }, 'scopes.s[1]', /"y" is not in claims; map it there/));
  test('a scope listing a standard claim', () => rejects({ scopes: { s: ['email'] } }, 'scopes.s[0]', /"email" comes with the standard scope email; remove it here/));
  test('an empty scope', () => rejects({ claims: { x: { value: 1 } }, scopes: { s: [], t: ['x'] } }, 'scopes.s', /is empty; list the claims it releases/));
  test('scopes written like scope', () => rejects({ scopes: 'openid profile' }, 'scopes', /must be an object of scope name → the claims it releases.*go in "scope"/));
  test('scope asking for a scope the file did not declare', () => rejects({ scope: 'openid unraid' }, 'scope', /"unraid" is not a supported scope; use a space-separated subset of openid profile email offline_access groups, or declare it under "scopes"/));
  test('a declared scope may be listed in scope', async () => {
    const [client] = await loadClients(await folder({ 'x.json': { ...web, scope: 'openid unraid', claims: { u: { value: 'a' } }, scopes: { unraid: ['u'] } } }), {});
    assert.equal(client?.scope, 'openid unraid');
  });

  test('every problem of a file at once', async () => {
    const { lines } = await problemsWith({ claims: { sub: 'email', roles: 'group', d: { attribute: 'Bad' } }, scopes: { profile: ['d'] } });
    assert.equal(lines.length, 4, lines.join('\n'));
  });
});
