/**
 * Serves the oidc-client-ts single-page app: index.html for every page path (/, /callback,
 * /signed-out), the library's browser bundle from node_modules, and /config.json (issuer and
 * client id). In the test process; its "output" is the list of requests it answered.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningProgram } from '../../harness/child-process.ts';

const PAGE = fileURLToPath(new URL('./index.html', import.meta.url));
// The package's "main" is dist/umd/…; its browser bundle sits beside it (global `oidc`).
const BUNDLE = path.join(path.dirname(createRequire(import.meta.url).resolve('oidc-client-ts')), '../browser/oidc-client-ts.js');

export async function startSpaServer(options: { port: number; issuer: string; clientId: string }): Promise<RunningProgram> {
  const log: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${options.port}`);
    log.push(`${request.method} ${url.pathname}${url.search ? '?…' : ''}`);
    const send = (type: string, body: string | Buffer) => {
      response.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      response.end(body);
    };
    if (url.pathname === '/config.json') return send('application/json', JSON.stringify({ issuer: options.issuer, clientId: options.clientId }));
    if (url.pathname === '/oidc-client-ts.js') return send('text/javascript', readFileSync(BUNDLE));
    if (url.pathname === '/favicon.ico') {
      response.writeHead(404).end();
      return;
    }
    return send('text/html; charset=utf-8', readFileSync(PAGE));
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  return {
    output: () => `requests served: ${log.join(', ')}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
