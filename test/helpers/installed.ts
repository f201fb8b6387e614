import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { nginxBinary } from './nginx.ts';
import { postgresBinDir } from './postgres-server.ts';

const runs = (command: string, ...args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** Programs some tests run as their own child processes. */
export const INSTALLED = {
  nginx: existsSync(nginxBinary()) || runs(nginxBinary(), '-v'),
  openssl: runs('openssl', 'version'),
  'redis-server': runs('redis-server', '--version'),
  'redis-sentinel': runs('redis-sentinel', '--version'),
  'PostgreSQL server': postgresBinDir() !== undefined,
};

/**
 * The `skip` option for a suite that drives programs of its own. `npm test` passes on a machine
 * with nothing but Node (those suites are skipped, saying what to install); under CI (CI=true,
 * which .ci/run sets) a missing program is an error instead, so CI never passes by skipping.
 */
export function unlessInstalled(programs: Array<keyof typeof INSTALLED>, install: string): string | false {
  const missing = programs.filter((program) => !INSTALLED[program]);
  if (missing.length === 0) return false;
  const reason = `needs ${missing.join(' and ')}: ${install}`;
  if (process.env['CI']) throw new Error(`${reason} (CI installs it; this test must not be skipped there)`);
  return reason;
}
