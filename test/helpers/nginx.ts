/**
 * A real nginx (Debian's package, or NGINX_PATH) terminating TLS in front of a test app, as in
 * production. Everything lives in a throw-away folder: a test CA and server certificate made with
 * the `openssl` CLI, the config, pid, temp paths and logs. nginx runs in the foreground (`daemon
 * off`) as a child process, as root or not.
 *
 *   const nginx = await startNginx({ upstreamPort: 3000, port: await freePort() });
 *   nginx.url          https://id.example.test:<port>; nginx.dispatcher trusts the CA and maps
 *                      the name to 127.0.0.1 (fetch with it, or routeOrigin(nginx.url, …))
 *   nginx.certificates.spkiSha256   for Chromium's --ignore-certificate-errors-spki-list
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Agent } from 'undici';
import { tlsDispatcher } from './dispatchers.ts';
import { waitForPort } from './ports.ts';

export const TEST_HOSTNAME = 'id.example.test';

export interface TestCertificates {
  caPem: string;
  certFile: string;
  keyFile: string;
  /** base64 SHA-256 of the server certificate's SubjectPublicKeyInfo. */
  spkiSha256: string;
}

/** A CA and a server certificate for `hostname` (plus localhost and 127.0.0.1) signed by it. */
export function makeTestCertificates(dir: string, hostname: string): TestCertificates {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('no openssl command: apt-get install openssl', { cause: error });
      throw error;
    }
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2',
    '-subj', '/CN=Passkey ID test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ecKey, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${hostname}`);
  writeFileSync(file('server.ext'), [
    `subjectAltName=DNS:${hostname},DNS:localhost,IP:127.0.0.1`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-set_serial', `0x${Date.now().toString(16)}`, '-days', '2', '-extfile', file('server.ext'), '-out', file('server.pem'));
  const server = new X509Certificate(readFileSync(file('server.pem')));
  const spki = server.publicKey.export({ type: 'spki', format: 'der' });
  return {
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}

export interface NginxOptions {
  /** The app's port on 127.0.0.1. */
  upstreamPort: number;
  /** nginx's https port on 127.0.0.1. */
  port: number;
  hostname?: string;
  /** Send `X-Forwarded-Proto $scheme` (default true); false is the common misconfiguration. */
  forwardedProto?: boolean;
}

export interface Nginx {
  url: string;
  hostname: string;
  port: number;
  certificates: TestCertificates;
  /** Trusts the test CA and resolves the hostname to 127.0.0.1. */
  dispatcher: Agent;
  errorLog(): string;
  stop(): Promise<void>;
}

/** The proxy part of the config: the same as README's "Behind a reverse proxy" nginx example. */
function locationBlock(upstreamPort: number, forwardedProto: boolean): string {
  return `
        location / {
            proxy_pass http://127.0.0.1:${upstreamPort};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            ${forwardedProto ? 'proxy_set_header X-Forwarded-Proto $scheme;' : '# no X-Forwarded-Proto: the misconfiguration under test'}
        }`;
}

function nginxConfig(dir: string, options: Required<NginxOptions>, certificates: TestCertificates): string {
  const at = (name: string) => path.join(dir, name);
  // As root, nginx's workers would switch to `nobody`, who cannot read this folder.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  return `${user}
daemon off;
worker_processes 1;
pid ${at('nginx.pid')};
error_log ${at('error.log')} warn;
events { worker_connections 256; }
http {
    access_log ${at('access.log')};
    client_body_temp_path ${at('temp/client_body')};
    proxy_temp_path ${at('temp/proxy')};
    fastcgi_temp_path ${at('temp/fastcgi')};
    uwsgi_temp_path ${at('temp/uwsgi')};
    scgi_temp_path ${at('temp/scgi')};
    server {
        listen 127.0.0.1:${options.port} ssl;
        server_name ${options.hostname};
        ssl_certificate ${certificates.certFile};
        ssl_certificate_key ${certificates.keyFile};
${locationBlock(options.upstreamPort, options.forwardedProto)}
    }
}
`;
}

export function nginxBinary(): string {
  return process.env['NGINX_PATH'] || ['/usr/sbin/nginx', '/usr/bin/nginx'].find((candidate) => existsSync(candidate)) || 'nginx';
}

export async function startNginx(input: NginxOptions): Promise<Nginx> {
  const options: Required<NginxOptions> = { hostname: TEST_HOSTNAME, forwardedProto: true, ...input };
  const dir = mkdtempSync(path.join(tmpdir(), 'idp-nginx-'));
  mkdirSync(path.join(dir, 'temp'));
  const certificates = makeTestCertificates(dir, options.hostname);
  const configFile = path.join(dir, 'nginx.conf');
  writeFileSync(configFile, nginxConfig(dir, options, certificates));
  const errorLog = () => (existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : '');

  // -e: the error log before the config is read (the compiled-in default is /var/log/nginx).
  const child = spawn(nginxBinary(), ['-p', dir, '-c', configFile, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // No nginx installed: say how to get one instead of crashing on an unhandled 'error' event.
  child.on('error', (error: NodeJS.ErrnoException) => {
    stderr += error.code === 'ENOENT' ? `no nginx at ${nginxBinary()}: apt-get install nginx, or set NGINX_PATH` : error.message;
  });
  if (child.pid === undefined) await new Promise((resolve) => child.once('error', resolve));
  // If the test process dies first, nginx must not outlive it holding the port.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const dispatcher = tlsDispatcher({ ca: certificates.caPem, hosts: [options.hostname] });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    await dispatcher.close();
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(options.port, { timeoutMs: 10_000, child, name: 'nginx' });
  } catch (error) {
    const detail = `${stderr}${errorLog()}`.trim();
    await stop();
    throw new Error(`nginx did not start: ${(error as Error).message}${detail ? `\n${detail}` : ''}`, { cause: error });
  }
  return { url: `https://${options.hostname}:${options.port}`, hostname: options.hostname, port: options.port, certificates, dispatcher, errorLog, stop };
}

/** SIGTERM is nginx's fast shutdown (the master stops its workers); SIGKILL if it hangs. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
