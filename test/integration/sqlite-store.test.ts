import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createSqliteStore } from '../../src/stores/sqlite.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'idp-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the embedded SQLite store', () => {
  test('what was stored survives closing and reopening the file, expiry included', async () => {
    const file = path.join(dir, 'restart.sqlite');
    const first = createSqliteStore({ file });
    await first.set('session', 'alive', 3600);
    await first.addToSet('grant', 'token-a', 3600);
    await first.increment('counter', 3600);
    await first.close();

    const second = createSqliteStore({ file });
    assert.equal(await second.get('session'), 'alive');
    assert.deepEqual(await second.members('grant'), ['token-a']);
    assert.equal(await second.increment('counter', 3600), 2);
    const ttl = await second.ttl('session');
    assert.ok(ttl !== undefined && ttl > 3500, `ttl ${ttl}`);
    await second.close();
  });

  test('entries are invisible once their time has passed, by the store clock', async () => {
    let clock = 1_000_000;
    const store = createSqliteStore({ file: path.join(dir, 'clock.sqlite'), now: () => clock });
    await store.set('k', 'v', 10);
    await store.addToSet('s', 'm', 10);
    clock += 9_000;
    assert.equal(await store.get('k'), 'v');
    clock += 1_000;
    assert.equal(await store.get('k'), undefined);
    assert.deepEqual(await store.members('s'), []);
    assert.equal(await store.take('k'), undefined);
    assert.equal(await store.increment('k', 10), 1, 'a counter over an expired entry starts again');
    await store.close();
  });

  test('the file, which holds live sessions and tokens, is readable by its owner only', async () => {
    const file = path.join(dir, 'new-folder', 'private.sqlite');
    const store = createSqliteStore({ file });
    await store.set('session', 'alive', 60);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700, 'a folder it creates too');
    for (const journal of [`${file}-wal`, `${file}-shm`]) {
      assert.ok(existsSync(journal), `${journal} exists while the store is open (WAL)`);
      assert.equal(statSync(journal).mode & 0o077, 0, `${journal} is private too`);
    }
    await store.close();
  });

  test('two connections to one file see each other and one take wins', async () => {
    const file = path.join(dir, 'shared.sqlite');
    const a = createSqliteStore({ file });
    const b = createSqliteStore({ file });
    await a.set('code', 'secret', 60);
    const results = await Promise.all([a.take('code'), b.take('code')]);
    assert.deepEqual(results.filter((r) => r !== undefined), ['secret']);
    await b.set('x', 'from-b', 60);
    assert.equal(await a.get('x'), 'from-b');
    await Promise.all([a.close(), b.close()]);
  });
});
