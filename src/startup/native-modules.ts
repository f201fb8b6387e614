/**
 * Native addons are compiled for one Node.js ABI. After `npm ci` on one Node and a switch to
 * another without reinstalling, loading them fails deep inside start-up, where the error looks like
 * a database outage and is retried for half a minute. Loading each addon up front turns that into
 * one line that names the fix.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export interface NativeModule {
  name: string;
  /** Makes the addon's binary load. Importing is not always enough: better-sqlite3 loads it lazily. */
  load(require: NodeJS.Require): void;
}

/** Every native addon the app uses (src/stores/sqlite.ts, the embedded TypeORM driver, src/services/magic-links.ts). */
export const NATIVE_MODULES: readonly NativeModule[] = [
  {
    name: 'better-sqlite3',
    load(require) {
      const Database = require('better-sqlite3') as typeof BetterSqlite3;
      new Database(':memory:').close();
    },
  },
  { name: 'argon2', load: (require) => void require('argon2') },
];

/**
 * The ways Node says an addon was built for another Node.js: a NODE_MODULE_VERSION mismatch,
 * "did not self-register" (an addon without a registration hook this Node understands), or the
 * dlopen failure code that wraps them (also a binary from another platform, fixed the same way).
 */
const WRONG_BUILD_TEXT = [/NODE_MODULE_VERSION/, /did not self-register/i, /compiled against a different Node\.js version/i];

export function isWrongNodeBuild(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 'ERR_DLOPEN_FAILED') return true;
  return typeof message === 'string' && WRONG_BUILD_TEXT.some((pattern) => pattern.test(message));
}

export function wrongNodeBuildMessage(modules: readonly string[], nodeVersion: string = process.version): string {
  return `native modules in node_modules were built for another Node.js version (${modules.join(', ')}), not this Node ${nodeVersion}: run npm ci again`;
}

/**
 * Loads every addon and returns the names of those built for another Node.js. Any other failure
 * (e.g. a module that is not installed at all) is thrown unchanged: it is not ours to explain.
 */
export function findWrongNodeBuilds(
  modules: readonly NativeModule[] = NATIVE_MODULES,
  require: NodeJS.Require = createRequire(import.meta.url),
): string[] {
  const wrong: string[] = [];
  for (const addon of modules) {
    try {
      addon.load(require);
    } catch (error) {
      if (!isWrongNodeBuild(error)) throw error;
      wrong.push(addon.name);
    }
  }
  return wrong;
}
