import type { LoadedClient } from './schema.ts';

/**
 * The client_ids of the example files shipped in ./clients (example.json, example.yaml). They are
 * told apart by client_id, not by content: an example whose redirect URI was edited is still the
 * example app, and a real app has its own client_id. A test keeps this list in step with ./clients.
 */
export const SHIPPED_EXAMPLE_CLIENT_IDS: readonly string[] = ['example-app', 'example-third-party'];

/**
 * What to warn about at start in production, when CLIENTS_DIR was left with the shipped examples
 * (public clients with localhost redirect URIs; example-app even skips consent) or with no file at
 * all; undefined when it holds only the operator's own clients. Starting is not refused: a trial
 * on the examples is legitimate, and the examples can do no more than any public client.
 */
export function productionClientsWarning(loaded: readonly LoadedClient[], dir: string): string | undefined {
  if (loaded.length === 0) {
    return `CLIENTS_DIR ${dir} has no client files, so no app can sign anyone in; put one JSON or YAML file per app there (with Docker, mount your clients folder at ${dir})`;
  }
  const examples = loaded.filter(({ client }) => SHIPPED_EXAMPLE_CLIENT_IDS.includes(client.client_id));
  if (examples.length === 0) return undefined;
  const named = examples.map(({ client, file }) => `${client.client_id} (${file})`).join(', ');
  if (examples.length === loaded.length) {
    return `CLIENTS_DIR ${dir} holds only the shipped example clients, ${named}: they are for trying the provider out, not for production; replace them with your own apps' client files (with Docker, mount your clients folder at ${dir})`;
  }
  return `CLIENTS_DIR ${dir} still holds the shipped example clients ${named} next to your own; remove them in production (their redirect URIs are on localhost, and example-app skips consent)`;
}
