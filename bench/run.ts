// `npm run bench`: the product and a bare oidc-provider baseline (bench/baseline/) side by side, in
// the same run, under the same load driver (bench/driver/), with ratios. Each server is a child
// process, so its CPU and memory come from /proc alone. Not a test: it fails only when the bench
// itself is broken (a server that completes no sign-in at all), never because a machine is slow.
// Options: bench/plan.ts. Progress goes to stderr, the Markdown tables to stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { measureArgon2Verify } from './argon2.ts';
import { ENDPOINTS, prepareTokens, runEndpoint, type EndpointName, type Tokens } from './driver/endpoints.ts';
import { runSignIns, summarizeLoad, type LoadOptions, type LoadResult, type LoadRound } from './driver/load.ts';
import type { Person, Target } from './driver/sign-in.ts';
import { createTarget } from './driver/target.ts';
import { assertWrkInstalled } from './driver/wrk.ts';
import { planFromArgs, type Plan } from './plan.ts';
import { endpointRows, errorSamples, signInRows, stepTable, summaryTable, type BackendResult, type RunFacts, type ServerResult } from './report.ts';
import type { Backend } from './servers/backends.ts';
import { startBaseline } from './servers/baseline.ts';
import { startProduct } from './servers/product.ts';
import type { BenchServer } from './servers/server.ts';
import { createUsers, type BenchUser } from './users.ts';

const progress = (line: string) => console.error(`[bench] ${line}`);

/** Cleanups of whatever is running, also run on Ctrl-C so no schema, keys or process is left behind. */
const running = new Set<() => Promise<void>>();
process.once('SIGINT', () => {
  progress('interrupted: stopping the servers and removing their data');
  void Promise.allSettled([...running].map((cleanup) => cleanup())).finally(() => process.exit(130));
});

interface Side {
  name: 'baseline' | 'product';
  server: BenchServer;
  target: Target;
  people: Person[];
  result: ServerResult;
}

function describe(row: LoadResult): string {
  const errors = row.failed > 0 ? `, ${row.failed} FAILED (${row.errorSamples[0] ?? ''})` : '';
  return `${row.perSecond.toFixed(1)} sign-ins/s, ${row.cpuMsPerSignIn.toFixed(2)} ms CPU each, p50 ${row.signIn.p50.toFixed(1)} ms, p99 ${row.signIn.p99.toFixed(1)} ms${errors}`;
}

async function start(name: Side['name'], backend: Backend, users: readonly BenchUser[], plan: Plan): Promise<Side> {
  const logFile = plan.logs ? path.join(plan.logs, `${backend.name}-${name}.log`) : undefined;
  const profileDir = plan.profile ? path.join(plan.profile, `${backend.name}-${name}`) : undefined;
  const server = await (name === 'product' ? startProduct : startBaseline)(backend, users, { logFile, profileDir });
  running.add(server.cleanup);
  progress(`${backend.name}: ${name} ready in ${server.process.startupMs.toFixed(0)} ms (pid ${server.process.pid}; ${users.length} people registered in ${server.registrationMs.toFixed(0)} ms)`);
  const maxVirtualUsers = Math.max(plan.halfPeakVirtualUsers, ...plan.concurrency[backend.name]);
  let created;
  try {
    created = await createTarget(server, users, maxVirtualUsers);
  } catch (error) {
    await server.cleanup();
    running.delete(server.cleanup);
    throw error;
  }
  const { target, people } = created;
  return { name, server, target, people, result: { startupMs: server.process.startupMs, rssHighWaterMiB: Number.NaN, signIns: [], halfPeak: undefined, endpoints: [] } };
}

