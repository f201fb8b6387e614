// The bench's tables, in Markdown so they can go into README.md as printed: product beside
// baseline with the ratio, then the details (per step, per row) a change is judged by.
import type { EndpointName, EndpointResult } from './driver/endpoints.ts';
import type { LoadResult } from './driver/load.ts';
import { STEPS } from './driver/sign-in.ts';
import type { BackendName } from './servers/backends.ts';

export interface ServerResult {
  startupMs: number;
  rssHighWaterMiB: number;
  signIns: LoadResult[];
  halfPeak: LoadResult | undefined;
  endpoints: EndpointResult[];
}

export interface BackendResult {
  backend: BackendName;
  baseline: ServerResult;
  product: ServerResult;
}

export interface RunFacts {
  vCpus: number;
  node: string;
  smoke: boolean;
  seconds: number;
}

const BASELINE_LABEL: Record<BackendName, string> = { embedded: 'memory', 'postgres+redis': 'Redis' };

const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const thousands = (value: number) => (!Number.isFinite(value) ? '–' : value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : value >= 1000 ? `${(value / 1000).toFixed(2)}k` : value.toFixed(0));
const ratio = (product: number, baseline: number) => (Number.isFinite(product / baseline) && baseline > 0 ? `${(product / baseline).toFixed(2)}×` : '–');
/** A row with any error is not a measurement: the number is shown, flagged. */
const flag = (text: string, errors: number) => (errors > 0 ? `${text} ✗${errors} err` : text);

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

const peakOf = (result: ServerResult) => Math.max(0, ...result.signIns.map((row) => (row.failed === 0 ? row.perSecond : 0)));
const endpoint = (result: ServerResult, name: EndpointName) => result.endpoints.find((row) => row.endpoint === name);

/** The README table for one backend: baseline, product, ratio. */
export function summaryTable(result: BackendResult, facts: RunFacts): string {
  const { baseline, product } = result;
  const store = BASELINE_LABEL[result.backend];
  const productLabel = result.backend === 'embedded' ? 'this product, embedded (SQLite)' : 'this product, PostgreSQL + Redis';
  const levels = product.signIns.map((row) => row.virtualUsers);
  const pair = (pick: (row: LoadResult) => number, format: (value: number) => string) => {
    const cells = (rows: LoadResult[]) => rows.map((row) => flag(format(pick(row)), row.failed)).join(' / ');
    const ratios = product.signIns.map((row, i) => (baseline.signIns[i] ? ratio(pick(row), pick(baseline.signIns[i])) : '–')).join(' / ');
    return [cells(baseline.signIns), cells(product.signIns), ratios];
  };
  const rows: string[][] = [
    [`passkey sign-ins/s, ${levels.join(' / ')} at once`, ...pair((row) => row.perSecond, (v) => fixed(v))],
    ['server CPU per sign-in, ms (process only)', ...pair((row) => row.cpuMsPerSignIn, (v) => fixed(v, 1))],
    [`passkey sign-ins/s per vCPU (peak / ${facts.vCpus})`, fixed(peakOf(baseline) / facts.vCpus), fixed(peakOf(product) / facts.vCpus), ratio(peakOf(product), peakOf(baseline))],
  ];
  const bHalf = baseline.halfPeak;
  const pHalf = product.halfPeak;
  if (bHalf && pHalf) {
    const cell = (row: LoadResult) => flag(`${fixed(row.signIn.p50, 1)} / ${fixed(row.signIn.p99, 1)} ms at ${fixed(row.perSecond)}/s`, row.failed);
    rows.push(['whole sign-in p50 / p99 at half of peak', cell(bHalf), cell(pHalf), `${ratio(pHalf.signIn.p50, bHalf.signIn.p50)} / ${ratio(pHalf.signIn.p99, bHalf.signIn.p99)}`]);
  }
  for (const name of ['client credentials', 'refresh', 'introspection', 'userinfo', 'discovery', 'jwks'] as const) {
    const b = endpoint(baseline, name);
    const p = endpoint(product, name);
    if (!b || !p) continue;
    rows.push([`${name === 'client credentials' ? 'token (client credentials)' : name}, req/s`, flag(thousands(b.perSecond), b.errors), flag(thousands(p.perSecond), p.errors), ratio(p.perSecond, b.perSecond)]);
  }
  rows.push(['RSS high-water after the sign-in rows, MiB', fixed(baseline.rssHighWaterMiB), fixed(product.rssHighWaterMiB), ratio(product.rssHighWaterMiB, baseline.rssHighWaterMiB)]);
  rows.push(['start-up to ready, ms', fixed(baseline.startupMs), fixed(product.startupMs), ratio(product.startupMs, baseline.startupMs)]);
  return table(['', `bare oidc-provider + ${store}`, productLabel, 'product / baseline'], rows);
}

