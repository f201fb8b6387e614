import { errors, type Client } from 'oidc-provider';
import { metadataOf } from './client-metadata.ts';

/** The parts of a token the policy looks at. */
interface TokenOwner {
  clientId?: string | undefined;
}

/**
 * A client may introspect or revoke its own tokens, and those of the clients its file names in
 * `resource_server_for` (an API that checks the tokens of the apps calling it). Anything else is
 * another app's business: introspection answers `active: false`, revocation is refused.
 */
export function mayAccessToken(client: Client, token: TokenOwner): boolean {
  if (token.clientId === client.clientId) return true;
  const allowed = metadataOf(client)['resource_server_for'];
  return Array.isArray(allowed) && token.clientId !== undefined && allowed.includes(token.clientId);
}

export async function introspectionAllowed(_ctx: unknown, client: Client, token: TokenOwner): Promise<boolean> {
  return mayAccessToken(client, token);
}

export async function revocationAllowed(_ctx: unknown, client: Client, token: TokenOwner): Promise<boolean> {
  if (mayAccessToken(client, token)) return true;
  // RFC 7009 §2.1: a token issued to another client is refused, and the caller told so.
  throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
}
