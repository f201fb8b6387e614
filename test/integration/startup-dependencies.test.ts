import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { unlessInstalled } from '../helpers/installed.ts';
import { freePort } from '../helpers/ports.ts';
import { startOwnPostgres, type OwnPostgres } from '../helpers/postgres-server.ts';
import { removeTempDirs, startMain, tempDir, waitFor, waitUntilReady } from '../helpers/process.ts';
import { startOwnRedis } from '../helpers/redis-server.ts';

after(removeTempDirs);

/**
 * Well under the 30 s that start-up waits for a dependency that is merely not up yet; includes
 * starting Node itself, which takes seconds when the machine is busy with other tests.
 */
const AT_ONCE_MS = 15_000;

async function exitsAtOnce(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string; ms: number }> {
  const started = Date.now();
  const run = startMain({ DATA_DIR: tempDir(), PORT: String(await freePort()), ...env });
  const code = await run.exited;
  return { code, stderr: run.stderr(), stdout: run.stdout(), ms: Date.now() - started };
}

/**
 * Start-up with a dependency that is down, or set up wrongly: no "ready" line while it is down
 * (one warning, then ready when it comes), and a wrong password or a missing database stops
 * start-up at once with the cause instead of half a minute of retries.
 */
describe('start-up and its store (Redis)', { skip: unlessInstalled(['redis-server'], 'apt-get install redis-server') }, () => {
  test('Redis down at start: one warning, no ready line; ready once Redis comes up', { timeout: 30_000 }, async () => {
    const redis = await startOwnRedis();
    await redis.kill();
    const run = startMain({ DATA_DIR: tempDir(), PORT: String(await freePort()), REDIS_URL: redis.url });
    try {
      await waitFor(() => run.stdout().includes('store not reachable yet'), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.ok(!run.stdout().includes('"msg":"ready: '), 'no ready line while Redis is down');
      assert.equal(run.stdout().split('store not reachable yet').length - 1, 1, 'said once, not per attempt');
      assert.match(run.stdout(), /ECONNREFUSED/, 'with the cause');
      await redis.start();
      await waitUntilReady(run);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
      await redis.stop();
    }
  });

  test('a wrong Redis password stops start-up at once with the cause', async () => {
    const redis = await startOwnRedis({ password: 'the-right-one' });
    try {
      const result = await exitsAtOnce({ REDIS_URL: redis.url.replace('the-right-one', 'a-wrong-one') });
      assert.equal(result.code, 1);
      assert.ok(result.ms < AT_ONCE_MS, `took ${result.ms} ms`);
      assert.match(result.stderr, /error: cannot start: store: WRONGPASS/);
      assert.ok(!result.stdout.includes('"msg":"ready: '));
    } finally {
      await redis.stop();
    }
  });
});

describe('start-up and its database (PostgreSQL)', { skip: unlessInstalled(['PostgreSQL server'], 'apt-get install postgresql') }, () => {
  // One throw-away cluster with password authentication serves every case below.
  const PASSWORD = 'the-right-one';
  let postgres: OwnPostgres;
  before(async () => {
    postgres = await startOwnPostgres({ password: PASSWORD });
  });
  after(() => postgres?.remove());

  test('a database that does not exist stops start-up at once with the cause', async () => {
    const result = await exitsAtOnce({ DATABASE_URL: postgres.url.replace(/\/postgres$/, '/no_such_database_here') });
    assert.equal(result.code, 1);
    assert.ok(result.ms < AT_ONCE_MS, `took ${result.ms} ms`);
    assert.match(result.stderr, /error: cannot start: database: database "no_such_database_here" does not exist/);
  });

  test('a wrong PostgreSQL password stops start-up at once with the cause', async () => {
    const result = await exitsAtOnce({ DATABASE_URL: postgres.url.replace(PASSWORD, 'a-wrong-one') });
    assert.equal(result.code, 1);
    assert.ok(result.ms < AT_ONCE_MS, `took ${result.ms} ms`);
    assert.match(result.stderr, /error: cannot start: database: password authentication failed/);
  });

  test('PostgreSQL down at start: one warning, no ready line; ready once it comes up', { timeout: 40_000 }, async () => {
    await postgres.stop();
    const run = startMain({ DATA_DIR: tempDir(), PORT: String(await freePort()), DATABASE_URL: postgres.url });
    try {
      await waitFor(() => run.stdout().includes('database not reachable yet'), 10_000);
      assert.ok(!run.stdout().includes('"msg":"ready: '));
      await postgres.start();
      await waitUntilReady(run);
      assert.equal(run.stdout().split('database not reachable yet').length - 1, 1, 'said once');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
