import { lstatSync, mkdirSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';

/** Private to the user: a folder others can write could hand this process code to run. */
function isPrivateFolder(folder: string, uid: number | undefined): boolean {
  const stats = lstatSync(folder);
  return stats.isDirectory() && (uid === undefined || stats.uid === uid) && (stats.mode & 0o022) === 0;
}

/**
 * Node's compile cache keeps each module's type-stripped and compiled code between starts, so a
 * restart does not strip and compile every TypeScript file and library again (see README,
 * Performance). The cache is code this process will run: it lives in a folder of this user's own
 * that nobody else can write, never in the shared temporary folder Node picks by default, and is
 * left off when that folder cannot be made private. NODE_COMPILE_CACHE (a folder the operator
 * chose) and NODE_DISABLE_COMPILE_CACHE=1 keep the meaning Node gives them.
 */
export function enablePrivateCompileCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['NODE_COMPILE_CACHE'] || env['NODE_DISABLE_COMPILE_CACHE']) return undefined;
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.cache');
  const ours = path.join(base, 'passkey-idp');
  const folder = path.join(ours, 'compile-cache');
  const uid = process.getuid?.();
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (!isPrivateFolder(ours, uid) || !isPrivateFolder(folder, uid)) return undefined;
  } catch {
    // A read-only or missing home: start without the cache, as Node would.
    return undefined;
  }
  return enableCompileCache(folder).directory;
}
