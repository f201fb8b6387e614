/**
 * The server as a real child process (`node src/main.ts`), as an operator runs it: for start-up,
 * configuration and shutdown tests that must see exit codes, stdout and stderr.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './backends.ts';
import { REDIS_URL } from './backends.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const temps: string[] = [];

/** A fresh temporary folder, removed by `removeTempDirs()`. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'idp-process-'));
  temps.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Started {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** How it ended, for failure messages: exit code or signal, and what it wrote to stderr. */
  ending: () => string;
}

/**
 * Runs `node src/main.ts` as a user would, with only the given environment (no inherited DATABASE_URL etc.).
 * Logs are JSON lines (LOG_FORMAT=json), which tests match on, unless `env` asks otherwise.
 */
export function startMain(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let ended = 'still running';
  const exited = once(child, 'exit').then(([code, signal]) => {
    ended = code === null ? `killed by ${String(signal)}` : `exit code ${String(code)}`;
    return code as number | null;
  });
  return { child, stdout: () => out, stderr: () => err, exited, ending: () => `${ended}; stderr: ${err || '(empty)'}` };
}

export async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits for the "ready" log line; kills the child and says why when it does not come. */
export async function waitUntilReady(run: Started, ms = 20_000): Promise<void> {
  try {
    await waitFor(() => run.stdout().includes('"msg":"ready: '), ms);
  } catch (error) {
    run.child.kill('SIGKILL');
    throw new Error(`did not start: ${run.stderr()} ${run.stdout()}`, { cause: error });
  }
}

/**
 * The test backends as a child process's environment: DATABASE_URL pinned to the test's own
 * PostgreSQL schema (search_path), and REDIS_URL when set. Empty on the embedded defaults.
 * The child uses Redis under the app's default key prefix, shared by every run: a test whose
 * child writes keys (rate limits, sign-ins) passes `redis: false` and gets the embedded store.
 */
export function backendEnv(database: TestDatabase, options: { redis?: boolean } = {}): Record<string, string> {
  const env: Record<string, string> = {};
  if (database.databaseUrl && database.schema) {
    const url = new URL(database.databaseUrl);
    url.searchParams.set('options', `-c search_path=${database.schema}`);
    env['DATABASE_URL'] = url.href;
  }
  if (REDIS_URL && options.redis !== false) env['REDIS_URL'] = REDIS_URL;
  return env;
}
