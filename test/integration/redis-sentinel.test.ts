import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../src/errors.ts';
import { causeChain } from '../../src/lib/error-causes.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createRedisStore, isRedisPermanentError } from '../../src/stores/redis.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND, uniqueName } from '../helpers/backends.ts';
import { authorize, codeRequestUrl, follow, followAllowing, followToCallback, HttpBrowser, redeemCode, relyingParty, signInWithPasskey, signUpAndRegister } from '../helpers/http-flow.ts';
import { unlessInstalled } from '../helpers/installed.ts';
import { freePort, waitForPort } from '../helpers/ports.ts';
import { askRedis, startOwnRedis } from '../helpers/redis-server.ts';
import { startSentinelDeployment, type SentinelDeployment } from '../helpers/redis-sentinel.ts';
import { oidc } from '../helpers/relying-party.ts';
import { startScriptedSentinel } from '../helpers/scripted-sentinel.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

/**
 * REDIS_URL names a Sentinel deployment (a master, a replica, three Sentinels of the test's own).
 * While people sign up and sign in without pause, the master is SIGKILLed; later a living master
 * is demoted by a manual failover. Every request is answered, fast: a sign-in completes, or a step
 * gets a 503 with Retry-After — never a 500, never a hang — and once the Sentinels have promoted
 * the replica, sign-ins go on without a restart, with the sessions, refresh tokens and accounts
 * from before the failover. The figures are printed (t.diagnostic) so they can be quoted.
 */
const HANG_MS = 2_000;
const WORKERS = { signIn: 2, signUp: 1 };

interface Answer {
  at: number;
  ms: number;
  status: number;
  retryAfter: boolean;
  path: string;
}

interface Flow {
  kind: 'sign-in' | 'sign-up';
  started: number;
  ended?: number;
  outcome?: 'ok' | '503' | 'lost' | 'error';
  error?: string;
  responses: Answer[];
}

const currentFlow = new AsyncLocalStorage<Flow>();

/**
 * Times every request the test makes (the pages, the page scripts' JSON, openid-client's token
 * calls all go through global fetch) and files it under the flow that made it. A request that
 * hangs is cut off, so it shows as an error instead of stalling the test.
 */
function recordRequests(): { responses: Answer[]; restore(): void } {
  const original = globalThis.fetch;
  const responses: Answer[] = [];
  globalThis.fetch = async (input, init) => {
    const flow = currentFlow.getStore();
    const started = performance.now();
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    const entry = (status: number, retryAfter = false): Answer => {
      const record = { at: started, ms: performance.now() - started, status, retryAfter, path };
      responses.push(record);
      flow?.responses.push(record);
      return record;
    };
    try {
      const response = await original(input, { signal: AbortSignal.timeout(10_000), ...init });
      entry(response.status, response.headers.has('retry-after'));
      return response;
    } catch (error) {
      entry(0);
      throw error;
    }
  };
  return { responses, restore: () => void (globalThis.fetch = original) };
}

interface Person {
  username: string;
  sub: string;
  authenticator: SoftwareAuthenticator;
}

let ipCounter = 0;
/** A fresh client address per flow (TRUST_PROXY=true): per-IP limits never come into it. */
const nextIp = () => `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter++ & 255}`;

async function signIn(issuer: string, person: Person): Promise<void> {
  const browser = new HttpBrowser(issuer, { ip: nextIp() });
  const request = await authorize(browser);
  const redirectTo = await signInWithPasskey(browser, request.uid, person.authenticator, { login: person.username });
  const { sub } = await redeemCode(issuer, await followToCallback(browser, redirectTo), request);
  assert.equal(sub, person.sub);
}

/**
 * Sign-ins (each worker its own person, created before) and sign-ups (a new person each time),
 * back to back, until `stop` resolves. Each flow's outcome: ok; 503 (a step was refused while
 * Redis had no master); lost (a 4xx: the flow's state was written to the old master in its last
 * moments and never reached the replica — Redis replicates asynchronously); error (anything else).
 */
