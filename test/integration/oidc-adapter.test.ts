import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreAdapter } from '../../src/oidc/adapter.ts';
import { errors } from 'oidc-provider';
import { createStoreOfKind, STORE_KINDS, type TestStore } from '../helpers/backends.ts';

const MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
];

/** Every model oidc-provider marks consumed: single-use. */
const CONSUMABLE = ['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PushedAuthorizationRequest', 'PreAuthorizedCode'];

for (const kind of STORE_KINDS) describe(`oidc-provider adapter: ${kind} store`, () => {
  let t: TestStore;
  before(() => {
    t = createStoreOfKind(kind);
  });
  after(() => t.cleanup());

  for (const model of MODELS) {
    test(`${model}: upsert, find, consume, destroy`, async () => {
      const adapter = new StoreAdapter(model, t.store);
      const payload = { jti: `${model}-1`, kind: model, exp: Math.floor(Date.now() / 1000) + 60 };
      await adapter.upsert(`${model}-1`, payload, 60);
      assert.deepEqual(await adapter.find(`${model}-1`), payload);

      await adapter.consume(`${model}-1`);
      const consumed = await adapter.find(`${model}-1`);
      assert.equal(typeof consumed?.consumed, 'number');
      assert.ok(Math.abs((consumed?.consumed as number) - Date.now() / 1000) < 5);

      await adapter.destroy(`${model}-1`);
      assert.equal(await adapter.find(`${model}-1`), undefined);
    });
  }

  test('models do not see each other’s ids', async () => {
    await new StoreAdapter('AccessToken', t.store).upsert('same-id', { kind: 'AccessToken' }, 60);
    assert.equal(await new StoreAdapter('RefreshToken', t.store).find('same-id'), undefined);
  });

  test('findByUid finds sessions by uid', async () => {
    const sessions = new StoreAdapter('Session', t.store);
    await sessions.upsert('session-id', { uid: 'uid-123', accountId: 'user-1' }, 60);
    assert.deepEqual(await sessions.findByUid('uid-123'), { uid: 'uid-123', accountId: 'user-1' });
    assert.equal(await sessions.findByUid('uid-unknown'), undefined);
  });

  test('a destroyed session, grant or device code takes its index entries along (a sign-out leaves nothing behind)', async () => {
    const sessions = new StoreAdapter('Session', t.store);
    const grants = new StoreAdapter('Grant', t.store);
    const devices = new StoreAdapter('DeviceCode', t.store);
    await sessions.upsert('s-gone', { uid: 'uid-gone', accountId: 'user-idx' }, 60);
    await sessions.upsert('s-kept', { uid: 'uid-kept', accountId: 'user-idx' }, 60);
    await grants.upsert('g-gone', { accountId: 'user-idx' }, 60);
    await devices.upsert('d-gone', { userCode: 'BCDF-GHJK', grantId: 'g-d' }, 60);

    await Promise.all([sessions.destroy('s-gone'), grants.destroy('g-gone'), devices.destroy('d-gone')]);
    assert.equal(await sessions.findByUid('uid-gone'), undefined);
    assert.equal(await t.store.get('oidc:uid:uid-gone'), undefined);
    assert.deepEqual(await t.store.members('oidc:account:user-idx:Session'), ['s-kept']);
    assert.deepEqual(await t.store.members('oidc:account:user-idx:Grant'), []);
    assert.equal(await t.store.get('oidc:user_code:BCDF-GHJK'), undefined);
    assert.deepEqual(await sessions.findByUid('uid-kept'), { uid: 'uid-kept', accountId: 'user-idx' });
  });

  test('findByUserCode finds device codes by user code', async () => {
    const devices = new StoreAdapter('DeviceCode', t.store);
    await devices.upsert('device-id', { userCode: 'ABCD-EFGH', grantId: 'g-dev' }, 60);
    assert.deepEqual(await devices.findByUserCode('ABCD-EFGH'), { userCode: 'ABCD-EFGH', grantId: 'g-dev' });
    assert.equal(await devices.findByUserCode('ZZZZ-ZZZZ'), undefined);
  });

  test('revokeByGrantId removes every token of that grant and nothing else', async () => {
    const access = new StoreAdapter('AccessToken', t.store);
    const refresh = new StoreAdapter('RefreshToken', t.store);
    const codes = new StoreAdapter('AuthorizationCode', t.store);
    await access.upsert('at-1', { grantId: 'grant-a' }, 60);
    await refresh.upsert('rt-1', { grantId: 'grant-a' }, 600);
    await codes.upsert('code-1', { grantId: 'grant-a' }, 60);
    await access.upsert('at-2', { grantId: 'grant-b' }, 60);

    await access.revokeByGrantId('grant-a');
    assert.equal(await access.find('at-1'), undefined);
    assert.equal(await refresh.find('rt-1'), undefined);
    assert.equal(await codes.find('code-1'), undefined);
    assert.deepEqual(await access.find('at-2'), { grantId: 'grant-b' });
  });

  test('revokeByGrantId leaves the sign-in in progress (an Interaction names its grant too)', async () => {
    const access = new StoreAdapter('AccessToken', t.store);
    const interactions = new StoreAdapter('Interaction', t.store);
    await access.upsert('at-i', { grantId: 'grant-i' }, 60);
    await interactions.upsert('uid-i', { grantId: 'grant-i', returnTo: '/auth/uid-i' }, 60);
    await access.revokeByGrantId('grant-i');
    assert.equal(await access.find('at-i'), undefined);
    assert.deepEqual(await interactions.find('uid-i'), { grantId: 'grant-i', returnTo: '/auth/uid-i' });
  });

  test('entries expire with the TTL oidc-provider gives', async () => {
    const codes = new StoreAdapter('AuthorizationCode', t.store);
    await codes.upsert('short-code', { grantId: 'g-short' }, 1);
    assert.ok(await codes.find('short-code'));
    await sleep(1_200);
    assert.equal(await codes.find('short-code'), undefined);
  });

  test('consume keeps the remaining lifetime', async () => {
    const codes = new StoreAdapter('AuthorizationCode', t.store);
    await codes.upsert('keep-ttl', { grantId: 'g-keep' }, 1);
    await codes.consume('keep-ttl');
    await sleep(1_200);
    assert.equal(await codes.find('keep-ttl'), undefined);
  });

  test('consuming a missing id is refused; destroying one does nothing', async () => {
    const codes = new StoreAdapter('AuthorizationCode', t.store);
    await assert.rejects(codes.consume('never-there'), errors.InvalidGrant);
    await codes.destroy('never-there');
    assert.equal(await codes.find('never-there'), undefined);
  });

  for (const model of CONSUMABLE) {
    test(`${model}: of 12 concurrent consumes exactly one wins, in each of 5 rounds; losers revoke the grant`, async () => {
      const adapter = new StoreAdapter(model, t.store);
      const access = new StoreAdapter('AccessToken', t.store);
      const grants = new StoreAdapter('Grant', t.store);
      const refused = model === 'PushedAuthorizationRequest' ? errors.InvalidRequestUri : errors.InvalidGrant;
      for (let round = 0; round < 5; round++) {
        const grantId = `grant-${model}-${round}`;
        await grants.upsert(grantId, { jti: grantId }, 600);
        await adapter.upsert(`once-${round}`, { jti: `once-${round}`, grantId }, 60);
        await access.upsert(`at-${model}-${round}`, { grantId }, 60);
        const results = await Promise.allSettled(Array.from({ length: 12 }, () => adapter.consume(`once-${round}`)));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: one winner`);
        for (const result of results) {
          if (result.status === 'rejected') assert.ok(result.reason instanceof refused, `round ${round}: ${result.reason}`);
        }
        assert.equal(await grants.find(grantId), undefined, 'reuse revoked the grant');
        assert.equal(await access.find(`at-${model}-${round}`), undefined, 'and its tokens');
      }
    });
  }

  test('a consume after a completed one (sequential replay) is refused and revokes the grant', async () => {
    const codes = new StoreAdapter('AuthorizationCode', t.store);
    const grants = new StoreAdapter('Grant', t.store);
    await grants.upsert('g-replay', { jti: 'g-replay' }, 600);
    await codes.upsert('replayed', { grantId: 'g-replay' }, 60);
    await codes.consume('replayed');
    assert.ok(await grants.find('g-replay'), 'one use keeps the grant');
    await assert.rejects(codes.consume('replayed'), errors.InvalidGrant);
    assert.equal(await grants.find('g-replay'), undefined);
  });

  // Two connections stand for two instances (Redis) or two processes on one file (SQLite).
  if (kind !== 'memory') test('two adapters over two connections to one store still agree on one winner', async () => {
    const other = createStoreOfKind(kind, { prefix: t.prefix, ...(t.file ? { file: t.file } : {}) });
    try {
      const first = new StoreAdapter('AuthorizationCode', t.store);
      const second = new StoreAdapter('AuthorizationCode', other.store);
      for (let round = 0; round < 5; round++) {
        await first.upsert(`shared-${round}`, { grantId: `g-shared-${round}` }, 60);
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => (i % 2 ? first : second).consume(`shared-${round}`)),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}`);
      }
    } finally {
      await other.store.close();
    }
  });
});
