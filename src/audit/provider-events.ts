import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditLog } from './audit-log.ts';
import type { SignInMethod } from './events.ts';

/** Our `amr` values (src/http/interaction.ts) back to the method people recognise. */
function methodOf(amr: readonly string[] | undefined): SignInMethod | undefined {
  if (amr?.includes('hwk')) return 'passkey';
  if (amr?.includes('otp')) return 'email_link';
  return undefined;
}

const facts = (ctx: KoaContextWithOIDC) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent').slice(0, 256) });

/**
 * Sign-ins and sign-outs as oidc-provider sees them: every app a person signs in to is one
 * `sign_in` (also without a new passkey ceremony, through their session), with how the session
 * was proven, the app, the address and the browser.
 */
export function auditProviderEvents(provider: Provider, audit: Pick<AuditLog, 'record'>): void {
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
    const session = ctx.oidc.session;
    if (!session?.accountId) return;
    const method = methodOf(session.amr);
    void audit.record({
      type: 'sign_in',
      userId: session.accountId,
      ...(ctx.oidc.client ? { clientId: ctx.oidc.client.clientId } : {}),
      ...facts(ctx),
      ...(method ? { detail: { method } } : {}),
    });
  });
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId;
    if (accountId) void audit.record({ type: 'signed_out', userId: accountId, ...facts(ctx), ...(ctx.oidc.client ? { clientId: ctx.oidc.client.clientId } : {}) });
  });
}
