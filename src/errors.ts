import type { MessageKey, MessageVars } from './i18n/translator.ts';
import { causeChain } from './lib/error-causes.ts';

/**
 * One error type for everything the app raises on purpose. `expose` says whether the
 * description may be shown to the caller; anything else becomes a generic 500 message.
 */
export interface AppErrorOptions {
  status?: number;
  expose?: boolean;
  /** For logs and callers without a language; `message` is what people read. */
  description?: string;
  /** The catalog message shown to the caller, in their language (src/i18n). */
  messageKey?: MessageKey;
  messageVars?: MessageVars;
  cause?: unknown;
  /** Response headers that belong with this error, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** Machine-readable fields for page scripts, added to the JSON answer beside `error` (never to pages). */
  details?: Record<string, string | boolean>;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly description: string;
  readonly messageKey: MessageKey | undefined;
  readonly messageVars: MessageVars;
  readonly headers: Record<string, string>;
  readonly details: Record<string, string | boolean>;

  constructor(code: string, options: AppErrorOptions = {}) {
    super(options.description ?? options.messageKey ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 400;
    this.expose = options.expose ?? this.status < 500;
    this.description = options.description ?? code;
    this.messageKey = options.messageKey;
    this.messageVars = options.messageVars ?? {};
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }
}

export function assertThat(condition: unknown, code: string, options: AppErrorOptions = {}): asserts condition {
  if (!condition) throw new AppError(code, options);
}

/**
 * A configuration problem found at start-up. Each line names the variable, file or field,
 * what is wrong and how to fix it; main prints them and exits 1.
 */
export class ConfigError extends Error {
  readonly lines: string[];

  constructor(lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.lines = lines;
  }
}

/** The outage behind an error, however deeply a library wrapped it (oidc-provider, TypeORM). */
export function outageBehind(error: unknown): DependencyUnavailableError | undefined {
  return causeChain(error).find((link): link is DependencyUnavailableError => link instanceof DependencyUnavailableError);
}

/** Seconds a client is asked to wait when a dependency is down: long enough for a restart or failover. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The database or the store did not answer. Requests fail fast with a 503 and Retry-After
 * instead of hanging or answering 500; nothing was changed half-way that the caller relies on.
 */
export class DependencyUnavailableError extends AppError {
  readonly dependency: 'database' | 'store';

  constructor(dependency: 'database' | 'store', cause?: unknown) {
    super('temporarily_unavailable', {
      status: 503,
      expose: true,
      description: 'This service is briefly unavailable. Please try again in a moment.',
      messageKey: 'error.unavailable',
      headers: { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) },
      cause,
    });
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}
