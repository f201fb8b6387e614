import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../helpers/ports.ts';
import { removeTempDirs, startMain, tempDir, waitUntilReady } from '../helpers/process.ts';

after(removeTempDirs);

describe('the server process', () => {
  test('a bad client file stops start-up with exit 1 and a line naming the file and field', async () => {
    const clients = tempDir();
    writeFileSync(path.join(clients, 'broken.json'), JSON.stringify({ client_id: 'x', token_endpoint_auth_method: 'none', redirect_uris: ['http://app.example.com/cb'] }));
    const run = startMain({ CLIENTS_DIR: clients, DATA_DIR: tempDir(), PORT: String(await freePort()) });
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /broken\.json: redirect_uris\[0\]: .*https/);
  });

  test('a wrong variable stops start-up with exit 1 and one line', async () => {
    const run = startMain({ PORT: 'eighty', DATA_DIR: tempDir() });
    assert.equal(await run.exited, 1);
    assert.equal(run.stderr(), 'error: PORT: "eighty" is not a port number; use 1-65535\n');
  });

  test('production without SECRET_KEYS refuses to start', async () => {
    const run = startMain({ NODE_ENV: 'production', ISSUER: 'https://id.example.com', DATA_DIR: tempDir() });
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /^error: SECRET_KEYS: required when NODE_ENV=production/);
  });

  test('an unreachable database is retried, then start-up fails with a clear line', { timeout: 60_000 }, async () => {
    const run = startMain({ DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/none`, DATA_DIR: tempDir(), PORT: String(await freePort()) });
    assert.equal(await run.exited, 1);
    assert.match(run.stdout(), /database not reachable yet/);
    assert.match(run.stderr(), /error: cannot start: database unreachable after \d+ attempts/);
  });

  test('starts on the embedded defaults, says where things are, and drains in-flight requests on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const run = startMain({ PORT: String(port), DATA_DIR: dataDir });
    await waitUntilReady(run);
    const logs = run.stdout();
    assert.match(logs, new RegExp(`ready: http://localhost:${port}`));
    assert.match(logs, new RegExp(`${dataDir}/idp.sqlite`));
    assert.match(logs, /embedded store, which keeps sessions and sign-ins across restarts and suits one instance only/);
    assert.match(logs, new RegExp(`${dataDir}/outbox`));
    const [cookieKey] = JSON.parse(readFileSync(path.join(dataDir, 'secret-keys.json'), 'utf8')) as string[];
    assert.ok(cookieKey && cookieKey.length >= 32);
    assert.ok(!logs.includes(cookieKey), 'the generated cookie key is never logged');

    // A request whose body is still arriving when SIGTERM comes must still be answered.
    const responded = new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '18' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('grant_type=');
      setTimeout(() => {
        run.child.kill('SIGTERM');
        setTimeout(() => req.end('refresh'), 300);
      }, 200);
    });
    assert.equal(await responded, 400, 'the in-flight request got its answer (invalid_request)');
    assert.equal(await run.exited, 0);
    assert.match(run.stdout(), /shutting down/);
    assert.match(run.stdout(), /"msg":"stopped"/);
  });
});
