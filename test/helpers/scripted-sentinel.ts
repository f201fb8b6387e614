import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A stand-in for one Redis Sentinel, for the one thing a real Sentinel cannot be made to do on cue:
 * announce a failover (+switch-master) while a client is waiting for its answer. It speaks just
 * enough RESP2 for ioredis's Sentinel client: the master's address (a real redis-server), an empty
 * list of other Sentinels, SUBSCRIBE, and anything else answered OK.
 *
 *   const sentinel = await startScriptedSentinel(masterPort);
 *   sentinel.holdAnswers(400)      master look-ups are answered 400 ms late
 *   await sentinel.nextLookup()    a client has asked for the master
 *   sentinel.announceSwitch()      every subscriber gets +switch-master
 */
export interface ScriptedSentinel {
  port: number;
  holdAnswers(ms: number): void;
  nextLookup(): Promise<void>;
  announceSwitch(): void;
  /** How many connections have subscribed (ioredis's failover detector subscribes after connecting). */
  subscribers(): number;
  close(): Promise<void>;
}

const bulk = (text: string) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
const array = (items: string[]) => `*${items.length}\r\n${items.map(bulk).join('')}`;

/** The commands in a chunk of RESP arrays of bulk strings (what clients send), complete ones only. */
function parseCommands(buffer: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  let at = 0;
  for (;;) {
    const header = /^\*(\d+)\r\n/.exec(buffer.slice(at));
    if (!header) break;
    let cursor = at + header[0].length;
    const args: string[] = [];
    for (let i = 0; i < Number(header[1]); i++) {
      const length = /^\$(\d+)\r\n/.exec(buffer.slice(cursor));
      if (!length) return { commands, rest: buffer.slice(at) };
      const start = cursor + length[0].length;
      if (buffer.length < start + Number(length[1]) + 2) return { commands, rest: buffer.slice(at) };
      args.push(buffer.slice(start, start + Number(length[1])));
      cursor = start + Number(length[1]) + 2;
    }
    commands.push(args);
    at = cursor;
  }
  return { commands, rest: buffer.slice(at) };
}

export async function startScriptedSentinel(masterPort: number): Promise<ScriptedSentinel> {
  const sockets = new Set<Socket>();
  const subscribers = new Set<Socket>();
  let holdMs = 0;
  let lookupWaiters: Array<() => void> = [];

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      subscribers.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      const { commands, rest } = parseCommands(pending + chunk.toString('latin1'));
      pending = rest;
      for (const [name = '', ...args] of commands) {
        const command = `${name} ${args[0] ?? ''}`.toLowerCase();
        if (command === 'sentinel get-master-addr-by-name') {
          const answer = array(['127.0.0.1', String(masterPort)]);
          if (holdMs > 0) setTimeout(() => !socket.destroyed && socket.write(answer), holdMs);
          else socket.write(answer);
          for (const waiter of lookupWaiters) waiter();
          lookupWaiters = [];
        } else if (command === 'sentinel sentinels') socket.write('*0\r\n');
        else if (name.toLowerCase() === 'subscribe') {
          subscribers.add(socket);
          socket.write(`*3\r\n${bulk('subscribe')}${bulk(args[0] ?? '')}:1\r\n`);
        } else if (name.toLowerCase() === 'ping') socket.write('+PONG\r\n');
        // RESP2 only, as a Redis before 6 answers: the client then talks RESP2 (plain arrays for messages).
        else if (name.toLowerCase() === 'hello') socket.write(`-ERR unknown command '${name}'\r\n`);
        else socket.write('+OK\r\n');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as AddressInfo).port,
    holdAnswers: (ms) => void (holdMs = ms),
    nextLookup: () => new Promise<void>((resolve) => lookupWaiters.push(resolve)),
    announceSwitch() {
      const message = `*3\r\n${bulk('message')}${bulk('+switch-master')}${bulk(`mymaster 127.0.0.1 ${masterPort} 127.0.0.1 ${masterPort}`)}`;
      for (const socket of subscribers) socket.write(message);
    },
    subscribers: () => subscribers.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