function runLoad(issuer: string, people: Person[], stop: Promise<void>): { flows: Flow[]; done: Promise<void> } {
  const flows: Flow[] = [];
  let stopped = false;
  void stop.then(() => (stopped = true));
  let signups = 0;
  async function worker(kind: Flow['kind'], person?: Person): Promise<void> {
    while (!stopped) {
      const flow: Flow = { kind, started: performance.now(), responses: [] };
      flows.push(flow);
      try {
        await currentFlow.run(flow, async () => {
          if (person) await signIn(issuer, person);
          else {
            const n = signups++;
            await signUpAndRegister(issuer, { username: `new${n}`, email: `new${n}@example.com`, ip: nextIp() });
          }
        });
        flow.outcome = 'ok';
      } catch (error) {
        const last = flow.responses.at(-1)?.status ?? 0;
        flow.outcome = last === 503 ? '503' : last >= 400 && last < 500 ? 'lost' : 'error';
        flow.error = error instanceof Error ? error.message : String(error);
        // A refused step: wait a little, as a person (or the page's retry) would.
        await sleep(50);
      }
      flow.ended = performance.now();
    }
  }
  const done = Promise.all([
    ...people.map((person) => worker('sign-in', person)),
    ...Array.from({ length: WORKERS.signUp }, () => worker('sign-up')),
  ]).then(() => undefined);
  return { flows, done };
}

/**
 * What the workers' last flows met, the app's warnings and the Sentinels' logs: why sign-ins did not
 * go on, for the failure message.
 */
function whyNotRecovered(flows: Flow[], since: number, appLog: string, sentinelLog: string): string {
  const lines = [];
  for (const kind of ['sign-in', 'sign-up'] as const) {
    for (const flow of flows.filter((f) => f.kind === kind && f.started > since && f.outcome !== undefined).slice(-4)) {
      const steps = flow.responses.slice(-3).map((r) => `${r.status} ${r.path}`).join(', ');
      lines.push(`${kind} at +${Math.round(flow.started - since)} ms: ${flow.outcome}${flow.error ? ` (${flow.error.split('\n')[0]?.slice(0, 160)})` : ''}; last steps ${steps}`);
    }
  }
  return `${lines.join('\n')}\n--- the app's warnings and errors\n${appLog}\n${sentinelLog}`;
}

/** Every worker's last flows completed: sign-ins are going on again. */
function recovered(flows: Flow[], since: number, streak = 3): boolean {
  for (const kind of ['sign-in', 'sign-up'] as const) {
    const after = flows.filter((flow) => flow.kind === kind && flow.started > since && flow.outcome !== undefined);
    if (after.length < streak || !after.slice(-streak).every((flow) => flow.outcome === 'ok')) return false;
  }
  return true;
}

interface Figures {
  flows: Flow[];
  responses: Answer[];
  failoverAt: number;
}

/**
 * Checks and prints what happened: `responses` are every request of this run (warm-up included),
 * `t0` the moment of the kill or the failover command.
 */
