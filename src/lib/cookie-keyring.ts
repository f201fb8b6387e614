import { createHmac, timingSafeEqual } from 'node:crypto';

/** What Koa's and oidc-provider's cookies ask of `keys`: keygrip's interface. */
export interface CookieKeyring {
  /** The keys, newest first: for other MACs that rotate with the cookies' (the admin page's form token). */
  readonly keys: readonly string[];
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** Which key made `digest` (0 is the current one; a later one is an older key still accepted), or -1. */
  index(data: string, digest: string): number;
}

/**
 * Signs cookies exactly as keygrip, Koa's default, does (HMAC-SHA1 of `name=value` in base64url,
 * the first key signs, any key verifies, so keys can be rotated), for our app and oidc-provider
 * alike; cookies signed before stay valid. The check is Node's own constant-time comparison:
 * keygrip's (tsscmp) draws 32 random bytes and computes two more HMACs on every read, and a
 * sign-in reads a signed cookie on most of its requests.
 */
export function createCookieKeyring(given: readonly string[]): CookieKeyring {
  if (given.length === 0) throw new Error('cookies need at least one key');
  const keys = [...given];
  const signWith = (key: string, data: string) => createHmac('sha1', key).update(data).digest('base64url');
  const index = (data: string, digest: string) => {
    const received = Buffer.from(String(digest));
    for (let i = 0; i < keys.length; i++) {
      const expected = Buffer.from(signWith(keys[i]!, data));
      if (received.length === expected.length && timingSafeEqual(received, expected)) return i;
    }
    return -1;
  };
  return {
    keys,
    sign: (data) => signWith(keys[0]!, data),
    verify: (data, digest) => index(data, digest) !== -1,
    index,
  };
}
