import type { KeyValueStore } from './key-value.ts';

/**
 * How often each pending device code polls the token endpoint (RFC 8628 §3.5), keyed by a
 * fingerprint of the device code (never the code itself). src/oidc/device-polling.ts decides
 * what is too fast.
 */
export function createDevicePollStore(store: KeyValueStore) {
  const windowKey = (fingerprint: string) => `device-poll:${fingerprint}`;
  const intervalKey = (fingerprint: string) => `device-interval:${fingerprint}`;
  return {
    /** The interval this code was told to keep after polling too fast; undefined: never slowed down. */
    async interval(fingerprint: string): Promise<number | undefined> {
      const raw = await store.get(intervalKey(fingerprint));
      const seconds = raw === undefined ? Number.NaN : Number(raw);
      return Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
    },
    /**
     * Counts a poll. True for the first poll of a window of `windowSeconds` (which it opens), false
     * for a poll that comes while one is still open: atomic, so of two at once only one is first.
     */
    async opensWindow(fingerprint: string, windowSeconds: number): Promise<boolean> {
      return (await store.increment(windowKey(fingerprint), windowSeconds)) === 1;
    },
    /**
     * From now on this code must wait `interval` seconds between polls (kept `keepSeconds`, its
     * lifetime), counted from now: a new window of `windowSeconds` opens with this poll.
     */
    async slowDown(fingerprint: string, interval: number, windowSeconds: number, keepSeconds: number): Promise<void> {
      await Promise.all([
        store.set(intervalKey(fingerprint), String(interval), keepSeconds),
        store.set(windowKey(fingerprint), '1', windowSeconds),
      ]);
    },
  };
}

export type DevicePollStore = ReturnType<typeof createDevicePollStore>;
