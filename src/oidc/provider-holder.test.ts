import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import Provider, { type ClientMetadata } from 'oidc-provider';
import type { PrivateJwk } from '../services/keys.ts';
import { createProviderHolder, type ProviderInputs } from './provider-holder.ts';

const jwk = (kid: string): PrivateJwk => ({ ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' });
const client = (id: string): ClientMetadata => ({ client_id: id, client_secret: `${id}-secret`, redirect_uris: ['https://app.example.com/cb'], id_token_signed_response_alg: 'EdDSA' });

/** Stores nothing: these instances only look up their static clients. */
class NoStorage {
  async upsert() {}
  async find() {
    return undefined;
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume() {}
  async destroy() {}
  async revokeByGrantId() {}
}

/** A holder over real oidc-provider instances, built from the inputs as the container does. */
function holderOf(inputs: ProviderInputs) {
  const built: Provider[] = [];
  const holder = createProviderHolder(({ jwks, clients }) => {
    if (clients.some((c) => c.client_id === 'refused')) throw new Error('refused by the builder');
    const provider = new Provider('https://id.example.com', { jwks, clients, adapter: NoStorage, cookies: { keys: ['k'.repeat(32)] }, features: { devInteractions: { enabled: false } } });
    built.push(provider);
    return provider;
  }, inputs);
  return { holder, built };
}

describe('the replaceable provider', () => {
  test('the stand-in forwards to the current instance: methods, model classes, events', async () => {
    const { holder, built } = holderOf({ jwks: { keys: [jwk('a')] }, clients: [client('one')] });
    const { provider } = holder;
    assert.ok(provider instanceof Provider);
    assert.equal((await provider.Client.find('one'))?.clientId, 'one');
    assert.equal(provider.urlFor('jwks'), 'https://id.example.com/jwks', 'methods run on the real instance');

    const seen: string[] = [];
    provider.on('server_error', () => seen.push('heard'));
    holder.reload({ clients: [client('two')] });
    assert.equal(built.length, 2);
    assert.equal(holder.current, built[1]);
    assert.equal(await provider.Client.find('one'), undefined, 'the new clients');
    assert.equal((await provider.Client.find('two'))?.clientId, 'two');
    built[1]!.emit('server_error', {}, new Error('x'));
    assert.deepEqual(seen, ['heard'], 'a listener added through the stand-in is on every later instance');
    assert.throws(() => Object.assign(provider, { proxy: true }), /in the provider builder/);
  });

  test('a pinned request keeps its instance across a reload; a build that throws changes nothing', async () => {
    const { holder, built } = holderOf({ jwks: { keys: [jwk('a')] }, clients: [client('one')] });
    await holder.pin(holder.current, async () => {
      holder.reload({ jwks: { keys: [jwk('b')] } });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(holder.inUse(), built[0], 'the request goes on with the instance it began on');
      assert.equal((await holder.provider.Client.find('one'))?.clientId, 'one');
    });
    assert.equal(holder.inUse(), built[1]);
    assert.throws(() => holder.reload({ clients: [client('refused')] }), /refused by the builder/);
    assert.equal(holder.current, built[1]);
    holder.reload({ jwks: { keys: [jwk('c')] } });
    assert.equal((await holder.provider.Client.find('one'))?.clientId, 'one', 'the last good inputs are kept');
  });
});
