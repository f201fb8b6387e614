import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { open, seal, sealedWith } from './key-encryption.ts';

const kek = { id: 'k1', key: randomBytes(32) };
const jwk = JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'secret-part', kid: 'kid-1' });

describe('private keys at rest: JWE dir/A256GCM', () => {
  test('seals to a compact JWE that names its key-encryption key, and opens again', () => {
    const sealed = seal(jwk, kek);
    assert.equal(sealed.split('.').length, 5);
    assert.equal(sealed.split('.')[1], '', 'dir: no encrypted key');
    assert.ok(!sealed.includes('secret-part'));
    assert.deepEqual(sealedWith(sealed), { kekId: 'k1' });
    assert.equal(open(sealed, kek.key), jwk);
    assert.notEqual(seal(jwk, kek), sealed, 'a fresh IV every time');
  });

  test('is standard: jose opens ours, and we open jose\'s', async () => {
    const { plaintext, protectedHeader } = await compactDecrypt(seal(jwk, kek), kek.key);
    assert.equal(new TextDecoder().decode(plaintext), jwk);
    assert.deepEqual(protectedHeader, { alg: 'dir', enc: 'A256GCM', kid: 'k1', cty: 'jwk+json' });
    const theirs = await new CompactEncrypt(new TextEncoder().encode(jwk)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'k1' }).encrypt(kek.key);
    assert.equal(open(theirs, kek.key), jwk);
  });

  test('a wrong key, an altered ciphertext or a relabelled header does not open', () => {
    const sealed = seal(jwk, kek);
    assert.throws(() => open(sealed, randomBytes(32)));
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    assert.throws(() => open([parts[0], '', parts[2], flipped.toString('base64url'), parts[4]].join('.'), kek.key));
    const relabelled = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: 'k2', cty: 'jwk+json' })).toString('base64url');
    assert.throws(() => open([relabelled, ...parts.slice(1)].join('.'), kek.key), 'the header is authenticated');
  });

  test('plaintext JWK text is not sealed', () => {
    assert.equal(sealedWith(jwk), undefined);
    assert.equal(sealedWith('a.b.c.d.e'), undefined);
  });
});
