// The product as an operator runs it (`npm start`'s command, NODE_ENV=production), its people and
// passkeys written into its database beforehand through its own repositories: signing up over
// HTTP would cost minutes of emailed codes and is not what the benchmark measures.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectDatabase, createDataSource } from '../../src/db/data-source.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createPasskeysRepository } from '../../src/repositories/passkeys.ts';
import { createUsersRepository } from '../../src/repositories/users.ts';
import { BENCH_CLIENTS } from '../clients.ts';
import { productScript } from '../driver/scripts.ts';
import { registrationOf, type BenchUser } from '../users.ts';
import { countKeys, createSchema, deleteKeys, PRODUCT_REDIS_PREFIX, type Backend, type Schema } from './backends.ts';
import { freePort, startServer, type ServerOptions } from './process.ts';
import { startCommandFlags } from './start-command.ts';
import type { BenchServer } from './server.ts';

/** How many rows are written at once: PostgreSQL's pool has 10 connections; SQLite writes one at a time anyway. */
const INSERT_BATCH = 10;

/** Writes the users and their passkeys; returns each user's account id (the product makes its own). */
async function registerPeople(users: readonly BenchUser[], database: { databaseUrl: string | undefined; dataDir: string; schema?: string }): Promise<string[]> {
  const dataSource = createDataSource(database);
  await connectDatabase(dataSource, { runMigrations: true, logger: createLogger('silent') });
  try {
    const accounts = createUsersRepository(dataSource);
    const passkeys = createPasskeysRepository(dataSource);
    const subs: string[] = [];
    for (let i = 0; i < users.length; i += INSERT_BATCH) {
      const batch = users.slice(i, i + INSERT_BATCH);
      subs.push(
        ...(await Promise.all(
          batch.map(async (user) => {
            const passkey = registrationOf(user);
            const account = await accounts.create({ username: user.username, email: user.email, emailVerified: true });
            await passkeys.create({
              userId: account.id,
              credentialId: passkey.credentialId,
              publicKey: passkey.publicKey,
              counter: 0,
              transports: ['internal'],
              aaguid: '00000000-0000-0000-0000-000000000000',
              deviceType: 'singleDevice',
              backedUp: false,
              name: 'Bench passkey',
            });
            return account.id;
          }),
        )),
      );
    }
    return subs;
  } finally {
    await dataSource.destroy();
  }
}

export async function startProduct(backend: Backend, users: readonly BenchUser[], options: ServerOptions = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'idp-bench-product-'));
  let schema: Schema | undefined;
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(dataDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
  };
  try {
    if (backend.redisUrl) {
      const leftover = await countKeys(backend.redisUrl, PRODUCT_REDIS_PREFIX);
      if (leftover > 0) {
        throw new Error(`${backend.redisUrl} already holds ${leftover} ${PRODUCT_REDIS_PREFIX}* keys (another bench running, or one that crashed?); ` +
          `remove them or set BENCH_REDIS_DB to an unused database`);
      }
      const redisUrl = backend.redisUrl;
      cleanups.push(() => deleteKeys(redisUrl, PRODUCT_REDIS_PREFIX));
    }
    if (backend.databaseUrl) {
      const created = await createSchema(backend.databaseUrl, options.databaseSettings);
      schema = created;
      cleanups.push(() => created.drop());
    }
    const registered = performance.now();
    const subs = await registerPeople(users, { databaseUrl: backend.databaseUrl, dataDir, ...(schema ? { schema: schema.name } : {}) });
    const registrationMs = performance.now() - registered;

    // First-party apps, as an operator's client files say it (the product reads `first_party`).
    const clientsDir = path.join(dataDir, 'clients');
    mkdirSync(clientsDir);
    for (const client of BENCH_CLIENTS) {
      writeFileSync(path.join(clientsDir, `${client.client_id}.json`), JSON.stringify({ ...client, first_party: true }, null, 2));
    }

    const port = await freePort();
    const server = await startServer({
      name: 'product',
      logFile: options.logFile,
      profileDir: options.profileDir,
      script: 'src/main.ts',
      nodeArgs: startCommandFlags(),
      port,
      env: {
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        ISSUER: `http://localhost:${port}`,
        DATA_DIR: dataDir,
        CLIENTS_DIR: clientsDir,
        SECRET_KEYS: randomBytes(32).toString('base64url'),
        // Nobody is mailed during the benchmark; production still wants to know where mail would go.
        UNSAFE_MAIL_OUTBOX: 'true',
        NOTIFY_EMAILS: 'false',
        LOG_LEVEL: 'warn',
        // Each virtual person sends an X-Forwarded-For of their own: per-IP limits are not what is measured.
        TRUST_PROXY: 'true',
        ...(schema ? { DATABASE_URL: schema.childUrl } : {}),
        ...(backend.redisUrl ? { REDIS_URL: backend.redisUrl } : {}),
      },
    });
    cleanups.push(() => server.stop());
    return { process: server, script: productScript, subs, registrationMs, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
