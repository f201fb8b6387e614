// The baseline (bench/baseline/server.ts) as a child process: the same people and passkeys, the
// same apps, Redis under a key prefix of its own on the Redis backend, memory on the embedded one.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_CLIENTS } from '../clients.ts';
import { baselineScript } from '../driver/scripts.ts';
import { registrationOf, type BenchUser } from '../users.ts';
import { deleteKeys, type Backend } from './backends.ts';
import { freePort, startServer, type ServerOptions } from './process.ts';
import type { BenchServer } from './server.ts';

export async function startBaseline(backend: Backend, users: readonly BenchUser[], options: ServerOptions = {}): Promise<BenchServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'idp-bench-baseline-'));
  const prefix = `bench-baseline:${process.pid}:`;
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
  };
  try {
    const registered = performance.now();
    const input = path.join(dir, 'input.json');
    writeFileSync(input, JSON.stringify({ clients: BENCH_CLIENTS, passkeys: users.map(registrationOf), cookieKeys: [randomBytes(32).toString('base64url')] }));
    const registrationMs = performance.now() - registered;
    if (backend.redisUrl) {
      const redisUrl = backend.redisUrl;
      cleanups.push(() => deleteKeys(redisUrl, prefix));
    }
    const port = await freePort();
    const server = await startServer({
      name: 'baseline',
      logFile: options.logFile,
      profileDir: options.profileDir,
      script: 'bench/baseline/server.ts',
      port,
      env: {
        NODE_ENV: 'production',
        PORT: String(port),
        ISSUER: `http://localhost:${port}`,
        BASELINE_INPUT: input,
        BASELINE_STORE: backend.redisUrl ? 'redis' : 'memory',
        BASELINE_PREFIX: prefix,
        ...(backend.redisUrl ? { REDIS_URL: backend.redisUrl } : {}),
      },
    });
    cleanups.push(() => server.stop());
    return { process: server, script: baselineScript, subs: users.map((user) => user.id), registrationMs, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
