import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { metadataOf } from './client-metadata.ts';
import { deviceConfirmationCheck } from './device-flow.ts';

const { base, Check, Prompt } = interactionPolicy;

export function isFirstParty(ctx: KoaContextWithOIDC): boolean {
  return (ctx.oidc.client && metadataOf(ctx.oidc.client)['first_party']) === true;
}

/** The groups a client file lets in (`allowed_groups`), or undefined: everyone. */
export function allowedGroupsOf(ctx: KoaContextWithOIDC): string[] | undefined {
  const allowed = ctx.oidc.client && metadataOf(ctx.oidc.client)['allowed_groups'];
  return Array.isArray(allowed) ? (allowed as string[]) : undefined;
}

/** The prompt our interaction pages answer with "You don't have access to <app>". */
export const ACCESS_PROMPT = 'access';

/** OIDC Core 3.1.2.1 `prompt=select_account`: our "Choose an account" page. */
export const SELECT_ACCOUNT_PROMPT = 'select_account';

/** The `prompt` values a policy accepts (discovery's `prompt_values_supported`). */
export function promptValuesOf(policy: ReturnType<typeof base>): string[] {
  return ['none', ...policy.filter((prompt) => prompt.requestable).map((prompt) => prompt.name)];
}

/**
 * `prompt=select_account`, asked for and not yet answered in this request, with a session to
 * choose (without one, the login prompt before it shows the ordinary sign-in). Signing in during
 * the request answers it too: "Use a different account" leads through the ordinary sign-in.
 */
function selectAccountPrompt(): InstanceType<typeof Prompt> {
  const prompt = new Prompt({ name: SELECT_ACCOUNT_PROMPT, requestable: true });
  // `requestable` adds the "requested and still pending" check; ours replaces it to add the above.
  prompt.checks.clear();
  prompt.checks.add(new Check(`${SELECT_ACCOUNT_PROMPT}_prompt`, 'account selection was requested', 'account_selection_required', (ctx: KoaContextWithOIDC) => {
    const { oidc } = ctx;
    if (!oidc.prompts.has(SELECT_ACCOUNT_PROMPT) || !oidc.promptPending(SELECT_ACCOUNT_PROMPT)) return Check.NO_NEED_TO_PROMPT;
    if (oidc.result?.['login'] || !oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
    return Check.REQUEST_PROMPT;
  }));
  return prompt;
}

export interface InteractionPolicyDeps {
  /** The names of a person's groups. */
  groupsOf(accountId: string): Promise<string[]>;
}

/**
 * oidc-provider's prompts, with these changes:
 * - first-party apps never get a consent interaction: their grant is given without asking
 *   (loadExistingGrant), also when the request says prompt=consent — which
 *   first-party-offline-access.ts adds so that `offline_access` survives — and for native apps;
 * - after login, an app with `allowed_groups` admits only their members: anyone else gets our
 *   "no access" page (or access_denied with prompt=none), never a code;
 * - `prompt=select_account` is accepted: with a session, our "Choose an account" page comes first.
 */
export function createInteractionPolicy(deps: InteractionPolicyDeps): ReturnType<typeof base> {
  const policy = base();
  const consent = policy.get('consent');
  if (!consent) throw new Error('oidc-provider has no consent prompt');
  for (const check of consent.checks) {
    const original = check.check;
    check.check = (ctx: KoaContextWithOIDC) => (isFirstParty(ctx) ? Check.NO_NEED_TO_PROMPT : original(ctx));
  }
  // Added after the first-party exemption above: a device sign-in (RFC 8628) is confirmed on a
  // page every time, whichever the app (device-flow.ts).
  consent.checks.add(deviceConfirmationCheck());
  const access = new Prompt(
    { name: ACCESS_PROMPT, requestable: false },
    new Check('not_in_allowed_groups', 'the account is not in a group allowed to use this app', 'access_denied', async (ctx: KoaContextWithOIDC) => {
      const allowed = allowedGroupsOf(ctx);
      const accountId = ctx.oidc.session?.accountId;
      if (!allowed || !accountId) return Check.NO_NEED_TO_PROMPT;
      const groups = await deps.groupsOf(accountId);
      return groups.some((group) => allowed.includes(group)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  // After login (which asks for a session first, or a fresh sign-in for max_age/prompt=login),
  // before access and consent, which judge the account chosen.
  const afterLogin = policy.findIndex((prompt) => prompt.name === 'login') + 1;
  policy.add(access, afterLogin);
  policy.add(selectAccountPrompt(), afterLogin);
  return policy;
}
