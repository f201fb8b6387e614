/**
 * Clients as an operator writes them: files in a temporary CLIENTS_DIR, loaded and checked by the
 * same code as at start-up, so a test exercises the file format and the provider together.
 *
 *   const clients = await clientsFromFiles({ 'rp.json': { client_id: 'rp', … } });
 *   const app = await startTestApp({ clients: [...TEST_CLIENTS, ...clients] });
 *   const config = await relyingPartyFor(app.url, 'rp', oidc.PrivateKeyJwt(privateKey));
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClientMetadata } from 'oidc-provider';
import { loadClients } from '../../src/config/clients.ts';
import { testFetch } from './dispatchers.ts';
import { oidc } from './relying-party.ts';

/** Writes `files` (name → object written as JSON, or YAML text) to a temp folder and loads them. */
export async function clientsFromFiles(files: Record<string, object | string>, env: Record<string, string> = {}): Promise<ClientMetadata[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'file-clients-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return await loadClients(dir, env);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** openid-client as client `clientId`, authenticating with `auth`, with extra client `metadata`. */
export function relyingPartyFor(
  issuer: string,
  clientId: string,
  auth: oidc.ClientAuth,
  metadata: Partial<oidc.ClientMetadata> = {},
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, metadata, auth, {
    execute: [oidc.allowInsecureRequests],
    [oidc.customFetch]: (url, options) => testFetch(url, options as RequestInit),
  });
}

/** The `error` an authorization response carries, from its query or its fragment. */
export function authorizationError(location: string): string | null {
  const url = new URL(location);
  return url.searchParams.get('error') ?? new URLSearchParams(url.hash.slice(1)).get('error');
}