function report(t: TestContext, what: string, t0: number, { flows, responses, failoverAt }: Figures): void {
  const rel = (at: number) => Math.round(at - t0);
  const answered = (response: Answer) => response.at + response.ms;
  const since = responses.filter((response) => answered(response) >= t0);
  const refused = since.filter((response) => response.status === 503);
  const broken = responses.filter((response) => response.status === 0 || (response.status >= 500 && response.status !== 503));
  const slowest = Math.max(...responses.map((response) => response.ms));
  const ended = flows.filter((flow) => flow.ended !== undefined && flow.ended >= t0);
  const count = (outcome: Flow['outcome']) => ended.filter((flow) => flow.outcome === outcome).length;
  const firstOk = ended.filter((flow) => flow.outcome === 'ok' && flow.started >= t0).sort((a, b) => a.ended! - b.ended!)[0];
  const [first503, last503] = [refused[0], refused.at(-1)];

  t.diagnostic(`${what}: the Sentinels promoted the replica at +${rel(failoverAt)} ms`);
  t.diagnostic(`${what}: 503s answered from +${first503 ? rel(answered(first503)) : '—'} to +${last503 ? rel(answered(last503)) : '—'} ms; the first flow started after t0 to complete ended at +${firstOk ? rel(firstOk.ended!) : '—'} ms`);
  t.diagnostic(`${what}: ${since.length} requests answered after t0: ${refused.length} with 503 (slowest ${Math.round(Math.max(0, ...refused.map((r) => r.ms)))} ms); ${broken.length} 500s or failed requests in the whole run (${responses.length}); slowest ${Math.round(slowest)} ms`);
  t.diagnostic(`${what}: flows ended after t0: ${count('ok')} completed, ${count('503')} stopped by a 503, ${count('lost')} lost to the failover, ${count('error')} errors`);
  for (const flow of ended.filter((f) => f.outcome === 'lost')) t.diagnostic(`${what}: lost ${flow.kind} at +${rel(flow.ended!)} ms: ${flow.error?.slice(0, 160)}`);

  assert.deepEqual(broken.map((r) => `${r.status} ${r.path} at +${rel(r.at)} ms`), [], 'no 500s, no failed requests');
  assert.ok(slowest < HANG_MS, `every request answered within ${HANG_MS} ms; slowest ${Math.round(slowest)} ms`);
  assert.ok(refused.every((response) => response.retryAfter), 'every 503 says Retry-After');
  assert.deepEqual(ended.filter((flow) => flow.outcome === 'error').map((flow) => flow.error), [], 'every flow completed or met a 503');
  // Only what was in flight at the switch can be lost, at most one flow per worker.
  assert.ok(count('lost') <= WORKERS.signIn + WORKERS.signUp, `lost flows: ${ended.filter((f) => f.outcome === 'lost').map((f) => f.error).join('; ')}`);
  assert.ok(firstOk, 'sign-ins completed after the failover');
}

