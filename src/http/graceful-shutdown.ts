import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

export interface DrainOptions {
  /**
   * How long an idle keep-alive connection stays open after shutdown starts. A client may have
   * sent a request on it a moment before the signal that we have not read yet: closing at once
   * would reset that request.
   */
  idleGraceMs: number;
  /** After this long, connections still busy are cut. */
  drainTimeoutMs: number;
}

export interface DrainResult {
  /** True when the drain timeout cut connections that were still busy. */
  forced: boolean;
  /** Responses that were unfinished when shutdown started. */
  inFlight: number;
  ms: number;
}

export interface GracefulShutdown {
  /** Stops accepting connections and resolves once every connection is closed. Call once. */
  drain(): Promise<DrainResult>;
}

/**
 * Graceful shutdown for an HTTP/1.1 server under keep-alive load. Install before `listen`.
 *
 * `http.Server.close()` is not used: since Node 19 it destroys idle keep-alive connections at
 * once, which resets a request a client has just sent on one but we have not read yet. Instead:
 * stop listening (net.Server's close), answer everything that arrives with `Connection: close`
 * so clients stop reusing connections, close idle connections only after a grace period, and
 * cut whatever is left after the drain timeout.
 */
export function installGracefulShutdown(server: Server, options: DrainOptions): GracefulShutdown {
  const unfinished = new Set<ServerResponse>();
  let draining = false;
  let graceOver = false;

  const closeWhenDone = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };

  // Prepended so the header is set before the app's handler can send anything.
  server.prependListener('request', (_req, res) => {
    unfinished.add(res);
    if (draining) closeWhenDone(res);
    res.once('close', () => {
      unfinished.delete(res);
      // A response whose headers went out before the signal still said keep-alive; once the
      // grace period is over its connection must not linger until the keep-alive timeout.
      if (graceOver) setImmediate(() => server.closeIdleConnections());
    });
  });

  return {
    drain() {
      draining = true;
      const started = performance.now();
      const inFlight = unfinished.size;
      for (const res of unfinished) closeWhenDone(res);

      let forced = false;
      const closed = new Promise<void>((resolve) => {
        // Stops accepting and calls back once every connection is closed, without touching them.
        NetServer.prototype.close.call(server, () => resolve());
      });
      const grace = setTimeout(() => {
        graceOver = true;
        // After this loop turn's poll phase, not before it: if the process was stalled, a request
        // already waiting in a socket's buffer is read first, and its connection is no longer idle.
        setImmediate(() => server.closeIdleConnections());
      }, options.idleGraceMs);
      const deadline = setTimeout(() => {
        forced = unfinished.size > 0;
        server.closeAllConnections();
      }, options.drainTimeoutMs);

      return closed.then(() => {
        clearTimeout(grace);
        clearTimeout(deadline);
        return { forced, inFlight, ms: Math.round(performance.now() - started) };
      });
    },
  };
}
