import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';
import { routeOrigin } from './dispatchers.ts';
import { startNginx, TEST_HOSTNAME, type Nginx } from './nginx.ts';
import { freePort } from './ports.ts';

export interface AppBehindNginx {
  app: TestApp;
  nginx: Nginx;
  /** The public https URL, ISSUER: nginx's port on TEST_HOSTNAME. */
  url: string;
  destroy(): Promise<void>;
}

/**
 * A test app with `ISSUER=https://id.example.test:<nginx port>` and `TRUST_PROXY=true` (unless
 * `env` says otherwise), reached only through nginx terminating TLS. HttpBrowser and the
 * relying-party helpers reach `url` through nginx's dispatcher (CA trusted, name → 127.0.0.1).
 */
export async function startAppBehindNginx(
  options: TestAppOptions & { forwardedProto?: boolean } = {},
): Promise<AppBehindNginx> {
  const port = await freePort();
  const url = `https://${TEST_HOSTNAME}:${port}`;
  const app = await startTestApp({ ...options, env: { TRUST_PROXY: 'true', ISSUER: url, ...options.env } });
  let nginx: Nginx;
  try {
    const upstreamPort = (app.server.address() as AddressInfo).port;
    nginx = await startNginx({ upstreamPort, port, ...(options.forwardedProto === undefined ? {} : { forwardedProto: options.forwardedProto }) });
  } catch (error) {
    await app.destroy();
    throw error;
  }
  const unroute = routeOrigin(url, nginx.dispatcher);
  return {
    app,
    nginx,
    url,
    async destroy() {
      unroute();
      await nginx.stop();
      await app.destroy();
    },
  };
}
