import type { Report } from './rules.ts';
import type { Parsed } from './schema.ts';

/**
 * What each token_endpoint_auth_method needs besides the method itself. client_secret_jwt signs
 * with the client_secret (checked with the other secret-based methods in rules.ts); private_key_jwt
 * signs with the app's private key, whose public half the file gives as jwks or jwks_uri.
 */
export function checkClientAuthRules(client: Parsed, report: Report): void {
  const method = client.token_endpoint_auth_method;
  const keysGiven = client.jwks !== undefined || client.jwks_uri !== undefined;
  if (client.jwks !== undefined && client.jwks_uri !== undefined) {
    report(['jwks_uri'], 'cannot be used together with jwks; keep jwks_uri when the app publishes its keys at a URL (they can then change without editing this file), or jwks to list them here');
  }
  if (method === 'private_key_jwt') {
    if (!keysGiven) {
      report(['jwks_uri'], 'is missing; private_key_jwt needs the app\'s public keys: add jwks_uri (the https URL where the app publishes them) or jwks (the public keys themselves)');
    }
    if (client.client_secret !== undefined) {
      report(['client_secret'], 'is never used: a private_key_jwt client proves itself with its private key; remove client_secret');
    }
  } else if (keysGiven) {
    report([client.jwks === undefined ? 'jwks_uri' : 'jwks'], `is only used with "token_endpoint_auth_method": "private_key_jwt" (this client uses ${method}); set that, or remove it`);
  }
}
