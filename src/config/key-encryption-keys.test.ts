import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { loadConfig } from './env.ts';
import { parseKeyEncryptionKeys } from './key-encryption-keys.ts';

const base64 = randomBytes(32).toString('base64');
const base64url = randomBytes(32).toString('base64url');

describe('KEY_ENCRYPTION_KEYS', () => {
  test('named and unnamed keys, base64 or base64url, newest first', () => {
    const parsed = parseKeyEncryptionKeys(`k2:${base64url}, ${base64}`);
    assert.ok('keys' in parsed);
    assert.equal(parsed.keys[0]?.id, 'k2');
    assert.deepEqual(parsed.keys[0]?.key, Buffer.from(base64url, 'base64url'));
    assert.match(parsed.keys[1]?.id ?? '', /^[A-Za-z0-9_-]{8}$/, 'an unnamed key gets an id derived from it');
    const again = parseKeyEncryptionKeys(base64);
    assert.ok('keys' in again && again.keys[0]?.id === parsed.keys[1]?.id, 'the same key always gets the same id');
  });

  test('a wrong value is one line naming the variable, never echoing a key', () => {
    const problem = (value: string) => {
      try {
        loadConfig({ KEY_ENCRYPTION_KEYS: value });
      } catch (error) {
        return (error as { lines: string[] }).lines;
      }
      return [];
    };
    const short = randomBytes(16).toString('base64');
    assert.deepEqual(problem(`k1:${short}`), ['KEY_ENCRYPTION_KEYS: has a key that is not 32 bytes in base64 (the 1st key); generate one with `openssl rand -base64 32` (optionally named, id:key)']);
    assert.match(problem(`${base64},bad key`)[0] ?? '', /^KEY_ENCRYPTION_KEYS: has a key that is not 32 bytes in base64 \(the 2nd key\)/);
    assert.match(problem(`k 1:${base64}`)[0] ?? '', /^KEY_ENCRYPTION_KEYS: has a key id that is not/);
    assert.match(problem(`k1:${base64},k1:${base64url}`)[0] ?? '', /has the key id "k1" twice/);
    assert.ok(!problem(`k1:${short}`).join('').includes(short));
    assert.deepEqual(loadConfig({}).keyEncryptionKeys, [], 'unset: keys stored unencrypted');
  });

  test('KEY_ENCRYPTION_KEYS_FILE reads it from a file', () => {
    const config = loadConfig({ KEY_ENCRYPTION_KEYS_FILE: '/run/secrets/kek' }, () => `k1:${base64}\n`);
    assert.equal(config.keyEncryptionKeys[0]?.id, 'k1');
  });
});
