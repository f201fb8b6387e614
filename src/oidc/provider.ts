import Provider, { type Configuration } from 'oidc-provider';
import type { Logger } from '../lib/logger.ts';

export function createProvider(issuer: string, configuration: Configuration, options: { logger: Logger }): Provider {
  const provider = new Provider(issuer, configuration);
  // No `provider.proxy`: src/http/pin-to-issuer.ts pins its URLs to the issuer and resolves ctx.ip.
  // Errors oidc-provider answers itself never reach our error middleware; log the unexpected ones.
  provider.on('server_error', (_ctx, error) => options.logger.error({ err: error }, 'oidc-provider server error'));
  // An app that misses its back-channel logout keeps its own session: the operator should know.
  provider.on('backchannel.error', (_ctx, error, client) => {
    options.logger.warn({ err: error, clientId: client.clientId }, 'back-channel logout not delivered to the app\'s backchannel_logout_uri');
  });
  return provider;
}
