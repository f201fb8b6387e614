import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitForPort } from './ports.ts';
import { askRedis } from './redis-server.ts';

/**
 * A Redis Sentinel deployment of the test's own, on free loopback ports: a master, one replica
 * and three Sentinels (quorum 2) that watch them with short timeouts, so that a killed master is
 * replaced within a few seconds. Never touches the shared Redis on 6379.
 *
 *   const ha = await startSentinelDeployment();
 *   ha.url                       redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/mymaster
 *   await ha.waitForReplication()  the replica has every write the master has taken so far
 *   const old = await ha.killMaster()  SIGKILL, as a crash; returns the dead master's port
 *   await ha.waitForNewMaster(old)     the Sentinels have promoted the replica; its port
 *   await ha.restart(old)              the old master starts again, as a replica of the new one
 *   await ha.stop()
 */
export interface SentinelDeployment {
  masterName: string;
  url: string;
  /** The data nodes' ports, the first master first. */
  serverPorts: number[];
  sentinelPorts: number[];
  /** Where the Sentinels say the master is now. */
  masterPort(): Promise<number>;
  waitForReplication(timeoutMs?: number): Promise<void>;
  killMaster(): Promise<number>;
  waitForNewMaster(oldPort: number, timeoutMs?: number): Promise<number>;
  restart(port: number): Promise<void>;
  /** The Sentinels' logs, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

const MASTER_NAME = 'mymaster';
/** Sentinel calls a master down after 1 s without a reply, and may retry a stuck failover after 5 s. */
const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 5_000;

export async function startSentinelDeployment(): Promise<SentinelDeployment> {
  const dir = mkdtempSync(path.join(tmpdir(), 'idp-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const serverPorts = [await freePort(), await freePort()];
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  const [masterPort = 0, replicaPort = 0] = serverPorts;

  async function startServer(port: number, replicaOf?: number): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', path.join(dir, `redis-${port}.log`)];
    if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.set(port, child);
    await waitForPort(port, { timeoutMs: 10_000, child, name: `redis-server on ${port}` }).catch((error: Error) => {
      throw new Error(`${error.message}: ${readTail(path.join(dir, `redis-${port}.log`))}`);
    });
  }

  async function startSentinel(port: number): Promise<void> {
    // Sentinel rewrites its configuration file (discovered replicas and Sentinels): one each, writable.
    const file = path.join(dir, `sentinel-${port}.conf`);
    writeFileSync(file, [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `logfile ${path.join(dir, `sentinel-${port}.log`)}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'));
    const child = spawn('redis-sentinel', [file], { stdio: 'ignore' });
    children.set(port, child);
    await waitForPort(port, { timeoutMs: 10_000, child, name: `redis-sentinel on ${port}` }).catch((error: Error) => {
      throw new Error(`${error.message}: ${readTail(file.replace(/\.conf$/, '.log'))}`);
    });
  }

  /** One short-lived connection per question: the test's own, never the app's. */
  const ask = askRedis;

  const info = (port: number) => ask(port, (redis) => redis.info('replication'));
  const field = (text: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();

  async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s; Sentinel logs:\n${logs()}`);
      await sleep(50);
    }
  }

  async function masterPortNow(): Promise<number> {
    for (const port of sentinelPorts) {
      const address = await ask(port, (redis) => redis.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)).catch(() => undefined);
      if (Array.isArray(address)) return Number(address[1]);
    }
    throw new Error('no Sentinel answers');
  }

  function logs(): string {
    return sentinelPorts.map((port) => `--- sentinel ${port}\n${readTail(path.join(dir, `sentinel-${port}.log`))}`).join('\n');
  }

  async function kill(port: number): Promise<void> {
    const child = children.get(port);
    children.delete(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  // A test process that dies without stop() must not leave servers behind on the shared machine.
  const killAll = () => {
    for (const child of children.values()) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killAll);

  async function stop(): Promise<void> {
    await Promise.all([...children.keys()].map(kill));
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  }

  try {
    await startServer(masterPort);
    await startServer(replicaPort, masterPort);
    await until('the replica did not sync', 10_000, async () => (field(await info(replicaPort), 'master_link_status') === 'up' ? true : undefined));
    for (const port of sentinelPorts) await startSentinel(port);
    // A failover needs each Sentinel to know the replica and the other two (they find each other
    // through the master's hello channel every 2 s).
    await until('the Sentinels did not find each other and the replica', 15_000, async () => {
      for (const port of sentinelPorts) {
        const [sentinels, replicas] = await ask(port, async (redis) => [
          (await redis.call('SENTINEL', 'sentinels', MASTER_NAME)) as unknown[],
          (await redis.call('SENTINEL', 'replicas', MASTER_NAME)) as unknown[],
        ]);
        if (sentinels?.length !== 2 || replicas?.length !== 1) return undefined;
      }
      return true;
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    masterName: MASTER_NAME,
    url: `redis+sentinel://${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',')}/${MASTER_NAME}`,
    serverPorts,
    sentinelPorts,
    masterPort: masterPortNow,
    async waitForReplication(timeoutMs = 5_000) {
      const master = await masterPortNow();
      const offset = Number(field(await info(master), 'master_repl_offset'));
      const replicas = serverPorts.filter((port) => port !== master && children.has(port));
      await until('the replicas did not catch up', timeoutMs, async () => {
        for (const port of replicas) {
          if (!(Number(field(await info(port), 'slave_repl_offset')) >= offset)) return undefined;
        }
        return true;
      });
    },
    async killMaster() {
      const port = await masterPortNow();
      await kill(port);
      return port;
    },
    waitForNewMaster(oldPort, timeoutMs = 20_000) {
      return until('no new master was promoted', timeoutMs, async () => {
        const port = await masterPortNow();
        if (port === oldPort) return undefined;
        // Promoted, not only named: the new master takes writes.
        return field(await info(port), 'role') === 'master' ? port : undefined;
      });
    },
    async restart(port) {
      // As a replica of the current master at once: Sentinel would demote a returning master too,
      // but only after several seconds, in which it holds an empty data set.
      await startServer(port, await masterPortNow());
      await until('the Sentinels did not see the restarted replica', 15_000, async () => {
        const replicas = (await ask(sentinelPorts[0] ?? 0, (redis) => redis.call('SENTINEL', 'replicas', MASTER_NAME))) as string[][];
        return replicas.some((fields) => fields[fields.indexOf('port') + 1] === String(port) && !/s_down|disconnected/.test(fields[fields.indexOf('flags') + 1] ?? '')) ? true : undefined;
      });
    },
    logs,
    stop,
  };
}

/** Sentinel logs are short in a test; the last 40 lines say what happened during the failover. */
function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return 'no log';
  }
}