describe(`Redis Sentinel: sign-ins go on through a master failover (${BACKEND.replace(/\+.*/, '')} + Sentinel)`, {
  skip: unlessInstalled(['redis-server', 'redis-sentinel'], 'apt-get install redis-server redis-sentinel'),
}, () => {
  let ha: SentinelDeployment;
  let app: TestApp;
  let recorder: ReturnType<typeof recordRequests>;
  // The app's warnings and errors, for a failure message (its usual lines would slow it down).
  const appLog: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void appLog.push(line.slice(0, 400)) });
  const appWarnings = () => appLog.slice(-15).join('');
  const people: Person[] = [];
  let signedIn: Awaited<ReturnType<typeof signUpAndRegister>>;
  let refreshToken: string;

  before(async () => {
    ha = await startSentinelDeployment();
    app = await startTestApp({ env: { REDIS_URL: ha.url, TRUST_PROXY: 'true' }, logger });
    for (let i = 0; i < WORKERS.signIn; i++) {
      const { sub, authenticator } = await signUpAndRegister(app.url, { username: `before${i}`, email: `before${i}@example.com`, ip: nextIp() });
      people.push({ username: `before${i}`, sub, authenticator });
    }
    // A session and a refresh token from before the failover (offline_access, first-party: no consent).
    signedIn = await signUpAndRegister(app.url, { username: 'keeper', email: 'keeper@example.com', ip: nextIp() });
    const config = await relyingParty(app.url);
    const request = await codeRequestUrl(config, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await oidc.authorizationCodeGrant(config, await followAllowing(signedIn.browser, request.url), { pkceCodeVerifier: request.verifier, expectedState: request.state });
    assert.ok(tokens.refresh_token);
    refreshToken = tokens.refresh_token;
    recorder = recordRequests();
  });
  after(async () => {
    recorder?.restore();
    await app?.destroy();
    await ha?.stop();
  });

  async function throughFailover(t: TestContext, what: string, failover: () => Promise<void>): Promise<void> {
    let stop!: () => void;
    const from = recorder.responses.length;
    const load = runLoad(app.url, people, new Promise<void>((resolve) => (stop = resolve)));
    let t0: number;
    let failoverAt: number;
    try {
      // Under way before the failover: every kind of flow has completed at least once.
      const warm = performance.now();
      while (!recovered(load.flows, warm, 1)) {
        if (performance.now() - warm > 20_000) throw new Error(`sign-ins did not work before the failover:\n${whyNotRecovered(load.flows, warm, appWarnings(), ha.logs())}`);
        await sleep(50);
      }
      const oldMaster = await ha.masterPort();
      t0 = performance.now();
      await failover();
      const newMaster = await ha.waitForNewMaster(oldMaster);
      failoverAt = performance.now();
      assert.notEqual(newMaster, oldMaster);
      while (!recovered(load.flows, failoverAt)) {
        if (performance.now() - failoverAt > 30_000) throw new Error(`sign-ins did not recover within 30 s of the failover:\n${whyNotRecovered(load.flows, failoverAt, appWarnings(), ha.logs())}`);
        await sleep(50);
      }
    } finally {
      stop();
      await load.done;
    }
    report(t, what, t0, { flows: load.flows, responses: recorder.responses.slice(from), failoverAt });
  }

  test('the master is SIGKILLed: 503s, then sign-ins go on on the promoted replica, nothing replicated is lost', async (t) => {
    // What was written before the crash has reached the replica (Redis replicates asynchronously).
    await ha.waitForReplication();
    await throughFailover(t, 'master killed', async () => {
      await ha.killMaster();
    });

    // The people created before the failover signed in after it (the sign-in workers); so does the
    // session kept in the browser, and the refresh token.
    const again = await follow(signedIn.browser, (await codeRequestUrl(await relyingParty(app.url), { scope: 'openid' })).url);
    assert.ok(again.searchParams.get('code'), `the session from before the failover: ${again.href}`);
    const refreshed = await oidc.refreshTokenGrant(await relyingParty(app.url), refreshToken);
    assert.ok(refreshed.access_token, 'the refresh token from before the failover');
    refreshToken = refreshed.refresh_token ?? refreshToken;
    assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
  });

  test('a living master is demoted (SENTINEL FAILOVER): the app leaves it for the new master', async (t) => {
    // The killed master comes back as a replica of the new one (as the Sentinels would make it).
    const [first = 0, second = 0] = ha.serverPorts;
    await ha.restart((await ha.masterPort()) === first ? second : first);
    await ha.waitForReplication(15_000);
    await throughFailover(t, 'manual failover', async () => {
      const sentinel = new Redis({ port: ha.sentinelPorts[0], host: '127.0.0.1', maxRetriesPerRequest: 0 });
      try {
        assert.equal(await sentinel.call('SENTINEL', 'failover', ha.masterName), 'OK');
      } finally {
        sentinel.disconnect();
      }
    });
    assert.ok((await oidc.refreshTokenGrant(await relyingParty(app.url), refreshToken)).access_token);
  });

  test('a master name no Sentinel knows stops start-up at once, saying so', async () => {
    const store = createRedisStore({ url: ha.url.replace(/\/mymaster$/, '/mymastr'), prefix: `${uniqueName('typo')}:` });
    try {
      const error = await store.ping().then(() => undefined, (failure: unknown) => failure);
      assert.ok(error instanceof DependencyUnavailableError, String(error));
      assert.ok(isRedisPermanentError(error), 'not waited for');
      assert.match(causeChain(error).map((link) => (link instanceof Error ? link.message : String(link))).join(' <- '), /No such master with that name/);
    } finally {
      await store.close();
    }
  });
});

