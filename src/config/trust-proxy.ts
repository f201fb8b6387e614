import proxyAddr from 'proxy-addr';

/**
 * Which reverse proxies may tell us the client's address (X-Forwarded-For):
 * - `{ hops: n }`: the last n addresses (the socket peer, then X-Forwarded-For right to left) are
 *   proxies; `hops: 0` trusts nobody and `TRUST_PROXY=true` means exactly one proxy.
 * - `{ proxies: [...] }`: addresses, CIDR ranges or proxy-addr's names (`loopback`, `linklocal`,
 *   `uniquelocal`) of the proxies; the client is the right-most address not in the list.
 */
export type TrustProxy = { readonly hops: number } | { readonly proxies: readonly string[] };

const EXAMPLE = 'use e.g. true (one proxy in front), 2 (two proxies in a row) or 10.0.0.0/8,fd00::/8 (the proxies\' addresses)';

/** Parses TRUST_PROXY's text; returns what is wrong (to follow the quoted value) when it is not valid. */
export function parseTrustProxy(text: string): TrustProxy | { problem: string } {
  const value = text.trim().toLowerCase();
  if (['false', 'no', 'off'].includes(value)) return { hops: 0 };
  if (['true', 'yes', 'on'].includes(value)) return { hops: 1 };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 100) return { problem: `is more proxy hops than any real setup has; ${EXAMPLE}` };
    return { hops };
  }
  if (/^-?\d+(\.\d+)?$/.test(value)) return { problem: `is not a number of proxy hops (0 or more); ${EXAMPLE}` };
  const proxies = value.split(',').map((entry) => entry.trim());
  if (proxies.some((entry) => entry === '')) return { problem: `has an empty entry in its list; ${EXAMPLE}` };
  for (const entry of proxies) {
    try {
      proxyAddr.compile(entry);
    } catch {
      const what = proxies.length === 1
        ? 'is not true, false, a number of proxy hops or a proxy address'
        : `has "${entry}", which is not an IP address or CIDR range`;
      return { problem: `${what}; ${EXAMPLE}` };
    }
  }
  return { proxies };
}

/** False for TRUST_PROXY=false (or 0): X-Forwarded-* are then ignored altogether. */
export function trustsAnyProxy(trust: TrustProxy): boolean {
  return 'proxies' in trust || trust.hops > 0;
}
