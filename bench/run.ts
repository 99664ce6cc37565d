/**
 * `npm run bench`: lists the benches (each file of bench/ whose header shows how to run it)
 * with that usage line; `npm run bench -- NAME [ARGS…]` runs bench/NAME.ts with ARGS.
 * Record what they print in bench/README.md, beside the load average at their start.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const benches = new Map<string, string>();
for (const file of readdirSync(dir).sort()) {
  if (!file.endsWith('.ts') || file === 'run.ts') continue;
  const usage = readFileSync(join(dir, file), 'utf8').match(/npx node bench\/[\w-]+\.ts[^\n]*/)?.[0];
  if (usage !== undefined) benches.set(file.slice(0, -'.ts'.length), usage.replace(/\s+#.*$/, '').trim());
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined) {
  console.log('benches (npm run bench -- NAME [ARGS…]; figures in bench/README.md):');
  for (const [bench, usage] of benches) console.log(`  ${bench.padEnd(20)} ${usage}`);
} else if (!benches.has(name)) {
  console.error(`unknown bench ${JSON.stringify(name)}; one of: ${[...benches.keys()].join(', ')}`);
  process.exitCode = 2;
} else {
  const run = spawnSync(process.execPath, [join(dir, `${name}.ts`), ...args], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
}
