import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../../errors.ts';
import { loadClientFiles } from '../clients.ts';
import { DEVICE_CODE_GRANT } from './supported.ts';

const made: string[] = [];
after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Loads one client file (`x.json`) with the real loader: the client and its warnings, or the ConfigError lines. */
async function load(content: object): Promise<{ dir: string; loaded?: Awaited<ReturnType<typeof loadClientFiles>>[number]; problems: string[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'device-clients-'));
  made.push(dir);
  await writeFile(path.join(dir, 'x.json'), JSON.stringify(content));
  try {
    const [loaded] = await loadClientFiles(dir, {});
    return { dir, loaded, problems: [] };
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return { dir, problems: error.lines };
  }
}

const tv = { client_id: 'tv', client_name: 'Living-room TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_CODE_GRANT] };

describe('client files with the device code grant', () => {
  test('a public device-only client needs no redirect_uris and gets no response types', async () => {
    const { loaded, problems } = await load(tv);
    assert.deepEqual(problems, []);
    assert.ok(loaded);
    assert.deepEqual(loaded.client.grant_types, [DEVICE_CODE_GRANT]);
    assert.deepEqual(loaded.client.redirect_uris, []);
    assert.deepEqual(loaded.client.response_types, []);
    assert.equal(loaded.client.scope, 'openid profile email');
    assert.deepEqual(loaded.warnings, []);
  });

  test('refresh tokens with the device grant alone (offline_access by default)', async () => {
    const { loaded, problems } = await load({ ...tv, grant_types: [DEVICE_CODE_GRANT, 'refresh_token'] });
    assert.deepEqual(problems, []);
    assert.equal(loaded?.client.scope, 'openid profile email offline_access');
    assert.deepEqual(loaded?.warnings, []);
  });

  test('a confidential device client and one that also signs in in a browser load', async () => {
    const secret = 'k'.repeat(40);
    assert.deepEqual((await load({ ...tv, token_endpoint_auth_method: 'client_secret_basic', client_secret: secret })).problems, []);
    const both = await load({ ...tv, grant_types: ['authorization_code', DEVICE_CODE_GRANT], redirect_uris: ['https://app.example.com/cb'] });
    assert.deepEqual(both.problems, []);
    assert.deepEqual(both.loaded?.client.response_types, ['code']);
    assert.deepEqual(both.loaded?.warnings, []);
  });

  test('refresh_token without a grant that signs people in names both ways to fix it', async () => {
    const { dir, problems } = await load({ client_id: 'x', client_secret: 'k'.repeat(40), grant_types: ['client_credentials', 'refresh_token'] });
    assert.deepEqual(problems, [`${path.join(dir, 'x.json')}: grant_types: refresh_token needs authorization_code (or ${DEVICE_CODE_GRANT}); add one of them or remove refresh_token`]);
  });

  test('a device client must ask for openid', async () => {
    const { dir, problems } = await load({ ...tv, scope: 'profile email' });
    assert.deepEqual(problems, [`${path.join(dir, 'x.json')}: scope: has no "openid" but the client signs people in (${DEVICE_CODE_GRANT}); add openid`]);
  });

  test('"code" in response_types needs authorization_code, also next to the device grant', async () => {
    const { dir, problems } = await load({ ...tv, response_types: ['code'] });
    assert.ok(problems.some((line) => line.startsWith(`${path.join(dir, 'x.json')}: response_types: "code" needs the authorization_code grant`)), problems.join('\n'));
  });

  test('a public device client cannot use client_credentials', async () => {
    const { problems } = await load({ ...tv, grant_types: [DEVICE_CODE_GRANT, 'client_credentials'] });
    assert.ok(problems.some((line) => /grant_types: public clients cannot use client_credentials/.test(line)), problems.join('\n'));
  });

  test('settings a device-only client never uses load, with a warning each', async () => {
    const { loaded, problems } = await load({
      ...tv,
      redirect_uris: ['https://tv.example.com/cb'],
      post_logout_redirect_uris: ['https://tv.example.com/'],
      first_party: true,
    });
    assert.deepEqual(problems, []);
    const warnings = (loaded?.warnings ?? []).map((line) => line.replace(/^.*x\.json: /, ''));
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /^redirect_uris: is never used: with the device code grant alone nobody is sent back to the app/);
    assert.match(warnings[1] ?? '', /^post_logout_redirect_uris: is never used: a device signs in without a browser/);
    assert.match(warnings[2] ?? '', /^first_party: changes nothing for devices: people confirm every device sign-in themselves/);
  });

  test('an unknown grant type lists the device grant among the allowed ones', async () => {
    const { problems } = await load({ ...tv, grant_types: ['password'] });
    assert.ok(problems.some((line) => line.includes(`"password" is not allowed; use one of authorization_code, refresh_token, client_credentials, implicit, ${DEVICE_CODE_GRANT}`)), problems.join('\n'));
  });
});
