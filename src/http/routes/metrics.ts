import { Router } from '@koa/router';
import type { AppConfig } from '../../config/env.ts';
import type { Metrics } from '../../metrics/registry.ts';
import { createScrape } from '../../metrics/scrape.ts';

/**
 * `GET /metrics` on the main port, only with METRICS_TOKEN and no METRICS_PORT: then a scrape
 * must bring the token. Otherwise no route, and /metrics is a 404 like any unknown path.
 */
export function metricsRoutes(metrics: Metrics, config: Pick<AppConfig, 'metricsToken' | 'metricsPort'>): Router {
  const router = new Router();
  if (config.metricsToken === undefined || config.metricsPort !== undefined) return router;
  const scrape = createScrape(metrics, config.metricsToken);
  router.get('/metrics', async (ctx) => {
    const answer = await scrape(ctx.get('authorization') || undefined);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  });
  return router;
}
