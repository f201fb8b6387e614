import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { installGracefulShutdown } from './graceful-shutdown.ts';

async function listen(handler: (url: string, respond: (body: string) => void) => void, options = { idleGraceMs: 200, drainTimeoutMs: 600 }) {
  const server: Server = createServer((req, res) => handler(req.url ?? '', (body) => res.end(body)));
  const shutdown = installGracefulShutdown(server, options);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, shutdown, port: (server.address() as AddressInfo).port };
}

function get(port: number, path: string, agent: Agent): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ res, body }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('graceful shutdown', () => {
  test('an in-flight request is answered with Connection: close; the drain is not forced', async () => {
    const { promise: arrived, resolve: arrive } = Promise.withResolvers<() => void>();
    const { shutdown, port } = await listen((_url, respond) => arrive(() => respond('slow done')));
    const agent = new Agent({ keepAlive: true });
    const slow = get(port, '/slow', agent);
    const release = await arrived;
    const drained = shutdown.drain();
    setTimeout(() => release(), 100);
    const { res, body } = await slow;
    assert.equal(body, 'slow done');
    assert.equal(res.headers.connection, 'close');
    const result = await drained;
    assert.equal(result.forced, false);
    assert.equal(result.inFlight, 1);
    agent.destroy();
  });

  test('an idle keep-alive connection is closed after the grace period, not at once', async () => {
    const { shutdown, port } = await listen((_url, respond) => respond('ok'));
    const agent = new Agent({ keepAlive: true });
    await get(port, '/', agent);
    const drained = await shutdown.drain();
    assert.equal(drained.forced, false);
    assert.ok(drained.ms >= 150, `closed after ${drained.ms} ms`);
    agent.destroy();
  });

  test('a request that never finishes is cut at the drain timeout', async () => {
    const { promise: arrived, resolve: arrive } = Promise.withResolvers<void>();
    const { shutdown, port } = await listen(() => arrive());
    const agent = new Agent({ keepAlive: true });
    const stuck = get(port, '/', agent).catch((error: NodeJS.ErrnoException) => error.code);
    await arrived;
    const drained = await shutdown.drain();
    assert.equal(drained.forced, true);
    assert.ok(drained.ms >= 550, `cut after ${drained.ms} ms`);
    assert.equal(await stuck, 'ECONNRESET');
    agent.destroy();
  });
});
