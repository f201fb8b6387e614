// Runs a test suite with Node's own runner: `node scripts/test.js unit|e2e|compat`.
import { spawnSync } from 'node:child_process';
import { globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';

const suites = {
  unit: ['src/**/*.test.ts', 'test/*.test.ts', 'test/helpers/*.test.ts', 'test/integration/**/*.test.ts'],
  e2e: ['test/e2e/**/*.test.ts'],
  // Real relying parties (Apache, Flask, Auth.js, …) signing in through the hosted pages.
  compat: ['test/compat/**/*.test.ts'],
};
const suite = process.argv[2] ?? 'unit';
const files = suites[suite] && [...suites[suite]];
if (!files) {
  console.error(`error: unknown suite "${suite}"; use unit, e2e or compat`);
  process.exit(2);
}
if (suite === 'e2e' || suite === 'compat') {
  const { existsSync } = await import('node:fs');
  const browser = process.env.CHROMIUM_PATH || ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync);
  if (!browser || !existsSync(browser)) {
    console.error(`error: no Chromium found${process.env.CHROMIUM_PATH ? ` at CHROMIUM_PATH=${process.env.CHROMIUM_PATH}` : ''}: apt-get install chromium, or set CHROMIUM_PATH`);
    process.exit(1);
  }
}
const backend = `${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded SQLite'} + ${process.env.REDIS_URL ? 'Redis' : 'embedded store'}`;
console.log(`${suite} tests on ${backend}`);
// axe-core judges how pages render, which no backend changes: it runs (about 4 minutes of it) on
// the embedded defaults, which `npm run test:e2e` with neither variable set includes.
if (suite === 'e2e' && (process.env.DATABASE_URL || process.env.REDIS_URL)) {
  files.splice(0, files.length, ...files.flatMap((pattern) => globSync(pattern)).filter((file) => file !== 'test/e2e/accessibility.test.ts'));
  console.log('(the accessibility suite runs on the embedded defaults only: it judges rendering)');
}
// Test files are isolated (own database schema or file, own store prefix), so they run in parallel,
// one more than there are cores (much of a file's time is waiting: on a child process, a timer);
// the browser files two at a time (the long accessibility file beside the others), the relying
// parties one at a time (Apache, Go and Python are heavy on a 2-core machine).
const concurrency = suite === 'unit' ? Math.max(3, cpus().length + 1) : suite === 'e2e' ? 2 : 1;
// The compat tests append one JSON line per test here (test/compat/harness/report.ts).
const resultsDir = suite === 'compat' ? mkdtempSync(path.join(tmpdir(), 'idp-compat-results-')) : undefined;
const resultsFile = resultsDir && path.join(resultsDir, 'results.jsonl');
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000', ...process.argv.slice(3), ...files],
  { stdio: 'inherit', env: { ...process.env, ...(resultsFile ? { COMPAT_RESULTS: resultsFile } : {}) } },
);
if (resultsDir) {
  printCompatTable(resultsFile);
  rmSync(resultsDir, { recursive: true, force: true });
}
process.exit(result.status ?? 1);

/** One row per client: pass when all its tests passed, else its first failure. */
function printCompatTable(file) {
  let lines = [];
  try {
    lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  } catch {
    // No test got as far as recording a result.
  }
  const rows = new Map();
  for (const { client, version, settings, result } of lines) {
    const known = rows.get(client);
    const short = result.length > 300 ? `${result.slice(0, 297)}...` : result;
    if (!known || (known.result === 'pass' && result !== 'pass')) rows.set(client, { client, version, settings, result: short });
  }
  console.log('\nCompatibility (client | version | settings | result):\n');
  console.log('| client | version | settings | result |\n|---|---|---|---|');
  for (const row of rows.values()) console.log(`| ${row.client} | ${row.version} | ${row.settings} | ${row.result.replace(/\|/g, '\\|')} |`);
  if (rows.size === 0) console.log('| (no results recorded) | | | |');
}
