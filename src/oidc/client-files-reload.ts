import type { ClientMetadata } from 'oidc-provider';
import { loadClientFiles } from '../config/clients.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../lib/logger.ts';

export interface ClientFilesReloadDeps {
  clientsDir: string;
  /** The environment the files' `${NAME}` values are read from. */
  env: Record<string, string | undefined>;
  /** Rebuilds the provider with these clients (provider-holder.ts `reload`). */
  apply(clients: ClientMetadata[]): void;
  /** How many clients are running now, for the "kept" line. */
  running: number;
  logger: Logger;
}

/**
 * SIGHUP: re-reads CLIENTS_DIR with the same checks as at start. All good: the provider is rebuilt
 * with the new clients (requests in flight finish with the old set). Any problem: the running
 * clients stay, and each problem is logged as at start (file, field, what is wrong). Reloads run
 * one after another; a signal during a reload reads the files again after it.
 */
export function createClientFilesReload(deps: ClientFilesReloadDeps): () => Promise<boolean> {
  let running = deps.running;
  let chain: Promise<boolean> = Promise.resolve(true);

  async function reload(): Promise<boolean> {
    const { logger, clientsDir } = deps;
    try {
      const files = await loadClientFiles(clientsDir, deps.env);
      deps.apply(files.map((entry) => entry.client));
      running = files.length;
      for (const warning of files.flatMap((entry) => entry.warnings)) logger.warn(`client file: ${warning}`);
      logger.info({ clientsDir, clients: files.length }, `client files reloaded: ${files.length} client(s)`);
      return true;
    } catch (error) {
      if (!(error instanceof ConfigError)) {
        logger.error({ err: error, clientsDir }, `client files not reloaded; the ${running} running client(s) stay`);
        return false;
      }
      for (const line of error.lines) logger.error({ clientsDir }, `client files not reloaded: ${line}`);
      logger.warn({ clientsDir, clients: running }, `client files not reloaded: fix the problems above and send SIGHUP again; the ${running} running client(s) stay`);
      return false;
    }
  }

  return () => (chain = chain.then(reload, reload));
}
