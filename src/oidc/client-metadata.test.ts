import assert from 'node:assert/strict';
import { test } from 'node:test';
import Provider from 'oidc-provider';
import { metadataOf } from './client-metadata.ts';

test("a client's metadata is its own, read once per Client, and cannot be changed by a caller", async () => {
  const provider = new Provider('http://localhost:3000', {
    extraClientMetadata: { properties: ['first_party'] },
    clients: [
      { client_id: 'one', client_secret: 'one-secret-0123456789abcdef0123456789', redirect_uris: ['https://one.example/cb'], first_party: true },
      { client_id: 'two', client_secret: 'two-secret-0123456789abcdef0123456789', redirect_uris: ['https://two.example/cb'] },
    ],
  });
  const one = (await provider.Client.find('one'))!;
  const two = (await provider.Client.find('two'))!;
  assert.equal(metadataOf(one)['first_party'], true);
  assert.deepEqual(metadataOf(one).redirect_uris, ['https://one.example/cb']);
  assert.equal(metadataOf(two)['first_party'], undefined);
  assert.equal(metadataOf(one), metadataOf(one), 'kept for the instance');
  assert.ok(Object.isFrozen(metadataOf(one)));
});
