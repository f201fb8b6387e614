// Runs a test suite with Node's own runner: `node scripts/test.js unit|e2e`.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

const suites = {
  unit: ['src/**/*.test.ts', 'test/*.test.ts', 'test/helpers/*.test.ts', 'test/integration/**/*.test.ts'],
  e2e: ['test/e2e/**/*.test.ts'],
};
const suite = process.argv[2] ?? 'unit';
const files = suites[suite];
if (!files) {
  console.error(`error: unknown suite "${suite}"; use unit or e2e`);
  process.exit(2);
}
if (suite === 'e2e') {
  const { existsSync } = await import('node:fs');
  const browser = process.env.CHROMIUM_PATH || ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync);
  if (!browser || !existsSync(browser)) {
    console.error(`error: no Chromium found${process.env.CHROMIUM_PATH ? ` at CHROMIUM_PATH=${process.env.CHROMIUM_PATH}` : ''}: apt-get install chromium, or set CHROMIUM_PATH`);
    process.exit(1);
  }
}
const backend = `${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded SQLite'} + ${process.env.REDIS_URL ? 'Redis' : 'embedded store'}`;
console.log(`${suite} tests on ${backend}`);
// Test files are isolated (own database schema or file, own store prefix), so they run in parallel.
const concurrency = suite === 'e2e' ? 1 : Math.max(2, cpus().length);
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000', ...process.argv.slice(3), ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
