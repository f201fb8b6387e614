import type { Context } from 'koa';
import type { AppConfig } from '../config/env.ts';
import type { AccountLink } from '../db/entities/account-link.ts';
import type { AccountLinksService } from '../services/account-links.ts';

/** The invitation a browser opened (its secret), until the signup it allows is done. */
export const INVITATION_COOKIE = 'idp_invitation';
const INVITATION_COOKIE_MS = 60 * 60 * 1000;

export interface SignupGate {
  allowed: boolean;
  /** The invitation behind this signup, with its fixed username or email if any. */
  invitation: AccountLink | undefined;
}

/**
 * Who may sign up: everyone (SIGNUP=open), nobody (closed), or with SIGNUP=invite the browser
 * that opened a valid invitation link. An invitation also works with SIGNUP=open, to fix the
 * username or email of the account it creates.
 */
export function createSignupGate(config: Pick<AppConfig, 'signup' | 'origin'>, links: Pick<AccountLinksService, 'find'>) {
  const secure = config.origin.startsWith('https:');
  return {
    async check(ctx: Context): Promise<SignupGate> {
      if (config.signup === 'closed') return { allowed: false, invitation: undefined };
      const secret = ctx.cookies.get(INVITATION_COOKIE, { signed: true });
      const invitation = secret ? await links.find('invite', secret) : undefined;
      return { allowed: config.signup === 'open' || invitation !== undefined, invitation };
    },
    remember(ctx: Context, secret: string): void {
      ctx.cookies.set(INVITATION_COOKIE, secret, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: INVITATION_COOKIE_MS, overwrite: true });
    },
    forget(ctx: Context): void {
      ctx.cookies.set(INVITATION_COOKIE, null, { signed: true, path: '/', overwrite: true });
    },
  };
}

export type SignupGateService = ReturnType<typeof createSignupGate>;
