import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { postAsClient } from '../helpers/client-endpoints.ts';
import { freePort } from '../helpers/ports.ts';
import { removeTempDirs, startMain, tempDir, waitFor, waitUntilReady } from '../helpers/process.ts';

after(removeTempDirs);

/** A confidential client file that may use client_credentials. */
const confidential = (clientId: string) => ({
  client_id: clientId,
  client_secret: `${clientId}-secret-0123456789abcdefghijklmnopqrstuvwxyz`,
  redirect_uris: ['http://localhost:8080/callback'],
  grant_types: ['authorization_code', 'client_credentials'],
  response_types: ['code'],
  scope: 'openid',
  first_party: true,
});

describe('SIGHUP re-reads CLIENTS_DIR', () => {
  test('a new client works after SIGHUP; a bad file is logged by file and field and the running clients stay', { timeout: 60_000 }, async () => {
    const clients = tempDir();
    const write = (name: string, content: object) => writeFileSync(path.join(clients, name), JSON.stringify(content));
    write('one.json', confidential('one'));
    const port = await freePort();
    const run = startMain({ CLIENTS_DIR: clients, DATA_DIR: tempDir(), PORT: String(port) });
    const issuer = `http://localhost:${port}`;
    const grant = (clientId: string) => postAsClient(issuer, 'token', clientId, { grant_type: 'client_credentials' }, confidential(clientId).client_secret);
    const lines = (text: string) => run.stdout().split('\n').filter((line) => line.includes(text));
    try {
      await waitUntilReady(run);
      assert.equal((await grant('one')).status, 200);
      assert.equal((await grant('two')).status, 401, 'not a client yet');

      write('two.json', confidential('two'));
      run.child.kill('SIGHUP');
      await waitFor(() => lines('client files reloaded').length === 1, 10_000);
      assert.match(lines('client files reloaded')[0] ?? '', /"clients":2/);
      assert.equal((await grant('two')).status, 200, 'the new client works');
      assert.equal((await grant('one')).status, 200);

      // A broken file: nothing changes, and the log says which file and field.
      write('three.json', { ...confidential('three'), redirect_uris: ['http://app.example.com/cb'] });
      run.child.kill('SIGHUP');
      await waitFor(() => lines('the 2 running client(s) stay').length === 1, 10_000);
      assert.match(lines('client files not reloaded: ')[0] ?? '', /three\.json: redirect_uris\[0\]: .*https/);
      assert.match(lines('client files not reloaded: ')[0] ?? '', /"level":50/, 'logged as an error');
      assert.equal((await grant('one')).status, 200, 'the running clients keep working');
      assert.equal((await grant('two')).status, 200);
      assert.equal((await grant('three')).status, 401);
      assert.equal(run.child.exitCode, null, 'still running');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
