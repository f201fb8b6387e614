// Virtual users × seconds of complete sign-ins against one server. Each virtual user owns a slice
// of the people and takes them in turn, so no two sign-ins of one person overlap (their signature
// counters would race) and no person signs in often enough to meet a per-account limit.
//
// A row is measured in rounds (runSignIns), so the caller can alternate the servers round by round
// and a disturbance on the machine hits both alike; summarizeLoad() adds the rounds up.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, machineBusyMs, memoryMiB } from '../proc.ts';
import { signIn, StepError, STEPS, type Person, type Step, type Target } from './sign-in.ts';
import { summarize, type LatencySummary } from './stats.ts';

export interface LoadOptions {
  virtualUsers: number;
  seconds: number;
  /** Sign-ins started per second across all virtual users; unset: each starts the next at once. */
  rate?: number;
  /** The server process, for CPU and memory from /proc. */
  pid: number;
}

/** One round's raw measurements. */
export interface LoadRound {
  virtualUsers: number;
  targetRate: number | undefined;
  windowSeconds: number;
  /** Sign-ins completed within the window (those still under way at its end finish, but count only for CPU). */
  completedInWindow: number;
  /** Sign-ins completed in all, and the server CPU they took, until the last one finished. */
  completed: number;
  serverCpuMs: number;
  driverCpuMs: number;
  machineBusyMs: number;
  elapsedSeconds: number;
  totals: number[];
  stepTimes: Record<Step, number[]>;
  stepErrors: Record<Step, number>;
  failed: number;
  errorSamples: string[];
  rssHighWaterMiB: number;
}

export interface LoadResult {
  virtualUsers: number;
  seconds: number;
  targetRate: number | undefined;
  completed: number;
  failed: number;
  perSecond: number;
  /** Server CPU (user + system) per completed sign-in. */
  cpuMsPerSignIn: number;
  /** Cores the server, the load driver and the whole machine kept busy on average. */
  serverCores: number;
  driverCores: number;
  machineCores: number;
  signIn: LatencySummary;
  steps: Record<Step, LatencySummary & { errors: number }>;
  /** A few error messages, for the report. */
  errorSamples: string[];
  rssHighWaterMiB: number;
}

/**
 * When each virtual user may start its next sign-in: at once until the deadline, or (with a rate)
 * on one shared schedule, sign-in n at start + n / rate, for whichever virtual user is free.
 * `turn()` waits for the next slot and says false once the window is over.
 */
function createSchedule(seconds: number, rate: number | undefined): { turn(): Promise<boolean> } {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let nextSlot = start;
  return {
    async turn() {
      if (rate === undefined) return performance.now() < deadline;
      const slot = nextSlot;
      nextSlot += 1000 / rate;
      if (slot >= deadline) return false;
      const wait = slot - performance.now();
      if (wait > 0) await sleep(wait);
      return true;
    },
  };
}

/**
 * `virtualUsers` at once, each taking its own slice of the people in turn (so no two visits of one
 * person overlap: their signature counters would race), until the window closes. `each` does one
 * visit and keeps its own tally; it must not throw.
 */
export async function runVirtualUsers(
  people: readonly Person[],
  options: { virtualUsers: number; seconds: number; rate?: number | undefined },
  each: (person: Person) => Promise<void>,
): Promise<void> {
  const { virtualUsers } = options;
  if (people.length < virtualUsers) throw new Error(`${people.length} people cannot keep ${virtualUsers} virtual users apart`);
  const schedule = createSchedule(options.seconds, options.rate);
  await Promise.all(
    Array.from({ length: virtualUsers }, async (_, v) => {
      const mine = people.filter((_, i) => i % virtualUsers === v);
      for (let turn = 0; await schedule.turn(); turn++) await each(mine[turn % mine.length]!);
    }),
  );
}

export async function runSignIns(target: Target, people: readonly Person[], options: LoadOptions): Promise<LoadRound> {
  const { virtualUsers, seconds, rate, pid } = options;
  const stepTimes = Object.fromEntries(STEPS.map((step) => [step, [] as number[]])) as Record<Step, number[]>;
  const stepErrors = Object.fromEntries(STEPS.map((step) => [step, 0])) as Record<Step, number>;
  const totals: number[] = [];
  const errorSamples: string[] = [];
  let failed = 0;
  let completedInWindow = 0;

  const serverBefore = cpuMs(pid);
  const driverBefore = process.cpuUsage();
  const machineBefore = machineBusyMs();
  const start = performance.now();
  const deadline = start + seconds * 1000;

  await runVirtualUsers(people, { virtualUsers, seconds, rate }, async (person) => {
    const began = performance.now();
    try {
      await signIn(target, person, (step, ms) => stepTimes[step].push(ms));
      const ended = performance.now();
      totals.push(ended - began);
      if (ended <= deadline) completedInWindow++;
    } catch (error) {
      failed++;
      const step: Step = error instanceof StepError ? error.step : 'authorize';
      stepErrors[step]++;
      if (errorSamples.length < 5) errorSamples.push((error as Error).message);
    }
  });
  const driver = process.cpuUsage(driverBefore);
  return {
    virtualUsers,
    targetRate: rate,
    windowSeconds: seconds,
    completedInWindow,
    completed: totals.length,
    serverCpuMs: cpuMs(pid) - serverBefore,
    driverCpuMs: (driver.user + driver.system) / 1000,
    machineBusyMs: machineBusyMs() - machineBefore,
    elapsedSeconds: (performance.now() - start) / 1000,
    totals,
    stepTimes,
    stepErrors,
    failed,
    errorSamples,
    rssHighWaterMiB: memoryMiB(pid).highWater,
  };
}

export function summarizeLoad(rounds: readonly LoadRound[]): LoadResult {
  const first = rounds[0];
  if (!first) throw new Error('no rounds to summarize');
  const sum = (pick: (round: LoadRound) => number) => rounds.reduce((total, round) => total + pick(round), 0);
  const completed = sum((r) => r.completed);
  const elapsed = sum((r) => r.elapsedSeconds);
  const serverCpu = sum((r) => r.serverCpuMs);
  const steps = Object.fromEntries(
    STEPS.map((step) => [step, { ...summarize(rounds.flatMap((r) => r.stepTimes[step])), errors: sum((r) => r.stepErrors[step]) }]),
  ) as LoadResult['steps'];
  return {
    virtualUsers: first.virtualUsers,
    seconds: sum((r) => r.windowSeconds),
    targetRate: first.targetRate,
    completed,
    failed: sum((r) => r.failed),
    perSecond: sum((r) => r.completedInWindow) / sum((r) => r.windowSeconds),
    cpuMsPerSignIn: completed > 0 ? serverCpu / completed : Number.NaN,
    serverCores: serverCpu / 1000 / elapsed,
    driverCores: sum((r) => r.driverCpuMs) / 1000 / elapsed,
    machineCores: sum((r) => r.machineBusyMs) / 1000 / elapsed,
    signIn: summarize(rounds.flatMap((r) => r.totals)),
    steps,
    errorSamples: rounds.flatMap((r) => r.errorSamples).slice(0, 5),
    rssHighWaterMiB: Math.max(...rounds.map((r) => r.rssHighWaterMiB)),
  };
}
