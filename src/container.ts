import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientMetadata } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config/env.ts';
import { connectDatabase, createDataSource, EMBEDDED_DATABASE_FILE, pingDatabase } from './db/data-source.ts';
import type { Logger } from './lib/logger.ts';
import { withAccountClient } from './oidc/account-client.ts';
import { createAdapterFactory } from './oidc/adapter.ts';
import { createProviderConfiguration, LONGEST_TOKEN_LIFETIME_SECONDS } from './oidc/configuration.ts';
import { createFindAccount } from './oidc/find-account.ts';
import { createProvider } from './oidc/provider.ts';
import { startKeyRefresh, type KeyRefresh } from './oidc/key-refresh.ts';
import { createProviderHolder, type ProviderHolder, type ProviderInputs } from './oidc/provider-holder.ts';
import { trustedProxyTest } from './http/client-ip.ts';
import { pinRequestsToIssuer } from './http/pin-to-issuer.ts';
import { createUsersRepository, type UsersRepository } from './repositories/users.ts';
import { withUserCache } from './repositories/user-cache.ts';
import { createSigningKeysRepository } from './repositories/signing-keys.ts';
import { createPasskeysRepository } from './repositories/passkeys.ts';
import { createUserAttributesRepository } from './repositories/user-attributes.ts';
import { createUserAttributesService } from './services/user-attributes.ts';
import { createAccountsService, type AccountsService } from './services/accounts.ts';
import { createAuditLog, type AuditLog } from './audit/audit-log.ts';
import { auditProviderEvents } from './audit/provider-events.ts';
import { createAccountSessions, type AccountSessions } from './oidc/account-sessions.ts';
import { createAccountLinksRepository } from './repositories/account-links.ts';
import { createAuditEventsRepository } from './repositories/audit-events.ts';
import { createGroupsRepository } from './repositories/groups.ts';
import { createAccountLinksService, type AccountLinksService } from './services/account-links.ts';
import { createAccountAdmin, type AccountAdmin } from './services/account-admin.ts';
import { createAdminOperations, type AdminOperations } from './services/admin-operations.ts';
import { createAdminReverificationStore, type AdminReverificationStore } from './stores/admin-reverification.ts';
import { createGroupsService, type GroupsService } from './services/groups.ts';
import { createSecurityNotices, type SecurityNotices } from './services/security-notices.ts';
import { createMagicLinksService, type MagicLinksService } from './services/magic-links.ts';
import { createMailer } from './services/mailer.ts';
import { createPasskeysService, type PasskeysService } from './services/passkeys.ts';
import { createMagicLinkStore } from './stores/magic-links.ts';
import { createThrottle, LIMITS, type Throttle } from './services/throttle.ts';
import { countEmailSignIns, countMail, countPasskeySignIns, countSignups, countTokens } from './metrics/instrument.ts';
import { createMetrics, type Metrics } from './metrics/registry.ts';
import { createChallengeStore } from './stores/challenges.ts';
import { createDevicePollStore } from './stores/device-polls.ts';
import { pacePolling } from './oidc/device-polling.ts';
import { createInteractionStateStore, type InteractionStateStore } from './stores/interaction-state.ts';
import { createRateLimiter } from './stores/rate-limits.ts';
import { createHealthService, type HealthService } from './services/health.ts';
import { createKeysService } from './services/keys.ts';
import type { KeyValueStore } from './stores/key-value.ts';
import { createSqliteStore } from './stores/sqlite.ts';
import { createRedisStore, isRedisPermanentError } from './stores/redis.ts';
import { waitUntilReachable } from './lib/wait-until-reachable.ts';
import type { Context } from 'koa';
import { createLanguages, type Languages } from './http/language.ts';
import { createViews, type Views } from './http/views.ts';
import { createSignupsService, type SignupsService } from './services/signups.ts';
import { createPendingSignupStore } from './stores/pending-signups.ts';
import { createCookieKeyring, type CookieKeyring } from './lib/cookie-keyring.ts';

/** How long a stop waits for the last audit events to be written. */
const AUDIT_SETTLE_MS = 3_000;

