import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ClientMetadata } from 'oidc-provider';
import { createRequestListener } from '../../src/app.ts';
import { loadConfig, type AppConfig } from '../../src/config/env.ts';
import { createContainer, type Container } from '../../src/container.ts';
import { mailSink } from './mail-sink.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import { createTestDatabase, deletePrefix, REDIS_URL, uniqueName, type TestDatabase } from './backends.ts';

export const TEST_COOKIE_KEYS = ['test-cookie-key-0123456789abcdefghijklmnop'];

export interface TestApp {
  url: string;
  config: AppConfig;
  container: Container;
  server: Server;
  database: TestDatabase;
  /** The store key prefix of this app (the admin CLI in tests uses the same). */
  storePrefix: string;
  /** Stops serving and closes the container; keeps the database (see `destroy`). */
  stop(): Promise<void>;
  /** Stops and removes the database and store keys. */
  destroy(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clients?: ClientMetadata[];
  /** Reuse a database (and store prefix) from another app: restart and multi-instance tests. */
  database?: TestDatabase;
  storePrefix?: string;
  port?: number;
  /** Changes the parsed configuration beyond what the environment allows (e.g. a 2 s link lifetime). */
  adjustConfig?: (config: AppConfig) => void;
  /** The app's logger (e.g. captureLogs().logger); by default one at TEST_LOG_LEVEL, silent. */
  logger?: Logger;
}

export const TEST_CLIENTS: ClientMetadata[] = [
  {
    client_id: 'test-confidential',
    client_secret: 'test-confidential-secret-0123456789abcdef',
    redirect_uris: ['http://localhost:8080/callback'],
    post_logout_redirect_uris: ['http://localhost:8080/'],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    scope: 'openid profile email offline_access',
    first_party: true,
  },
  {
    client_id: 'test-public',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://localhost:8080/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid profile email',
    first_party: false,
  },
  {
    // A third-party single-page app with refresh tokens: they rotate on every use (public client).
    client_id: 'test-public-offline',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://localhost:8080/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile email offline_access',
    first_party: false,
  },
];

/** Starts the whole app on a free port with the test backends (see backends.ts). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const storePrefix = options.storePrefix ?? `${uniqueName('test')}:`;
  const server = createServer();
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let config: AppConfig;
  let container: Container;
  try {
    config = loadConfig({
    PORT: String(port),
    ISSUER: `http://localhost:${port}`,
    DATA_DIR: database.dataDir,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...(REDIS_URL ? { REDIS_URL } : {}),
    SMTP_URL: (await mailSink()).url,
    // Security notices would interleave with the mails a test waits for; their own test turns them on.
    NOTIFY_EMAILS: 'false',
    ...options.env,
    });
    options.adjustConfig?.(config);
    container = await createContainer({
      config,
      clients: options.clients ?? TEST_CLIENTS,
      cookieKeys: TEST_COOKIE_KEYS,
      logger: options.logger ?? createLogger(config.logLevel, undefined, config.logFormat),
      databaseSchema: database.schema,
      storePrefix,
    });
  } catch (error) {
    server.close();
    if (!options.database) await database.cleanup();
    throw error;
  }
  server.on('request', createRequestListener(container));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await container.close();
  };
  return {
    url: config.issuer,
    config,
    container,
    server,
    database,
    storePrefix,
    stop,
    async destroy() {
      await stop();
      await deletePrefix(storePrefix);
      if (!options.database) await database.cleanup();
    },
  };
}
