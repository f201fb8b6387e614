import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

const { base, Check, Prompt } = interactionPolicy;

export function isFirstParty(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.client?.metadata()['first_party'] === true;
}

/** The groups a client file lets in (`allowed_groups`), or undefined: everyone. */
export function allowedGroupsOf(ctx: KoaContextWithOIDC): string[] | undefined {
  const allowed = ctx.oidc.client?.metadata()['allowed_groups'];
  return Array.isArray(allowed) ? (allowed as string[]) : undefined;
}

/** The prompt our interaction pages answer with "You don't have access to <app>". */
export const ACCESS_PROMPT = 'access';

export interface InteractionPolicyDeps {
  /** The names of a person's groups. */
  groupsOf(accountId: string): Promise<string[]>;
}

/**
 * oidc-provider's prompts, with two changes:
 * - first-party apps never get a consent interaction: their grant is given without asking
 *   (loadExistingGrant), also when the request says prompt=consent — which
 *   first-party-offline-access.ts adds so that `offline_access` survives — and for native apps;
 * - after login, an app with `allowed_groups` admits only their members: anyone else gets our
 *   "no access" page (or access_denied with prompt=none), never a code.
 */
export function createInteractionPolicy(deps: InteractionPolicyDeps): ReturnType<typeof base> {
  const policy = base();
  const consent = policy.get('consent');
  if (!consent) throw new Error('oidc-provider has no consent prompt');
  for (const check of consent.checks) {
    const original = check.check;
    check.check = (ctx: KoaContextWithOIDC) => (isFirstParty(ctx) ? Check.NO_NEED_TO_PROMPT : original(ctx));
  }
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
  policy.add(access, policy.findIndex((prompt) => prompt.name === 'login') + 1);
  return policy;
}
