import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The app's metrics, in one prom-client Registry per app instance (never prom-client's global
 * one): several apps in one process, as the tests run them, then count separately and cannot
 * collide on a metric name. Every label value comes from a fixed list in code, never from a
 * request: an unbounded label (a raw path, a username) would let anyone grow the registry.
 */

export const SIGN_IN_METHODS = ['passkey', 'email_link', 'email_code', 'signup'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export const MAIL_KINDS = ['sign_in', 'signup_code'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** Grants that issue tokens here (implicit: the ID token of `response_type=id_token`). */
export const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'device_code'] as const;
const KNOWN_GRANTS: ReadonlySet<string> = new Set(GRANTS);

export type DependencyReport = Record<string, 'ok' | 'down'>;

export interface MetricsOptions {
  /** Names of the rate limits, so that each refusal series exists (at 0) before the first refusal. */
  rateLimits: readonly string[];
  /** The readiness checks (services/health.ts), run at scrape time; each has its own short timeout. */
  dependencies: () => Promise<DependencyReport>;
  /** Whether anyone can scrape (METRICS_PORT or METRICS_TOKEN): only then run the process collectors. */
  exposed: boolean;
}

export interface Metrics {
  /** A proof of identity was checked: accepted (`ok`) or refused. */
  signIn(method: SignInMethod, ok: boolean): void;
  mail(kind: MailKind, sent: boolean): void;
  rateLimitRefused(limit: string): void;
  /** A token response, by the grant type oidc-provider accepted (others count as `other`). */
  tokensIssued(grant: string): void;
  /** One HTTP request; every argument must come from a bounded set (request-metrics.ts). */
  observeRequest(route: string, method: string, statusClass: string, seconds: number): void;
  /** The exposition text: the app's metrics, then the process's. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

let processRegistry: Registry | undefined;

/**
 * Process metrics (CPU, memory, event-loop lag, GC) belong to the process, not to an app: one
 * registry for the process. Each collectDefaultMetrics() call adds a GC observer and an
 * event-loop monitor (a timer every 10 ms) that are never removed, so once per process, and only
 * when metrics are exposed.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  // At start, not at the first scrape: CPU time and GC counts run from when collection began.
  if (options.exposed) processMetrics();

  const signIns = new Counter({
    name: 'idp_sign_ins_total',
    help: 'Sign-in proofs checked (passkey, emailed link or code, signup code), by method and result.',
    labelNames: ['method', 'result'] as const,
    registers,
  });
  const emails = new Counter({
    name: 'idp_emails_total',
    help: 'Emails handed to the mail server (or dev outbox), by kind and result.',
    labelNames: ['kind', 'result'] as const,
    registers,
  });
  const refusals = new Counter({
    name: 'idp_rate_limit_refusals_total',
    help: 'Requests refused with 429 by a rate limit, by limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  const tokens = new Counter({
    name: 'idp_tokens_issued_total',
    help: 'Successful token responses, by grant type.',
    labelNames: ['grant'] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: 'idp_http_request_duration_seconds',
    help: 'HTTP request latency, by route (a route template or oidc-provider route name), method and status class.',
    labelNames: ['route', 'method', 'status_class'] as const,
    // Default buckets (5 ms to 10 s) plus 30 s: a dead mail server holds a request up to its timeouts.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  new Gauge({
    name: 'idp_dependency_up',
    help: 'Whether a dependency answered its health check at scrape time (1) or not (0).',
    labelNames: ['dependency'] as const,
    registers,
    async collect() {
      const report = await options.dependencies();
      for (const [dependency, state] of Object.entries(report)) this.set({ dependency }, state === 'ok' ? 1 : 0);
    },
  });

  // Every known series exists from the start at 0, so rate() and alerts see the first event.
  for (const method of SIGN_IN_METHODS) for (const result of ['success', 'failure']) signIns.inc({ method, result }, 0);
  for (const kind of MAIL_KINDS) for (const result of ['sent', 'failed']) emails.inc({ kind, result }, 0);
  for (const limit of options.rateLimits) refusals.inc({ limit }, 0);
  for (const grant of GRANTS) tokens.inc({ grant }, 0);

  return {
    signIn: (method, ok) => signIns.inc({ method, result: ok ? 'success' : 'failure' }),
    mail: (kind, sent) => emails.inc({ kind, result: sent ? 'sent' : 'failed' }),
    rateLimitRefused: (limit) => refusals.inc({ limit }),
    tokensIssued: (grant) => tokens.inc({ grant: KNOWN_GRANTS.has(grant) ? grant : 'other' }),
    observeRequest: (route, method, statusClass, seconds) => requestDuration.observe({ route, method, status_class: statusClass }, seconds),
    async scrape() {
      const [app, process] = await Promise.all([registry.metrics(), processMetrics().metrics()]);
      return `${app}\n${process}`;
    },
    contentType: registry.contentType,
  };
}
