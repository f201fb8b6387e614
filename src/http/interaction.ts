import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { User } from '../db/entities/user.ts';
import { AppError, outageBehind } from '../errors.ts';
import type { AccountsService } from '../services/accounts.ts';
import type { InteractionState, InteractionStateStore } from '../stores/interaction-state.ts';

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * How a sign-in was proven, as RFC 8176 `amr` values (in the ID token, and read by the audit
 * trail): a passkey is a hardware- or platform-bound key with user verification; an emailed
 * link or code is a one-time secret.
 */
export const PROVEN_BY_PASSKEY = ['hwk', 'user'];
export const PROVEN_BY_LINK_OR_CODE = ['otp'];

/** Per request: routers that look at an interaction and pass it on (select-account.ts) read it once. */
const loaded = new WeakMap<Context, Interaction>();

/**
 * The interaction behind /interaction/:uid, from oidc-provider's cookie. The uid in the path must
 * be the cookie's: a link from another sign-in, or an expired one, gets a clear page.
 */
export async function loadInteraction(provider: Provider, ctx: Context): Promise<Interaction> {
  const known = loaded.get(ctx);
  if (known) return known;
  let details: Interaction;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    const outage = outageBehind(error);
    if (outage) throw outage;
    throw new AppError('session_expired', {
      status: 400,
      messageKey: 'error.interactionExpired',
      cause: error,
    });
  }
  if (details.uid !== (ctx.params as { uid?: string }).uid) {
    throw new AppError('session_expired', {
      status: 400,
      messageKey: 'error.interactionOther',
    });
  }
  loaded.set(ctx, details);
  return details;
}

/** Per request: the sign-in page's state, asked for once by the routers that share its GET. */
const pageStates = new WeakMap<Context, Promise<InteractionState>>();

/**
 * The interaction state for the sign-in page's GET, read once per request. Asked before
 * loadInteraction, it goes to the store beside the interaction (one round trip, not two), and is
 * used only once the interaction proves to be this browser's. select-account.ts looks first and
 * interaction.ts after it: they share the one read. Not for a request that writes the state.
 */
export function pageState(states: InteractionStateStore, ctx: Context): Promise<InteractionState> {
  let read = pageStates.get(ctx);
  if (!read) {
    read = states.get(String((ctx.params as { uid?: string }).uid));
    // Awaited by whoever uses it; dropped unread when the interaction turns out not to be this browser's.
    read.catch(() => {});
    pageStates.set(ctx, read);
  }
  return read;
}

/**
 * Stores the interaction's result and says where oidc-provider continues. The interaction this
 * request already read (loadInteraction) is saved as it is, as oidc-provider's interactionResult
 * would after reading it a second time.
 */
async function saveResult(provider: Provider, ctx: Context, result: InteractionResults): Promise<string> {
  const details = loaded.get(ctx);
  if (!details) return provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  details.result = result;
  await details.save(details.exp - Math.floor(Date.now() / 1000));
  return details.returnTo;
}

/** For fetch() callers: the URL to continue at, instead of a redirect fetch would follow. */
export async function finishForScript(provider: Provider, ctx: Context, result: InteractionResults): Promise<void> {
  const redirectTo = await saveResult(provider, ctx, result);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { redirectTo };
}

/** For plain HTML forms: a 303 to where oidc-provider continues. */
export async function finishForForm(provider: Provider, ctx: Context, result: InteractionResults): Promise<void> {
  const redirectTo = await saveResult(provider, ctx, result);
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

/** The account chosen at the username step of this interaction; a clear 400 when there is none. */
export async function chosenAccount(deps: { states: InteractionStateStore; accounts: AccountsService }, uid: string): Promise<User> {
  return accountChosenIn(deps, await deps.states.get(uid));
}

/** chosenAccount() for an interaction state already read. */
export async function accountChosenIn(deps: { accounts: AccountsService }, state: InteractionState): Promise<User> {
  const user = state.userId ? await deps.accounts.findActive(state.userId) : null;
  if (!user) throw new AppError('no_account_chosen', { status: 400, messageKey: 'error.noAccountChosen' });
  return user;
}
