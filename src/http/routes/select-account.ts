import { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import type { User } from '../../db/entities/user.ts';
import { AppError } from '../../errors.ts';
import { SELECT_ACCOUNT_PROMPT } from '../../oidc/interaction-policy.ts';
import type { AccountsService } from '../../services/accounts.ts';
import type { InteractionState, InteractionStateStore } from '../../stores/interaction-state.ts';
import { finishForForm, loadInteraction, pageState, type Interaction } from '../interaction.ts';
import { formBody, parseBody } from '../middleware/body.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { rememberedUser } from '../remembered-user.ts';
import type { Views } from '../views.ts';

export interface SelectAccountRoutesDeps {
  config: Pick<AppConfig, 'origin'>;
  provider: Provider;
  views: Views;
  accounts: Pick<AccountsService, 'findActive'>;
  states: InteractionStateStore;
}

const choiceForm = z.object({ choice: z.enum(['continue', 'other']) });

/** The first letter (a whole grapheme: an accented letter, an emoji) for the account's badge. */
function initialOf(name: string): string {
  const [first] = new Intl.Segmenter().segment(name);
  return (first?.segment ?? '').toLocaleUpperCase();
}

/**
 * "Choose an account", for an app's `prompt=select_account` (OIDC Core 3.1.2.1) when this browser
 * has a session: continue as its account (no new passkey ceremony: max_age and prompt=login ask
 * for one before this page), or sign in as someone else through the ordinary username step,
 * which then replaces the session. Mounted before interaction.ts under the same prefix: its GET
 * takes the interaction page only while the choice is open and passes everything else on.
 */
export function selectAccountRoutes(deps: SelectAccountRoutesDeps): Router {
  const { provider, views, accounts, states } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(sameOrigin(deps.config.origin));

  /** The session's account, while the person has yet to choose; null otherwise (or when it is gone or disabled). */
  async function accountToChoose(details: Interaction, stateRead: () => Promise<InteractionState>): Promise<User | null> {
    const accountId = details.session?.accountId;
    if (details.prompt.name !== SELECT_ACCOUNT_PROMPT || !accountId) return null;
    const state = await stateRead();
    // Chose another account already, and is signing in (or signing up) as it.
    if (state.otherAccount || state.userId || state.provenUserId) return null;
    return accounts.findActive(accountId);
  }

  router.get('/', async (ctx: Context, next: Next) => {
    // Asked beside the interaction; interaction.ts, which takes the GET otherwise, reuses this read.
    const stateRead = pageState(states, ctx);
    const details = await loadInteraction(provider, ctx);
    const user = await accountToChoose(details, () => stateRead);
    if (!user) return next();
    const client = await provider.Client.find(String(details.params['client_id']));
    views.page(ctx, 'select-account', {
      title: 'selectAccount.title',
      base: `/interaction/${details.uid}`,
      clientName: client?.clientName ?? client?.clientId ?? 'the app',
      displayName: user.name ?? user.username,
      initial: initialOf(user.name ?? user.username),
      username: user.username,
      email: user.email,
    }, { uiLocales: details.params['ui_locales'] });
  });

  router.post('/select-account', formBody(), async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    if (details.prompt.name !== SELECT_ACCOUNT_PROMPT) {
      throw new AppError('invalid_request', { status: 400, messageKey: 'selectAccount.error.nothing' });
    }
    const { choice } = parseBody(choiceForm, ctx.request.body);
    if (choice === 'continue') {
      const user = await accountToChoose(details, () => states.get(details.uid));
      if (user) {
        await finishForForm(provider, ctx, { [SELECT_ACCOUNT_PROMPT]: {} });
        return;
      }
      // The account is gone or disabled meanwhile: the page now shows the ordinary sign-in.
    } else {
      // As "Use a different account" on the passkey step: this browser no longer suggests anyone.
      await states.set(details.uid, { otherAccount: true });
      rememberedUser.clear(ctx);
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  });

  return router;
}