/** p50 / p99 of each of the seven requests at half of each server's peak. */
export function stepTable(result: BackendResult): string | undefined {
  const b = result.baseline.halfPeak;
  const p = result.product.halfPeak;
  if (!b || !p) return undefined;
  const cell = (row: LoadResult, step: (typeof STEPS)[number]) => flag(`${fixed(row.steps[step].p50, 1)} / ${fixed(row.steps[step].p99, 1)}`, row.steps[step].errors);
  const rows = STEPS.map((step) => [step, cell(b, step), cell(p, step), ratio(p.steps[step].p50, b.steps[step].p50)]);
  rows.push(['whole sign-in', `${fixed(b.signIn.p50, 1)} / ${fixed(b.signIn.p99, 1)}`, `${fixed(p.signIn.p50, 1)} / ${fixed(p.signIn.p99, 1)}`, ratio(p.signIn.p50, b.signIn.p50)]);
  return table([`step, ms p50 / p99 (baseline ${fixed(b.perSecond)}/s, product ${fixed(p.perSecond)}/s)`, 'baseline', 'product', 'p50 ratio'], rows);
}

/** Every sign-in row as measured, errors per step included. */
export function signInRows(result: BackendResult): string {
  const rows: string[][] = [];
  const add = (server: string, row: LoadResult, label: string) => {
    const errors = STEPS.filter((step) => row.steps[step].errors > 0).map((step) => `${step} ${row.steps[step].errors}`).join(', ');
    rows.push([server, label, String(row.completed), fixed(row.perSecond, 1), fixed(row.cpuMsPerSignIn, 2), `${fixed(row.serverCores, 2)} / ${fixed(row.driverCores, 2)} / ${fixed(row.machineCores, 2)}`, fixed(row.signIn.p50, 1), fixed(row.signIn.p99, 1), errors || '0']);
  };
  for (const [server, data] of [['baseline', result.baseline], ['product', result.product]] as const) {
    for (const row of data.signIns) add(server, row, `${row.virtualUsers} at once`);
    if (data.halfPeak) add(server, data.halfPeak, `paced ${fixed(data.halfPeak.targetRate ?? Number.NaN)}/s`);
  }
  return table(['server', 'load', 'sign-ins', 'per s', 'server CPU ms each', 'cores: server / driver / machine', 'p50 ms', 'p99 ms', 'errors by step'], rows);
}

export function endpointRows(result: BackendResult): string {
  const rows: string[][] = [];
  for (const [server, data] of [['baseline', result.baseline], ['product', result.product]] as const) {
    for (const row of data.endpoints) {
      rows.push([row.endpoint, server, fixed(row.perSecond), fixed(row.p50, 1), fixed(row.p99, 1), fixed(row.cpuUsPerRequest), String(row.errors)]);
    }
  }
  return table(['endpoint', 'server', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs each', 'errors'], rows);
}

/** Error messages worth reading, a few per row. */
export function errorSamples(result: BackendResult): string[] {
  const lines: string[] = [];
  for (const [server, data] of [['baseline', result.baseline], ['product', result.product]] as const) {
    for (const row of [...data.signIns, ...(data.halfPeak ? [data.halfPeak] : [])]) {
      for (const sample of row.errorSamples) lines.push(`${server}, ${row.virtualUsers} at once: ${sample}`);
    }
    for (const row of data.endpoints) if (row.errors > 0) lines.push(`${server}, ${row.endpoint}: ${row.errors} errors (non-2xx, resets or timeouts)`);
  }
  return lines;
}
