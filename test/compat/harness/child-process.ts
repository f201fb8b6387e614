/**
 * A relying party run as a child process (Apache, Flask, a Node server, a Go binary): its output
 * is kept for failure messages, `ready` resolves once its port accepts connections (or rejects
 * with what it printed when it exits first), and `stop()` ends it and whatever it forked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForPort } from '../../helpers/ports.ts';

export interface RunningProgram {
  /** What it printed on stdout and stderr, interleaved, plus any log `extraLog` reads. */
  output(): string;
  stop(): Promise<void>;
}

export interface ProgramOptions {
  /** Shown in messages, e.g. "Apache". */
  name: string;
  command: string;
  args: readonly string[];
  /** The loopback port it listens on once ready. */
  port: number;
  env?: Record<string, string>;
  cwd?: string;
  /** A log file the program writes instead of stderr (Apache's error log). */
  extraLog?: () => string;
  readyTimeoutMs?: number;
}

export async function startProgram(options: ProgramOptions): Promise<RunningProgram> {
  // detached: its own process group, so stop() also ends what it forked (Apache's workers).
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.on('error', (error: NodeJS.ErrnoException) => {
    printed += error.code === 'ENOENT' ? `${options.command} is not installed` : error.message;
  });
  const output = () => `${printed}${options.extraLog?.() ?? ''}`.trim();
  // If the test process dies first, the program must not outlive it holding the port.
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    await stopChild(child);
  };
  try {
    await waitForPort(options.port, { timeoutMs: options.readyTimeoutMs ?? 15_000, child });
  } catch (error) {
    await stop();
    throw new Error(`${options.name} did not start: ${(error as Error).message}\n--- ${options.name} printed:\n${output() || '(nothing)'}`, { cause: error });
  }
  return { output, stop };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (exited(child) || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** SIGTERM to the whole group, SIGKILL after 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const done = once(child, 'exit');
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
  await done;
  clearTimeout(timer);
}

const temps: string[] = [];

/** A throw-away folder, removed by `removeTempDirs()` (the suite's after hook). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `idp-compat-${prefix}-`));
  temps.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}
