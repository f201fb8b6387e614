import type { Context } from 'koa';

const COOKIE = 'idp_remember';
const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * The "remembered user" cookie: signed (with the app's keys), httpOnly, SameSite=Lax, Secure on
 * https, 30 days. It holds the user id only, never the name or email.
 */
export const rememberedUser = {
  get(ctx: Context): string | undefined {
    const value = ctx.cookies.get(COOKIE, { signed: true });
    return value && /^[0-9a-f-]{36}$/.test(value) ? value : undefined;
  },
  /** `secure`: the issuer is https (also behind a TLS-terminating proxy, whatever ctx.secure says). */
  set(ctx: Context, userId: string, secure: boolean): void {
    ctx.cookies.set(COOKIE, userId, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure,
      maxAge: THIRTY_DAYS_MS,
      path: '/',
      overwrite: true,
    });
  },
  clear(ctx: Context): void {
    ctx.cookies.set(COOKIE, null, { signed: true, path: '/', overwrite: true });
  },
};
