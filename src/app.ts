import type { RequestListener } from 'node:http';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import mount from 'koa-mount';
import serve from 'koa-static';
import { trustsAnyProxy } from './config/trust-proxy.ts';
import type { Container } from './container.ts';
import { trustedProxyTest } from './http/client-ip.ts';
import { errorHandler } from './http/middleware/errors.ts';
import { firstPartyOfflineAccess } from './http/middleware/first-party-offline-access.ts';
import { plainHttpWarning } from './http/middleware/plain-http-warning.ts';
import { requestMetrics } from './http/middleware/request-metrics.ts';
import { requestContext } from './http/middleware/request-context.ts';
import { retryAfterOn503 } from './http/middleware/retry-after.ts';
import { securityHeaders } from './http/middleware/security-headers.ts';
import { pinRequestsToIssuer } from './http/pin-to-issuer.ts';
import { gatedRoutes } from './http/route-gate.ts';
import { mountProvider, pinProvider } from './http/current-provider.ts';
import { createWellKnownCache, type WellKnownCache } from './http/well-known-cache.ts';
import { accountRoutes } from './http/routes/account.ts';
import { accountLinkRoutes } from './http/routes/account-links.ts';
import { adminRoutes } from './http/routes/admin.ts';
import { createSignupGate } from './http/invitation.ts';
import { formPostRedirectRoutes } from './http/routes/form-post-redirect.ts';
import { deviceRoutes } from './http/routes/device.ts';
import { healthRoutes } from './http/routes/health.ts';
import { homeRoutes } from './http/routes/home.ts';
import { interactionRoutes } from './http/routes/interaction.ts';
import { magicLinkRoutes } from './http/routes/magic-link.ts';
import { metricsRoutes } from './http/routes/metrics.ts';
import { passkeyRoutes } from './http/routes/passkey.ts';
import { relatedOriginsRoutes } from './http/routes/related-origins.ts';
import { selectAccountRoutes } from './http/routes/select-account.ts';
import { themeRoutes } from './http/routes/theme.ts';

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/**
 * The server's request listener: discovery and JWKS from their precomputed bytes (well-known-cache.ts),
 * without a Koa context, which would cost as much again as the answer itself; everything else to Koa.
 */
export function createRequestListener(container: Container): RequestListener {
  const wellKnown = createWellKnownCache(container.providers);
  const handle = createApp(container, wellKnown).callback();
  return (req, res) => {
    if (!wellKnown.answer(req, res)) void handle(req, res);
  };
}

/**
 * Middleware order: request context → language → errors → security headers → static files → our routes →
 * oidc-provider. No global body parser: oidc-provider parses its own bodies.
 */
function createApp(container: Container, wellKnown: WellKnownCache): Koa {
  const { config, provider, views, accounts, passkeys, magicLinks, signups, states, throttle, audit, accountSessions, accountLinks, notices } = container;
  const signupGate = createSignupGate(config, accountLinks);
  const app = new Koa();
  // URLs, cookies' Secure flag and ctx.ip come from ISSUER and TRUST_PROXY, never from what a
  // request claims about itself; the mounted provider must see exactly what we see.
  const isTrustedProxy = trustedProxyTest(config.trustProxy);
  // (Every oidc-provider instance is pinned alike where it is built: container.ts.)
  pinRequestsToIssuer([app], { issuer: config.issuer, isTrustedProxy });
  // Must equal oidc-provider's cookie keys: mounted, it reads its signed cookies through our ctx.
  app.keys = container.cookieKeyring;
  app.silent = true;

  // First, so the latency histogram sees the whole request and its final status.
  app.use(requestMetrics(container.metrics));
  // The oidc-provider instance current when the request arrived serves all of it (provider-holder.ts).
  app.use(pinProvider(container.providers));
  app.use(requestContext(container.logger));
  app.use(plainHttpWarning({
    issuer: config.issuer,
    trustProxySet: trustsAnyProxy(config.trustProxy),
    isTrustedProxy,
    logger: container.logger,
  }));
  app.use(container.languages.middleware());
  app.use(errorHandler(views));
  app.use(securityHeaders({ https: config.origin.startsWith('https:') }));
  app.use(mount('/static', serve(PUBLIC_DIR, { maxage: config.production ? 3_600_000 : 0, gzip: false, brotli: false })));

  app.use(gatedRoutes([
    healthRoutes(container.health),
    metricsRoutes(container.metrics, config),
    formPostRedirectRoutes(),
    deviceRoutes({ throttle, views }),
    themeRoutes(config.appAccent),
    relatedOriginsRoutes(config),
    homeRoutes({ provider, accounts, views }),
    selectAccountRoutes({ config, provider, views, accounts, states }), // before interactionRoutes: takes its GET while the choice is open
    interactionRoutes({ config, provider, views, accounts, passkeys, signups, signupGate, accountLinks, audit, states, throttle }),
    passkeyRoutes({ config, provider, accounts, passkeys, states, throttle, views, audit, notices }),
    accountRoutes({ config, provider, views, accounts, passkeys, audit, accountSessions, notices }),
    accountLinkRoutes({ config, views, accounts, accountLinks, signupGate, states, throttle, audit }),
    adminRoutes({ config, provider, views, accounts, accountAdmin: container.accountAdmin, groups: container.groups, operations: container.adminOperations, audit, passkeys, throttle, reverification: container.adminReverification, cookieKeyring: container.cookieKeyring }),
    magicLinkRoutes({ config, provider, views, accounts, magicLinks, passkeys, states, throttle, notices, audit }),
  ]));

  app.use(retryAfterOn503);
  app.use(firstPartyOfflineAccess(provider));
  // Keeps the first discovery and JWKS answers of each provider instance for createRequestListener.
  app.use(wellKnown.capture);
  app.use(mountProvider(container.providers));
  return app;
}
