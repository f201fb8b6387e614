import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../lib/logger.ts';
import { metadataOf } from './client-metadata.ts';

/**
 * Whether a code request without `code_challenge` may go on. Public clients must always use
 * PKCE (S256). Confidential clients may instead send an OIDC `nonce`, which RFC 9700 §2.1.1
 * accepts as their protection against code injection: mod_auth_openidc, Authlib, go-oidc and
 * Authlib send a nonce and no PKCE by default. `pkce_required: true` in a client file insists on
 * PKCE; `pkce_required: false` accepts a code request with neither (passport-openidconnect 0.1 and
 * go-oidc's documented flow send only `state`): the operator's explicit choice for an app that
 * cannot do better, not a default. A refusal is our own error page (not a redirect the app would
 * garble), naming the client and the client-file key, and a log line.
 */
export function createPkcePolicy(logger: Logger) {
  function refuse(client: Client, description: string): never {
    logger.warn({ clientId: client.clientId }, `authorization request refused: ${description}`);
    const error = new errors.InvalidRequest(description);
    error.allow_redirect = false;
    throw error;
  }

  return (ctx: KoaContextWithOIDC, client: Client): boolean => {
    const id = client.clientId;
    if (client.clientAuthMethod === 'none') {
      refuse(client, `the app "${id}" is a public client ("token_endpoint_auth_method": "none" in its client file) and must use PKCE (code_challenge with S256): enable PKCE in the app, or, if it can keep a secret, give its client file a client_secret`);
    }
    if (metadataOf(client)['pkce_required'] === true) {
      refuse(client, `the app "${id}" sent no PKCE code_challenge, which its client file requires ("pkce_required": true); enable PKCE in the app, or remove pkce_required from its client file`);
    }
    if (!ctx.oidc.params?.['nonce'] && metadataOf(client)['pkce_required'] !== false) {
      refuse(client, `the app "${id}" sent neither a PKCE code_challenge nor a nonce, and a confidential client needs one of them against code injection: enable PKCE or the nonce in the app, or, for an app that can do neither, set "pkce_required": false in its client file`);
    }
    return false;
  };
}
