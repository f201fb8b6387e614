import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own (Debian's binaries, a throw-away cluster on a free port),
 * which the test may stop and start to see an outage and a recovery without touching the
 * shared server. As root the cluster runs as the `postgres` user, as PostgreSQL insists.
 */
export interface OwnPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

/** Debian's PostgreSQL server binaries (the newest version installed), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => path.join(root, v, 'bin')).find((dir) => existsSync(path.join(dir, 'initdb')));
}

function binDir(): string {
  const found = postgresBinDir();
  if (!found) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  return found;
}

export async function startOwnPostgres(options: { password?: string } = {}): Promise<OwnPostgres> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'idp-pg-'));
  const data = path.join(dir, 'data');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const as = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]) : run(path.join(bin, command), args);

  const auth = options.password ? ['-A', 'scram-sha-256', `--pwfile=${path.join(dir, 'pw')}`] : ['-A', 'trust'];
  if (options.password) {
    writeFileSync(path.join(dir, 'pw'), options.password);
    if (asRoot) await run('chown', ['postgres', path.join(dir, 'pw')]);
  }
  await as('initdb', ['-D', data, '-U', 'postgres', '--no-sync', ...auth]);
  const port = await freePort();
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`, 'start']);
  };
  const stop = async () => {
    await as('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']).catch(() => {});
  };
  await start();
  const credentials = options.password ? `postgres:${encodeURIComponent(options.password)}` : 'postgres';
  return {
    url: `postgres://${credentials}@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
