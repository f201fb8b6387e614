import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreAdapter } from '../../src/oidc/adapter.ts';
import type { KeyValueStore } from '../../src/stores/key-value.ts';
import { createMagicLinkStore } from '../../src/stores/magic-links.ts';
import { createRedisStore } from '../../src/stores/redis.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND, uniqueName } from '../helpers/backends.ts';
import { authorize, followToCallback, HttpBrowser, redeemCode, signInWithPasskey, signUpAndRegister } from '../helpers/http-flow.ts';
import { unlessInstalled } from '../helpers/installed.ts';
import { startOwnCluster, type OwnCluster } from '../helpers/redis-cluster.ts';

/**
 * REDIS_URL names a Redis Cluster (three masters of the test's own). Keys spread over the nodes by
 * slot; the one command that names several keys (DEL) must not fail with CROSSSLOT when they live
 * on different nodes, and the single-key scripts and transactions run where their key lives.
 */
describe(`Redis Cluster as the store (${BACKEND.replace(/\+.*/, '')} + Cluster)`, {
  skip: unlessInstalled(['redis-server'], 'apt-get install redis-server (redis-cli creates the cluster)'),
}, () => {
  let cluster: OwnCluster;
  let store: KeyValueStore;
  const prefix = `${uniqueName('cluster')}:`;

  before(async () => {
    cluster = await startOwnCluster();
    store = createRedisStore({ url: cluster.url, prefix });
  });
  after(async () => {
    await store?.close();
    await cluster?.stop();
  });

  /** How many of the cluster's nodes hold these keys. */
  const nodeCount = async (keys: string[]) => new Set(await Promise.all(keys.map((key) => cluster.nodeOf(`${prefix}${key}`)))).size;

  /** Keys that the cluster puts on at least two different nodes. */
  async function spread(keys: string[]): Promise<void> {
    assert.ok((await nodeCount(keys)) > 1, `the keys should live on different nodes: ${keys.join(', ')}`);
  }

  test('every KeyValue operation works, scripts and transactions included', async () => {
    await store.ping();
    await store.set('a', 'one', 60);
    assert.equal(await store.get('a'), 'one');
    assert.equal(await store.compareAndSwap('a', 'one', 'two'), true);
    assert.equal(await store.compareAndSwap('a', 'one', 'three'), false);
    assert.equal(await store.take('a'), 'two');
    assert.equal(await store.take('a'), undefined);
    assert.equal(await store.increment('n', 60), 1);
    assert.equal(await store.increment('n', 60), 2);
    await store.decrement('n');
    assert.equal(await store.increment('n', 60), 2);
    await store.addToSet('s', 'x', 60);
    await store.addToSet('s', 'y', 60);
    assert.deepEqual((await store.members('s')).sort(), ['x', 'y']);
    const ttl = await store.ttl('s');
    assert.ok(ttl !== undefined && ttl > 50);
    // An index entry and its target in different slots (a session found by its uid).
    await store.set('via:index', 'id-1', 60);
    await store.set('via:model:id-1', 'payload', 60);
    assert.equal(await store.getVia('via:index', 'via:model:'), 'payload');
    assert.equal(await store.getVia('via:none', 'via:model:'), undefined);
  });

  test('deleting several keys that live on different nodes', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `del:${i}`);
    await spread(keys);
    for (const key of keys) await store.set(key, 'x', 60);
    await store.delete(...keys, 'del:missing');
    assert.deepEqual(await Promise.all(keys.map((key) => store.get(key))), keys.map(() => undefined));
  });

  /** Keys made by `keyOf(round)` for the first round that spreads them over two nodes or more. */
  async function spreadingKeys(keyOf: (round: number) => string[]): Promise<string[]> {
    for (let round = 0; round < 20; round++) {
      const keys = keyOf(round);
      if ((await nodeCount(keys)) > 1) return keys;
    }
    throw new Error('no ids that spread over the nodes');
  }

  test('revoking a grant removes its tokens wherever they live', async () => {
    const grantId = 'grant-1';
    const models = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode'];
    // Four keys all land on one of three nodes once in 27 prefixes: the ids are chosen so they do not.
    const keys = await spreadingKeys((round) => models.map((model, i) => `oidc:${model}:${model.toLowerCase()}-${i}-${round}`));
    const ids = keys.map((key) => key.split(':')[2]!);
    await Promise.all(models.map((model, i) => new StoreAdapter(model, store).upsert(ids[i] ?? '', { grantId }, 60)));
    await new StoreAdapter('AccessToken', store).revokeByGrantId(grantId);
    for (const [i, model] of models.entries()) assert.equal(await new StoreAdapter(model, store).find(ids[i] ?? ''), undefined, model);
  });

  test('a magic link and its attempt counter go together', async () => {
    const links = createMagicLinkStore(store);
    const record = { id: 'link-1', secretHash: 'h', codeHash: 'c', userId: 'u1', interactionUid: 'i1', bindingHash: 'b', createdAt: Date.now(), expiresAt: Date.now() + 60_000 };
    await links.save(record, 60);
    assert.equal(await links.countCodeAttempt(record.id, 60), 1);
    await links.delete(record.id);
    assert.equal(await links.get(record.id), undefined);
    assert.equal(await links.countCodeAttempt(record.id, 60), 1, 'the counter went with the record');
  });

  describe('the app on the Cluster', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ env: { REDIS_URL: cluster.url } });
    });
    after(() => app?.destroy());

    test('sign up, then sign in with the passkey', async () => {
      const { authenticator, sub } = await signUpAndRegister(app.url, { username: 'clara', email: 'clara@example.com' });
      const browser = new HttpBrowser(app.url);
      const request = await authorize(browser);
      const redirectTo = await signInWithPasskey(browser, request.uid, authenticator, { login: 'clara' });
      assert.equal((await redeemCode(app.url, await followToCallback(browser, redirectTo), request)).sub, sub);
    });
  });
});
