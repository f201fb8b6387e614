import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log object. Tokens, cookies and secrets
 * must never reach a log line, even at debug level.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.client_secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.code',
  '*.cookie',
  '*.secretKeys',
  '*.privateJwk',
];

/** `json` for log collectors (production), `pretty` for a person reading a terminal (development). */
export type LogFormat = 'json' | 'pretty';

/**
 * The app's logger. Redaction happens in pino itself, before either format sees the object, so
 * pretty lines are as clean as JSON ones. Without `destination` it writes to stdout.
 */
export function createLogger(
  level: LevelWithSilent = 'info',
  destination?: pino.DestinationStream,
  format: LogFormat = 'json',
): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    format === 'pretty' ? prettyStream(destination) : destination,
  );
}

/**
 * pino-pretty as a plain stream in this thread, not a worker transport: a worker costs start-up
 * time, and `sync` keeps lines in order with the dev outbox's own stdout lines and lets the last
 * ones out before `process.exit`. Colours only on a terminal (and not with NO_COLOR, the common
 * convention), so redirected output stays plain.
 */
function prettyStream(destination?: pino.DestinationStream): pino.DestinationStream {
  return pretty({
    sync: true,
    colorize: destination === undefined && process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined,
    translateTime: 'SYS:HH:MM:ss',
    // One line per entry; the request id is in the X-Request-Id response header when it is needed.
    singleLine: true,
    ignore: 'pid,hostname,requestId',
    ...(destination ? { destination } : {}),
  });
}

/** Path segments after these prefixes carry secrets (emailed links); they are masked in logs. */
const SECRET_PATH_PREFIXES = ['/email/'];

export function redactPath(path: string): string {
  for (const prefix of SECRET_PATH_PREFIXES) {
    if (path.startsWith(prefix)) return `${prefix}[redacted]`;
  }
  return path;
}
