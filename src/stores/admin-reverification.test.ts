import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdminReverificationStore, REVERIFICATION_TTL_SECONDS } from './admin-reverification.ts';
import { createMemoryStore } from './memory.ts';

test('a re-verification holds five minutes, for its own session and account only', async () => {
  let now = 1_000_000;
  const store = createMemoryStore(() => now);
  const markers = createAdminReverificationStore(store);
  assert.equal(await markers.secondsLeft('session-a', 'ada'), 0, 'none before a ceremony');
  await markers.mark('session-a', 'ada');
  assert.equal(await markers.secondsLeft('session-a', 'ada'), REVERIFICATION_TTL_SECONDS);
  assert.equal(REVERIFICATION_TTL_SECONDS, 300);
  assert.equal(await markers.secondsLeft('session-b', 'ada'), 0, 'another session of the same admin');
  assert.equal(await markers.secondsLeft('session-a', 'bob'), 0, 'the same session signed in as someone else');
  now += 299_000;
  assert.equal(await markers.secondsLeft('session-a', 'ada'), 1);
  now += 1_000;
  assert.equal(await markers.secondsLeft('session-a', 'ada'), 0, 'gone after five minutes');
  await markers.mark('session-a', 'ada');
  await markers.clear('session-a');
  assert.equal(await markers.secondsLeft('session-a', 'ada'), 0);
  await store.close();
});
