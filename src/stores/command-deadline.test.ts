import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandTimeoutError, createCommandDeadline } from './command-deadline.ts';

const never = () => new Promise<never>(() => {});

test('an answer in time passes through, a value or an error', async () => {
  const withinDeadline = createCommandDeadline(200, 20);
  assert.equal(await withinDeadline(Promise.resolve('value')), 'value');
  await assert.rejects(withinDeadline(Promise.reject(new Error('WRONGTYPE'))), /WRONGTYPE/);
  assert.equal(await withinDeadline(sleep(50, 'slow but in time')), 'slow but in time');
});

test('a command that never answers fails after its deadline, not before, and not much after', async () => {
  const withinDeadline = createCommandDeadline(200, 20);
  const started = performance.now();
  await assert.rejects(withinDeadline(never()), (error) => error instanceof CommandTimeoutError && /200 ms/.test(error.message));
  const ms = performance.now() - started;
  assert.ok(ms >= 199 && ms < 400, `failed after ${Math.round(ms)} ms`);
});

test('each command has its own deadline: a late one fails while those sent after it still wait', async () => {
  const withinDeadline = createCommandDeadline(300, 20);
  const first = withinDeadline(never());
  await sleep(150);
  let answerSecond: (value: string) => void = () => {};
  const second = withinDeadline(new Promise<string>((resolve) => (answerSecond = resolve)));
  await assert.rejects(first, CommandTimeoutError);
  answerSecond('in time');
  assert.equal(await second, 'in time');
});

test('an answer that comes after the deadline changes nothing and is not an unhandled rejection', async () => {
  const withinDeadline = createCommandDeadline(100, 10);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const late = sleep(200).then(() => Promise.reject(new Error('connection reset, late')));
    await assert.rejects(withinDeadline(late), CommandTimeoutError);
    await sleep(150);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
