// First: fails fast, in one line, when node_modules was installed for another Node.js (see the module).
import './startup/check-native-modules.ts';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { loadClientFiles } from './config/clients.ts';
import { productionClientsWarning } from './config/clients/examples.ts';
import { loadConfig } from './config/env.ts';
import { resolveSecretKeys } from './config/secret-keys.ts';
import { createRequestListener } from './app.ts';
import { startAuditRetention } from './audit/retention.ts';
import { createClientFilesReload } from './oidc/client-files-reload.ts';
import { createContainer, EMBEDDED_DATABASE_FILE } from './container.ts';
import { ConfigError } from './errors.ts';
import { installGracefulShutdown, type GracefulShutdown } from './http/graceful-shutdown.ts';
import { createLogger } from './lib/logger.ts';
import { createMetricsServer } from './metrics/server.ts';

/** In-flight requests get this long to finish after SIGTERM before connections are cut. */
const DRAIN_TIMEOUT_MS = 10_000;
/** Idle keep-alive connections stay open this long after SIGTERM, for requests already on their way. */
const IDLE_GRACE_MS = 1_000;

function fail(lines: string[]): never {
  for (const line of lines) process.stderr.write(`error: ${line}\n`);
  process.exit(1);
}

/** Listens, or stops start-up with one line naming the variable to change (a taken port, a wrong HOST). */
async function listenOrFail(server: Server, host: string, port: number, portVariable: string, container: { close(): Promise<void> }): Promise<void> {
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    await container.close();
    fail([`cannot listen on ${host}:${port}: ${(error as Error).message}; set ${portVariable} or HOST`]);
  }
}

async function main(): Promise<void> {
  let config;
  let clientFiles;
  let cookieKeys;
  try {
    config = loadConfig(process.env);
    clientFiles = await loadClientFiles(config.clientsDir, process.env);
    cookieKeys = resolveSecretKeys(config);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.lines);
    throw error;
  }
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const clients = clientFiles.map((entry) => entry.client);
  for (const warning of clientFiles.flatMap((entry) => entry.warnings)) logger.warn(`client file: ${warning}`);
  const clientsWarning = config.production ? productionClientsWarning(clientFiles, config.clientsDir) : undefined;
  if (clientsWarning) logger.warn({ clientsDir: config.clientsDir }, clientsWarning);
  logger.info(
    { issuer: config.issuer, rpId: config.rpId, origin: config.origin, clients: clients.length },
    'configuration loaded (WebAuthn RP ID and origin derive from ISSUER)',
  );
  if (!config.databaseUrl) logger.info({ file: `${config.dataDir}/${EMBEDDED_DATABASE_FILE}` }, 'using the embedded SQLite database');
  if (!config.redisUrl) {
    logger.info({ file: `${config.dataDir}/${EMBEDDED_DATABASE_FILE}` }, 'REDIS_URL is not set: using the embedded store, which keeps sessions and sign-ins across restarts and suits one instance only');
  }
  const outbox = `${config.dataDir}/outbox`;
  if (!config.smtpUrl && config.production) {
    // Reached only with UNSAFE_MAIL_OUTBOX=true (env.ts refuses production without SMTP_URL otherwise).
    logger.warn(
      { outbox },
      `UNSAFE_MAIL_OUTBOX=true: emails, with working sign-in links and codes, are written to ${outbox}; whoever can read that folder can sign in as anyone. Set SMTP_URL to send them instead.`,
    );
  } else if (!config.smtpUrl) {
    logger.info({ outbox }, 'SMTP_URL is not set: emails go to the dev outbox');
  }
  if (cookieKeys.generatedFile) logger.info({ file: cookieKeys.generatedFile }, 'cookie keys generated for development');

  let container;
  try {
    container = await createContainer({ config, clients, cookieKeys: cookieKeys.keys, logger });
  } catch (error) {
    fail([`cannot start: ${(error as Error).message}`]);
  }
  startAuditRetention(container.audit, logger);
  // SIGHUP re-reads CLIENTS_DIR; a bad file keeps the running clients (client-files-reload.ts).
  const providers = container.providers;
  const reloadClients = createClientFilesReload({
    clientsDir: config.clientsDir,
    env: process.env,
    apply: (reloaded) => providers.reload({ clients: reloaded }),
    running: clients.length,
    logger,
  });
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP', clientsDir: config.clientsDir }, 'SIGHUP: re-reading the client files');
    void reloadClients();
  });
  const requestListener = createRequestListener(container);
  // METRICS_PORT: /metrics on a listener of its own, on HOST like the app (in a container, Prometheus
  // reaches neither on 127.0.0.1). Started first: a taken port stops start-up before any traffic.
  let metricsShutdown: GracefulShutdown | undefined;
  if (config.metricsPort !== undefined) {
    const metricsServer = createMetricsServer(container.metrics, { token: config.metricsToken, logger });
    metricsShutdown = installGracefulShutdown(metricsServer, { idleGraceMs: IDLE_GRACE_MS, drainTimeoutMs: DRAIN_TIMEOUT_MS });
    await listenOrFail(metricsServer, config.host, config.metricsPort, 'METRICS_PORT', container);
    logger.info({ listen: `${config.host}:${config.metricsPort}`, token: config.metricsToken !== undefined }, 'metrics: GET /metrics on METRICS_PORT');
  } else if (config.metricsToken !== undefined) {
    logger.info('metrics: GET /metrics on PORT, for scrapes that send METRICS_TOKEN');
  }
  const server = createServer(requestListener);
  const shutdown = installGracefulShutdown(server, { idleGraceMs: IDLE_GRACE_MS, drainTimeoutMs: DRAIN_TIMEOUT_MS });
  await listenOrFail(server, config.host, config.port, 'PORT', container);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const [drained] = await Promise.all([shutdown.drain(), metricsShutdown?.drain()]);
    if (drained.forced) logger.warn(drained, `drain timed out after ${DRAIN_TIMEOUT_MS} ms: busy connections were cut`);
    else logger.info(drained, 'drained: every request was answered');
    await container.close();
    logger.info('stopped');
    process.exit(0);
  };
  // Before "ready" is out: until a listener exists the signal's default action ends the process
  // at once, and whoever waits for that line (a supervisor, a test) may stop us right after it.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  logger.info({ issuer: config.issuer, listen: `${config.host}:${config.port}` }, `ready: ${config.issuer}`);
}

await main();
