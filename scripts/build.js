// Plain JavaScript so that an old Node.js gets a clear message instead of a syntax error.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`error: Node.js 24 or newer is required (this is ${process.version}); see README.md`);
  process.exit(1);
}

// The SimpleWebAuthn browser bundle is served from our own origin: no CDN, CSP 'self' only.
const require = createRequire(import.meta.url);
// The package's exports hide dist/; find its root from the CommonJS entry (script/index.js).
const packageRoot = path.dirname(path.dirname(require.resolve('@simplewebauthn/browser')));
const bundle = path.join(packageRoot, 'dist/bundle/index.umd.min.js');
const target = new URL('../public/vendor/', import.meta.url);
mkdirSync(target, { recursive: true });
copyFileSync(bundle, new URL('simplewebauthn-browser.umd.min.js', target));
