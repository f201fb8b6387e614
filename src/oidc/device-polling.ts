import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { DevicePollStore } from '../stores/device-polls.ts';
import { EXPIRED_DEVICE_CODE_KEPT_SECONDS } from './adapter.ts';
import { TTL } from './configuration.ts';

/** RFC 8628 §3.2: how long a device waits between polls (also its default when not told). */
export const POLL_INTERVAL_SECONDS = 5;
/** §3.5: `slow_down` adds 5 seconds, for that poll and every later one. */
const SLOW_DOWN_STEP_SECONDS = 5;
const MAX_INTERVAL_SECONDS = 60;
/** A poll that arrives up to this much early still counts as on time: networks jitter. */
const LEEWAY_SECONDS = 1;
/** As long as a device code can be polled (it is kept a while after it expires, adapter.ts). */
const KEEP_SECONDS = TTL.DeviceCode + EXPIRED_DEVICE_CODE_KEPT_SECONDS;

/** How long after an on-time poll the next one is too soon. */
const windowOf = (interval: number) => Math.max(1, interval - LEEWAY_SECONDS);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The device code is a bearer secret until redeemed: the store sees only its hash. */
const fingerprint = (deviceCode: string) => createHash('sha256').update(deviceCode).digest('base64url');

/**
 * oidc-provider answers a pending device code with `authorization_pending` however often it is
 * asked, and tells devices no interval. This tells them one (`interval` in the device
 * authorization response) and answers a poll that comes sooner with `slow_down`, growing the
 * interval by 5 seconds each time (RFC 8628 §3.5). Only pending answers are paced: an approved,
 * denied or expired code gets its final answer at once.
 */
export function pacePolling(provider: Provider, polls: DevicePollStore): void {
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    // Only oidc-provider's own routes define ctx.oidc (on this very context).
    if (!Object.hasOwn(ctx, 'oidc')) return;
    const route = ctx.oidc.route;
    if (route === 'device_authorization') {
      if (ctx.status === 200 && isRecord(ctx.body) && typeof ctx.body['device_code'] === 'string') ctx.body['interval'] = POLL_INTERVAL_SECONDS;
      return;
    }
    if (route !== 'token' || ctx.status !== 400 || !isRecord(ctx.body) || ctx.body['error'] !== 'authorization_pending') return;
    const deviceCode = ctx.oidc.params?.['device_code'];
    if (typeof deviceCode !== 'string') return;
    const key = fingerprint(deviceCode);
    const interval = (await polls.interval(key)) ?? POLL_INTERVAL_SECONDS;
    if (await polls.opensWindow(key, windowOf(interval))) return;
    // Too soon: the longer interval counts from this poll.
    const slower = Math.min(interval + SLOW_DOWN_STEP_SECONDS, MAX_INTERVAL_SECONDS);
    await polls.slowDown(key, slower, windowOf(slower), KEEP_SECONDS);
    ctx.body = { error: 'slow_down', error_description: `polling too often; wait at least ${slower} seconds between requests` };
  });
}
