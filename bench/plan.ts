// What a run measures and for how long: the full bench (a few minutes) or the smoke (seconds, to
// keep the bench working in CI). Chosen from the command line:
//
//   npm run bench                     full, on embedded; and on PostgreSQL + Redis when DATABASE_URL and REDIS_URL are set
//   npm run bench -- --smoke          one tiny row of each kind, embedded only unless --backend says otherwise
//   npm run bench -- --backend postgres+redis     only that backend (also: embedded, all)
//   npm run bench -- --json results.json          also writes every number measured
//   npm run bench -- --logs DIR                   keeps what the servers print (DIR/<backend>-<server>.log)
//   npm run bench -- --profile DIR                V8 CPU profiles of both servers (DIR/<backend>-<server>/*.cpuprofile)
import { parseArgs } from 'node:util';
import type { EndpointLoad } from './driver/endpoints.ts';
import { externalBackend, type Backend, type BackendName } from './servers/backends.ts';

export interface Plan {
  smoke: boolean;
  backends: Backend[];
  /** People registered on each server; each virtual user owns people / virtualUsers of them. */
  people: number;
  /**
   * Load before anything is measured, each server alike. Long enough for V8 to have compiled the
   * hot paths: a short one measured the product, which has more code to warm, cold in its first rounds.
   */
  warmup: { virtualUsers: number; seconds: number } | undefined;
  /** Each sign-in row is `rounds` rounds of `roundSeconds`, baseline and product taking turns. */
  rounds: number;
  roundSeconds: number;
  concurrency: Record<BackendName, number[]>;
  /** Virtual users of the paced row at half of peak (enough to keep its schedule). */
  halfPeakVirtualUsers: number;
  endpoints: EndpointLoad;
  /**
   * The smoke starts both servers at once and runs its endpoint rows all at once (each lasts the
   * load generator's shortest run, a second): a smoke checks that everything answers, not how fast.
   */
  concurrent: boolean;
  argon2Runs: number;
  json: string | undefined;
  /** A folder for the servers' own output, one file per server and backend. */
  logs: string | undefined;
  /** A folder for V8 CPU profiles of the servers (`node --cpu-prof`), one folder per server and backend. */
  profile: string | undefined;
}

const USAGE = 'usage: node bench/run.ts [--smoke] [--backend embedded|postgres+redis|all] [--json FILE] [--logs DIR] [--profile DIR]';

export function planFromArgs(argv: string[], env: NodeJS.ProcessEnv): Plan {
  const { values } = parseArgs({
    args: argv,
    options: { smoke: { type: 'boolean', default: false }, backend: { type: 'string' }, json: { type: 'string' }, logs: { type: 'string' }, profile: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const smoke = values.smoke;
  const external = externalBackend(env);
  const embedded: Backend = { name: 'embedded' };

  let backends: Backend[];
  switch (values.backend ?? (smoke ? 'embedded' : 'all')) {
    case 'embedded':
      backends = [embedded];
      break;
    case 'postgres+redis':
      if (!external) throw new Error('--backend postgres+redis needs DATABASE_URL and REDIS_URL');
      backends = [external];
      break;
    case 'all':
      backends = external ? [external, embedded] : [embedded];
      break;
    default:
      throw new Error(`unknown --backend ${values.backend}; ${USAGE}`);
  }

  if (smoke) {
    return {
      smoke,
      backends,
      people: 8,
      warmup: undefined,
      rounds: 1,
      roundSeconds: 0.5,
      concurrency: { embedded: [2], 'postgres+redis': [2] },
      halfPeakVirtualUsers: 2,
      endpoints: { connections: 2, seconds: 1 },
      concurrent: true,
      argon2Runs: 0,
      json: values.json,
      logs: values.logs,
      profile: values.profile,
    };
  }
  return {
    smoke,
    backends,
    people: 512,
    warmup: { virtualUsers: 16, seconds: 12 },
    rounds: 3,
    roundSeconds: 2,
    concurrency: { embedded: [8, 32], 'postgres+redis': [8, 16, 32] },
    halfPeakVirtualUsers: 32,
    endpoints: { connections: 10, seconds: 5 },
    concurrent: false,
    argon2Runs: 20,
    json: values.json,
    logs: values.logs,
    profile: values.profile,
  };
}
