import type { Context } from 'koa';
import type { AppConfig } from '../config/env.ts';
import { AppError } from '../errors.ts';
import { randomToken } from '../lib/random.ts';
import { ACCOUNT_CLIENT_ID } from '../oidc/account-client.ts';

/** Our own pages that sign people in as the first-party account client; each has `<page>/callback`. */
export type SignInPage = '/account' | '/admin';

const STATE_COOKIES: Record<SignInPage, string> = { '/account': 'idp_account_state', '/admin': 'idp_admin_state' };
const STATE_TTL_MS = 10 * 60 * 1000;

/**
 * Sends someone through sign-in (as our own first-party client); they come back at
 * `<page>/callback`. `carry` (a short value the page checks again, e.g. the notice to show)
 * travels in the state cookie. `prompt: 'login'` asks for a new sign-in despite a session.
 */
export function sendToSignIn(ctx: Context, config: Pick<AppConfig, 'issuer' | 'origin'>, page: SignInPage, options: { carry?: string; prompt?: 'login' } = {}): void {
  const state = `${randomToken(16)}.${options.carry ?? ''}`;
  ctx.cookies.set(STATE_COOKIES[page], state, { signed: true, httpOnly: true, sameSite: 'lax', secure: config.origin.startsWith('https:'), maxAge: STATE_TTL_MS, path: page });
  const url = new URL('/auth', config.issuer);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${config.issuer}${page}/callback`,
    state,
    // PKCE is required of every public client; the code is never redeemed (the provider
    // session is what our pages use), so the verifier is not kept.
    code_challenge: randomToken(32),
    code_challenge_method: 'S256',
    ...(options.prompt ? { prompt: options.prompt } : {}),
  }).toString();
  ctx.redirect(url.toString());
}

/** At `<page>/callback`: the state must be the one this browser was sent with. Returns what it carried. */
export function returnFromSignIn(ctx: Context, page: SignInPage): string {
  const cookie = STATE_COOKIES[page];
  const expected = ctx.cookies.get(cookie, { signed: true });
  ctx.cookies.set(cookie, null, { signed: true, path: page });
  if (ctx.query['error']) {
    throw new AppError('login_failed', { status: 400, messageKey: 'error.accountLoginFailed' });
  }
  if (!expected || ctx.query['state'] !== expected) {
    throw new AppError('invalid_state', { status: 400, messageKey: 'error.accountStaleState' });
  }
  return expected.split('.')[1] ?? '';
}
