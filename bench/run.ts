// `npm run bench`: how fast sign-in is, end to end over HTTP, on the backends the environment
// selects (embedded by default; DATABASE_URL / REDIS_URL for PostgreSQL / Redis). Prints a table;
// never fails because a machine is slow. Not a test: numbers go into README and issue notes.
import { startTestApp } from '../test/helpers/app.ts';
import { BACKEND } from '../test/helpers/backends.ts';
import {
  authorize,
  followToCallback,
  HttpBrowser,
  redeemCode,
  signInWithPasskey,
  signUpAndRegister,
} from '../test/helpers/http-flow.ts';
import type { SoftwareAuthenticator } from '../test/helpers/software-authenticator.ts';
import { measureArgon2Verify } from './argon2.ts';

const USERS = 8;
const SIGN_INS_PER_USER = 15;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function summary(label: string, times: number[], wallMs: number) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    measurement: label,
    runs: times.length,
    'p50 ms': quantile(sorted, 0.5).toFixed(1),
    'p95 ms': quantile(sorted, 0.95).toFixed(1),
    'per second': ((times.length / wallMs) * 1000).toFixed(1),
  };
}

async function timed<T>(work: () => Promise<T>, into: number[]): Promise<T> {
  const start = performance.now();
  const result = await work();
  into.push(performance.now() - start);
  return result;
}

// Rate limits count per IP; every simulated person gets their own address (TRUST_PROXY=true).
const app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
try {
  const people: Array<{ username: string; ip: string; authenticator: SoftwareAuthenticator }> = [];
  const signups: number[] = [];
  const signupStart = performance.now();
  for (let i = 0; i < USERS; i++) {
    const username = `bench${i}`;
    const ip = `10.9.0.${i + 1}`;
    const { authenticator } = await timed(() => signUpAndRegister(app.url, { username, email: `${username}@example.com`, ip }), signups);
    people.push({ username, ip, authenticator });
  }
  const signupWall = performance.now() - signupStart;

  // One sign-in: /auth → username → passkey options → verify → callback → token endpoint.
  const signIn = async (person: (typeof people)[number], mode: 'username' | 'autofill') => {
    const browser = new HttpBrowser(app.url, { ip: person.ip });
    const request = await authorize(browser);
    const redirectTo = await signInWithPasskey(browser, request.uid, person.authenticator, mode === 'username' ? { login: person.username } : {});
    await redeemCode(app.url, await followToCallback(browser, redirectTo), request);
  };

  const sequential: number[] = [];
  const sequentialStart = performance.now();
  for (const person of people) {
    for (let i = 0; i < 5; i++) await timed(() => signIn(person, 'username'), sequential);
  }
  const sequentialWall = performance.now() - sequentialStart;

  const concurrent: number[] = [];
  const concurrentStart = performance.now();
  await Promise.all(
    people.map(async (person) => {
      for (let i = 0; i < SIGN_INS_PER_USER - 5; i++) await timed(() => signIn(person, 'autofill'), concurrent);
    }),
  );
  const concurrentWall = performance.now() - concurrentStart;

  const discovery: number[] = [];
  const discoveryStart = performance.now();
  for (let i = 0; i < 200; i++) await timed(() => fetch(`${app.url}/.well-known/openid-configuration`).then((r) => r.arrayBuffer()), discovery);
  const discoveryWall = performance.now() - discoveryStart;

  const argon2 = await measureArgon2Verify(20);

  console.log(`\nbench on ${BACKEND}, Node ${process.version}`);
  console.table([
    summary('signup + create passkey + tokens', signups, signupWall),
    summary('passkey sign-in to tokens (username, 1 at a time)', sequential, sequentialWall),
    summary(`passkey sign-in to tokens (autofill, ${USERS} at once)`, concurrent, concurrentWall),
    summary('discovery document', discovery, discoveryWall),
    { measurement: 'argon2id verify (m=19 MiB, t=2, p=1)', runs: argon2.runs, 'p50 ms': argon2.medianMs.toFixed(1), 'p95 ms': argon2.p95Ms.toFixed(1), 'per second': '' },
  ]);
} finally {
  await app.destroy();
}
