export type Check = () => Promise<void>;

export interface HealthReport {
  ok: boolean;
  checks: Record<string, 'ok' | 'down'>;
}

/** How long a dependency may take to answer before it counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: Check): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
    check().then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

export function createHealthService(checks: Record<string, Check>) {
  return {
    async readiness(): Promise<HealthReport> {
      const names = Object.keys(checks);
      const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!)));
      const report: HealthReport = { ok: true, checks: {} };
      results.forEach((result, index) => {
        report.checks[names[index]!] = result.status === 'fulfilled' ? 'ok' : 'down';
        if (result.status === 'rejected') report.ok = false;
      });
      return report;
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
