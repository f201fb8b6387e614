import type { Logger } from '../lib/logger.ts';
import type { KeysService, SigningKeySet } from '../services/keys.ts';
import type { ProviderHolder } from './provider-holder.ts';

/** How often every instance re-reads the key table, to notice a rotation made elsewhere. */
export const KEY_REFRESH_INTERVAL_MS = 60_000;
// setTimeout cannot wait longer than this (about 24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface KeyRefresh {
  /** Re-reads the keys now; true when the provider was rebuilt with a changed set. */
  refresh(): Promise<boolean>;
  stop(): void;
}

/**
 * Keeps the provider's signing keys in step with the key table, which is the truth every instance
 * shares: re-read every `intervalMs` (a rotation by the admin CLI shows up within one interval,
 * well inside its overlap) and at the moment a key activates, retires or leaves the JWKS. The
 * provider is rebuilt only when the published keys or their order (which key signs) changed.
 * A failed read (database down) keeps the running keys and tries again at the next interval.
 */
export function startKeyRefresh(deps: { keys: KeysService; holder: ProviderHolder; initial: SigningKeySet; intervalMs?: number; logger: Logger }): KeyRefresh {
  const intervalMs = deps.intervalMs ?? KEY_REFRESH_INTERVAL_MS;
  let set = deps.initial;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let chain: Promise<boolean> = Promise.resolve(false);

  function schedule(afterFailure: boolean): void {
    if (stopped) return;
    clearTimeout(timer);
    // After a failed read, the change it missed may be due already: wait the interval, not 10 ms.
    const untilChange = set.nextChangeAt && !afterFailure ? set.nextChangeAt.getTime() - Date.now() : Infinity;
    // A few milliseconds late rather than early: a timer may fire a little before its time.
    const delay = Math.min(intervalMs, Math.max(untilChange + 5, 10), MAX_TIMER_MS);
    timer = setTimeout(() => void refresh(), delay);
    timer.unref();
  }

  async function check(): Promise<boolean> {
    if (stopped) return false;
    let failed = false;
    try {
      const now = await deps.keys.current({ unlessVersion: set.version });
      if (!('keys' in now)) {
        // Same keys (not even decrypted); the next scheduled change may have moved.
        set = { ...set, nextChangeAt: now.nextChangeAt };
        return false;
      }
      deps.holder.reload({ jwks: { keys: now.keys } });
      set = now;
      deps.logger.info({ signing: now.signing, published: now.keys.map((key) => key.kid) }, 'signing keys changed: provider reloaded');
      return true;
    } catch (error) {
      failed = true;
      deps.logger.error({ err: error }, 'signing keys not re-read; the running keys stay in use');
      return false;
    } finally {
      schedule(failed);
    }
  }

  // One check at a time, each after the one before: a refresh asked for during a check reads again.
  function refresh(): Promise<boolean> {
    chain = chain.then(check, check);
    return chain;
  }

  schedule(false);
  return {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
