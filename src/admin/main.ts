/**
 * `npm run admin -- <command>`: the admin CLI (see `npm run admin -- help`). In the container:
 * `docker compose exec app node src/admin/main.ts <command>`. The compile cache goes on before the
 * rest is loaded (as in src/main.ts); the native-module check still runs before any addon loads.
 */
import { enablePrivateCompileCache } from '../startup/compile-cache.ts';

enablePrivateCompileCache();
await import('../startup/check-native-modules.ts');
const { runAdmin } = await import('./run.ts');

const { out, err, code } = await runAdmin(process.argv.slice(2), process.env);
process.stdout.write(out);
process.stderr.write(err);
process.exitCode = code;
