import { createServer } from 'node:net';

/**
 * Below Linux's ephemeral range (32768–60999), from which every outgoing connection of every test
 * takes its local port: a port handed out from there can be taken by a client socket before the
 * child process that was meant to listen on it starts.
 */
const FIRST = 20_000;
const LAST = 32_000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A loopback port nothing listens on right now: for "server is down" cases and child processes. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${FIRST} and ${LAST}`);
}