export interface ContainerOptions {
  config: AppConfig;
  clients: ClientMetadata[];
  cookieKeys: string[];
  logger: Logger;
  /** PostgreSQL schema (tests isolate runs with one each). */
  databaseSchema?: string;
  /** Redis key prefix (tests isolate runs with one each). */
  storePrefix?: string;
  /** How long to keep retrying an unreachable database or store at start. */
  databaseTimeoutMs?: number;
  /** How often the signing keys are re-read (oidc/key-refresh.ts); tests shorten it. */
  keyRefreshIntervalMs?: number;
}

/** Everything the app is made of, wired once. The one place that knows every concrete part. */
export interface Container {
  config: AppConfig;
  logger: Logger;
  /** Signs and checks cookies, ours and oidc-provider's (they must agree: it runs on our context). */
  cookieKeyring: CookieKeyring;
  dataSource: DataSource;
  store: KeyValueStore;
  users: UsersRepository;
  accounts: AccountsService;
  groups: GroupsService;
  audit: AuditLog;
  accountSessions: AccountSessions;
  accountLinks: AccountLinksService;
  /** The admin page's services: the same as the admin CLI's (src/admin/context.ts). */
  accountAdmin: AccountAdmin;
  adminOperations: AdminOperations;
  adminReverification: AdminReverificationStore;
  notices: SecurityNotices;
  passkeys: PasskeysService;
  magicLinks: MagicLinksService;
  signups: SignupsService;
  states: InteractionStateStore;
  throttle: Throttle;
  health: HealthService;
  metrics: Metrics;
  /** Stands in for the current oidc-provider instance (see `providers`). */
  provider: Provider;
  /** The replaceable oidc-provider instance: reloaded with new signing keys or client files. */
  providers: ProviderHolder;
  /** Keeps the provider's signing keys in step with the database; `refresh()` re-reads now. */
  signingKeys: KeyRefresh;
  views: Views;
  languages: Languages;
  close(): Promise<void>;
}

export { EMBEDDED_DATABASE_FILE };

/**
 * How long a looked-up account is reused across the steps of a sign-in (user-cache.ts): a name
 * changed on another instance shows within this; a disable is enforced at once (sign-in reads
 * fresh, sessions and tokens end in the store).
 */
export const USER_CACHE = { ttlMs: 2_000, maxEntries: 10_000 };

/** Redis when configured; otherwise the embedded store, in the same SQLite file as the embedded database. */
export function createStore(config: Pick<AppConfig, 'redisUrl' | 'dataDir'>, prefix?: string): KeyValueStore {
  if (config.redisUrl) return createRedisStore({ url: config.redisUrl, prefix });
  return createSqliteStore({ file: path.join(config.dataDir, EMBEDDED_DATABASE_FILE) });
}

