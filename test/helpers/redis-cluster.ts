import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitForPort } from './ports.ts';
import { askRedis } from './redis-server.ts';

/**
 * A Redis Cluster of the test's own: three masters on free loopback ports, no replicas, the 16384
 * slots split between them by `redis-cli --cluster create`. Never touches the shared Redis on 6379.
 */
export interface OwnCluster {
  /** redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3 */
  url: string;
  ports: number[];
  /** Which node serves a key's slot (as the cluster itself says), e.g. to show two keys live apart. */
  nodeOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startOwnCluster(): Promise<OwnCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'idp-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const killAll = () => {
    children.forEach((child) => child.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killAll);

  async function stop(): Promise<void> {
    await Promise.all(children.filter((child) => child.exitCode === null && child.signalCode === null).map(async (child) => {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }));
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  }

  const ask = askRedis;

  try {
    for (const port of ports) {
      // The cluster bus listens on port + 10000 unless told otherwise: inside Linux's ephemeral range,
      // where a client socket of any test may hold it. A free port of its own instead.
      const busPort = await freePort();
      const child = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
        '--logfile', path.join(dir, `redis-${port}.log`),
      ], { stdio: 'ignore' });
      children.push(child);
      await waitForPort(port, { timeoutMs: 10_000, child, name: `redis-server on ${port}` }).catch((error: Error) => {
        throw new Error(`${error.message}: ${tail(path.join(dir, `redis-${port}.log`))}`);
      });
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    const deadline = Date.now() + 15_000;
    for (const port of ports) {
      while (!/cluster_state:ok/.test(await ask(port, (redis) => redis.cluster('INFO')).catch(() => ''))) {
        if (Date.now() > deadline) throw new Error(`the cluster did not become ready (node ${port})`);
        await sleep(100);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    ports,
    async nodeOf(key) {
      const slot = await ask(ports[0] ?? 0, (redis) => redis.cluster('KEYSLOT', key));
      const slots = await ask(ports[0] ?? 0, (redis) => redis.cluster('SLOTS'));
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      const port = range?.[2]?.[1];
      if (port === undefined) throw new Error(`no node serves slot ${slot}`);
      return port;
    },
    stop,
  };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return 'no log';
  }
}
