import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

const { base, Check } = interactionPolicy;

export function isFirstParty(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.client?.metadata()['first_party'] === true;
}

/**
 * oidc-provider's prompts, except that first-party apps never get a consent interaction: their
 * grant is given without asking (loadExistingGrant), also when the request says prompt=consent
 * — which first-party-offline-access.ts adds so that `offline_access` survives — and for native apps.
 */
export function createInteractionPolicy(): ReturnType<typeof base> {
  const policy = base();
  const consent = policy.get('consent');
  if (!consent) throw new Error('oidc-provider has no consent prompt');
  for (const check of consent.checks) {
    const original = check.check;
    check.check = (ctx: KoaContextWithOIDC) => (isFirstParty(ctx) ? Check.NO_NEED_TO_PROMPT : original(ctx));
  }
  return policy;
}
