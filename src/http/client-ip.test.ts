import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTrustProxy, type TrustProxy } from '../config/trust-proxy.ts';
import { arrivedOverHttps, clientIp, trustedProxyTest } from './client-ip.ts';

function trust(text: string): TrustProxy {
  const parsed = parseTrustProxy(text);
  assert.ok(!('problem' in parsed), `TRUST_PROXY=${text} should parse`);
  return parsed;
}

/** The client address the app sees for a socket peer and an X-Forwarded-For header. */
function ipFor(trustProxy: string, peer: string, forwardedFor?: string): string {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return clientIp({ headers, socket: { remoteAddress: peer } }, trustedProxyTest(trust(trustProxy)));
}

describe('client IP behind reverse proxies', () => {
  test('TRUST_PROXY=false: the socket peer, whatever X-Forwarded-For says', () => {
    assert.equal(ipFor('false', '198.51.100.9'), '198.51.100.9');
    assert.equal(ipFor('false', '198.51.100.9', '203.0.113.7'), '198.51.100.9');
  });

  test('TRUST_PROXY=true: the right-most X-Forwarded-For entry, never a spoofed left-most one', () => {
    // nginx's $proxy_add_x_forwarded_for appends the real client to what the client sent.
    assert.equal(ipFor('true', '127.0.0.1', '203.0.113.7'), '203.0.113.7');
    assert.equal(ipFor('true', '127.0.0.1', '6.6.6.6, 203.0.113.7'), '203.0.113.7');
    assert.equal(ipFor('true', '127.0.0.1', '6.6.6.6,7.7.7.7,  203.0.113.7'), '203.0.113.7');
    // Without the header (a probe straight to the proxy's upstream) the peer is the client.
    assert.equal(ipFor('true', '127.0.0.1'), '127.0.0.1');
  });

  test('a hop count skips exactly that many proxies from the right', () => {
    assert.equal(ipFor('2', '10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.1'), '203.0.113.7');
    assert.equal(ipFor('3', '10.0.0.3', '6.6.6.6, 203.0.113.7, 10.0.0.1, 10.0.0.2'), '203.0.113.7');
    // Fewer entries than hops: the left-most is all there is.
    assert.equal(ipFor('3', '10.0.0.2', '203.0.113.7'), '203.0.113.7');
    assert.equal(ipFor('0', '10.0.0.2', '203.0.113.7'), '10.0.0.2');
  });

  test('a list of proxies: the right-most address that is not one of them', () => {
    const proxies = '10.0.0.0/8, 192.168.1.10';
    assert.equal(ipFor(proxies, '10.1.2.3', '6.6.6.6, 203.0.113.7, 192.168.1.10'), '203.0.113.7');
    assert.equal(ipFor(proxies, '10.1.2.3', '203.0.113.7, 10.9.9.9'), '203.0.113.7');
    // A peer outside the list is the client itself; its X-Forwarded-For is ignored.
    assert.equal(ipFor(proxies, '198.51.100.9', '203.0.113.7'), '198.51.100.9');
    // Dual-stack sockets report IPv4 peers as IPv4-mapped IPv6; they still match IPv4 ranges.
    assert.equal(ipFor(proxies, '::ffff:10.1.2.3', '6.6.6.6, 203.0.113.7'), '203.0.113.7');
    assert.equal(ipFor('loopback', '::1', '6.6.6.6, 203.0.113.7'), '203.0.113.7');
  });

  test('IPv6 proxies and clients', () => {
    assert.equal(ipFor('true', '::1', '2001:db8::dead, 2001:db8::7'), '2001:db8::7');
    assert.equal(ipFor('fd00::/8', 'fd00::1', '2001:db8::dead, 2001:db8::7, fd12::2'), '2001:db8::7');
    assert.equal(ipFor('fd00::/8', '2001:db8::9', '2001:db8::7'), '2001:db8::9');
    assert.equal(ipFor('10.0.0.0/8,fd00::/8', 'fd00::1', '203.0.113.7, 10.0.0.5'), '203.0.113.7');
  });
});

describe('was the request https at the proxy', () => {
  const request = (peer: string, proto?: string, encrypted = false) => ({
    headers: proto === undefined ? {} : { 'x-forwarded-proto': proto },
    socket: { remoteAddress: peer, encrypted },
  });

  test('only a trusted peer is believed about X-Forwarded-Proto', () => {
    assert.equal(arrivedOverHttps(request('127.0.0.1', 'https'), trustedProxyTest(trust('true'))), true);
    assert.equal(arrivedOverHttps(request('127.0.0.1', 'https'), trustedProxyTest(trust('false'))), false);
    assert.equal(arrivedOverHttps(request('198.51.100.9', 'https'), trustedProxyTest(trust('10.0.0.0/8'))), false);
    assert.equal(arrivedOverHttps(request('10.0.0.1', 'HTTPS, http'), trustedProxyTest(trust('10.0.0.0/8'))), true);
  });

  test('a missing header or http is plain http; a TLS socket is https', () => {
    assert.equal(arrivedOverHttps(request('127.0.0.1'), trustedProxyTest(trust('true'))), false);
    assert.equal(arrivedOverHttps(request('127.0.0.1', 'http'), trustedProxyTest(trust('true'))), false);
    assert.equal(arrivedOverHttps(request('127.0.0.1', undefined, true), trustedProxyTest(trust('false'))), true);
  });
});
