// wrk (Debian's package `wrk`) as the endpoint rows' load generator. It is written in C: on a
// 2-core machine where the load generator, the server and its databases share the cores, a
// generator in Node spent about as much CPU per request as the fastest answers cost the server,
// and measured itself instead (JWKS and discovery). What wrk reports comes back through its Lua
// `done` hook as one line of JSON, not from its human-readable summary.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WrkRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | undefined;
  connections: number;
  seconds: number;
}

export interface WrkResult {
  /** Responses received, of any status. */
  responses: number;
  /** Responses with a status of 400 or above (what wrk counts as a status error). */
  statusErrors: number;
  /** Connect, read and write errors and timeouts. */
  socketErrors: number;
  wallSeconds: number;
  p50Ms: number;
  p99Ms: number;
}

const MARK = 'WRK-RESULT ';

/**
 * A Lua string literal for any string: printable ASCII as is, every other byte as a decimal escape
 * of three digits (Lua reads up to three, so `\\10` before a digit would swallow it).
 */
function luaString(value: string): string {
  let literal = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    literal += byte >= 0x20 && byte < 0x7f && char !== '"' && char !== '\\' ? char : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${literal}"`;
}

/** The script that sets the request and prints the result (latency in µs, duration in µs). */
function wrkScript(request: Pick<WrkRequest, 'method' | 'headers' | 'body'>): string {
  const lines = [`wrk.method = ${luaString(request.method)}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  if (request.body !== undefined) lines.push(`wrk.body = ${luaString(request.body)}`);
  lines.push(
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    `  io.write(string.format(${luaString(`${MARK}{"responses":%d,"statusErrors":%d,"socketErrors":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d}\n`)},`,
    '    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,',
    '    latency:percentile(50), latency:percentile(99)))',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

/** Parses the line the script's `done` hook printed. */
function parseWrkOutput(output: string): WrkResult {
  const line = output.split('\n').find((candidate) => candidate.startsWith(MARK));
  if (!line) throw new Error(`wrk printed no result:\n${output.slice(-2000)}`);
  const raw = JSON.parse(line.slice(MARK.length)) as Record<string, number>;
  return {
    responses: raw['responses']!,
    statusErrors: raw['statusErrors']!,
    socketErrors: raw['socketErrors']!,
    wallSeconds: raw['durationUs']! / 1e6,
    p50Ms: raw['p50Us']! / 1000,
    p99Ms: raw['p99Us']! / 1000,
  };
}

const NOT_INSTALLED = 'the endpoint rows need wrk: apt-get install wrk (Debian, Ubuntu) or brew install wrk';

/** Before minutes of sign-in rows, not after them: is wrk there at all? */
export function assertWrkInstalled(): void {
  const found = spawnSync('wrk', ['--version']);
  if ((found.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(NOT_INSTALLED);
}

export async function runWrk(request: WrkRequest): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'idp-bench-wrk-'));
  try {
    const script = path.join(dir, 'request.lua');
    writeFileSync(script, wrkScript(request));
    const args = ['--threads', '1', '--connections', String(request.connections), '--duration', `${request.seconds}s`, '--timeout', '10s', '--script', script, request.url];
    const output = await new Promise<string>((resolve, reject) => {
      execFile('wrk', args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          reject(new Error(missing ? NOT_INSTALLED : `wrk failed: ${error.message}\n${stderr}`));
        } else resolve(stdout);
      });
    });
    return parseWrkOutput(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
