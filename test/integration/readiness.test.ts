import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKEND, DATABASE_URL, REDIS_URL } from '../helpers/backends.ts';
import { startTestApp } from '../helpers/app.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

interface Readiness {
  status: number;
  body: { status: string; checks: Record<string, string> };
}

async function readyz(url: string): Promise<Readiness> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

/** Polls /readyz until it gives `status` (reconnects take a moment), or fails after `ms`. */
async function waitForReadiness(url: string, status: number, ms = 15_000): Promise<Readiness> {
  const deadline = Date.now() + ms;
  let last = await readyz(url);
  while (last.status !== status && Date.now() < deadline) {
    await sleep(200);
    last = await readyz(url);
  }
  return last;
}


function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

describe(`health and readiness (${BACKEND})`, () => {
  test('/healthz and /readyz answer 200 when everything is up', async () => {
    const app = await startTestApp();
    try {
      const health = await fetch(`${app.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.deepEqual(await readyz(app.url), { status: 200, body: { status: 'ready', checks: { database: 'ok', store: 'ok' } } });
    } finally {
      await app.destroy();
    }
  });

  /** Puts a TCP proxy between the app and a real server, cuts it, then restores it. */
  async function outageAndRecovery(variable: 'REDIS_URL' | 'DATABASE_URL', url: string, check: 'store' | 'database') {
    const target = new URL(url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const app = await startTestApp({ env: { [variable]: withPort(url, proxy.port) } });
    try {
      assert.equal((await waitForReadiness(app.url, 200)).status, 200);
      await proxy.cut();
      const down = await waitForReadiness(app.url, 503);
      assert.deepEqual(down.body.checks, { database: 'ok', store: 'ok', [check]: 'down' });
      await proxy.restore();
      assert.deepEqual(await waitForReadiness(app.url, 200), { status: 200, body: { status: 'ready', checks: { database: 'ok', store: 'ok' } } });
    } finally {
      await app.destroy();
      await proxy.close();
    }
  }

  const redisUrl = REDIS_URL;
  if (redisUrl) {
    test('/readyz: 503 while Redis is unreachable, 200 once it is back', () =>
      outageAndRecovery('REDIS_URL', withPort(redisUrl, Number(new URL(redisUrl).port || 6379)), 'store'));
  }

  const databaseUrl = DATABASE_URL;
  if (databaseUrl) {
    test('/readyz: 503 while PostgreSQL is unreachable, 200 once it is back', () =>
      outageAndRecovery('DATABASE_URL', withPort(databaseUrl, Number(new URL(databaseUrl).port || 5432)), 'database'));
  } else {
    test('/readyz: 503 while the embedded database is closed, 200 once it is open again', async () => {
      const app = await startTestApp();
      try {
        await app.container.dataSource.destroy();
        const down = await readyz(app.url);
        assert.equal(down.status, 503);
        assert.deepEqual(down.body.checks, { database: 'down', store: 'ok' });
        await app.container.dataSource.initialize();
        assert.equal((await readyz(app.url)).status, 200);
      } finally {
        await app.destroy();
      }
    });
  }
});
