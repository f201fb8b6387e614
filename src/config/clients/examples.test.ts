import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadClientFiles } from '../clients.ts';
import { productionClientsWarning, SHIPPED_EXAMPLE_CLIENT_IDS } from './examples.ts';

const SHIPPED = fileURLToPath(new URL('../../../clients/', import.meta.url));
const made: string[] = [];

after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function folder(files: Record<string, object>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clients-examples-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), JSON.stringify(content));
  return dir;
}

const own = { client_id: 'wiki', client_secret: 'k'.repeat(40), redirect_uris: ['https://wiki.example.com/cb'] };

describe('productionClientsWarning', () => {
  test('knows the client_id of every example file shipped in ./clients', async () => {
    const shipped = await loadClientFiles(SHIPPED, {});
    assert.deepEqual(shipped.map(({ client }) => client.client_id).sort(), [...SHIPPED_EXAMPLE_CLIENT_IDS].sort());
  });

  test('warns when CLIENTS_DIR holds only the shipped examples, naming them', async () => {
    const warning = productionClientsWarning(await loadClientFiles(SHIPPED, {}), '/app/clients');
    assert.match(warning ?? '', /^CLIENTS_DIR \/app\/clients holds only the shipped example clients, example-app \(\S+example\.json\), example-third-party \(\S+example\.yaml\): .*not for production; replace them with your own apps' client files/);
  });

  test('an edited copy of an example is still the example', async () => {
    const copy = { client_id: 'example-app', token_endpoint_auth_method: 'none', redirect_uris: ['https://spa.example.com/cb'] };
    assert.match(productionClientsWarning(await loadClientFiles(await folder({ 'mine.json': copy }), {}), 'clients') ?? '', /holds only the shipped example clients, example-app/);
  });

  test('warns about examples left next to the operator\'s own clients', async () => {
    const dir = await folder({ 'wiki.json': own, 'example.json': { client_id: 'example-app', token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:8080/callback'] } });
    const warning = productionClientsWarning(await loadClientFiles(dir, {}), dir);
    assert.match(warning ?? '', /still holds the shipped example clients example-app \(\S+example\.json\) next to your own; remove them/);
    assert.doesNotMatch(warning ?? '', /wiki/);
  });

  test('warns when there is no client file at all', async () => {
    assert.match(productionClientsWarning([], '/app/clients') ?? '', /^CLIENTS_DIR \/app\/clients has no client files, so no app can sign anyone in/);
  });

  test('says nothing when every client is the operator\'s own', async () => {
    assert.equal(productionClientsWarning(await loadClientFiles(await folder({ 'wiki.json': own }), {}), 'clients'), undefined);
  });
});
