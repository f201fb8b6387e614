import type { Context } from 'koa';

/** Where a request came from, as the audit trail records it (ctx.ip honours TRUST_PROXY). */
export function requestFacts(ctx: Context): { ip: string; userAgent: string } {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent').slice(0, 256) };
}
