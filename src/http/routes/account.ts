import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import type { User } from '../../db/entities/user.ts';
import { AppError } from '../../errors.ts';
import { randomToken } from '../../lib/random.ts';
import type { AccountsService } from '../../services/accounts.ts';
import type { PasskeysService } from '../../services/passkeys.ts';
import { ACCOUNT_CLIENT_ID } from '../../oidc/account-client.ts';
import { notifyBackchannelLogout } from '../../oidc/backchannel-logout.ts';
import { formBody, jsonBody, parseBody } from '../middleware/body.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { textField } from '../text-input.ts';
import type { Render } from '../views.ts';
import { asRegistrationResponse, registrationResponseSchema } from '../webauthn-schemas.ts';

export interface AccountRoutesDeps {
  config: Pick<AppConfig, 'origin' | 'issuer'>;
  provider: Provider;
  render: Render;
  accounts: AccountsService;
  passkeys: PasskeysService;
}

const STATE_COOKIE = 'idp_account_state';
const renameForm = z.object({ name: textField(256, 'is longer than 64 characters').pipe(z.string().trim().min(1, 'is empty; give the passkey a name').max(64, 'is longer than 64 characters')) });
const passkeyId = z.uuid();
const NOTICES: Record<string, string> = {
  added: 'Passkey added.',
  renamed: 'Passkey renamed.',
  deleted: 'Passkey deleted.',
  email: 'You are signed in with your emailed link. Go back to the app and sign in there again: it will be quick.',
};

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/**
 * The account page: the person's passkeys (rename, delete, add) and sign-out. It uses the
 * provider's own session: someone not signed in is sent through sign-in (as our own
 * first-party client) and comes back here.
 */
export function accountRoutes(deps: AccountRoutesDeps): Router {
  const { provider, render, accounts, passkeys, config } = deps;
  const router = new Router({ prefix: '/account' });
  router.use(sameOrigin(config.origin));

  async function currentSession(ctx: Context) {
    const id = ctx.cookies.get('_session', { signed: true });
    const session = id ? await provider.Session.find(id) : undefined;
    const user = session?.accountId ? await accounts.findActive(session.accountId) : null;
    return session && user ? { session, user } : undefined;
  }

  async function requireSignedIn(ctx: Context): Promise<{ user: User; sessionUid: string }> {
    const current = await currentSession(ctx);
    if (!current) throw new AppError('login_required', { status: 401, description: 'Your session has ended. Open your account page to sign in again.' });
    return { user: current.user, sessionUid: current.session.uid };
  }

  router.get('/', async (ctx) => {
    const current = await currentSession(ctx);
    if (!current) {
      // The notice to show after sign-in travels in the state cookie, checked on the way back.
      const done = typeof ctx.query['done'] === 'string' && ctx.query['done'] in NOTICES ? ctx.query['done'] : '';
      const state = `${randomToken(16)}.${done}`;
      ctx.cookies.set(STATE_COOKIE, state, { signed: true, httpOnly: true, sameSite: 'lax', secure: config.origin.startsWith('https:'), maxAge: 10 * 60 * 1000, path: '/account' });
      const url = new URL('/auth', config.issuer);
      url.search = new URLSearchParams({
        client_id: ACCOUNT_CLIENT_ID,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: `${config.issuer}/account/callback`,
        state,
        // PKCE is required of every public client; the code is never redeemed (the provider
        // session is what the account page uses), so the verifier is not kept.
        code_challenge: randomToken(32),
        code_challenge_method: 'S256',
      }).toString();
      ctx.redirect(url.toString());
      return;
    }
    const list = await passkeys.list(current.user.id);
    ctx.type = 'html';
    ctx.body = render('account', {
      title: 'Your account',
      wide: true,
      user: current.user,
      notice: NOTICES[String(ctx.query['done'] ?? '')],
      passkeys: list.map((p) => ({
        ...p,
        created: dateFormat.format(p.createdAt),
        lastUsed: p.lastUsedAt ? dateFormat.format(p.lastUsedAt) : 'not yet',
      })),
      scripts: ['/static/js/register.js'],
    });
  });

  router.get('/callback', (ctx) => {
    const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, { signed: true, path: '/account' });
    if (ctx.query['error']) {
      throw new AppError('login_failed', { status: 400, description: 'Sign-in did not complete. Open your account page to try again.' });
    }
    if (!expected || ctx.query['state'] !== expected) {
      throw new AppError('invalid_state', { status: 400, description: 'This sign-in link is stale. Open your account page to sign in again.' });
    }
    const done = expected.split('.')[1];
    ctx.redirect(done ? `/account?done=${done}` : '/account');
  });

  router.get('/passkeys/:id/delete', async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    const list = await passkeys.list(user.id);
    const passkey = list.find((p) => p.id === ctx.params['id']);
    if (!passkey) throw new AppError('not_found', { status: 404, description: 'That passkey does not exist (any more).' });
    ctx.type = 'html';
    ctx.body = render('delete-passkey', { title: 'Delete passkey', passkey, last: list.length === 1 });
  });

  router.post('/passkeys/:id/delete', async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    const id = parseBody(passkeyId, ctx.params['id']);
    if (!(await passkeys.remove(user.id, id))) throw new AppError('not_found', { status: 404, description: 'That passkey does not exist (any more).' });
    ctx.status = 303;
    ctx.redirect('/account?done=deleted');
  });

  router.post('/passkeys/:id/rename', formBody(), async (ctx) => {
    const { user } = await requireSignedIn(ctx);
    const id = parseBody(passkeyId, ctx.params['id']);
    const { name } = parseBody(renameForm, ctx.request.body, { name: 'Passkey name' });
    if (!(await passkeys.rename(user.id, id, name))) throw new AppError('not_found', { status: 404, description: 'That passkey does not exist (any more).' });
    ctx.status = 303;
    ctx.redirect('/account?done=renamed');
  });

  router.post('/passkeys/register/options', jsonBody(), async (ctx) => {
    const { user, sessionUid } = await requireSignedIn(ctx);
    ctx.body = await passkeys.startRegistration(`account:${sessionUid}`, user);
  });

  router.post('/passkeys/register/verify', jsonBody(), async (ctx) => {
    const { user, sessionUid } = await requireSignedIn(ctx);
    const { credential } = parseBody(z.object({ credential: registrationResponseSchema }), ctx.request.body);
    await passkeys.finishRegistration(`account:${sessionUid}`, user, asRegistrationResponse(credential));
    ctx.body = { redirectTo: '/account?done=added' };
  });

  router.post('/signout', async (ctx) => {
    const current = await currentSession(ctx);
    if (current) {
      // As /session/end would: apps with a backchannel_logout_uri learn that the session is over.
      await notifyBackchannelLogout(provider, current.session, ctx);
      await current.session.destroy();
    }
    for (const name of ['_session', '_session.sig']) ctx.cookies.set(name, null, { path: '/' });
    ctx.type = 'html';
    ctx.body = render('logged-out', { title: 'Signed out' });
  });

  return router;
}
