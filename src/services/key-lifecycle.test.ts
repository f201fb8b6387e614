import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SigningKey } from '../db/entities/signing-key.ts';
import { nextChange, publishedInOrder, stateOf } from './key-lifecycle.ts';

const GRACE = 14 * 86_400_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);
const key = (kid: string, created: number, activates: number, retired: number | null, alg: SigningKey['alg'] = 'RS256') =>
  ({ kid, alg, createdAt: at(created), activatesAt: at(activates), retiredAt: retired === null ? null : at(retired) });

describe('signing key lifecycle', () => {
  // A rotation at minute 0 with a 60-minute overlap: old signs until 60, new from 60.
  const old = key('old', -1000, -1000, 60);
  const fresh = key('new', 0, 60, null);
  const ec = key('ec', -1000, -1000, null, 'ES256');

  test('during the overlap the old key signs, the new one is published first among the pending', () => {
    const now = at(30);
    assert.deepEqual([stateOf(old, now), stateOf(fresh, now)], ['active', 'pending']);
    assert.deepEqual(publishedInOrder([fresh, ec, old], now, GRACE).map((k) => k.kid), ['ec', 'old', 'new']);
  });

  test('from activation the new key signs; the old one is retired but still published', () => {
    const now = at(60);
    assert.deepEqual([stateOf(old, now), stateOf(fresh, now)], ['retired', 'active']);
    assert.deepEqual(publishedInOrder([old, fresh, ec], now, GRACE).map((k) => k.kid), ['new', 'ec', 'old']);
  });

  test('after the grace the old key leaves the JWKS', () => {
    assert.deepEqual(publishedInOrder([old, fresh], new Date(at(60).getTime() + GRACE - 1), GRACE).map((k) => k.kid), ['new', 'old']);
    assert.deepEqual(publishedInOrder([old, fresh], new Date(at(60).getTime() + GRACE), GRACE).map((k) => k.kid), ['new']);
  });

  test('the next change: activation, then the end of the grace, then nothing', () => {
    assert.deepEqual(nextChange([old, fresh, ec], at(30), GRACE), at(60));
    assert.deepEqual(nextChange([old, fresh, ec], at(60), GRACE), new Date(at(60).getTime() + GRACE));
    assert.equal(nextChange([fresh, ec], at(61), GRACE), undefined);
  });
});