export async function createContainer(options: ContainerOptions): Promise<Container> {
  const { config, logger } = options;
  const dataSource = createDataSource({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: options.databaseSchema });
  try {
    await connectDatabase(dataSource, { runMigrations: config.migrations, logger, timeoutMs: options.databaseTimeoutMs });
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }
  const store = createStore(config, options.storePrefix);

  try {
    await waitUntilReachable({
      name: 'store',
      attempt: () => store.ping(),
      isPermanent: isRedisPermanentError,
      timeoutMs: options.databaseTimeoutMs ?? 30_000,
      logger,
      hint: 'check REDIS_URL and that Redis is running',
    });
    const { cached: users, fresh: usersFresh, remember: rememberAccount } = withUserCache(createUsersRepository(dataSource), USER_CACHE);
    const accounts = createAccountsService({ users });
    const groups = createGroupsService({ groups: createGroupsRepository(dataSource) });
    const audit = createAuditLog({ events: createAuditEventsRepository(dataSource), config: { retentionDays: config.auditRetentionDays }, logger });
    const accountSessions = createAccountSessions(store);
    const accountLinks = createAccountLinksService({ links: createAccountLinksRepository(dataSource), issuer: config.issuer });
    const accountAdmin = createAccountAdmin({ users, passkeys: createPasskeysRepository(dataSource), groups, sessions: accountSessions });
    const attributes = createUserAttributesService({ attributes: createUserAttributesRepository(dataSource) });
    const adminOperations = createAdminOperations({ accounts: accountAdmin, groups, links: accountLinks, attributes, audit, config });
    const cookieKeyring = createCookieKeyring(options.cookieKeys);
    const health = createHealthService({
      database: () => pingDatabase(dataSource),
      store: () => store.ping(),
    });
    // Counted where each event happens, by wrapping the part that knows (metrics/instrument.ts).
    const metrics = createMetrics({
      rateLimits: Object.values(LIMITS).map((limit) => limit.name),
      dependencies: async () => (await health.readiness()).checks,
      exposed: config.metricsPort !== undefined || config.metricsToken !== undefined,
    });
    const passkeys = countPasskeySignIns(createPasskeysService({
      config,
      passkeys: createPasskeysRepository(dataSource),
      rememberAccount,
      challenges: createChallengeStore(store),
      logger,
    }), metrics);
    const states = createInteractionStateStore(store);
    const languages = createLanguages({ allowed: config.appLanguages, secure: config.origin.startsWith('https:'), lenient: config.production });
    const views = createViews(config, languages);
    const { render } = views;
    const mailer = createMailer({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, appName: config.appName, dataDir: config.dataDir, production: config.production, logger });
    const magicLinks = countEmailSignIns(createMagicLinksService({ store: createMagicLinkStore(store), mailer: countMail(mailer, metrics, 'sign_in'), render, config, users: usersFresh, logger }), metrics);
    const signups = countSignups(createSignupsService({ store: createPendingSignupStore(store), accounts, mailer: countMail(mailer, metrics, 'signup_code'), render, config, logger }), metrics);
    const notices = createSecurityNotices({ mailer, render, config, logger });
    const throttle = createThrottle(createRateLimiter(store), { onRefused: (limit) => metrics.rateLimitRefused(limit.name) });
    const keys = createKeysService({
      repository: createSigningKeysRepository(dataSource),
      keyEncryptionKeys: config.keyEncryptionKeys,
      retiredGraceMs: LONGEST_TOKEN_LIFETIME_SECONDS * 1000,
      logger,
    });
    const adapter = createAdapterFactory(store);
    const devicePolls = createDevicePollStore(store);
    const findAccount = createFindAccount(accounts, groups.namesOf, attributes.valuesOf);
    const isTrustedProxy = trustedProxyTest(config.trustProxy);

    // Every oidc-provider instance, the first and each reload's (provider-holder.ts), is made
    // here, so each gets the same configuration, issuer pinning and listeners.
    const buildProvider = ({ jwks, clients }: ProviderInputs) => {
      const configuration = createProviderConfiguration({
        adapter,
        findAccount,
        groupsOf: groups.namesOf,
        jwks,
        cookieKeyring,
        clients: withAccountClient(clients, config.issuer, config.appName),
        // oidc-provider runs mounted in our app, on our Koa context.
        renderPage: (ctx, page, data, status) => views.page(ctx as unknown as Context, page, data, { status }),
        i18n: (ctx) => views.i18n(ctx as unknown as Context),
        logger,
      });
      const instance = createProvider(config.issuer, configuration, { logger });
      // It also makes contexts of its own (interactionDetails): pinned like our app (app.ts).
      pinRequestsToIssuer([instance], { issuer: config.issuer, isTrustedProxy });
      auditProviderEvents(instance, audit);
      countTokens(instance, metrics);
      pacePolling(instance, devicePolls);
      return instance;
    };
    const initialKeys = await keys.loadSigningKeys();
    const providers = createProviderHolder(buildProvider, { jwks: { keys: initialKeys.keys }, clients: options.clients });
    const provider = providers.provider;
    const signingKeys = startKeyRefresh({ keys, holder: providers, initial: initialKeys, intervalMs: options.keyRefreshIntervalMs, logger });

    return {
      config,
      logger,
      cookieKeyring,
      dataSource,
      store,
      users,
      accounts,
      groups,
      audit,
      accountSessions,
      accountLinks,
      accountAdmin,
      adminOperations,
      adminReverification: createAdminReverificationStore(store),
      notices,
      passkeys,
      magicLinks,
      signups,
      states,
      throttle,
      health,
      metrics,
      provider,
      providers,
      signingKeys,
      views,
      languages,
      async close() {
        signingKeys.stop();
        mailer.close();
        // The last requests' audit events (recorded without waiting, like sign-ins) go in first;
        // a database that does not answer does not hold the stop up for long.
        await Promise.race([audit.settled(), sleep(AUDIT_SETTLE_MS, undefined, { ref: false })]);
        await Promise.allSettled([store.close(), dataSource.destroy()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([store.close(), dataSource.destroy()]);
    throw error;
  }
}
