// `npm run bench:soak`: the product alone under a steady load for a long while (10 minutes by
// default) at half of its own peak, on PostgreSQL + Redis when DATABASE_URL and REDIS_URL are set
// (embedded otherwise). Each visit is a whole passkey sign-in followed by signing out, so a
// steady state exists: what keeps growing is a leak. Every sample (30 s) records sign-ins,
// errors, latency, the server's resident memory and the Redis keys by kind; the verdict lines say
// whether errors stayed at 0, RSS within ±10 % and the key count within ±10 % after warm-up. The
// keys are counted between visits: new ones wait a moment while those under way finish, so the
// count is what visits leave behind, not how many happened to be in flight.
//
//   npm run bench:soak -- [--seconds 600] [--sample 30] [--warmup 60] [--backend embedded|postgres+redis] [--json FILE]
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Visit } from './driver/http.ts';
import { runVirtualUsers } from './driver/load.ts';
import { signIn, type Person, type Target } from './driver/sign-in.ts';
import { signOut } from './driver/sign-out.ts';
import { summarize } from './driver/stats.ts';
import { createTarget } from './driver/target.ts';
import { cpuMs, memoryMiB } from './proc.ts';
import { externalBackend, PRODUCT_REDIS_PREFIX, type Backend } from './servers/backends.ts';
import { startProduct } from './servers/product.ts';
import { createUsers } from './users.ts';

const progress = (line: string) => console.error(`[soak] ${line}`);
const VIRTUAL_USERS = 32;

interface Sample {
  atSeconds: number;
  visits: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerVisit: number;
  rssMiB: number;
  /** Between visits (none under way). */
  redisKeys: number | undefined;
  keysByKind: Record<string, number>;
  /** At the sample's moment, with visits under way: for comparison. */
  redisKeysInFlight: number | undefined;
  /** How long new visits waited for the count between visits. */
  pausedMs: number;
}

/** Counters the visits add to while a sample is open. */
class Tally {
  visits = 0;
  errors = 0;
  durations: number[] = [];
  errorSamples: string[] = [];
  take(): Tally {
    const taken = Object.assign(new Tally(), this);
    this.visits = 0;
    this.errors = 0;
    this.durations = [];
    return taken;
  }
}

/** `oidc:Session:<id>` → `oidc:Session`, `challenge:<owner>` → `challenge`: the kind without the id. */
function kindOf(key: string): string {
  const segments = key.slice(PRODUCT_REDIS_PREFIX.length).split(':');
  return segments.length > 2 ? `${segments[0]}:${segments[1]}` : (segments[0] ?? '');
}

