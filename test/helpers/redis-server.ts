import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptsConnections, freePort } from './ports.ts';

/**
 * A redis-server of the test's own on a free port (never the shared one on 6379), which the test
 * may kill and start again on the same port to see an outage and a recovery.
 */
export interface OwnRedis {
  url: string;
  port: number;
  /** SIGKILL: the connection drops at once, as when Redis crashes. */
  kill(): Promise<void>;
  /** Starts again on the same port (empty: nothing persisted). */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open and nothing answers, as a Redis that hangs. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export async function startOwnRedis(options: { password?: string } = {}): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(options.password ? ['--requirepass', options.password] : [])];
    child = spawn('redis-server', args, { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await acceptsConnections(port)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${port}`);
  }

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  }

  await start();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const freeze = () => void child?.kill('SIGSTOP');
  const thaw = () => void child?.kill('SIGCONT');
  // A frozen server cannot die of SIGKILL until it runs again.
  const stop = async () => {
    thaw();
    await kill();
  };
  return { url: `redis://${auth}127.0.0.1:${port}`, port, kill, start, freeze, thaw, stop };
}

/** One short-lived connection to a test's own redis-server (or sentinel) for one question. */
export async function askRedis<T>(port: number, question: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000, commandTimeout: 1_000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await question(redis);
  } finally {
    redis.disconnect();
  }
}
