/** What a command that missed its deadline fails with (isRedisOutage counts it as an outage). */
export class CommandTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Command timed out after ${timeoutMs} ms`);
    this.name = 'CommandTimeoutError';
  }
}

interface Pending {
  sentAt: number;
  fail: (error: Error) => void;
}

/**
 * One deadline for every store command, kept by one timer. ioredis's own `commandTimeout` arms and
 * clears a timer per command, and a sign-in sends 26: that was about 3 % of its CPU. Commands are
 * kept in the order they were sent, so a sweep stops at the first one still in time. A command
 * fails between `timeoutMs` and `timeoutMs + sweepMs` after it was sent; its late answer, if any,
 * is dropped. The timer runs only while commands are waiting, and never keeps the process alive.
 */
export function createCommandDeadline(timeoutMs: number, sweepMs: number) {
  const pending = new Set<Pending>();
  let sweeper: NodeJS.Timeout | undefined;

  const sweep = () => {
    const late = performance.now() - timeoutMs;
    for (const entry of pending) {
      if (entry.sentAt > late) break;
      pending.delete(entry);
      entry.fail(new CommandTimeoutError(timeoutMs));
    }
    if (pending.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  return function withinDeadline<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { sentAt: performance.now(), fail: reject };
      pending.add(entry);
      sweeper ??= setInterval(sweep, sweepMs).unref();
      command.then(
        (value) => {
          pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          pending.delete(entry);
          reject(error);
        },
      );
    });
  };
}
