// A server under test as a child process of its own: started with an environment, timed until its
// discovery document answers, stopped with SIGTERM. Its pid is what /proc is read for.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Enough of a crashed server's last words to say why. */
const OUTPUT_KEPT = 16 * 1024;

export interface ServerProcess {
  /** "product" or "baseline". */
  name: string;
  issuer: string;
  pid: number;
  /** Spawn to the first 200 from the discovery document. */
  startupMs: number;
  /** The latest output (stdout and stderr), for when something went wrong. */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export interface StartOptions {
  name: string;
  script: string;
  /** Node's own flags, before the script (the product's are those of `npm start`). */
  nodeArgs?: readonly string[];
  port: number;
  env: Record<string, string>;
  /** Also write everything the server prints to this file (`--logs`). */
  logFile?: string | undefined;
  /** Write a V8 CPU profile into this folder when the server stops (`--profile`). */
  profileDir?: string | undefined;
}

/** What the bench asks of a server it starts, beyond its backend and people. */
export type ServerOptions = Pick<StartOptions, 'logFile' | 'profileDir'> & {
  /** PostgreSQL settings for the server's own connections (bench/round-trips.ts logs its statements). */
  databaseSettings?: Record<string, string>;
};

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const issuer = `http://localhost:${options.port}`;
  const started = performance.now();
  // Only the given environment: no DATABASE_URL or REDIS_URL leaks in from the shell that runs the bench.
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []), options.script], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  let exitCode: number | null | undefined;
  const exited = once(child, 'exit').then(([code]) => {
    exitCode = code as number | null;
  });

  const discovery = `http://127.0.0.1:${options.port}/.well-known/openid-configuration`;
  const deadline = started + 60_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${options.name} exited (${exitCode}) before it was ready:\n${output}`);
    try {
      const response = await fetch(discovery);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} was not ready within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const startupMs = performance.now() - started;

  return {
    name: options.name,
    issuer,
    pid: child.pid!,
    startupMs,
    output: () => output,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