async function redisKeysByKind(redis: Redis): Promise<Record<string, number>> {
  const kinds: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PRODUCT_REDIS_PREFIX}*`, 'COUNT', 2000);
    cursor = next;
    for (const key of keys) kinds[kindOf(key)] = (kinds[kindOf(key)] ?? 0) + 1;
  } while (cursor !== '0');
  return kinds;
}

/** Holds new visits back while closed, and says when those under way have finished. */
class Gate {
  private inFlight = 0;
  private closed: { until: Promise<void>; open: () => void } | undefined;
  private drained: (() => void) | undefined;
  async enter(): Promise<void> {
    while (this.closed) await this.closed.until;
    this.inFlight++;
  }
  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }
  /** Resolves once no visit is under way; none starts until `open()`. */
  async close(): Promise<void> {
    let open = () => {};
    const until = new Promise<void>((resolve) => (open = resolve));
    this.closed = { until, open };
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.drained = undefined;
  }
  open(): void {
    const closed = this.closed;
    this.closed = undefined;
    closed?.open();
  }
}

/** Visits (sign-in, then sign-out) by `virtualUsers` at once until the deadline, at `rate` per second if given. */
async function visit(target: Target, people: readonly Person[], tally: Tally, options: { seconds: number; rate?: number; gate?: Gate }): Promise<void> {
  await runVirtualUsers(people, { virtualUsers: VIRTUAL_USERS, seconds: options.seconds, rate: options.rate }, async (person) => {
    await options.gate?.enter();
    const began = performance.now();
    try {
      const browser = new Visit(target.connections, person.ip);
      const tokens = await signIn(target, person, () => {}, { visit: browser });
      await signOut(target, browser, String(tokens['id_token']));
      tally.visits++;
      tally.durations.push(performance.now() - began);
    } catch (error) {
      tally.errors++;
      if (tally.errorSamples.length < 5) tally.errorSamples.push((error as Error).message);
    } finally {
      options.gate?.leave();
    }
  });
}

const within = (values: number[], tolerance: number) => {
  const reference = values[0] ?? 0;
  const worst = Math.max(...values.map((value) => Math.abs(value - reference) / reference));
  return { ok: worst <= tolerance, worst };
};

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    sample: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '60' },
    backend: { type: 'string' },
    json: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const sampleSeconds = Number(values.sample);
const warmupSeconds = Number(values.warmup);
if (![seconds, sampleSeconds, warmupSeconds].every((n) => Number.isFinite(n) && n > 0) || sampleSeconds > seconds) {
  console.error('usage: npm run bench:soak -- [--seconds 600] [--sample 30] [--warmup 60] [--backend embedded|postgres+redis] [--json FILE]');
  process.exit(2);
}
const external = externalBackend(process.env);
const backendName = values.backend ?? (external ? 'postgres+redis' : 'embedded');
let backend: Backend;
if (backendName === 'embedded') backend = { name: 'embedded' };
else if (backendName === 'postgres+redis' && external) backend = external;
else {
  console.error(`--backend ${backendName}: needs DATABASE_URL and REDIS_URL (or --backend embedded)`);
  process.exit(2);
}

const users = createUsers(256);
const server = await startProduct(backend, users);
process.once('SIGINT', () => void server.cleanup().finally(() => process.exit(130)));
const redis = backend.redisUrl ? new Redis(backend.redisUrl) : undefined;
const samples: Sample[] = [];
/** Filled in as the run goes: the paced rate and the first errors' messages. */
const outcome = { rate: 0, errorSamples: [] as string[] };
try {
  const pid = server.process.pid;
  const { target, people } = await createTarget(server, users, VIRTUAL_USERS);
  progress(`${backend.name}: product ready in ${server.process.startupMs.toFixed(0)} ms`);

  // The peak of this very visit (sign-in and sign-out) at full speed, after a warm-up run.
  await visit(target, people, new Tally(), { seconds: 3 });
  const peak = new Tally();
  await visit(target, people, peak, { seconds: 6 });
  if (peak.errors > 0 || peak.visits === 0) throw new Error(`the visits fail at full speed: ${peak.errorSamples.join('; ') || 'none completed'}`);
  const rate = peak.visits / 6 / 2;
  outcome.rate = rate;
  progress(`peak ${(peak.visits / 6).toFixed(1)} visits/s (${peak.errors} errors); soaking at ${rate.toFixed(1)}/s for ${seconds} s`);

  const tally = new Tally();
  const gate = new Gate();
  const began = performance.now();
  const load = visit(target, people, tally, { seconds, rate, gate });
  let cpuBefore = cpuMs(pid);
  for (let at = sampleSeconds; at <= seconds; at += sampleSeconds) {
    await sleep(Math.max(0, began + at * 1000 - performance.now()));
    const taken = tally.take();
    const cpuNow = cpuMs(pid);
    // Without Redis there are no keys to count, and no reason to hold the visits back.
    const inFlight = redis ? await redisKeysByKind(redis) : {};
    const paused = performance.now();
    let keysByKind: Record<string, number> = {};
    if (redis) {
      await gate.close();
      keysByKind = await redisKeysByKind(redis);
      gate.open();
    }
    const pausedMs = performance.now() - paused;
    const total = (kinds: Record<string, number>) => Object.values(kinds).reduce((sum, n) => sum + n, 0);
    const latency = summarize(taken.durations);
    const sample: Sample = {
      atSeconds: at,
      visits: taken.visits,
      errors: taken.errors,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      cpuMsPerVisit: taken.visits > 0 ? (cpuNow - cpuBefore) / taken.visits : Number.NaN,
      rssMiB: memoryMiB(pid).rss,
      redisKeys: redis ? total(keysByKind) : undefined,
      keysByKind,
      redisKeysInFlight: redis ? total(inFlight) : undefined,
      pausedMs,
    };
    cpuBefore = cpuNow;
    samples.push(sample);
    progress(`${at} s: ${sample.visits} visits, ${sample.errors} errors, p99 ${sample.p99Ms.toFixed(0)} ms, RSS ${sample.rssMiB.toFixed(0)} MiB${sample.redisKeys === undefined ? '' : `, ${sample.redisKeys} Redis keys between visits (${sample.redisKeysInFlight} with visits under way)`}`);
  }
  await load;
  outcome.errorSamples = tally.errorSamples;
} finally {
  redis?.disconnect();
  await server.cleanup();
}

const settled = samples.filter((sample) => sample.atSeconds > warmupSeconds);
const errors = samples.reduce((sum, sample) => sum + sample.errors, 0);
const visits = samples.reduce((sum, sample) => sum + sample.visits, 0);
const rss = within(settled.map((sample) => sample.rssMiB), 0.1);
const keys = redis ? within(settled.map((sample) => sample.redisKeys ?? 0), 0.1) : undefined;
const kinds = [...new Set(samples.flatMap((sample) => Object.keys(sample.keysByKind)))].sort();
const out = [
  `# soak: ${backend.name}, ${seconds} s at ${outcome.rate.toFixed(1)} visits/s (half of peak), each a passkey sign-in and a sign-out; ${VIRTUAL_USERS} virtual users`,
  '',
  `| s | visits | errors | p50 ms | p99 ms | CPU ms/visit | RSS MiB |${redis ? ' Redis keys between visits | with visits under way | paused ms |' : ''}`,
  `|---|---|---|---|---|---|---|${redis ? '---|---|---|' : ''}`,
  ...samples.map((s) => `| ${s.atSeconds} | ${s.visits} | ${s.errors} | ${s.p50Ms.toFixed(0)} | ${s.p99Ms.toFixed(0)} | ${s.cpuMsPerVisit.toFixed(1)} | ${s.rssMiB.toFixed(0)} |${redis ? ` ${s.redisKeys} | ${s.redisKeysInFlight} | ${s.pausedMs.toFixed(0)} |` : ''}`),
  '',
  ...(kinds.length > 0 ? [`Redis keys by kind, first and last sample: ${kinds.map((kind) => `${kind} ${samples[0]?.keysByKind[kind] ?? 0} → ${samples.at(-1)?.keysByKind[kind] ?? 0}`).join(', ')}`, ''] : []),
  `- errors: ${errors} of ${visits + errors} visits${errors === 0 ? '' : ` (${outcome.errorSamples.join('; ')})`}`,
  `- RSS after ${warmupSeconds} s: ${rss.ok ? 'flat' : 'NOT flat'}, at most ${(rss.worst * 100).toFixed(1)} % from its first settled sample`,
  ...(keys ? [`- Redis keys between visits after ${warmupSeconds} s: ${keys.ok ? 'flat' : 'NOT flat'}, at most ${(keys.worst * 100).toFixed(1)} % from the first settled sample`] : []),
];
console.log(out.join('\n'));
if (values.json) writeFileSync(values.json, `${JSON.stringify({ backend: backend.name, seconds, rate: outcome.rate, samples }, null, 2)}\n`);
if (errors > 0 || !rss.ok || (keys && !keys.ok)) process.exitCode = 1;
