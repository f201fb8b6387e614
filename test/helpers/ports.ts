import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

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

/** Whether something accepts connections on 127.0.0.1:`port` right now. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Waits until a child process listens on `port`; fails at once if it exited (`child` says so). */
export async function waitForPort(port: number, options: { timeoutMs: number; child?: ChildProcess; name?: string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    const { child } = options;
    if (child && (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)) {
      throw new Error(`${options.name ?? 'it'} exited (${child.exitCode ?? child.signalCode ?? 'could not be run'})`);
    }
    if (await acceptsConnections(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${options.timeoutMs / 1000} s`);
}
