/**
 * `npm run clients:check`: loads every client file in CLIENTS_DIR (default ./clients) exactly as
 * the server does at start-up and prints one line per client, or every problem found (exit 1).
 */
import { clientsDirFrom, formatClientsSummary, loadClientFiles } from '../config/clients.ts';
import { ConfigError } from '../errors.ts';

const dir = clientsDirFrom(process.env);

try {
  const clients = await loadClientFiles(dir, process.env);
  for (const line of formatClientsSummary(clients)) console.log(line);
  for (const warning of clients.flatMap((c) => c.warnings)) console.warn(`warning: ${warning}`);
  if (clients.length === 0) {
    console.log(`No client files in ${dir}; add one JSON or YAML file per app (see clients/example.json).`);
  } else {
    console.log(`${clients.length} client${clients.length === 1 ? '' : 's'} OK in ${dir}`);
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  for (const line of error.lines) console.error(line);
  console.error(`${error.lines.length} problem${error.lines.length === 1 ? '' : 's'} in ${dir}; fix them and run npm run clients:check again`);
  process.exitCode = 1;
}
