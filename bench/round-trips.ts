// How many Redis commands and SQL statements one passkey sign-in costs the product, per step:
// the round trips are what the profile's socket writes are made of.
//
//   DATABASE_URL=postgres://… REDIS_URL=redis://… node bench/round-trips.ts [--warm 3]
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { benchRedisUrl } from './servers/backends.ts';
import { startProduct } from './servers/product.ts';
import { createTarget } from './driver/target.ts';
import { signIn, STEPS, type Step } from './driver/sign-in.ts';
import { createUsers } from './users.ts';

const { values } = parseArgs({ options: { warm: { type: 'string', default: '3' }, 'pg-log': { type: 'string' } } });
const APPLICATION = 'bench_round_trips';
const pgLog = values['pg-log'] ?? `/var/log/postgresql/${readdirSync('/var/log/postgresql').find((name) => name.endsWith('-main.log'))}`;

/**
 * Round trips among the commands MONITOR saw: a MULTI … EXEC block is one, and what a script
 * calls inside Redis (upper case, as our Lua writes it; clients send lower case) is none.
 */
function roundTrips(commands: readonly string[]): number {
  let trips = 0;
  let inTransaction = false;
  for (const command of commands) {
    const name = command.split(' ')[0] ?? '';
    if (name === name.toUpperCase()) continue;
    if (name === 'multi') inTransaction = true;
    else if (name === 'exec') inTransaction = false;
    if (!inTransaction) trips++;
  }
  return trips;
}

/** The statements the product's own connections ran (log_statement=all on them only), from the server's log. */
function statementsBetween(start: number, end: number, pids: Set<string>): string[] {
  const text = readFileSync(pgLog).subarray(start, end).toString();
  return text.split('\n').flatMap((line) => {
    const match = /\[(\d+)\] \S* ?(?:LOG|LOG:)\s+(?:statement|execute [^:]*):\s*(.*)$/.exec(line);
    return match && pids.has(match[1]!) ? [match[2]!] : [];
  });
}
const databaseUrl = process.env['DATABASE_URL'];
const redisUrl = process.env['REDIS_URL'];
if (!databaseUrl || !redisUrl) throw new Error('set DATABASE_URL and REDIS_URL');
const backend = { name: 'postgres+redis' as const, databaseUrl, redisUrl: benchRedisUrl(redisUrl) };

const users = createUsers(8);
const server = await startProduct(backend, users, { databaseSettings: { log_statement: 'all', application_name: APPLICATION } });
try {
  const { target, people } = await createTarget(server, users, 1);
  const warm = Number(values.warm);
  for (let i = 0; i < warm; i++) await signIn(target, people[1 + (i % (people.length - 1))]!, () => {});

  const monitor = new Redis(backend.redisUrl);
  const commands: string[] = [];
  await monitor.monitor().then((feed) => feed.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ').slice(0, 140))));
  await new Promise((resolve) => setTimeout(resolve, 100));

  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [APPLICATION]);
  await admin.end();
  const pids = new Set(rows.map((row) => String(row.pid)));

  // Step by step: the driver reports a step when its reply is in, so each step's share is what
  // was logged between two reports (the log is flushed by then: the statements ran before the reply).
  const marks: Array<{ step: Step; redis: number; log: number }> = [];
  const logSize = () => readFileSync(pgLog).length;
  const start = { redis: commands.length, log: logSize() };
  await signIn(target, people[0]!, (step) => marks.push({ step, redis: commands.length, log: logSize() }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  monitor.disconnect();
  // Its keep-alive sockets would keep this script running after the report.
  await target.connections.close();
  const perStep = new Map<Step, { redis: string[]; sql: string[] }>();
  let previous = start;
  for (const mark of marks) {
    perStep.set(mark.step, { redis: commands.slice(previous.redis, mark.redis), sql: statementsBetween(previous.log, mark.log, pids) });
    previous = mark;
  }

  let redisTotal = 0;
  let sqlTotal = 0;
  for (const step of STEPS) {
    const { redis, sql } = perStep.get(step) ?? { redis: [], sql: [] };
    const trips = roundTrips(redis);
    redisTotal += trips;
    sqlTotal += sql.length;
    console.log(`\n## ${step}: ${trips} Redis round trips, ${sql.length} SQL statements`);
    for (const line of redis) console.log(`  redis ${line}`);
    for (const line of sql) console.log(`  sql   ${line.slice(0, 160)}`);
  }
  console.log(`\nper sign-in: ${redisTotal} Redis round trips, ${sqlTotal} SQL statements`);
} finally {
  await server.cleanup();
}
