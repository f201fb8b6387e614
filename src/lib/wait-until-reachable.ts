import { setTimeout as sleep } from 'node:timers/promises';
import { causeChain } from './error-causes.ts';
import type { Logger } from './logger.ts';

export interface ReachableOptions {
  /** What is being reached, for messages: "database", "store". */
  name: string;
  /** One attempt; resolves when the dependency answered. */
  attempt: () => Promise<void>;
  /** Errors that waiting cannot fix (wrong password, missing database): stop at once. */
  isPermanent: (error: unknown) => boolean;
  timeoutMs: number;
  logger: Logger;
  /** Said once, with the first failure: how to fix it if it does not come up by itself. */
  hint: string;
}

export class UnreachableError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'UnreachableError';
  }
}

/** The innermost message: "connect ECONNREFUSED 127.0.0.1:6379", not "briefly unavailable". */
function rootCause(error: unknown): string {
  const innermost = causeChain(error).at(-1);
  return innermost instanceof Error ? innermost.message : String(innermost);
}

/**
 * Start-up waits for a dependency that may still be starting (docker compose, a rolling
 * restart), with backoff, saying so once; a permanent error or the deadline ends it with the cause.
 */
export async function waitUntilReachable(options: ReachableOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      await options.attempt();
      if (attempt > 1) options.logger.info({ attempts: attempt }, `${options.name} reachable`);
      return;
    } catch (error) {
      const reason = rootCause(error);
      if (options.isPermanent(error)) throw new UnreachableError(`${options.name}: ${reason}`, error);
      if (Date.now() + delay > deadline) {
        throw new UnreachableError(`${options.name} unreachable after ${attempt} attempts over ${Math.round(options.timeoutMs / 1000)} s: ${reason}`, error);
      }
      if (attempt === 1) {
        options.logger.warn({ reason, retryingForSeconds: Math.round(options.timeoutMs / 1000) }, `${options.name} not reachable yet; not ready until it is (${options.hint})`);
      } else {
        options.logger.debug({ attempt, reason }, `${options.name} still not reachable`);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 4_000);
    }
  }
}
