import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '../lib/logger.ts';
import type { KeySetSummary, KeysService, SigningKeySet } from '../services/keys.ts';
import { startKeyRefresh } from './key-refresh.ts';
import type { ProviderHolder } from './provider-holder.ts';

const logger = createLogger('silent');
const set = (version: string, nextChangeAt?: Date): SigningKeySet => ({ version, signing: {}, nextChangeAt, keys: [] });

function fakes(answer: () => Promise<SigningKeySet | KeySetSummary>) {
  let reads = 0;
  const reloads: unknown[] = [];
  const keys = { current: () => (reads++, answer()) } as unknown as KeysService;
  const holder = { reload: (changes: unknown) => reloads.push(changes) } as unknown as ProviderHolder;
  return { keys, holder, reloads, reads: () => reads };
}

describe('re-reading the signing keys', () => {
  test('the provider is rebuilt only when the set changed', async () => {
    let next: SigningKeySet | KeySetSummary = { version: 'a', signing: {}, nextChangeAt: undefined };
    const { keys, holder, reloads } = fakes(async () => next);
    const refresh = startKeyRefresh({ keys, holder, initial: set('a'), logger });
    try {
      assert.equal(await refresh.refresh(), false);
      assert.equal(reloads.length, 0);
      next = set('b');
      assert.equal(await refresh.refresh(), true);
      assert.deepEqual(reloads, [{ jwks: { keys: [] } }]);
    } finally {
      refresh.stop();
    }
  });

  test('at the next change, by itself; after a failed read, only at the interval', async () => {
    let fail = false;
    const { keys, holder, reloads, reads } = fakes(async () => {
      if (fail) throw new Error('database down');
      return set('b');
    });
    const refresh = startKeyRefresh({ keys, holder, initial: set('a', new Date(Date.now() + 50)), intervalMs: 300, logger });
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(reloads.length, 1, 'read when the change was due, well before the interval');
      fail = true;
      const before = reads();
      await refresh.refresh();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(reads() - before, 1, 'no tight retry loop');
    } finally {
      refresh.stop();
    }
  });
});
