import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/backends.ts';
import { startLatencyProxy } from '../helpers/latency-proxy.ts';
import { freePort } from '../helpers/ports.ts';
import { backendEnv, startMain, waitFor, waitUntilReady, type Started } from '../helpers/process.ts';

const PATHS = ['/healthz', '/.well-known/openid-configuration'];

interface Outcome {
  /** Whether the request was handed to its socket before the test sent SIGTERM. */
  sentBeforeSignal: boolean;
  path: string;
  status?: number;
  connection?: string;
  error?: string;
}

/** One GET over a keep-alive agent; the body must arrive whole and parse as JSON. */
function get(agent: Agent, port: number, path: string, sentBeforeSignal: () => boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    let early = true;
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', (error) => resolve({ sentBeforeSignal: early, path, error: error.message }));
      res.on('end', () => {
        const outcome: Outcome = { sentBeforeSignal: early, path, status: res.statusCode ?? 0, connection: res.headers.connection ?? '' };
        try {
          JSON.parse(body);
        } catch {
          outcome.error = `incomplete body (${body.length} bytes)`;
        }
        resolve(outcome);
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ sentBeforeSignal: early, path, error: error.code ?? error.message }));
    req.end();
    early = sentBeforeSignal();
  });
}

/**
 * Several keep-alive agents, each with a few sockets kept busy in a loop, until `stop()`.
 * Every request is recorded with whether it was sent before the signal.
 */
function hammer(port: number, signalled: () => boolean, agents = 4, socketsPerAgent = 4) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const pool = Array.from({ length: agents }, () => new Agent({ keepAlive: true, maxSockets: socketsPerAgent }));
  const workers = pool.flatMap((agent) =>
    Array.from({ length: socketsPerAgent }, async (_, i) => {
      for (let n = i; !stopped; n++) {
        const outcome = await get(agent, port, PATHS[n % PATHS.length] ?? '/healthz', () => !signalled());
        outcomes.push(outcome);
        // After the signal a refused connection means the server is gone: nothing more to send.
        if (outcome.error && signalled()) break;
      }
    }),
  );
  return {
    outcomes,
    async stop() {
      stopped = true;
      await Promise.all(workers);
      for (const agent of pool) agent.destroy();
    },
  };
}

/**
 * SIGTERM while keep-alive clients hammer a real `node src/main.ts`. The load goes through a
 * proxy that adds a little latency: requests sent just before the signal then reach the server
 * just after it, as they do over a network. Before the drain logic in src/http/graceful-shutdown.ts,
 * `server.close()` destroyed those connections as idle and every round reset a few requests.
 */
describe(`graceful shutdown under keep-alive load (${BACKEND})`, () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database?.cleanup());

  async function start(): Promise<{ run: Started; port: number }> {
    const port = await freePort();
    const run = startMain({ PORT: String(port), DATA_DIR: database.dataDir, ...backendEnv(database) });
    await waitUntilReady(run, 30_000);
    return { run, port };
  }

  test('SIGTERM mid-load: every request sent before it gets a whole 2xx answer, then exit 0', { timeout: 120_000 }, async () => {
    const rounds = 4;
    let answeredWithClose = 0;
    for (let round = 1; round <= rounds; round++) {
      const { run, port } = await start();
      // As over a real network: what is sent just before the signal arrives just after it.
      const proxy = await startLatencyProxy({ host: '127.0.0.1', port }, 15);
      let signalled = false;
      const load = hammer(proxy.port, () => signalled);
      // Vary the moment of the signal so each round hits the server in a different state.
      await new Promise((resolve) => setTimeout(resolve, 300 + round * 70));
      signalled = true;
      run.child.kill('SIGTERM');
      const code = await run.exited;
      await load.stop();
      await proxy.close();

      const early = load.outcomes.filter((o) => o.sentBeforeSignal);
      const failed = early.filter((o) => o.error || !o.status || o.status < 200 || o.status >= 300);
      assert.deepEqual(failed, [], `round ${round}: ${failed.length} of ${early.length} requests sent before SIGTERM failed`);
      assert.ok(early.length > 30, `round ${round}: the load was real (${early.length} requests)`);
      assert.equal(code, 0, `round ${round}: exit code; stderr: ${run.stderr()}`);
      assert.match(run.stdout(), /"msg":"drained: every request was answered"/);
      assert.match(run.stdout(), /"msg":"stopped"/);
      answeredWithClose += load.outcomes.filter((o) => o.connection === 'close').length;
    }
    assert.ok(answeredWithClose > 0, 'responses during the drain say Connection: close');
  });

  test('an idle keep-alive connection may still carry a request shortly after SIGTERM; it is answered, then closed', { timeout: 60_000 }, async () => {
    const { run, port } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(agent, port, '/healthz', () => true);
      assert.equal(first.status, 200);
      assert.equal(first.connection, 'keep-alive');

      const signalledAt = Date.now();
      run.child.kill('SIGTERM');
      await waitFor(() => run.stdout().includes('shutting down'), 5_000);
      // Well inside the 1 s grace period, even on a busy machine.
      await new Promise((resolve) => setTimeout(resolve, 150));
      const late = await get(agent, port, '/.well-known/openid-configuration', () => true);
      assert.equal(late.error, undefined);
      assert.equal(late.status, 200, 'answered on the connection that was idle at the signal');
      assert.equal(late.connection, 'close', 'and told to stop reusing it');

      assert.equal(await run.exited, 0);
      assert.ok(Date.now() - signalledAt < 5_000, 'exits well before the keep-alive timeout or the drain timeout');
      assert.match(run.stdout(), /"msg":"drained: every request was answered"/);
    } finally {
      agent.destroy();
      run.child.kill('SIGKILL');
    }
  });
});
