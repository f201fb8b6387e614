/**
 * `npm run admin -- <command>`: the admin CLI (see `npm run admin -- help`). In the container:
 * `docker compose exec app node src/admin/main.ts <command>`.
 */
import '../startup/check-native-modules.ts';
import { runAdmin } from './run.ts';

const { out, err, code } = await runAdmin(process.argv.slice(2), process.env);
process.stdout.write(out);
process.stderr.write(err);
process.exitCode = code;
