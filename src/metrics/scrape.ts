import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metrics } from './registry.ts';

export interface ScrapeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const BEARER = /^Bearer +(\S+) *$/i;

function refusal(error: 'unauthorized' | 'invalid_token', description: string): ScrapeAnswer {
  return {
    status: 401,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'WWW-Authenticate': error === 'invalid_token' ? 'Bearer realm="metrics", error="invalid_token"' : 'Bearer realm="metrics"',
    },
    body: JSON.stringify({ error, error_description: description }),
  };
}

/**
 * Answers a scrape: the metrics, or a 401 without them when `token` is set and the request's
 * `Authorization: Bearer …` is not it. Compared as SHA-256 digests with timingSafeEqual: equal
 * lengths, and the time taken says nothing about how much of a guess was right.
 */
export function createScrape(metrics: Metrics, token: string | undefined): (authorization: string | undefined) => Promise<ScrapeAnswer> {
  const expected = token === undefined ? undefined : sha256(token);
  return async (authorization) => {
    if (expected) {
      const presented = BEARER.exec(authorization ?? '')?.[1];
      if (presented === undefined) return refusal('unauthorized', 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.');
      if (!timingSafeEqual(sha256(presented), expected)) return refusal('invalid_token', 'That is not the metrics token.');
    }
    return {
      status: 200,
      headers: { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' },
      body: await metrics.scrape(),
    };
  };
}
