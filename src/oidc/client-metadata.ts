import type { Client, ClientMetadata } from 'oidc-provider';

const cache = new WeakMap<Client, Readonly<ClientMetadata>>();

/**
 * A client's metadata by its snake_case names (first_party, allowed_groups, our other client-file
 * fields). oidc-provider's `client.metadata()` rebuilds and re-cases every field on each call, and
 * a sign-in asks several times; a Client never changes once built (a reloaded client file makes a
 * new one), so each instance's answer is kept.
 */
export function metadataOf(client: Client): Readonly<ClientMetadata> {
  let metadata = cache.get(client);
  if (!metadata) {
    metadata = Object.freeze(client.metadata());
    cache.set(client, metadata);
  }
  return metadata;
}
