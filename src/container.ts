import path from 'node:path';
import type { ClientMetadata } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config/env.ts';
import { connectDatabase, createDataSource, EMBEDDED_DATABASE_FILE, pingDatabase } from './db/data-source.ts';
import type { Logger } from './lib/logger.ts';
import { withAccountClient } from './oidc/account-client.ts';
import { createAdapterFactory } from './oidc/adapter.ts';
import { createProviderConfiguration } from './oidc/configuration.ts';
import { createFindAccount } from './oidc/find-account.ts';
import { createProvider } from './oidc/provider.ts';
import { createUsersRepository, type UsersRepository } from './repositories/users.ts';
import { createSigningKeysRepository } from './repositories/signing-keys.ts';
import { createPasskeysRepository } from './repositories/passkeys.ts';
import { createAccountsService, type AccountsService } from './services/accounts.ts';
import { createMagicLinksService, type MagicLinksService } from './services/magic-links.ts';
import { createMailer } from './services/mailer.ts';
import { createPasskeysService, type PasskeysService } from './services/passkeys.ts';
import { createMagicLinkStore } from './stores/magic-links.ts';
import { createThrottle, type Throttle } from './services/throttle.ts';
import { createChallengeStore } from './stores/challenges.ts';
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
}

/** Everything the app is made of, wired once. The one place that knows every concrete part. */
export interface Container {
  config: AppConfig;
  logger: Logger;
  cookieKeys: string[];
  dataSource: DataSource;
  store: KeyValueStore;
  users: UsersRepository;
  accounts: AccountsService;
  passkeys: PasskeysService;
  magicLinks: MagicLinksService;
  signups: SignupsService;
  states: InteractionStateStore;
  throttle: Throttle;
  health: HealthService;
  provider: Provider;
  views: Views;
  languages: Languages;
  close(): Promise<void>;
}

export { EMBEDDED_DATABASE_FILE };

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
    const users = createUsersRepository(dataSource);
    const accounts = createAccountsService({ users });
    const passkeys = createPasskeysService({
      config,
      passkeys: createPasskeysRepository(dataSource),
      users,
      challenges: createChallengeStore(store),
      logger,
    });
    const states = createInteractionStateStore(store);
    const languages = createLanguages({ allowed: config.appLanguages, secure: config.origin.startsWith('https:'), lenient: config.production });
    const views = createViews(config, languages);
    const { render } = views;
    const mailer = createMailer({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, appName: config.appName, dataDir: config.dataDir, production: config.production, logger });
    const magicLinks = createMagicLinksService({ store: createMagicLinkStore(store), mailer, render, config, users, logger });
    const signups = createSignupsService({ store: createPendingSignupStore(store), accounts, mailer, render, config, logger });
    const throttle = createThrottle(createRateLimiter(store));
    const keys = createKeysService(createSigningKeysRepository(dataSource));
    const health = createHealthService({
      database: () => pingDatabase(dataSource),
      store: () => store.ping(),
    });

    const configuration = createProviderConfiguration({
      adapter: createAdapterFactory(store),
      findAccount: createFindAccount(accounts),
      jwks: await keys.loadSigningKeys(),
      cookieKeys: options.cookieKeys,
      clients: withAccountClient(options.clients, config.issuer, config.appName),
      // oidc-provider runs mounted in our app, on our Koa context.
      renderPage: (ctx, page, data, status) => views.page(ctx as unknown as Context, page, data, { status }),
      i18n: (ctx) => views.i18n(ctx as unknown as Context),
      logger,
    });
    const provider = createProvider(config.issuer, configuration, { logger });

    return {
      config,
      logger,
      cookieKeys: options.cookieKeys,
      dataSource,
      store,
      users,
      accounts,
      passkeys,
      magicLinks,
      signups,
      states,
      throttle,
      health,
      provider,
      views,
      languages,
      async close() {
        mailer.close();
        await Promise.allSettled([store.close(), dataSource.destroy()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([store.close(), dataSource.destroy()]);
    throw error;
  }
}
