import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP forwarder that delays every chunk (and every close) by `delayMs` in both directions, as a
 * network or load balancer does. Bytes a client sends just before an event on the server (say
 * SIGTERM) then arrive just after it, which loopback alone almost never shows. A reset on one
 * side is passed on as a reset on the other.
 */
export interface LatencyProxy {
  port: number;
  close(): Promise<void>;
}

function relay(from: Socket, to: Socket, delayMs: number): void {
  // Timers of equal duration fire in the order they were set, so chunks keep their order.
  const later = (action: () => void) => setTimeout(() => !to.destroyed && action(), delayMs);
  from.on('data', (chunk: Buffer) => later(() => to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  from.on('error', () => later(() => to.resetAndDestroy()));
  from.on('close', () => later(() => to.end()));
}

export async function startLatencyProxy(target: { host: string; port: number }, delayMs: number): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    relay(client, upstream, delayMs);
    relay(upstream, client, delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
