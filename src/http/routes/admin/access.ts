import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AppConfig } from '../../../config/env.ts';
import type { User } from '../../../db/entities/user.ts';
import { AppError } from '../../../errors.ts';
import type { CookieKeyring } from '../../../lib/cookie-keyring.ts';
import type { AccountsService } from '../../../services/accounts.ts';
import { ADMINS_GROUP, type AdminActor } from '../../../services/admin-operations.ts';
import type { GroupsService } from '../../../services/groups.ts';
import type { PasskeysService } from '../../../services/passkeys.ts';
import type { AdminReverificationStore } from '../../../stores/admin-reverification.ts';
import { sendToSignIn } from '../../account-sign-in.ts';
import { PROVEN_BY_PASSKEY } from '../../interaction.ts';
import { requestFacts } from '../../request-facts.ts';
import { signedIn } from '../../signed-in.ts';
import type { Views } from '../../views.ts';

/** The admin on this request, once `requireAdmin` let it through. */
export interface Admin {
  user: User;
  /** The provider session's uid: what the re-verification marker and the form token are bound to. */
  sessionUid: string;
}

export interface AccessDeps {
  config: Pick<AppConfig, 'issuer' | 'origin'>;
  provider: Provider;
  views: Views;
  accounts: Pick<AccountsService, 'findActive'>;
  groups: Pick<GroupsService, 'namesOf'>;
  passkeys: Pick<PasskeysService, 'count'>;
  reverification: AdminReverificationStore;
  /** The form token is an HMAC under the cookie keys: it rotates with them. */
  cookieKeyring: Pick<CookieKeyring, 'keys'>;
}

const FORM_TOKEN_FIELD = 'form_token';

export function adminOf(ctx: Context): Admin {
  const admin = (ctx.state as { admin?: Admin }).admin;
  if (!admin) throw new Error('admin routes: requireAdmin did not run');
  return admin;
}

/** How changes made on the page appear in the audit trail. */
export function actorOf(ctx: Context): AdminActor {
  return { name: `admin-page:${adminOf(ctx).user.username}`, ...requestFacts(ctx) };
}

/**
 * The form token of this session: an HMAC (under the app's cookie keys) of the session and the
 * account. Forms carry it besides the same-origin check, so a forged form fails twice.
 */
function tokenFor(key: string, admin: Admin): Buffer {
  return createHmac('sha256', key).update(`admin-form:${admin.sessionUid}:${admin.user.id}`).digest();
}

const signedInWithPasskey = (amr: readonly string[] | undefined) => PROVEN_BY_PASSKEY.every((value) => amr?.includes(value));

export function createAdminAccess(deps: AccessDeps) {
  const { config, provider, views, accounts, groups, passkeys, reverification } = deps;
  const keys = deps.cookieKeyring.keys;

  function formTokenOf(ctx: Context): string {
    return tokenFor(keys[0]!, adminOf(ctx)).toString('base64url');
  }

  function validFormToken(ctx: Context, token: unknown): boolean {
    if (typeof token !== 'string' || token.length > 64) return false;
    const given = Buffer.from(token, 'base64url');
    // Any of the cookie keys: a rotation does not break a page that is open.
    return keys.some((key) => {
      const expected = tokenFor(key, adminOf(ctx));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  /**
   * Only members of `admins`, signed in with a passkey. Someone not signed in goes through
   * sign-in (a page) or gets a 401 (a change); the others get a page that says why and what next.
   */
  const requireAdmin: Middleware = async (ctx, next) => {
    const current = await signedIn(provider, accounts, ctx);
    const reading = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (!current) {
      if (!reading) throw new AppError('login_required', { status: 401, messageKey: 'error.sessionEnded' });
      sendToSignIn(ctx, config, '/admin');
      return;
    }
    const { user, session } = current;
    if (!(await groups.namesOf(user.id)).includes(ADMINS_GROUP)) {
      if (!reading) throw new AppError('not_admin', { status: 403, messageKey: 'admin.denied.lead' });
      views.page(ctx, 'admin/denied', { title: 'admin.denied.title', user }, { status: 403 });
      return;
    }
    if (!signedInWithPasskey(session.amr)) {
      if (!reading) throw new AppError('passkey_sign_in_required', { status: 403, messageKey: 'admin.passkeyRequired.lead' });
      views.page(ctx, 'admin/passkey-required', { title: 'admin.passkeyRequired.title', user, hasPasskey: (await passkeys.count(user.id)) > 0 }, { status: 403 });
      return;
    }
    (ctx.state as { admin?: Admin }).admin = { user, sessionUid: session.uid };
    await next();
  };

  /**
   * Before any change (a form POST, its body parsed): this session's form token, and a passkey
   * ceremony of this admin within the last five minutes.
   */
  const requireFreshPasskey: Middleware = async (ctx, next) => {
    const admin = adminOf(ctx);
    const body = ctx.request.body as Record<string, unknown> | undefined;
    if (!validFormToken(ctx, body?.[FORM_TOKEN_FIELD])) {
      throw new AppError('invalid_form_token', { status: 403, messageKey: 'admin.error.formToken' });
    }
    if ((await reverification.secondsLeft(admin.sessionUid, admin.user.id)) <= 0) {
      views.page(ctx, 'admin/reverify-required', { title: 'admin.reverify.title', back: ctx.get('referer') ? safeBack(ctx.get('referer'), config.origin) : '/admin' }, { status: 403 });
      return;
    }
    await next();
  };

  return { requireAdmin, requireFreshPasskey, formTokenOf };
}

/** The admin page the refused form was on (same origin, under /admin), else the users page. */
function safeBack(referer: string, origin: string): string {
  try {
    const url = new URL(referer);
    if (url.origin === origin && (url.pathname === '/admin' || url.pathname.startsWith('/admin/'))) return `${url.pathname}${url.search}`;
  } catch {
    // Not a URL: the default below.
  }
  return '/admin';
}
