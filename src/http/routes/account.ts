import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import type { User } from '../../db/entities/user.ts';
import { AppError } from '../../errors.ts';
import type { AccountsService } from '../../services/accounts.ts';
import type { PasskeysService } from '../../services/passkeys.ts';
import { notifyBackchannelLogout } from '../../oidc/backchannel-logout.ts';
import { formBody, jsonBody, parseBody } from '../middleware/body.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { signedIn } from '../signed-in.ts';
import { textField, UNTYPEABLE_MESSAGE } from '../text-input.ts';
import type { Views } from '../views.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AccountSessions } from '../../oidc/account-sessions.ts';
import type { SecurityNotices } from '../../services/security-notices.ts';
import { accountOverview } from '../account-overview.ts';
import { returnFromSignIn, sendToSignIn } from '../account-sign-in.ts';
import { requestFacts } from '../request-facts.ts';
import { passkeyNameFor } from '../../i18n/device-name.ts';
import type { MessageKey } from '../../i18n/translator.ts';
import { asRegistrationResponse, registrationResponseSchema } from '../webauthn-schemas.ts';

export interface AccountRoutesDeps {
  config: Pick<AppConfig, 'origin' | 'issuer'>;
  provider: Provider;
  views: Views;
  accounts: AccountsService;
  passkeys: PasskeysService;
  audit: Pick<AuditLog, 'record' | 'forUser'>;
  accountSessions: AccountSessions;
  notices: Pick<SecurityNotices, 'passkeyAdded'>;
}

const renameForm = z.object({ name: z.string().max(256).default('') });
const passkeyName = textField(256, 'account.nameLong').pipe(z.string().trim().min(1, 'account.nameEmpty').max(64, 'account.nameLong'));
const passkeyId = z.uuid();
const NOTICES: Record<string, MessageKey> = {
  added: 'account.notice.added',
  renamed: 'account.notice.renamed',
  deleted: 'account.notice.deleted',
  email: 'account.notice.email',
  recovered: 'account.notice.recovered',
  ended: 'account.notice.ended',
  revoked: 'account.notice.revoked',
};

/**
 * The account page: the person's passkeys (rename, delete, add) and sign-out. It uses the
 * provider's own session: someone not signed in is sent through sign-in (as our own
 * first-party client) and comes back here.
 */
