/**
 * Where the CPU went: self time by function over every `.cpuprofile` in a directory (the
 * profiles `--cpu-prof` writes, one per thread of each node), as % of busy samples (idle left out).
 *
 *   npx node bench/profile-top.ts /tmp/prof [--top 25] [--by-file]
 *
 * `--by-file` sums self time per source file (or package) instead of per function.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, 'by-file': { type: 'boolean', default: false } },
});
const dir = positionals[0];
if (dir === undefined) {
  console.error('usage: npx node bench/profile-top.ts DIR [--top N] [--by-file]');
  process.exit(2);
}

/** `node_modules/@scope/pkg/...` → `@scope/pkg`; our files keep their last two path parts. */
function where(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  return url.split('/').slice(-2).join('/') || '(native)';
}

const self = new Map<string, number>();
let busy = 0;
let idle = 0;
const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
for (const file of files) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += us;
      return;
    }
    const key = values['by-file']
      ? where(frame.url)
      : `${frame.functionName || '(anonymous)'} ${where(frame.url)}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
    busy += us;
  });
}
console.log(
  `${files.length} profiles: ${(busy / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle; self time as % of busy`,
);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(
    `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(6)} s  ${key}`,
  );
}