async function measureBackend(backend: Backend, users: readonly BenchUser[], plan: Plan, broken: string[]): Promise<BackendResult> {
  const sides: Side[] = [];
  try {
    if (plan.concurrent) {
      const started = await Promise.allSettled([start('baseline', backend, users, plan), start('product', backend, users, plan)]);
      for (const outcome of started) if (outcome.status === 'fulfilled') sides.push(outcome.value);
      for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
    } else {
      // One after the other, so neither start-up time is measured against the other's.
      sides.push(await start('baseline', backend, users, plan));
      sides.push(await start('product', backend, users, plan));
    }

    if (plan.warmup) {
      for (const side of sides) {
        const row = summarizeLoad([await runSignIns(side.target, side.people, { ...plan.warmup, pid: side.server.process.pid })]);
        progress(`${backend.name}: ${side.name} warm-up: ${describe(row)}`);
      }
    }
    /**
     * A row in rounds, baseline and product taking turns, so a disturbance on the machine hits both
     * alike; which goes first alternates too (bench:steps found the second of a pair favoured).
     */
    const row = async (load: (side: Side) => Omit<LoadOptions, 'pid' | 'seconds'> | undefined): Promise<Map<Side, LoadResult>> => {
      const rounds = new Map<Side, LoadRound[]>();
      for (let round = 0; round < plan.rounds; round++) {
        for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
          const options = load(side);
          if (!options) continue;
          const measured = await runSignIns(side.target, side.people, { ...options, seconds: plan.roundSeconds, pid: side.server.process.pid });
          rounds.set(side, [...(rounds.get(side) ?? []), measured]);
        }
      }
      return new Map([...rounds].map(([side, measured]) => [side, summarizeLoad(measured)]));
    };
    for (const virtualUsers of plan.concurrency[backend.name]) {
      for (const [side, result] of await row(() => ({ virtualUsers }))) {
        side.result.signIns.push(result);
        progress(`${backend.name}: ${side.name}, ${virtualUsers} at once: ${describe(result)}`);
      }
    }
    for (const side of sides) {
      side.result.rssHighWaterMiB = Math.max(...side.result.signIns.map((result) => result.rssHighWaterMiB));
      const completed = side.result.signIns.reduce((sum, result) => sum + result.completed, 0);
      if (completed === 0) broken.push(`${backend.name}: ${side.name} completed no sign-in`);
    }
    // Latency is judged at half of each server's own peak, where a server should have room to spare.
    const peaks = new Map(sides.map((side) => [side, Math.max(...side.result.signIns.map((result) => result.perSecond))]));
    const paced = await row((side) => {
      const peak = peaks.get(side) ?? 0;
      return peak > 0 ? { virtualUsers: plan.halfPeakVirtualUsers, rate: peak / 2 } : undefined;
    });
    for (const [side, result] of paced) {
      side.result.halfPeak = result;
      progress(`${backend.name}: ${side.name} paced at ${(result.targetRate ?? 0).toFixed(0)}/s: ${describe(result)}`);
    }

    const tokens = new Map<Side, Tokens>();
    for (const side of sides) {
      try {
        tokens.set(side, await prepareTokens(side.target, side.people[0]!));
      } catch (error) {
        broken.push(`${backend.name}: ${side.name}: no tokens for the endpoint rows: ${(error as Error).message}`);
      }
    }
    const endpointRow = async (endpoint: EndpointName, side: Side) => {
      const sideTokens = tokens.get(side);
      if (!sideTokens) return;
      const measured = await runEndpoint(endpoint, side.target, sideTokens, side.server.process.pid, plan.endpoints);
      // Rows run at the same time share the server's CPU: no per-request figure then.
      if (plan.concurrent) measured.cpuUsPerRequest = Number.NaN;
      side.result.endpoints.push(measured);
      if (measured.ok === 0) broken.push(`${backend.name}: ${side.name}: ${endpoint} answered nothing with 2xx`);
      progress(`${backend.name}: ${side.name} ${endpoint}: ${measured.perSecond.toFixed(0)} req/s, p99 ${measured.p99.toFixed(1)} ms${measured.errors ? `, ${measured.errors} ERRORS` : ''}`);
    };
    const endpointRows = ENDPOINTS.flatMap((endpoint) => sides.map((side) => () => endpointRow(endpoint, side)));
    if (plan.concurrent) await Promise.all(endpointRows.map((run) => run()));
    else for (const run of endpointRows) await run();
  } finally {
    for (const side of sides) {
      await side.target.connections.close();
      await side.server.cleanup();
      running.delete(side.server.cleanup);
    }
  }
  const [baseline, product] = sides;
  return { backend: backend.name, baseline: baseline!.result, product: product!.result };
}

const began = performance.now();
let plan: Plan;
try {
  plan = planFromArgs(process.argv.slice(2), process.env);
  assertWrkInstalled();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
}
const facts: RunFacts = { vCpus: availableParallelism(), node: process.version, smoke: plan.smoke, seconds: 0 };
if (plan.logs) mkdirSync(plan.logs, { recursive: true });
const users = createUsers(plan.people);
const broken: string[] = [];
const results: BackendResult[] = [];
try {
  for (const backend of plan.backends) results.push(await measureBackend(backend, users, plan, broken));
} catch (error) {
  // A server that does not start, a database that is not there: the bench cannot measure.
  console.error(`[bench] broken: ${(error as Error).stack ?? (error as Error).message}`);
  process.exit(1);
}
const argon2 = plan.argon2Runs > 0 ? await measureArgon2Verify(plan.argon2Runs) : undefined;
facts.seconds = (performance.now() - began) / 1000;

const out: string[] = [];
out.push(`# bench${plan.smoke ? ' (smoke: tiny rows, not numbers to quote)' : ''}: Node ${facts.node}, ${facts.vCpus} vCPUs, ${plan.people} people with a passkey each, ${facts.seconds.toFixed(0)} s`);
for (const result of results) {
  out.push('', `## ${result.backend === 'embedded' ? 'Embedded (SQLite) vs memory' : 'PostgreSQL + Redis vs Redis'}`, '', summaryTable(result, facts));
  const steps = stepTable(result);
  if (steps) out.push('', steps);
  out.push('', signInRows(result), '', endpointRows(result));
  const samples = errorSamples(result);
  if (samples.length > 0) out.push('', 'Errors (any error invalidates its row):', ...samples.map((line) => `- ${line}`));
}
if (argon2) out.push('', `argon2id verify (emailed codes and links; product only): median ${argon2.medianMs.toFixed(1)} ms, p95 ${argon2.p95Ms.toFixed(1)} ms over ${argon2.runs} runs`);
console.log(out.join('\n'));
if (plan.json) writeFileSync(plan.json, `${JSON.stringify({ facts, results, argon2 }, null, 2)}\n`);

if (broken.length > 0) {
  console.error(`[bench] broken:\n${broken.map((line) => `  ${line}`).join('\n')}`);
  process.exit(1);
}
