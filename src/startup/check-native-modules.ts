/**
 * Imported first by src/server.ts, for its side effect: ES modules are evaluated in import order, so
 * this runs before any module that loads a native addon, and a stale install stops start-up at once.
 */
import { findWrongNodeBuilds, wrongNodeBuildMessage } from './native-modules.ts';

const wrong = findWrongNodeBuilds();
if (wrong.length > 0) {
  process.stderr.write(`error: ${wrongNodeBuildMessage(wrong)}\n`);
  process.exit(1);
}
