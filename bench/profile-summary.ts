// Where a server's CPU went, from a V8 CPU profile written by `npm run bench -- --profile DIR`:
// self time by function and by package (a dependency in node_modules, our src/ folders, Node itself).
//
//   node bench/profile-summary.ts DIR/embedded-product/*.cpuprofile [--top 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
const top = Number(values.top);

/** A dependency, a folder of ours, or Node's own code: what a change would be made to. */
function packageOf(url: string): string {
  if (!url) return '(native / GC / idle)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  const ours = /\/(src|bench)\/(.+)\/[^/]+$/.exec(url) ?? /\/(src|bench)\/()[^/]+$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`.replace(/\/$/, '');
  return url.startsWith('node:') ? 'node' : url;
}

function print(title: string, totals: Map<string, number>, all: number): void {
  console.log(`\n${title}`);
  for (const [name, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * micros) / all).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let all = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    all += micros;
    const where = url ? `${url.replace(/^.*?(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'} ${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byPackage.set(packageOf(url), (byPackage.get(packageOf(url)) ?? 0) + micros);
  }
  console.log(`${file}: ${(all / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle`);
  print('by package (self time)', byPackage, all);
  print('by function (self time)', byFunction, all);
}
