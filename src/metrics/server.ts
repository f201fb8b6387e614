import { createServer, type Server } from 'node:http';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from './registry.ts';
import { createScrape } from './scrape.ts';

/**
 * The separate metrics listener (METRICS_PORT): `GET /metrics` and nothing else, outside the
 * app (no sessions, cookies or pages), so publishing this port exposes the numbers and no more.
 */
export function createMetricsServer(metrics: Metrics, options: { token: string | undefined; logger: Logger }): Server {
  const scrape = createScrape(metrics, options.token);
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Use GET\n');
      return;
    }
    scrape(req.headers.authorization).then(
      (answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(req.method === 'HEAD' ? undefined : answer.body);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'metrics scrape failed');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics could not be collected\n');
      },
    );
  });
}
