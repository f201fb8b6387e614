import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreAdapter } from '../../src/oidc/adapter.ts';
import { BACKEND, createTestStore, type TestStore } from '../helpers/backends.ts';

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

describe(`oidc-provider adapter (${BACKEND})`, () => {
  let t: TestStore;
  before(() => {
    t = createTestStore();
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

  test('consume and destroy of a missing id do nothing', async () => {
    const codes = new StoreAdapter('AuthorizationCode', t.store);
    await codes.consume('never-there');
    await codes.destroy('never-there');
    assert.equal(await codes.find('never-there'), undefined);
  });

  test('PAR and PreAuthorizedCode are consumable', async () => {
    for (const model of ['PushedAuthorizationRequest', 'PreAuthorizedCode']) {
      const adapter = new StoreAdapter(model, t.store);
      await adapter.upsert('req', { request: 'x' }, 60);
      await adapter.consume('req');
      assert.equal(typeof (await adapter.find('req'))?.consumed, 'number');
    }
  });
});
