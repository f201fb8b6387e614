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
// On PostgreSQL + Redis the browser re-runs the flows whose storage matters (sign-in, emailed
// links, sessions and grants, consent, logout, devices, account choice, the admin page): the
// integration suite covers every route on both backends, and what a browser adds to the others
// (rendering, axe-core, languages, the Signal API, nginx's headers, operator pages) does not
// depend on the backend. They run on the embedded defaults, which `npm run test:e2e` without
// DATABASE_URL and REDIS_URL includes. (This keeps CI within its 20 minutes on 2 cores.)
const BACKEND_INDEPENDENT_E2E = [
  'test/e2e/accessibility.test.ts',
  'test/e2e/home-languages-and-no-script.test.ts',
  'test/e2e/hosted-pages.test.ts',
  'test/e2e/id-token-form-post.test.ts',
  'test/e2e/passkey-signals.test.ts',
  'test/e2e/reverse-proxy.test.ts',
  'test/e2e/operators.test.ts',
];
if (suite === 'e2e' && (process.env.DATABASE_URL || process.env.REDIS_URL)) {
  files.splice(0, files.length, ...files.flatMap((pattern) => globSync(pattern)).filter((file) => !BACKEND_INDEPENDENT_E2E.includes(file)));
  console.log(`(on the embedded defaults only: ${BACKEND_INDEPENDENT_E2E.map((file) => path.basename(file, '.test.ts')).join(', ')})`);
}
// Test files are isolated (own database schema or file, own store prefix), so they run in parallel,
// one more than there are cores (much of a file's time is waiting: on a child process, a timer);
// the browser suites one at a time (Chromium and the relying parties are heavy on a 2-core machine:
// two at once took as long, measured).
const concurrency = suite === 'unit' ? Math.max(3, cpus().length + 1) : 1;
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
