// Times argon2id verifies with the magic-link parameters: `node bench/argon2.ts [runs]`.
// bench/run.ts may import `measureArgon2Verify` to put the numbers in its table.
import { performance } from 'node:perf_hooks';
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from '../src/services/one-time-codes.ts';

export interface Argon2Timing {
  runs: number;
  medianMs: number;
  p95Ms: number;
}

export async function measureArgon2Verify(runs = 20): Promise<Argon2Timing> {
  const secret = 'x'.repeat(43);
  const hash = await argon2.hash(secret, ARGON2_OPTIONS);
  await argon2.verify(hash, secret); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    if (!(await argon2.verify(hash, secret))) throw new Error('argon2 verify failed');
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? Number.NaN;
  return { runs, medianMs: at(0.5), p95Ms: at(0.95) };
}

if (import.meta.main) {
  const { runs, medianMs, p95Ms } = await measureArgon2Verify(Number(process.argv[2] ?? 20));
  const { memoryCost, timeCost, parallelism } = ARGON2_OPTIONS;
  console.log(`argon2id verify (m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}), ${runs} runs: median ${medianMs.toFixed(1)} ms, p95 ${p95Ms.toFixed(1)} ms`);
}
