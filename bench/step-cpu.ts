// Server CPU per step of a passkey sign-in, product beside baseline: one sign-in at a time, so
// what the server's main thread spent between two replies is that step's own work. Ticks of
// /proc/<pid>/stat are too coarse for one request; the scheduler's nanosecond count is not.
// Less noisy than the load rows (nothing waits on anything else), and it says which step to look at.
// With --against REV, the product as it was at that git revision takes the baseline's place: did
// a change make the sign-in cheaper (this machine's noise is about 3 % per step between rounds)?
// This tree is then checked out too (its uncommitted changes to tracked files included), so that
// both products run from alike folders.
//
//   node bench/step-cpu.ts [--sign-ins 800] [--warm 1500] [--rounds 2] [--against REV]    (DATABASE_URL + REDIS_URL: PostgreSQL + Redis)
import { parseArgs } from 'node:util';
import { createTarget } from './driver/target.ts';
import { signIn, STEPS, type Step } from './driver/sign-in.ts';
import { mainThreadCpuNs } from './proc.ts';
import { externalBackend, type Backend } from './servers/backends.ts';
import { startBaseline } from './servers/baseline.ts';
import { checkOut, workingTreeRevision, type Checkout } from './servers/checkout.ts';
import { startProduct } from './servers/product.ts';
import type { BenchServer } from './servers/server.ts';
import { createUsers } from './users.ts';

const { values } = parseArgs({ options: { 'sign-ins': { type: 'string', default: '800' }, warm: { type: 'string', default: '1500' }, rounds: { type: 'string', default: '2' }, against: { type: 'string' } } });
const [signIns, warm, rounds] = [values['sign-ins'], values.warm, values.rounds].map(Number) as [number, number, number];
if (![signIns, warm, rounds].every((n) => Number.isInteger(n) && n >= 0) || signIns < 1 || rounds < 1) {
  console.error('usage: npm run bench:steps -- [--sign-ins 800] [--warm 1500] [--rounds 2] [--against REV] (whole numbers; sign-ins and rounds at least 1)');
  process.exit(2);
}
const backend: Backend = externalBackend(process.env) ?? { name: 'embedded' };
const users = createUsers(64);

/** Median µs of main-thread CPU per step over `signIns` sequential sign-ins, after `warm` unmeasured ones. */
async function measure(server: BenchServer): Promise<Record<Step, number>> {
  const { target, people } = await createTarget(server, users, 1);
  try {
    for (let i = 0; i < warm; i++) await signIn(target, people[i % people.length]!, () => {});
    const spent = new Map<Step, number[]>(STEPS.map((step) => [step, []]));
    for (let i = 0; i < signIns; i++) {
      let last = mainThreadCpuNs(server.process.pid);
      await signIn(target, people[i % people.length]!, (step) => {
        const now = mainThreadCpuNs(server.process.pid);
        spent.get(step)!.push((now - last) / 1000);
        last = now;
      });
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    return Object.fromEntries(STEPS.map((step) => [step, median(spent.get(step)!)])) as Record<Step, number>;
  } finally {
    await target.connections.close();
  }
}

// Rounds take turns so a change in the machine's speed hits both, and which server goes first
// alternates too (baseline then product, product then baseline, …): in A/A runs of one code against
// itself, whichever went second in every round measured up to 16 % cheaper.
let against: Checkout | undefined;
let thisTree: Checkout | undefined;
try {
  if (values.against) {
    against = await checkOut(values.against);
    thisTree = await checkOut(workingTreeRevision());
  }
} catch (error) {
  against?.remove();
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
}
const servers = {
  baseline: { label: against ? `product at ${against.revision}` : 'bare oidc-provider', start: against?.startProduct ?? startBaseline },
  product: { label: against ? 'this tree' : 'this product', start: thisTree?.startProduct ?? startProduct },
};
const results: Record<'baseline' | 'product', Array<Record<Step, number>>> = { baseline: [], product: [] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? (['baseline', 'product'] as const) : (['product', 'baseline'] as const)) {
      const server = await servers[name].start(backend, users, {});
      try {
        results[name].push(await measure(server));
        console.error(`[step-cpu] ${backend.name}: ${servers[name].label}, round ${round + 1} of ${rounds}`);
      } finally {
        await server.cleanup();
      }
    }
  }
} finally {
  against?.remove();
  thisTree?.remove();
}
const best = (name: 'baseline' | 'product', step: Step) => Math.min(...results[name].map((round) => round[step]));
console.log(`\n## Server CPU per step, one sign-in at a time (${backend.name}; median µs, the lower of ${rounds} rounds)\n`);
console.log(`| step | ${servers.baseline.label} | ${servers.product.label} | ratio |\n|---|---|---|---|`);
let [baselineTotal, productTotal] = [0, 0];
for (const step of STEPS) {
  const [baseline, product] = [best('baseline', step), best('product', step)];
  baselineTotal += baseline;
  productTotal += product;
  console.log(`| ${step} | ${baseline.toFixed(0)} | ${product.toFixed(0)} | ${(product / baseline).toFixed(2)}× |`);
}
console.log(`| whole sign-in | ${baselineTotal.toFixed(0)} | ${productTotal.toFixed(0)} | ${(productTotal / baselineTotal).toFixed(2)}× |`);