export function accountRoutes(deps: AccountRoutesDeps): Router {
  const { provider, views, accounts, passkeys, audit, accountSessions, notices, config } = deps;
  const router = new Router({ prefix: '/account' });
  router.use(sameOrigin(config.origin));

  const currentSession = (ctx: Context) => signedIn(provider, accounts, ctx);

  async function requireSignedIn(ctx: Context): Promise<{ user: User; sessionUid: string; sessionId: string }> {
    const current = await currentSession(ctx);
    if (!current) throw new AppError('login_required', { status: 401, messageKey: 'error.sessionEnded' });
    return { user: current.user, sessionUid: current.session.uid, sessionId: current.session.jti };
  }

  const done = (ctx: Context, notice: keyof typeof NOTICES) => {
    ctx.status = 303;
    ctx.redirect(`/account?done=${notice}`);
  };

  router.get('/', async (ctx) => {
    const current = await currentSession(ctx);
    if (!current) {
      // The notice to show after sign-in travels in the state cookie, checked on the way back.
      const done = typeof ctx.query['done'] === 'string' && ctx.query['done'] in NOTICES ? ctx.query['done'] : '';
      sendToSignIn(ctx, config, '/account', { carry: done });
      return;
    }
    const notice = NOTICES[String(ctx.query['done'] ?? '')];
    const i18n = views.i18n(ctx);
    views.page(ctx, 'account', {
      title: 'account.title',
      wide: true,
      user: current.user,
      notice: notice ? i18n.t(notice) : undefined,
      passkeys: await passkeys.list(current.user.id),
      // After a rename, delete or add the page reloads here: the browser's passkey list follows (passkey-signals.js).
      passkeySignals: await passkeys.signalsFor(current.user),
      ...(await accountOverview({ provider, audit, accountSessions }, i18n, current.user.id, current.session.jti)),
      scripts: ['/static/js/register.js'],
    });
  });

  router.get('/callback', (ctx) => {
    const done = returnFromSignIn(ctx, '/account');
    ctx.redirect(done in NOTICES ? `/account?done=${done}` : '/account');
  });

  router.get('/passkeys/:id/delete', async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    const list = await passkeys.list(user.id);
    const passkey = list.find((p) => p.id === ctx.params['id']);
    if (!passkey) throw new AppError('not_found', { status: 404, messageKey: 'error.passkeyNotFound' });
    views.page(ctx, 'delete-passkey', { title: 'deletePasskey.title', passkey, last: list.length === 1 });
  });

  router.post('/passkeys/:id/delete', async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    const id = parseBody(passkeyId, ctx.params['id']);
    const removed = (await passkeys.list(user.id)).find((p) => p.id === id);
    if (!removed || !(await passkeys.remove(user.id, id))) throw new AppError('not_found', { status: 404, messageKey: 'error.passkeyNotFound' });
    await audit.record({ type: 'passkey_removed', userId: user.id, ...requestFacts(ctx), detail: { name: removed.name } });
    done(ctx, 'deleted');
  });

  router.post('/passkeys/:id/rename', formBody(), async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    const id = parseBody(passkeyId, ctx.params['id']);
    const named = passkeyName.safeParse(parseBody(renameForm, ctx.request.body).name);
    if (!named.success) {
      const problem = named.error.issues[0]?.message;
      throw new AppError('invalid_request', { status: 400, messageKey: problem === UNTYPEABLE_MESSAGE ? 'account.nameUntypeable' : (problem as MessageKey) });
    }
    const name = named.data;
    if (!(await passkeys.rename(user.id, id, name))) throw new AppError('not_found', { status: 404, messageKey: 'error.passkeyNotFound' });
    await audit.record({ type: 'passkey_renamed', userId: user.id, ...requestFacts(ctx), detail: { name } });
    done(ctx, 'renamed');
  });

  router.post('/passkeys/register/options', jsonBody(), async (ctx) => {
    const { user, sessionUid } = await requireSignedIn(ctx);
    ctx.body = await passkeys.startRegistration(`account:${sessionUid}`, user);
  });

  router.post('/passkeys/register/verify', jsonBody(), async (ctx) => {
    const { user, sessionUid } = await requireSignedIn(ctx);
    const { credential } = parseBody(z.object({ credential: registrationResponseSchema }), ctx.request.body);
    const added = await passkeys.finishRegistration(`account:${sessionUid}`, user, asRegistrationResponse(credential), passkeyNameFor(views.i18n(ctx), ctx.get('user-agent')));
    await audit.record({ type: 'passkey_added', userId: user.id, ...requestFacts(ctx), detail: { name: added.name } });
    void notices.passkeyAdded(user, added.name, { ...requestFacts(ctx), i18n: views.i18n(ctx) });
    ctx.body = { redirectTo: '/account?done=added' };
  });

  router.post('/signout', async (ctx) => {
    const current = await currentSession(ctx);
    if (current) {
      // As /session/end would: apps with a backchannel_logout_uri learn that the session is over.
      await notifyBackchannelLogout(provider, current.session, ctx);
      await current.session.destroy();
      await audit.record({ type: 'signed_out', userId: current.user.id, ...requestFacts(ctx) });
    }
    for (const name of ['_session', '_session.sig']) ctx.cookies.set(name, null, { path: '/' });
    views.page(ctx, 'logged-out', { title: 'loggedOut.title' });
  });

  // Another browser's session (signed out there), one app's standing access, or everything.
  router.post('/sessions/:id/end', async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    if (!(await accountSessions.endSession(user.id, String(ctx.params['id'])))) throw new AppError('not_found', { status: 404, messageKey: 'error.sessionNotFound' });
    await audit.record({ type: 'sessions_ended', userId: user.id, ...requestFacts(ctx), detail: { sessions: 1 } });
    done(ctx, 'ended');
  });

  router.post('/apps/:id/revoke', async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    if (!(await accountSessions.revokeGrant(user.id, String(ctx.params['id'])))) throw new AppError('not_found', { status: 404, messageKey: 'error.sessionNotFound' });
    await audit.record({ type: 'sessions_ended', userId: user.id, ...requestFacts(ctx), detail: { grants: 1 } });
    done(ctx, 'revoked');
  });

  router.post('/sessions/end-all', async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    const ended = await accountSessions.endAll(user.id);
    await audit.record({ type: 'sessions_ended', userId: user.id, ...requestFacts(ctx), detail: { sessions: ended.sessions, grants: ended.grants } });
    for (const name of ['_session', '_session.sig']) ctx.cookies.set(name, null, { path: '/' });
    views.page(ctx, 'logged-out', { title: 'loggedOut.title' });
  });

  return router;
}
