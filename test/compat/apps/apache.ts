/**
 * Apache httpd with mod_auth_openidc (Debian's apache2 and libapache2-mod-auth-openidc) as a
 * confidential client. Everything lives in a throw-away folder: the config, pid, runtime files,
 * error log, a static page for after logout, and a CGI script behind mod_auth_openidc that prints
 * the OIDC_CLAIM_* variables the module hands to applications.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startProgram, tempDir, type RunningProgram } from '../harness/child-process.ts';

const MODULES = '/usr/lib/apache2/modules';

export interface ApacheOptions {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

// A CGI program sees what mod_auth_openidc passes as environment variables (OIDCPassClaimsAs
// defaults to both headers and environment): one `OIDC_CLAIM_<claim>=<value>` line each.
const CLAIMS_CGI = `#!/bin/sh
printf 'Content-Type: text/plain; charset=utf-8\\r\\n\\r\\n'
env | grep '^OIDC_CLAIM_' | sort
`;

/** The claims from the CGI page's lines, keyed without the OIDC_CLAIM_ prefix. */
export function parseClaimLines(text: string): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^OIDC_CLAIM_([^=]+)=(.*)$/.exec(line.trim());
    if (match) claims[match[1]!] = match[2]!;
  }
  return claims;
}

function config(dir: string, options: ApacheOptions): string {
  const at = (name: string) => path.join(dir, name);
  const module = (name: string, file: string) => `LoadModule ${name}_module ${MODULES}/mod_${file}.so`;
  const origin = `http://127.0.0.1:${options.port}`;
  // As root, Apache's workers switch to an unprivileged user (Apache refuses to serve as root);
  // the folder is made readable for them. As anyone else, they stay that user.
  const user = process.getuid?.() === 0 ? 'User www-data\nGroup www-data' : '';
  return `ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${options.port}
PidFile ${at('httpd.pid')}
DefaultRuntimeDir ${at('run')}
ErrorLog ${at('error.log')}
LogLevel warn auth_openidc:info
${user}
${module('mpm_prefork', 'mpm_prefork')}
${module('authn_core', 'authn_core')}
${module('authz_core', 'authz_core')}
${module('authz_user', 'authz_user')}
${module('alias', 'alias')}
${module('mime', 'mime')}
${module('cgi', 'cgi')}
${module('auth_openidc', 'auth_openidc')}
StartServers 2
TypesConfig /dev/null
AddType text/html .html
DocumentRoot ${at('htdocs')}
<Directory ${dir}>
    Require all granted
</Directory>
ScriptAlias /protected/claims ${at('cgi-bin/claims')}

# mod_auth_openidc: the required settings, and a scope (its default is "openid" alone).
OIDCProviderMetadataURL ${options.issuer}/.well-known/openid-configuration
OIDCClientID ${options.clientId}
OIDCClientSecret ${options.clientSecret}
OIDCRedirectURI ${origin}/protected/redirect_uri
OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}
OIDCScope "openid profile email"
<Location /protected>
    AuthType openid-connect
    Require valid-user
</Location>
`;
}

export function apacheBinary(): string {
  return process.env['APACHE_PATH'] || '/usr/sbin/apache2';
}

export async function startApache(options: ApacheOptions): Promise<RunningProgram> {
  for (const [file, pkg] of [[apacheBinary(), 'apache2'], [`${MODULES}/mod_auth_openidc.so`, 'libapache2-mod-auth-openidc']] as const) {
    if (!existsSync(file)) throw new Error(`no ${file}: apt-get install ${pkg}`);
  }
  const dir = tempDir('apache');
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'htdocs', 'cgi-bin']) mkdirSync(path.join(dir, sub));
  writeFileSync(path.join(dir, 'htdocs/signed-out.html'), '<!doctype html><title>Signed out</title><h1>Signed out of the Apache app</h1>\n');
  writeFileSync(path.join(dir, 'cgi-bin/claims'), CLAIMS_CGI, { mode: 0o755 });
  const configFile = path.join(dir, 'httpd.conf');
  writeFileSync(configFile, config(dir, options));
  const errorLog = path.join(dir, 'error.log');
  return startProgram({
    name: 'Apache',
    command: apacheBinary(),
    args: ['-d', dir, '-f', configFile, '-DFOREGROUND'],
    port: options.port,
    extraLog: () => (existsSync(errorLog) ? `\n${readFileSync(errorLog, 'utf8')}` : ''),
  });
}
