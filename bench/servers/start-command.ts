// The product is measured as `npm start` runs it: the Node flags in package.json's start script
// (the heap settings of README's Memory paragraph) come along, so the bench measures what ships.
import { readFileSync } from 'node:fs';

const START_SCRIPT = /^node((?:\s+--[a-z0-9-]+(?:=[^\s=]+)?)*)\s+src\/main\.ts$/;

/** The flags between `node` and `src/main.ts` in a package.json's start script. */
export function startCommandFlags(packageJson: URL = new URL('../../package.json', import.meta.url)): string[] {
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts?: Record<string, unknown> };
  const start = manifest.scripts?.['start'];
  const match = typeof start === 'string' ? START_SCRIPT.exec(start.trim()) : null;
  if (!match) throw new Error(`${packageJson.pathname}: scripts.start should read "node [--flag …] src/main.ts", not ${JSON.stringify(start)}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}
