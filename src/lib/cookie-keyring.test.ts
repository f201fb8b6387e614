import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Keygrip from 'keygrip';
import { createCookieKeyring } from './cookie-keyring.ts';

const KEYS = ['current-key-0123456789abcdef', 'older-key-0123456789abcdef'];
const DATA = ['_interaction=Zk3x9', '_session=ab_c-d', 'idp_user=4f0c2a1e-0000-4000-8000-000000000000', '', 'é=ü;☃'];

describe('cookie keyring', () => {
  test('signs as keygrip does, so cookies signed before an upgrade stay valid', () => {
    const keygrip = new Keygrip(KEYS);
    const keyring = createCookieKeyring(KEYS);
    for (const data of DATA) {
      assert.equal(keyring.sign(data), keygrip.sign(data));
      assert.equal(keyring.index(data, keygrip.sign(data)), 0);
    }
  });

  test('accepts a cookie signed with an older key and names which one; a rotated-out key fails', () => {
    const signedBefore = new Keygrip([KEYS[1]!]).sign(DATA[0]!);
    assert.equal(createCookieKeyring(KEYS).index(DATA[0]!, signedBefore), 1);
    assert.equal(createCookieKeyring(KEYS).verify(DATA[0]!, signedBefore), true);
    assert.equal(createCookieKeyring([KEYS[0]!]).index(DATA[0]!, signedBefore), -1);
  });

  test('refuses a changed value, a changed or cut signature, one of another length and junk', () => {
    const keyring = createCookieKeyring(KEYS);
    const digest = keyring.sign('_session=abc');
    assert.equal(keyring.verify('_session=abd', digest), false);
    const flipped = `${digest.slice(0, -1)}${digest.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [flipped, digest.slice(0, -1), `${digest}A`, '', 'x'.repeat(1000), digest.toUpperCase()]) {
      assert.equal(keyring.index('_session=abc', bad), -1, bad);
    }
  });

  test('needs a key', () => {
    assert.throws(() => createCookieKeyring([]), /at least one key/);
  });
});
