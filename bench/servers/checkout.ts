// A revision of this repository checked out beside the working tree (a git worktree that shares
// node_modules), so its product can be measured against another's in the same run. Both sides of
// a comparison are checked out alike: a server started from the working tree measured 2–9 % apart
// from the very same code checked out under /tmp, in either direction from one day to the next.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { startProduct } from './product.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Checkout {
  /** The revision as given, for tables. */
  revision: string;
  startProduct: typeof startProduct;
  remove(): void;
}

const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * The working tree as a commit, its uncommitted changes to tracked files included (a stash
 * commit, made without touching the tree or the stash list); HEAD when there are none. Files git
 * does not track yet are not in it.
 */
export function workingTreeRevision(): string {
  return git('stash', 'create') || git('rev-parse', 'HEAD');
}

export async function checkOut(revision: string): Promise<Checkout> {
  let commit: string;
  try {
    commit = git('rev-parse', '--verify', '--quiet', `${revision}^{commit}`);
  } catch {
    throw new Error(`--against ${revision}: not a commit of this repository`);
  }
  const folder = path.join(mkdtempSync(path.join(tmpdir(), 'idp-bench-against-')), 'tree');
  git('worktree', 'add', '--detach', folder, commit);
  const remove = () => git('worktree', 'remove', '--force', folder);
  try {
    // Same dependencies as this tree: what differs is the product's own code.
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(folder, 'node_modules'));
    const module = (await import(path.join(folder, 'bench/servers/product.ts'))) as { startProduct: typeof startProduct };
    return { revision, startProduct: module.startProduct, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
