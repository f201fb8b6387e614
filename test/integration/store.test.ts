import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStoreOfKind, STORE_KINDS, type TestStore } from '../helpers/backends.ts';

for (const kind of STORE_KINDS) describe(`KeyValue store: ${kind}`, () => {
  let t: TestStore;
  before(() => {
    t = createStoreOfKind(kind);
  });
  after(() => t.cleanup());

  test('set then get returns the value; unknown keys are undefined', async () => {
    await t.store.set('a', 'one', 60);
    assert.equal(await t.store.get('a'), 'one');
    assert.equal(await t.store.get('missing'), undefined);
  });

  test('getVia reads through an index entry; a missing or expired entry on either side is undefined', async () => {
    await t.store.set('via:index', 'id-1', 60);
    await t.store.set('via:model:id-1', 'payload', 60);
    assert.equal(await t.store.getVia('via:index', 'via:model:'), 'payload');
    assert.equal(await t.store.getVia('via:none', 'via:model:'), undefined);
    await t.store.set('via:dangling', 'id-2', 60);
    assert.equal(await t.store.getVia('via:dangling', 'via:model:'), undefined);
    // The prefix is joined to the index's value, not to the index key.
    assert.equal(await t.store.getVia('via:index', 'via:other:'), undefined);
    await t.store.set('via:short-index', 'id-1', 1);
    await t.store.set('via:model:id-3', 'short payload', 1);
    await t.store.set('via:to-short', 'id-3', 60);
    await sleep(1_200);
    assert.equal(await t.store.getVia('via:short-index', 'via:model:'), undefined);
    assert.equal(await t.store.getVia('via:to-short', 'via:model:'), undefined);
  });

  test('set replaces a previous value', async () => {
    await t.store.set('b', 'one', 60);
    await t.store.set('b', 'two', 60);
    assert.equal(await t.store.get('b'), 'two');
  });

  test('entries expire after their TTL', async () => {
    await t.store.set('short', 'x', 1);
    assert.equal(await t.store.get('short'), 'x');
    await sleep(1_200);
    assert.equal(await t.store.get('short'), undefined);
    assert.equal(await t.store.take('short'), undefined);
  });

  test('a TTL must be a whole number of seconds ≥ 1', async () => {
    await assert.rejects(t.store.set('bad', 'x', 0), RangeError);
    await assert.rejects(t.store.set('bad', 'x', 1.5), RangeError);
  });

  test('compareAndSwap replaces only the expected value, keeps the expiry and refuses a missing key', async () => {
    await t.store.set('r', 'one', 100);
    assert.equal(await t.store.compareAndSwap('r', 'other', 'two'), false);
    assert.equal(await t.store.get('r'), 'one');
    assert.equal(await t.store.compareAndSwap('r', 'one', 'two'), true);
    assert.equal(await t.store.get('r'), 'two');
    const ttl = await t.store.ttl('r');
    assert.ok(ttl !== undefined && ttl > 90 && ttl <= 100, `ttl was ${ttl}`);
    assert.equal(await t.store.compareAndSwap('nope', '', 'x'), false);
    assert.equal(await t.store.get('nope'), undefined);
  });

  test('compareAndSwap on an expired key refuses', async () => {
    await t.store.set('gone', 'one', 1);
    await sleep(1_200);
    assert.equal(await t.store.compareAndSwap('gone', 'one', 'two'), false);
    assert.equal(await t.store.get('gone'), undefined);
  });

  test('twelve concurrent swaps from one value: exactly one wins, in every round', async () => {
    for (let round = 0; round < 10; round++) {
      await t.store.set(`cas:${round}`, 'fresh', 60);
      const wins = await Promise.all(Array.from({ length: 12 }, (_, i) => t.store.compareAndSwap(`cas:${round}`, 'fresh', `winner-${i}`)));
      assert.equal(wins.filter(Boolean).length, 1, `round ${round}`);
      assert.equal(await t.store.get(`cas:${round}`), `winner-${wins.indexOf(true)}`);
    }
  });

  test('markConsumed marks a JSON object once, keeps the rest and the expiry, and tells a replay what it found', async () => {
    const payload = { grantId: 'g1', claims: { userinfo: { consumed: null } }, scope: 'openid', note: 'ünïcode "quoted" }' };
    await t.store.set('code', JSON.stringify(payload), 100);
    assert.deepEqual(await t.store.markConsumed('code', 1234), { outcome: 'marked' });
    const marked = JSON.parse((await t.store.get('code'))!) as Record<string, unknown>;
    assert.deepEqual(marked, { ...payload, consumed: 1234 });
    const ttl = await t.store.ttl('code');
    assert.ok(ttl !== undefined && ttl > 90 && ttl <= 100, `ttl was ${ttl}`);
    const replay = await t.store.markConsumed('code', 9999);
    assert.equal(replay.outcome, 'already');
    assert.equal((JSON.parse((replay as { value: string }).value) as Record<string, unknown>)['consumed'], 1234);
    assert.deepEqual(await t.store.markConsumed('no-such-code', 1), { outcome: 'missing' });
  });

  test('twelve concurrent markConsumed of one value: exactly one marks it, in every round', async () => {
    for (let round = 0; round < 10; round++) {
      await t.store.set(`consume:${round}`, JSON.stringify({ round }), 60);
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => t.store.markConsumed(`consume:${round}`, i + 1)));
      assert.equal(results.filter((r) => r.outcome === 'marked').length, 1, `round ${round}`);
      assert.equal(results.filter((r) => r.outcome === 'already').length, 11, `round ${round}`);
    }
  });

  test('writeAll sets values and set members together, each with its TTL', async () => {
    await t.store.writeAll([
      { kind: 'set', key: 'w:model', value: 'payload', ttlSeconds: 100 },
      { kind: 'addToSet', key: 'w:index', member: 'w:model', ttlSeconds: 50 },
      { kind: 'set', key: 'w:uid', value: 'model', ttlSeconds: 10 },
    ]);
    assert.equal(await t.store.get('w:model'), 'payload');
    assert.equal(await t.store.get('w:uid'), 'model');
    assert.deepEqual(await t.store.members('w:index'), ['w:model']);
    const ttl = await t.store.ttl('w:uid');
    assert.ok(ttl !== undefined && ttl > 5 && ttl <= 10, `ttl was ${ttl}`);
    await assert.rejects(t.store.writeAll([{ kind: 'set', key: 'w:bad', value: 'x', ttlSeconds: 0 }]), RangeError);
    assert.equal(await t.store.get('w:bad'), undefined);
  });

  test('removeFromSet takes members out and leaves the rest and the expiry alone', async () => {
    await t.store.addToSet('r:index', 'a', 60);
    await t.store.addToSet('r:index', 'b', 60);
    await t.store.addToSet('r:index', 'c', 60);
    await t.store.removeFromSet('r:index', 'a', 'c', 'not-there');
    assert.deepEqual(await t.store.members('r:index'), ['b']);
    const ttl = await t.store.ttl('r:index');
    assert.ok(ttl !== undefined && ttl > 50 && ttl <= 60, `ttl was ${ttl}`);
    await t.store.removeFromSet('r:index', 'b');
    assert.deepEqual(await t.store.members('r:index'), []);
    await t.store.removeFromSet('r:missing', 'x');
    assert.deepEqual(await t.store.members('r:missing'), []);
  });

  test('take returns the value once and deletes it', async () => {
    await t.store.set('once', 'secret', 60);
    assert.equal(await t.store.take('once'), 'secret');
    assert.equal(await t.store.take('once'), undefined);
    assert.equal(await t.store.get('once'), undefined);
  });

  test('two concurrent takes: exactly one wins', async () => {
    for (let round = 0; round < 20; round++) {
      await t.store.set(`race:${round}`, `value-${round}`, 60);
      const results = await Promise.all([t.store.take(`race:${round}`), t.store.take(`race:${round}`)]);
      assert.deepEqual(results.filter((r) => r !== undefined), [`value-${round}`]);
    }
  });

  test('fifty concurrent takes: exactly one wins', async () => {
    await t.store.set('crowd', 'prize', 60);
    const results = await Promise.all(Array.from({ length: 50 }, () => t.store.take('crowd')));
    assert.equal(results.filter((r) => r === 'prize').length, 1);
  });

  test('delete removes several keys and ignores missing ones', async () => {
    await t.store.set('d1', '1', 60);
    await t.store.set('d2', '2', 60);
    await t.store.delete('d1', 'd2', 'd3');
    await t.store.delete();
    assert.equal(await t.store.get('d1'), undefined);
    assert.equal(await t.store.get('d2'), undefined);
  });

  test('sets collect members and expire; adding extends but never shortens the expiry', async () => {
    await t.store.addToSet('s', 'a', 100);
    await t.store.addToSet('s', 'b', 10);
    await t.store.addToSet('s', 'a', 100);
    assert.deepEqual((await t.store.members('s')).sort(), ['a', 'b']);
    const ttl = await t.store.ttl('s');
    assert.ok(ttl !== undefined && ttl > 90, `ttl was ${ttl}`);
    assert.deepEqual(await t.store.members('empty'), []);

    await t.store.addToSet('s2', 'x', 1);
    await sleep(1_200);
    assert.deepEqual(await t.store.members('s2'), []);
  });

  test('counters count within a window that the first increment starts', async () => {
    assert.equal(await t.store.increment('c', 1), 1);
    assert.equal(await t.store.increment('c', 60), 2);
    assert.equal(await t.store.increment('c', 60), 3);
    await sleep(1_200);
    assert.equal(await t.store.increment('c', 60), 1, 'the window restarts after expiry');
  });

  test('concurrent increments are all counted', async () => {
    const values = await Promise.all(Array.from({ length: 30 }, () => t.store.increment('cc', 60)));
    assert.deepEqual([...values].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i + 1));
  });

  test('decrement refunds a live counter, never below zero, and never creates one', async () => {
    await t.store.increment('refund', 60);
    await t.store.increment('refund', 60);
    await t.store.decrement('refund');
    assert.equal(await t.store.increment('refund', 60), 2);
    for (let i = 0; i < 4; i++) await t.store.decrement('refund');
    assert.equal(await t.store.increment('refund', 60), 1, 'stopped at zero');
    const ttl = await t.store.ttl('refund');
    assert.ok(ttl !== undefined && ttl > 50, `the window is kept: ${ttl}`);
    await t.store.decrement('no-counter');
    assert.equal(await t.store.get('no-counter'), undefined);
  });

  test('ttl is undefined for a missing key', async () => {
    assert.equal(await t.store.ttl('ghost'), undefined);
  });

  test('ping answers', async () => {
    await t.store.ping();
  });
});
