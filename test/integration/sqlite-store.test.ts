import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { DependencyUnavailableError } from '../../src/errors.ts';
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

  test('a file from before kv_sets keeps its live sets and their expiry, and drops what had expired', async () => {
    const file = path.join(dir, 'old-sets.sqlite');
    const now = Date.now();
    const old = new Database(file);
    old.exec(`CREATE TABLE kv_set_members (set_key TEXT NOT NULL, member TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (set_key, member)) WITHOUT ROWID;
              CREATE INDEX kv_set_members_expiry ON kv_set_members (expires_at);`);
    const insert = old.prepare('INSERT INTO kv_set_members VALUES (?, ?, ?)');
    insert.run('oidc:grant:live', 'oidc:AccessToken:a', now + 3_600_000);
    insert.run('oidc:grant:live', 'oidc:RefreshToken:b', now + 3_600_000);
    insert.run('oidc:grant:live', 'oidc:AuthorizationCode:gone', now - 1_000);
    insert.run('oidc:grant:dead', 'oidc:AccessToken:c', now - 1_000);
    old.close();

    const store = createSqliteStore({ file });
    assert.deepEqual((await store.members('oidc:grant:live')).sort(), ['oidc:AccessToken:a', 'oidc:RefreshToken:b']);
    const ttl = await store.ttl('oidc:grant:live');
    assert.ok(ttl !== undefined && ttl > 3500 && ttl <= 3600, `ttl ${ttl}`);
    assert.deepEqual(await store.members('oidc:grant:dead'), []);
    await store.addToSet('oidc:grant:live', 'oidc:AccessToken:d', 60);
    assert.equal((await store.members('oidc:grant:live')).length, 3, 'adding with a shorter TTL keeps the set and its expiry');
    await store.close();
  });

  test('adding to a set writes that member and the set\'s row only; expired sets are swept with their members', async () => {
    let clock = 2_000_000;
    const file = path.join(dir, 'big-set.sqlite');
    const store = createSqliteStore({ file, now: () => clock });
    for (let i = 0; i < 1_000; i++) await store.addToSet('big', `member-${i}`, 100);
    await store.addToSet('big', 'later', 300);
    // Before kv_sets every add rewrote every member's expiry: a grant's index grew by one per refresh.
    const reader = new Database(file, { readonly: true });
    const stored = reader.prepare<[string], { expires_at: number }>("SELECT expires_at FROM kv_set_members WHERE set_key = 'big' AND member = ?");
    assert.equal(stored.get('member-0')?.expires_at, 2_000_000 + 100_000, 'the first member was not rewritten');
    reader.close();
    const ttl = await store.ttl('big');
    assert.ok(ttl !== undefined && ttl > 295, `ttl ${ttl}`);
    assert.equal((await store.members('big')).length, 1_001);
    clock += 400_000;
    assert.deepEqual(await store.members('big'), []);
    await store.addToSet('big', 'fresh', 10);
    assert.deepEqual(await store.members('big'), ['fresh'], 'an expired set starts afresh');
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

  test('operations asked for in one turn run in the order asked, and one that fails is refused alone', async () => {
    const store = createSqliteStore({ file: path.join(dir, 'one-turn.sqlite') });
    await store.set('counter', '5', 60);
    const [set, taken, refused, consumed, counted, after] = await Promise.allSettled([
      store.set('code', '{"grant":"g"}', 60),
      store.take('code'),
      store.set('bad', 'x', 0),
      store.markConsumed('code', 1),
      store.increment('counter', 60),
      store.get('code'),
    ]);
    assert.equal(set.status, 'fulfilled');
    assert.deepEqual(taken, { status: 'fulfilled', value: '{"grant":"g"}' }, 'the take saw the set before it');
    assert.equal(refused.status, 'rejected');
    assert.ok(refused.reason instanceof RangeError);
    assert.deepEqual(consumed, { status: 'fulfilled', value: { outcome: 'missing' } }, 'and the consume saw the take');
    assert.deepEqual(counted, { status: 'fulfilled', value: 6 });
    assert.deepEqual(after, { status: 'fulfilled', value: undefined });
    assert.equal(await store.get('bad'), undefined);
    await store.close();
  });

  test('while another process holds the write lock, writes are a 503 once the wait is over, and reads still answer', async () => {
    const file = path.join(dir, 'locked.sqlite');
    const store = createSqliteStore({ file });
    await store.set('session', 'alive', 60);
    const other = new Database(file);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      await assert.rejects(store.set('session', 'changed', 60), DependencyUnavailableError);
      assert.equal(await store.get('session'), 'alive');
    } finally {
      other.prepare('COMMIT').run();
      other.close();
    }
    await store.set('session', 'changed', 60);
    assert.equal(await store.get('session'), 'changed');
    await store.close();
  });
});
