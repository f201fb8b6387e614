import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { TrustProxy } from '../config/trust-proxy.ts';

/** proxy-addr's trust test: is `address`, the i-th hop counted from us (0 = socket peer), a proxy of ours? */
export type IsTrustedProxy = (address: string, hop: number) => boolean;

export function trustedProxyTest(trust: TrustProxy): IsTrustedProxy {
  if ('proxies' in trust) return proxyAddr.compile([...trust.proxies]);
  const { hops } = trust;
  return (_address, hop) => hop < hops;
}

/** What proxy-addr reads of a request; a whole IncomingMessage fits. */
export interface ForwardedRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  socket: { remoteAddress?: string | undefined };
}

/**
 * The client's address: the right-most address, of the socket peer and X-Forwarded-For read right
 * to left, that is not a trusted proxy. Entries a client wrote itself sit to the LEFT of what our
 * proxies append, so they are never reached (Koa's own `proxy: true` takes the left-most entry).
 */
export function clientIp(req: ForwardedRequest, isTrusted: IsTrustedProxy): string {
  // proxy-addr only reads `headers` and `socket`; the cast spares callers a whole IncomingMessage.
  return proxyAddr(req as IncomingMessage, isTrusted) ?? '';
}

/**
 * Whether the request reached the TLS-terminating side as https: over a TLS socket, or from a
 * trusted proxy that says `X-Forwarded-Proto: https` (its first value: the scheme the outermost
 * proxy saw). Only the plain-http warning needs this; URLs and cookies follow ISSUER regardless.
 */
export function arrivedOverHttps(req: ForwardedRequest & { socket: { encrypted?: boolean } }, isTrusted: IsTrustedProxy): boolean {
  if (req.socket.encrypted) return true;
  if (!isTrusted(req.socket.remoteAddress ?? '', 0)) return false;
  const header = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