describe('a demoted master', { skip: unlessInstalled(['redis-server'], 'apt-get install redis-server') }, () => {
  test('a write that reaches a replica (READONLY, as a demoted master answers) is an outage, and the client reconnects', async () => {
    // The Sentinel client leaves a demoted master when +switch-master is announced; REDIS_URL=redis://…
    // naming a managed service's primary endpoint reaches a demoted master too, until its DNS name
    // moves. Either way the READONLY reply must be a 503, and reconnecting is what finds the new master.
    const master = await startOwnRedis();
    const port = await freePort();
    const replica = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--replicaof', '127.0.0.1', String(master.port)], { stdio: 'ignore' });
    const store = createRedisStore({ url: `redis://127.0.0.1:${port}`, prefix: `${uniqueName('readonly')}:` });
    const readyAgain = async () => {
      const deadline = Date.now() + 5_000;
      while ((await store.get('x').then(() => true, () => false)) === false) {
        assert.ok(Date.now() < deadline, 'the client reconnected');
        await sleep(50);
      }
    };
    const connections = async () => {
      const observer = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      try {
        return Number(/^total_connections_received:(\d+)/m.exec(await observer.info('stats'))?.[1]);
      } finally {
        observer.disconnect();
      }
    };
    try {
      await waitForPort(port, { timeoutMs: 10_000, child: replica, name: 'the replica' });
      await readyAgain();
      const before = await connections();
      await assert.rejects(store.set('a', '1', 60), DependencyUnavailableError);
      await sleep(200);
      await readyAgain();
      // The READONLY reply dropped the connection to look for the master again (the second observer is one more).
      const reconnections = (await connections()) - before - 1;
      assert.ok(reconnections >= 1, `the client reconnected after READONLY (${reconnections})`);
      // A script's refused write (a rate-limit charge, a save with its indexes): an outage too, not a 500.
      await assert.rejects(store.increment('n', 60), DependencyUnavailableError);
      await readyAgain();
      await assert.rejects(store.writeAll([{ kind: 'set', key: 'b', value: '1', ttlSeconds: 60 }, { kind: 'addToSet', key: 'c', member: 'b', ttlSeconds: 60 }]), DependencyUnavailableError);
      await readyAgain();
      await assert.rejects(store.take('a'), DependencyUnavailableError);
    } finally {
      await store.close();
      replica.kill('SIGKILL');
      await master.stop();
    }
  });
});

describe('a failover announced while the client asks a Sentinel for the master', { skip: unlessInstalled(['redis-server'], 'apt-get install redis-server') }, () => {
  test('does not leave the store down for good: it connects again', async () => {
    // ioredis (6.0) ends a Sentinel client for good when +switch-master reaches the failover detector
    // of a connection that has already dropped while the reconnect waits for a Sentinel's answer; seen
    // once in CI as 503s that outlasted the failover by minutes. The store must start over by itself.
    // A real Sentinel cannot be made to announce at that instant, hence the scripted one (which points
    // at a real redis-server).
    const master = await startOwnRedis();
    const sentinel = await startScriptedSentinel(master.port);
    const store = createRedisStore({ url: `redis+sentinel://127.0.0.1:${sentinel.port}/mymaster`, prefix: `${uniqueName('switch')}:` });
    const answers = () => store.ping().then(() => true, () => false);
    try {
      await store.ping();
      for (const deadline = Date.now() + 5_000; sentinel.subscribers() === 0; await sleep(20)) assert.ok(Date.now() < deadline, 'the failover detector subscribed');
      sentinel.holdAnswers(400);
      const asked = sentinel.nextLookup();
      // The connection drops (CLIENT KILL); the reconnect asks the Sentinel, which announces a failover meanwhile.
      await askRedis(master.port, (redis) => redis.call('CLIENT', 'KILL', 'TYPE', 'normal'));
      await asked;
      sentinel.announceSwitch();
      sentinel.holdAnswers(0);
      await sleep(500);
      for (const deadline = Date.now() + 3_000; !(await answers()); await sleep(50)) assert.ok(Date.now() < deadline, 'the store answers again');
    } finally {
      await store.close();
      await sentinel.close();
      await master.stop();
    }
  });
});
