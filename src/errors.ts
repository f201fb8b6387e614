/**
 * One error type for everything the app raises on purpose. `expose` says whether the
 * description may be shown to the caller; anything else becomes a generic 500 message.
 */
export interface AppErrorOptions {
  status?: number;
  expose?: boolean;
  description?: string;
  cause?: unknown;
  /** Response headers that belong with this error, e.g. Retry-After. */
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly description: string;
  readonly headers: Record<string, string>;

  constructor(code: string, options: AppErrorOptions = {}) {
    super(options.description ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 400;
    this.expose = options.expose ?? this.status < 500;
    this.description = options.description ?? code;
    this.headers = options.headers ?? {};
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
