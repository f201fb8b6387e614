import { Router } from '@koa/router';
import type { HealthService } from '../../services/health.ts';

/** Liveness (the process answers) and readiness (database and store answer). */
export function healthRoutes(health: HealthService): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const report = await health.readiness();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = report.ok ? 200 : 503;
    ctx.body = { status: report.ok ? 'ready' : 'unavailable', checks: report.checks };
  });
  return router;
}
