import { createLogger, type Logger } from '../../src/lib/logger.ts';

export interface CapturedLogs {
  logger: Logger;
  /** Everything logged so far, as written (JSON lines). */
  text(): string;
  entries(): Array<Record<string, unknown>>;
}

/** A real pino logger (with the app's redaction) writing into memory, at debug level. */
export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  return {
    logger,
    text: () => lines.join(''),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * Runs `work` while catching the outbox's stdout lines ("dev outbox: …", or "mail outbox: …" in
 * production); everything else written to stdout passes through (the test runner reports there).
 */
export async function captureDevOutbox<T>(work: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' && /^(dev|mail) outbox:/.test(chunk)) {
      lines.push(chunk);
      return true;
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stdout.write;
  try {
    return { result: await work(), lines };
  } finally {
    process.stdout.write = original;
  }
}
